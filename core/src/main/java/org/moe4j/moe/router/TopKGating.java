package org.moe4j.moe.router;

import org.moe4j.autograd.Arithmetic;
import org.moe4j.autograd.SoftmaxOps;
import org.moe4j.autograd.Variable;

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
        int[] index = TopExperts.indices(probs.value().data(), probs.value().offset(), tokens, experts, topK, null);
        Variable gates;
        if (order == Order.SOFTMAX_THEN_TOPK) {
            gates = GatherColumns.apply(probs, index, topK);
            if (renormalize) gates = Renormalize.apply(gates, renormEpsilon);
        } else {
            gates = SoftmaxOps.softmax(GatherColumns.apply(h, index, topK));
        }
        if (outputScale != 1f) gates = Arithmetic.scale(gates, outputScale);
        return new Gated(probs, index, gates);
    }
}
