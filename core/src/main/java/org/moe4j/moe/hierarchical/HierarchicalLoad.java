package org.moe4j.moe.hierarchical;

import java.util.ArrayList;
import java.util.List;
import org.moe4j.autograd.Variable;
import org.moe4j.tensor.Tensor;

/**
 * The load of a hierarchical MoE per (group, expert) pair (Shazeer et al. 2017, appendix B):
 * <pre>
 *   Load_H(X)_{i,j} = Load_primary(X)_i * Load_i(X^(i))_j / |X^(i)|
 * </pre>
 * where X^(i) are the tokens the primary gate sends to group i and Load_i is the load of group
 * i's secondary router over them; an empty group has load 0. Weighting by the primary load lets
 * the primary gate get a gradient from the secondary level:
 * <pre>
 *   dLoad_primary_i = sum_j dL_ij * Load_i_j / |X^(i)|      dLoad_i_j = dL_ij * Load_primary_i / |X^(i)|
 * </pre>
 * Output index i * b + j, the same flat numbering as the experts.
 */
public final class HierarchicalLoad {
    private HierarchicalLoad() {}

    // primary: (a)   secondary[i]: (b) or null when |X^(i)| = 0   out: (a * b)
    public static Variable apply(Variable primary, Variable[] secondary, int[] groupTokens, int groupSize) {
        int groups = secondary.length;
        Tensor pv = primary.value();
        Tensor out = Tensor.zeros(groups * groupSize);
        for (int i = 0; i < groups; i++) {
            if (secondary[i] == null) continue;
            double scale = pv.at(i) / (double) groupTokens[i];
            for (int j = 0; j < groupSize; j++) out.data()[i * groupSize + j] = (float) (scale * secondary[i].value().at(j));
        }
        List<Variable> inputs = new ArrayList<>(List.of(primary));
        for (Variable s : secondary) if (s != null) inputs.add(s);
        return Variable.result("hierarchical_load", out, dOut -> {
            Tensor dPrimary = Tensor.zeros(groups);
            for (int i = 0; i < groups; i++) {
                if (secondary[i] == null) continue;
                Tensor s = secondary[i].value();
                Tensor ds = Tensor.zeros(groupSize);
                double sum = 0;
                for (int j = 0; j < groupSize; j++) {
                    double g = dOut.at(i * groupSize + j) / (double) groupTokens[i];
                    sum += g * s.at(j);
                    ds.data()[j] = (float) (g * pv.at(i));
                }
                dPrimary.data()[i] = (float) sum;
                secondary[i].accumulateGrad(ds);
            }
            primary.accumulateGrad(dPrimary);
        }, inputs.toArray(Variable[]::new));
    }
}
