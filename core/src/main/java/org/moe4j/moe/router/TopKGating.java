package org.moe4j.moe.router;

import org.moe4j.autograd.Arithmetic;
import org.moe4j.autograd.SoftmaxOps;
import org.moe4j.autograd.Variable;
import org.moe4j.tensor.Shape;
import org.moe4j.tensor.Tensor;

/**
 * Softmax top-k gating, the one implementation behind {@link SoftmaxTopKRouter},
 * {@link NoisyTopKRouter} and {@link SwitchRouter} (docs/routing.md, token-choice table). With h the
 * (possibly noisy) logits of a token and C its k chosen experts (top-k of h, ties to the lower index):
 * <pre>
 *   SOFTMAX_THEN_TOPK:  p = softmax(h) over all E;  g_i = p_i / (sum_{j in C} p_j + eps) if renormalised, else p_i
 *   TOPK_THEN_SOFTMAX:  g_i = softmax over C of h_i  (already sums to 1: renormalise must be on, eps 0)
 *   then g_i *= outputScale
 * </pre>
 * Mixtral: SOFTMAX_THEN_TOPK, renormalised, eps 0. Qwen2-MoE, DeepSeek-V2: not renormalised.
 * Switch: k = 1, not renormalised. davidmrau/mixture-of-experts: SOFTMAX_THEN_TOPK, renormalised, eps 1e-6.
 */
public record TopKGating(int topK, Order order, boolean renormalize, float renormEpsilon, float outputScale) {

    /** Whether the softmax is taken over all experts before the choice, or over the chosen ones after it. */
    public enum Order { SOFTMAX_THEN_TOPK, TOPK_THEN_SOFTMAX }

    public TopKGating {
        if (topK < 1) {
            throw new IllegalArgumentException("top-k gating: topK = " + topK + " must be >= 1");
        }
        if (!(renormEpsilon >= 0f) || Float.isInfinite(renormEpsilon)) {
            throw new IllegalArgumentException("top-k gating: renormEpsilon = " + renormEpsilon + " must be finite and >= 0");
        }
        if (!Float.isFinite(outputScale) || outputScale <= 0f) {
            throw new IllegalArgumentException("top-k gating: outputScale = " + outputScale + " must be finite and > 0");
        }
        if (order == Order.TOPK_THEN_SOFTMAX && (!renormalize || renormEpsilon != 0f)) {
            throw new IllegalArgumentException("top-k gating: a softmax after top-k already sums to 1 over the chosen"
                    + " experts, so it needs renormalize = true and renormEpsilon = 0 (got " + renormalize + ", "
                    + renormEpsilon + ")");
        }
    }

    /** Mixtral's gating: softmax, top-k, renormalise. */
    public static TopKGating mixtral(int topK) {
        return new TopKGating(topK, Order.SOFTMAX_THEN_TOPK, true, 0f, 1f);
    }

    void requireFits(int numExperts) {
        if (topK > numExperts) {
            throw new IllegalArgumentException("top-k gating: topK = " + topK + " must be in [1, " + numExperts
                    + "] (the number of experts)");
        }
    }

    /** The gating of one batch: p over all experts, the choice, and the gate weights. */
    public record Gated(Variable probs, int[] expertIndex, Variable gates) {}

    // h: (T, E)   probs: (T, E)   expertIndex: (T, k)   gates: (T, k)
    public Gated apply(Variable h) {
        int tokens = h.value().dim(0);
        int experts = h.value().dim(1);
        requireFits(experts);
        Variable probs = SoftmaxOps.softmax(h);
        // softmax is monotone, so top-k of h and of p agree; choose on p as the peers do
        int[] index = topExperts(probs.value().data(), probs.value().offset(), tokens, experts, topK, null);
        Variable gates;
        if (order == Order.SOFTMAX_THEN_TOPK) {
            gates = gatherColumns(probs, index, topK);
            if (renormalize) gates = renormalize(gates, renormEpsilon);
        } else {
            gates = SoftmaxOps.softmax(gatherColumns(h, index, topK));
        }
        if (outputScale != 1f) gates = Arithmetic.scale(gates, outputScale);
        return new Gated(probs, index, gates);
    }

    // The three steps of gating, each with its backward: the choice, the chosen scores, their renormalisation.

    /**
     * Top-k expert indices per row, in descending order with ties to the lower index (docs/routing.md),
     * through the kernel's {@link org.moe4j.kernel.TopK}; an optional bias is added to the scores for
     * the choice only (DeepSeek-V3's selection bias).
     */
    // scores: (rows, cols)   bias: (cols) or null, added for the choice only   out: (rows, k) column indices
    public static int[] topExperts(float[] scores, int off, int rows, int cols, int k, float[] bias) {
        if (k < 1 || k > cols) {
            throw new IllegalArgumentException("top-k: k = " + k + " must be in [1, " + cols + "] (the number of columns)");
        }
        float[] x = scores;
        int xOff = off;
        if (bias != null) {
            x = new float[rows * cols];
            xOff = 0;
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < cols; c++) x[r * cols + c] = scores[off + r * cols + c] + bias[c];
        }
        int[] out = new int[rows * k];
        org.moe4j.kernel.TopK.topK(x, xOff, rows, cols, k, new float[rows * k], 0, out, 0);
        return out;
    }

    /**
     * out[t, j] = in[t, index[t, j]]: picks each token's chosen experts' scores. Backward scatters
     * dOut back to the chosen columns (zero elsewhere).
     */
    // in: (T, E)   index: (T, k)   out: (T, k)
    static Variable gatherColumns(Variable in, int[] index, int k) {
        Tensor v = in.value();
        Shape.requireRank("gather columns", "input", v.shape(), 2);
        int rows = v.dim(0);
        int cols = v.dim(1);
        if (index.length != rows * k) {
            throw new IllegalArgumentException("gather columns: " + index.length + " indices for " + rows + " rows of k = " + k);
        }
        Tensor out = Tensor.zeros(rows, k);
        for (int t = 0; t < rows; t++) {
            for (int j = 0; j < k; j++) {
                int c = index[t * k + j];
                Shape.requireIndex("gather columns", "index", c, cols);
                out.data()[t * k + j] = v.data()[v.offset() + t * cols + c];
            }
        }
        return Variable.result("gather_columns", out, dOut -> {
            Tensor dIn = Tensor.zeros(rows, cols);
            for (int t = 0; t < rows; t++) {
                for (int j = 0; j < k; j++) {
                    dIn.data()[t * cols + index[t * k + j]] += dOut.data()[dOut.offset() + t * k + j];
                }
            }
            in.accumulateGrad(dIn);
        }, in);
    }

    /**
     * Renormalises each row of chosen scores: w_j = v_j / (sum_i v_i + eps) (Mixtral with eps = 0,
     * davidmrau/mixture-of-experts with eps = 1e-6). With S = sum_i v_i + eps, backward:
     * dv_j = dw_j / S - (sum_i dw_i v_i) / S^2.
     */
    // v: (T, k)   w: (T, k)
    static Variable renormalize(Variable v, float eps) {
        Tensor vv = v.value();
        Shape.requireRank("renormalize", "scores", vv.shape(), 2);
        int rows = vv.dim(0);
        int k = vv.dim(1);
        float[] vd = vv.data();
        int v0 = vv.offset();
        Tensor w = Tensor.zeros(rows, k);
        float[] denominators = new float[rows];
        for (int t = 0; t < rows; t++) {
            float s = 0f;
            for (int j = 0; j < k; j++) s += vd[v0 + t * k + j];
            s += eps;
            denominators[t] = s;
            for (int j = 0; j < k; j++) w.data()[t * k + j] = vd[v0 + t * k + j] / s;
        }
        return Variable.result("renormalize", w, dw -> {
            Tensor dv = Tensor.zeros(rows, k);
            float[] g = dw.data();
            int g0 = dw.offset();
            for (int t = 0; t < rows; t++) {
                double s = denominators[t];
                double dot = 0;
                for (int j = 0; j < k; j++) dot += (double) g[g0 + t * k + j] * vd[v0 + t * k + j];
                for (int j = 0; j < k; j++) {
                    dv.data()[t * k + j] = (float) (g[g0 + t * k + j] / s - dot / (s * s));
                }
            }
            v.accumulateGrad(dv);
        }, v);
    }
}
