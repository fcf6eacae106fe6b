package org.moe4j.moe.loss;

import org.moe4j.autograd.Variable;
import org.moe4j.tensor.Tensor;

/**
 * Router z-loss (Zoph et al. 2022, "ST-MoE", eq. 5): L_z = (1/T) sum_t (logsumexp_e l_te)^2.
 * Backward: dL_z / dl_te = 2 lse_t softmax(l_t)_e / T.
 */
public final class RouterZLoss {
    private RouterZLoss() {}

    // logits: (T, E)   out: ()
    public static Variable apply(Variable logits) {
        Tensor l = logits.value();
        int tokens = l.dim(0);
        int experts = l.dim(1);
        float[] d = l.data();
        int l0 = l.offset();
        double[] lse = new double[tokens];
        double sum = 0;
        for (int t = 0; t < tokens; t++) {
            lse[t] = logSumExp(d, l0 + t * experts, experts);
            sum += lse[t] * lse[t];
        }
        return Variable.result("router_z_loss", Tensor.scalar((float) (sum / tokens)), dOut -> {
            Tensor dl = Tensor.zeros(tokens, experts);
            double g = dOut.item();
            for (int t = 0; t < tokens; t++) {
                for (int e = 0; e < experts; e++) {
                    double p = Math.exp(d[l0 + t * experts + e] - lse[t]);
                    dl.data()[t * experts + e] = (float) (g * 2 * lse[t] * p / tokens);
                }
            }
            logits.accumulateGrad(dl);
        }, logits);
    }

    public static double logSumExp(float[] x, int off, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, x[off + i]);
        double s = 0;
        for (int i = 0; i < n; i++) s += Math.exp(x[off + i] - max);
        return max + Math.log(s);
    }
}
