package org.moe4j.autograd;

import org.moe4j.tensor.Tensor;

/**
 * The hand-written backward of one operation: given dLoss/dOutput, it adds dLoss/dInput to every
 * input that requires a gradient (through {@link Variable#accumulateGrad}). It may hand the same
 * tensor to several inputs, and may hand over {@code gradOutput} itself: {@link Variable} copies
 * before it ever writes into a gradient it does not own.
 */
@FunctionalInterface
public interface Backward {
    void apply(Tensor gradOutput);
}
