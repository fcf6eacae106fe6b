package org.moe4j.moe.router;

import org.moe4j.autograd.SoftmaxOps;
import org.moe4j.autograd.Variable;
import org.moe4j.nn.Module;
import org.moe4j.nn.ParameterKind;
import org.moe4j.tensor.Init;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.Tensor;

/**
 * Expert-choice routing (Zhou et al. 2022, "Mixture-of-Experts with Expert Choice Routing", eq. 1-2):
 * <pre>
 *   S = softmax(W_g x) per token (T, E);  expert e takes the c = ceil(capacityFactor * T / E) tokens
 *   with the largest S[t, e] (ties to the lower token index);  y_t = sum over experts e that took t of S[t, e] * expert_e(x_t)
 * </pre>
 * Balance is perfect by construction, and a token may get no expert. Which tokens an expert takes
 * depends on the whole batch, later tokens included, so it cannot run in a causal decoder:
 * {@link MoeLayer} refuses that combination.
 */
public final class ExpertChoiceRouter extends Module implements Router {
    private final Variable weight;
    private final double capacityFactor;

    public ExpertChoiceRouter(int dModel, int numExperts, double capacityFactor, Rng rng) {
        MoeChecks.requireExperts(numExperts);
        if (!(capacityFactor > 0) || Double.isInfinite(capacityFactor)) {
            throw new IllegalArgumentException("expert choice: capacityFactor = " + capacityFactor
                    + " must be finite and > 0 (tokens per expert = capacityFactor * T / E; the paper uses 2)");
        }
        double bound = 1.0 / Math.sqrt(dModel);
        this.weight = addParameter("weight", Init.uniform(Tensor.zeros(numExperts, dModel), rng, -bound, bound), ParameterKind.ROUTER);
        this.capacityFactor = capacityFactor;
    }

    public Variable weight() {
        return weight;
    }

    @Override
    public int numExperts() {
        return weight.value().dim(0);
    }

    @Override
    public boolean looksAcrossTokens() {
        return true;
    }

    /** Tokens each expert takes from a batch of T. */
    public int capacity(int tokens) {
        return (int) Math.min(tokens, Math.ceil(capacityFactor * tokens / numExperts()));
    }

    @Override
    public Routing route(Variable x, boolean training, Rng rng) {
        Variable logits = RouterLogits.compute(x, weight, 0f, training, rng);
        Variable probs = SoftmaxOps.softmax(logits);
        int tokens = logits.value().dim(0);
        int experts = numExperts();
        int c = capacity(tokens);
        // the column of each expert, transposed to rows so TopKGating.topExperts picks tokens: (E, T)
        float[] columns = new float[experts * tokens];
        float[] p = probs.value().data();
        for (int t = 0; t < tokens; t++) {
            for (int e = 0; e < experts; e++) columns[e * tokens + t] = p[t * experts + e];
        }
        int[] chosen = TopKGating.topExperts(columns, 0, experts, tokens, c, null);
        int pairs = experts * c;
        int[] pairToken = new int[pairs];
        int[] pairExpert = new int[pairs];
        int[] pairGate = new int[pairs];
        for (int e = 0, q = 0; e < experts; e++) {
            for (int j = 0; j < c; j++, q++) {
                int t = chosen[e * c + j];
                pairToken[q] = t;
                pairExpert[q] = e;
                pairGate[q] = t * experts + e;
            }
        }
        return new Routing(logits, probs, 0, new int[0], probs, pairToken, pairExpert, pairGate, null);
    }
}
