package org.moe4j.moe.router;

import org.moe4j.autograd.Variable;

/**
 * A router's decision for one batch of T tokens over E experts.
 *
 * @param logits       (T, E) router logits W_g x, before any noise (z-loss and diagnostics read them)
 * @param probs        (T, E) the routing distribution: softmax of the (noisy) logits, or the sigmoid scores
 * @param topK         choices per token (token choice); 0 for expert choice, where it varies
 * @param expertIndex  (T, topK) chosen experts per token in descending score order (token choice), else empty
 * @param gates        the gate weights, indexed flat by pairGate: (T, topK) for token choice, (T, E) for expert choice
 * @param pairToken    every routed (token, expert) pair, token choice in slot-major order (all first choices,
 *                     then all second choices), which is the order capacity slots are handed out in
 * @param pairExpert   the pair's expert
 * @param pairGate     the pair's gate weight's flat index into gates
 * @param noisy        the noisy top-k router's noise terms while training (smooth load needs them), or null
 */
public record Routing(Variable logits, Variable probs, int topK, int[] expertIndex, Variable gates,
                      int[] pairToken, int[] pairExpert, int[] pairGate, NoisyTerms noisy) {

    /**
     * Noisy top-k's terms: h = clean + n * std, and the top-(k+1) indices of the selection scores
     * (the (k+1)-th is the threshold a token's expert must beat, the k-th the one it must keep);
     * {@code topKPlusOne} is null when k = E, where every expert is always chosen.
     */
    public record NoisyTerms(Variable noisyLogits, Variable noiseStd, Variable thresholdSource, int[] topKPlusOne) {

        /** Whether the smooth load is defined (k &lt; E). */
        public boolean hasThresholds() {
            return topKPlusOne != null;
        }
    }

    public int tokens() {
        return logits.value().dim(0);
    }

    public int numExperts() {
        return logits.value().dim(1);
    }

    /** Token choice pairs in slot-major order for (T, k) choices: pair j*T + t is token t's choice j. */
    public static Routing tokenChoice(Variable logits, Variable probs, int k, int[] expertIndex, Variable gates, NoisyTerms noisy) {
        int tokens = logits.value().dim(0);
        int pairs = tokens * k;
        int[] pairToken = new int[pairs];
        int[] pairExpert = new int[pairs];
        int[] pairGate = new int[pairs];
        for (int j = 0, p = 0; j < k; j++) {
            for (int t = 0; t < tokens; t++, p++) {
                pairToken[p] = t;
                pairExpert[p] = expertIndex[t * k + j];
                pairGate[p] = t * k + j;
            }
        }
        return new Routing(logits, probs, k, expertIndex, gates, pairToken, pairExpert, pairGate, noisy);
    }
}
