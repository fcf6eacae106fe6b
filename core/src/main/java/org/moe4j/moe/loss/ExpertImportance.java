package org.moe4j.moe.loss;

import org.moe4j.moe.router.Routing;

import org.moe4j.autograd.Variable;
import org.moe4j.tensor.Tensor;

/**
 * Importance (Shazeer et al. 2017, eq. 6): Importance_e = sum over tokens of the gate weight that
 * token gives expert e (the routed gates, before capacity). Backward: each routed gate gets
 * dImportance of its expert.
 */
public final class ExpertImportance {
    private ExpertImportance() {}

    // gates: flat-indexed by pairGate   importance: (E)
    public static Variable apply(Routing routing) {
        return apply(routing.gates(), routing.numExperts(), routing.pairExpert(), routing.pairGate());
    }

    /** Importance of any set of gated pairs: pair p gives gates[pairGate[p]] to expert pairExpert[p]. */
    // gates: flat-indexed by pairGate   importance: (experts)
    public static Variable apply(Variable gates, int experts, int[] pairExpert, int[] pairGate) {
        Tensor gv = gates.value();
        double[] sum = new double[experts];
        for (int p = 0; p < pairGate.length; p++) sum[pairExpert[p]] += gv.data()[gv.offset() + pairGate[p]];
        Tensor importance = Tensor.zeros(experts);
        for (int e = 0; e < experts; e++) importance.data()[e] = (float) sum[e];
        return Variable.result("expert_importance", importance, dImportance -> {
            Tensor dg = Tensor.zeros(gv.shape());
            for (int p = 0; p < pairGate.length; p++) {
                dg.data()[pairGate[p]] += dImportance.data()[dImportance.offset() + pairExpert[p]];
            }
            gates.accumulateGrad(dg);
        }, gates);
    }

    /** Load as integer counts: pairs routed to each expert (before capacity), no gradient. */
    public static Variable counts(Routing routing) {
        Tensor load = Tensor.zeros(routing.numExperts());
        for (int e : routing.pairExpert()) load.data()[e] += 1f;
        return Variable.constant(load);
    }

    /**
     * The load Shazeer's loss uses: the smooth load ({@link SmoothLoad}) when the routing carries
     * noisy top-k's thresholds (training, k &lt; E), else the integer counts.
     */
    public static Variable load(Routing routing) {
        return routing.noisy() != null && routing.noisy().hasThresholds()
                ? SmoothLoad.apply(routing.logits(), routing.noisy(), routing.topK())
                : counts(routing);
    }
}
