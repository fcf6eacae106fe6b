package org.moe4j.moe;

import org.moe4j.moe.loss.NormalCdf;
import org.moe4j.moe.router.TopKGating;

/**
 * A plain per-token MoE in double precision, written straight from the formulas and independent
 * of the fast path: for each token, logits, softmax, top-k (ties to the lower index), gate
 * weights, capacity slots handed out first come first served (all first choices of a group
 * before any second choice), and the chosen experts run one token at a time.
 */
final class PerTokenMoe {
    enum ExpertKind { SWIGLU, MLP_RELU, MLP_GELU }

    /**
     * @param x       (T, d)
     * @param wg      (E, d)
     * @param w1      SwiGLU: w1 (E, h, d); MLP: fc1 (E, h, d)
     * @param w3      SwiGLU: w3 (E, h, d); MLP: fc1 bias (E, h) or null
     * @param w2      SwiGLU: w2 (E, out, h); MLP: fc2 (E, out, h)
     * @param b2      MLP: fc2 bias (E, out) or null
     */
    record Config(int tokens, int d, int experts, int hidden, int out, ExpertKind kind, TopKGating gating,
                  double capacityFactor, int groupTokens, boolean outputSoftmax) {}

    static double[] forward(Config c, double[] x, double[] wg, double[] w1, double[] w3, double[] w2, double[] b2) {
        int tokens = c.tokens();
        int experts = c.experts();
        int k = c.gating().topK();
        int[][] chosen = new int[tokens][];
        double[][] gate = new double[tokens][];
        for (int t = 0; t < tokens; t++) {
            double[] logits = new double[experts];
            for (int e = 0; e < experts; e++) {
                for (int i = 0; i < c.d(); i++) logits[e] += wg[e * c.d() + i] * x[t * c.d() + i];
            }
            double[] p = softmax(logits);
            chosen[t] = topK(p, k);
            gate[t] = new double[k];
            if (c.gating().order() == TopKGating.Order.SOFTMAX_THEN_TOPK) {
                double sum = 0;
                for (int j = 0; j < k; j++) sum += p[chosen[t][j]];
                for (int j = 0; j < k; j++) {
                    gate[t][j] = c.gating().renormalize() ? p[chosen[t][j]] / (sum + c.gating().renormEpsilon()) : p[chosen[t][j]];
                }
            } else {
                double[] sub = new double[k];
                for (int j = 0; j < k; j++) sub[j] = logits[chosen[t][j]];
                gate[t] = softmax(sub);
            }
            for (int j = 0; j < k; j++) gate[t][j] *= c.gating().outputScale();
        }
        boolean[][] kept = new boolean[tokens][k];
        int slots = c.capacityFactor() == 0 ? Integer.MAX_VALUE
                : (int) Math.ceil(c.capacityFactor() * c.groupTokens() * k / experts);
        int[][] used = new int[tokens / c.groupTokens()][experts];
        for (int j = 0; j < k; j++) {
            for (int t = 0; t < tokens; t++) {
                int g = t / c.groupTokens();
                if (used[g][chosen[t][j]] < slots) {
                    used[g][chosen[t][j]]++;
                    kept[t][j] = true;
                }
            }
        }
        double[] y = new double[tokens * c.out()];
        for (int t = 0; t < tokens; t++) {
            for (int j = 0; j < k; j++) {
                if (!kept[t][j]) continue;
                double[] ye = expert(c, chosen[t][j], x, t, w1, w3, w2, b2);
                for (int o = 0; o < c.out(); o++) y[t * c.out() + o] += gate[t][j] * ye[o];
            }
        }
        return y;
    }

    static double[] expert(Config c, int e, double[] x, int t, double[] w1, double[] w3, double[] w2, double[] b2) {
        int d = c.d();
        int h = c.hidden();
        double[] hidden = new double[h];
        for (int r = 0; r < h; r++) {
            double a = 0;
            double b = 0;
            for (int i = 0; i < d; i++) {
                a += w1[(e * h + r) * d + i] * x[t * d + i];
                if (c.kind() == ExpertKind.SWIGLU) b += w3[(e * h + r) * d + i] * x[t * d + i];
            }
            if (c.kind() == ExpertKind.SWIGLU) {
                hidden[r] = a / (1 + Math.exp(-a)) * b;
            } else {
                if (w3 != null) a += w3[e * h + r];
                hidden[r] = c.kind() == ExpertKind.MLP_RELU ? Math.max(0, a) : a * NormalCdf.cdf(a);
            }
        }
        double[] y = new double[c.out()];
        for (int o = 0; o < c.out(); o++) {
            for (int r = 0; r < h; r++) y[o] += w2[(e * c.out() + o) * h + r] * hidden[r];
            if (b2 != null) y[o] += b2[e * c.out() + o];
        }
        return c.outputSoftmax() ? softmax(y) : y;
    }

    static double[] softmax(double[] l) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : l) max = Math.max(max, v);
        double s = 0;
        double[] p = new double[l.length];
        for (int i = 0; i < l.length; i++) {
            p[i] = Math.exp(l[i] - max);
            s += p[i];
        }
        for (int i = 0; i < l.length; i++) p[i] /= s;
        return p;
    }

    static int[] topK(double[] p, int k) {
        int[] out = new int[k];
        boolean[] taken = new boolean[p.length];
        for (int j = 0; j < k; j++) {
            int best = -1;
            for (int e = 0; e < p.length; e++) {
                if (!taken[e] && (best < 0 || p[e] > p[best])) best = e;
            }
            taken[best] = true;
            out[j] = best;
        }
        return out;
    }
}
