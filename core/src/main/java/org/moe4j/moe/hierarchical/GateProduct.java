package org.moe4j.moe.hierarchical;

import java.util.ArrayList;
import java.util.List;
import org.moe4j.autograd.Variable;
import org.moe4j.tensor.Tensor;

/**
 * The gate of a hierarchical (group, expert) pair (Shazeer et al. 2017, appendix B): the product
 * of the primary gate of its group and the secondary gate of its expert inside the group,
 * <pre>
 *   g_p = P[primaryIndex_p] * S_{group_p}[secondaryIndex_p]
 *   dP[primaryIndex_p] += dg_p * S_{group_p}[secondaryIndex_p]      dS_{group_p}[secondaryIndex_p] += dg_p * P[primaryIndex_p]
 * </pre>
 * with P the primary gates and S_i the gates of group i's secondary router, both indexed flat.
 */
final class GateProduct {
    private GateProduct() {}

    // primary: any shape   secondary[i]: any shape, or null for a group no pair uses   out: (P)
    static Variable apply(Variable primary, int[] primaryIndex, Variable[] secondary, int[] group, int[] secondaryIndex) {
        int pairs = primaryIndex.length;
        Tensor pv = primary.value();
        Tensor out = Tensor.zeros(pairs);
        for (int p = 0; p < pairs; p++) {
            out.data()[p] = pv.at(primaryIndex[p]) * secondary[group[p]].value().at(secondaryIndex[p]);
        }
        List<Variable> inputs = new ArrayList<>(List.of(primary));
        for (Variable s : secondary) if (s != null) inputs.add(s);
        return Variable.result("gate_product", out, dOut -> {
            Tensor dPrimary = Tensor.zeros(pv.shape());
            Tensor[] dSecondary = new Tensor[secondary.length];
            for (int i = 0; i < secondary.length; i++) {
                if (secondary[i] != null) dSecondary[i] = Tensor.zeros(secondary[i].value().shape());
            }
            for (int p = 0; p < pairs; p++) {
                float g = dOut.at(p);
                Tensor s = secondary[group[p]].value();
                dPrimary.data()[primaryIndex[p]] += g * s.at(secondaryIndex[p]);
                dSecondary[group[p]].data()[secondaryIndex[p]] += g * pv.at(primaryIndex[p]);
            }
            primary.accumulateGrad(dPrimary);
            for (int i = 0; i < secondary.length; i++) {
                if (secondary[i] != null) secondary[i].accumulateGrad(dSecondary[i]);
            }
        }, inputs.toArray(Variable[]::new));
    }
}
