package org.moe4j.moe;

import java.util.List;
import org.moe4j.autograd.Variable;
import org.moe4j.tensor.ScratchArrays;

/**
 * E feed-forward experts with stacked weights, run on rows already grouped by expert. The forward
 * returns what its backward needs; the backward accumulates every weight gradient and returns dX.
 * Implementations never loop over single tokens: each projection is one grouped GEMM.
 */
public interface Experts {
    /** The experts held here: all of the layer's, or a slice of them ({@link ExpertSlice}). */
    int numExperts();

    /** The layer's index of the first held expert; held expert i is the layer's expert first + i. */
    default int firstExpert() {
        return 0;
    }

    /** The layer's expert count, held here or not. */
    default int totalExperts() {
        return numExperts();
    }

    int inputSize();

    int outputSize();

    /** The weight variables, the inputs of the dispatch op in the autograd graph. */
    List<Variable> parameters();

    /** Saved activations of one forward pass. */
    interface Pass {
        // y: (P, out) expert outputs, rows grouped by expert
        float[] output();
    }

    // xs: (P, in) rows sorted by expert
    Pass forward(float[] xs, ExpertGroups groups);

    // dy: (P, out)   returns dxs: (P, in), or null when needInputGrad is false; may overwrite the
    // pass's saved activations (a pass is backpropagated once, then released)
    float[] backward(Pass pass, float[] xs, ExpertGroups groups, float[] dy, boolean needInputGrad);

    /** The arrays this layer's passes lend each other; by default none are kept. */
    default ScratchArrays scratch() {
        return ScratchArrays.NONE;
    }

    /** Gives the arrays of a pass no backward will read again to {@link #scratch()}. */
    default void release(Pass pass) {}
}
