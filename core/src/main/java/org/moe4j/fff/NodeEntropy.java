package org.moe4j.fff;

import org.moe4j.autograd.Variable;
import org.moe4j.kernel.Activations;
import org.moe4j.tensor.Shape;
import org.moe4j.tensor.Tensor;

/**
 * The batch-mean Bernoulli entropy of every node's decision, the hardening loss's ingredient
 * (Belcak and Wattenhofer 2023, section 3; the reference code's compute_entropy_safe):
 * H_n = mean_t [ -p log p - q log q ] with p = clamp(c, eps, 1 - eps), q = clamp(1 - c, eps, 1 - eps),
 * c = sigmoid(logit), eps = 1e-6. A clamped side contributes no gradient, as torch.clamp does.
 */
public final class NodeEntropy {
    private NodeEntropy() {}

    static final float EPSILON = 1e-6f;

    // logits: (T, N)   entropies: (N)
    /** Backward: dH_n/dlogit_{t,n} = (1/T) (log q - log p) c (1 - c), each log term only where its side is unclamped. */
    public static Variable entropies(Variable logits) {
        Tensor lv = logits.value();
        Shape.requireRank("fff entropies", "node logits", lv.shape(), 2);
        int tokens = lv.rows();
        int nodes = lv.cols();
        float[] c = new float[tokens * nodes];
        Activations.sigmoid(lv.data(), lv.offset(), c, 0, c.length);
        Tensor entropies = Tensor.zeros(nodes);
        double[] sums = new double[nodes];
        for (int t = 0; t < tokens; t++) {
            for (int n = 0; n < nodes; n++) {
                float p = clamp(c[t * nodes + n]);
                float q = clamp(1f - c[t * nodes + n]);
                sums[n] += -p * (float) Math.log(p) - q * (float) Math.log(q);
            }
        }
        for (int n = 0; n < nodes; n++) {
            entropies.data()[n] = (float) (sums[n] / tokens);
        }
        return Variable.result("fff entropies", entropies, dEntropies -> {
            Tensor dLogits = Tensor.zeros(tokens, nodes);
            float[] dl = dLogits.data();
            for (int t = 0; t < tokens; t++) {
                for (int n = 0; n < nodes; n++) {
                    float cn = c[t * nodes + n];
                    float qn = 1f - cn;
                    float dc = 0f;
                    if (cn >= EPSILON && cn <= 1f - EPSILON) dc -= (float) Math.log(cn) + 1f;
                    if (qn >= EPSILON && qn <= 1f - EPSILON) dc += (float) Math.log(qn) + 1f;
                    dl[t * nodes + n] = dEntropies.data()[dEntropies.offset() + n] / tokens * dc * cn * (1f - cn);
                }
            }
            logits.accumulateGrad(dLogits);
        }, logits);
    }

    private static float clamp(float p) {
        return Math.min(Math.max(p, EPSILON), 1f - EPSILON);
    }
}
