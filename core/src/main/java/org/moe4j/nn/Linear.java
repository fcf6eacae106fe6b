package org.moe4j.nn;

import org.moe4j.autograd.MatMul;
import org.moe4j.autograd.Variable;
import org.moe4j.tensor.Init;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.ScratchArrays;
import org.moe4j.tensor.Tensor;

/**
 * nn.Linear: y = x W^T + b with weight [out, in] and an optional bias [out], initialised as
 * PyTorch does (U(-1/sqrt(in), 1/sqrt(in)) for both).
 */
public final class Linear extends Module {
    private final int inFeatures;
    private final int outFeatures;
    private final Variable weight;
    private final Variable bias;

    public Linear(int inFeatures, int outFeatures, boolean bias, Rng rng) {
        this(inFeatures, outFeatures, bias, rng, ParameterKind.WEIGHT);
    }

    /** A linear map whose weight is of the given kind (a router's weight is {@link ParameterKind#ROUTER}). */
    public Linear(int inFeatures, int outFeatures, boolean bias, Rng rng, ParameterKind weightKind) {
        if (inFeatures < 1 || outFeatures < 1) {
            throw new IllegalArgumentException("Linear: inFeatures " + inFeatures + " and outFeatures " + outFeatures
                    + " must both be >= 1");
        }
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        this.weight = addParameter("weight", Init.linearDefault(Tensor.zeros(outFeatures, inFeatures), rng, inFeatures), weightKind);
        this.bias = bias
                ? addParameter("bias", Init.linearDefault(Tensor.zeros(outFeatures), rng, inFeatures), ParameterKind.BIAS)
                : null;
    }

    // x: (..., in)   y: (..., out)
    public Variable forward(Variable x) {
        return MatMul.linear(x, weight, bias);
    }

    /** As {@link #forward(Variable)}, y's array lent by {@code scratch} ({@link MatMul#linear(Variable, Variable, Variable, ScratchArrays)}). */
    public Variable forward(Variable x, ScratchArrays scratch) {
        return MatMul.linear(x, weight, bias, scratch);
    }

    public Variable weight() {
        return weight;
    }

    public Variable bias() {
        return bias;
    }

    public int inFeatures() {
        return inFeatures;
    }

    public int outFeatures() {
        return outFeatures;
    }
}
