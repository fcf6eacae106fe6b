package org.moe4j.nn;

import java.util.Optional;
import org.moe4j.autograd.Variable;

/**
 * The feed-forward block of a transformer layer (dense, mixture of experts or fast feedforward):
 * a module that maps x (N, d) to (N, d) and adds any auxiliary objective to {@code aux}.
 */
public abstract class FeedForwardBlock extends Module {
    public abstract Variable forward(Variable x, AuxiliaryLosses aux);

    /**
     * What the last forward pass did with its experts (a mixture of experts reports tokens per
     * expert, dropped fraction, entropy, ...); empty for a block without experts or before its first pass.
     */
    public Optional<RoutingDiagnostics> diagnostics() {
        return Optional.empty();
    }

    /**
     * Which experts each token of the last forward pass went to, as (token, expert) pairs
     * {pairToken, pairExpert}, or null for a block without experts.
     */
    public int[][] lastAssignments() {
        return null;
    }

    /** Called after each optimizer step (for example a router's bias update); nothing by default. */
    public void afterStep() {}
}
