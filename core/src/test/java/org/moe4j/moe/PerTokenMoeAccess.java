package org.moe4j.moe;

import org.moe4j.moe.router.TopKGating;

/**
 * The per-token double reference for tests in other packages: a dropless Mixtral block (softmax,
 * top-k, renormalise, SwiGLU experts) and its load-balancing loss in Hugging Face's normalisation,
 * aux = E * sum_e (tokens choosing e over all k slots / T) * mean_t p_te.
 */
public record PerTokenMoeAccess(int tokens, int d, int experts, int hidden, int topK, double[] gate, double[] w1,
                                double[] w3, double[] w2) {

    public double[] out(double[] x) {
        PerTokenMoe.Config c = new PerTokenMoe.Config(tokens, d, experts, hidden, d, PerTokenMoe.ExpertKind.SWIGLU,
                TopKGating.mixtral(topK), 0, tokens, false);
        return PerTokenMoe.forward(c, x, gate, w1, w3, w2, null);
    }

    public double mixtralAux(double[] x) {
        double[] f = new double[experts];
        double[] p = new double[experts];
        for (int t = 0; t < tokens; t++) {
            double[] logits = new double[experts];
            for (int e = 0; e < experts; e++) {
                for (int i = 0; i < d; i++) logits[e] += gate[e * d + i] * x[t * d + i];
            }
            double[] probs = PerTokenMoe.softmax(logits);
            for (int e : PerTokenMoe.topK(probs, topK)) f[e] += 1.0 / tokens;
            for (int e = 0; e < experts; e++) p[e] += probs[e] / tokens;
        }
        double s = 0;
        for (int e = 0; e < experts; e++) s += f[e] * p[e];
        return experts * s;
    }
}
