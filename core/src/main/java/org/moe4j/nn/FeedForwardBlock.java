package org.moe4j.nn;

import org.moe4j.autograd.Variable;

/**
 * The feed-forward block of a transformer layer (dense, mixture of experts or fast feedforward):
 * a module that maps x (N, d) to (N, d) and adds any auxiliary objective to {@code aux}.
 */
public abstract class FeedForwardBlock extends Module {
    public abstract Variable forward(Variable x, AuxiliaryLosses aux);
}
