package org.moe4j.moe.router;

import org.moe4j.autograd.Variable;
import org.moe4j.tensor.Rng;

/** Decides which experts see which tokens, and with what gate weight. */
public interface Router {
    int numExperts();

    /**
     * Routes T tokens. {@code training} switches on training-only noise and jitter, drawn from
     * {@code rng}.
     */
    // x: (T, d)
    Routing route(Variable x, boolean training, Rng rng);

    /** Whether a token's routing depends on other tokens of the batch (then it cannot run in a causal decoder). */
    default boolean looksAcrossTokens() {
        return false;
    }

    /** Called once after each optimizer step with the tokens each expert received; most routers ignore it. */
    default void afterStep(int[] tokensPerExpert) {}
}
