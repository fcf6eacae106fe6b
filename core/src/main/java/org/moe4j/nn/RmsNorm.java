package org.moe4j.nn;

import org.moe4j.autograd.Normalization;
import org.moe4j.autograd.Variable;
import org.moe4j.tensor.ScratchArrays;
import org.moe4j.tensor.Tensor;

/** RMSNorm with a learned scale initialised to 1 (Llama, Mixtral: eps 1e-5 or 1e-6). */
public final class RmsNorm extends Module {
    private final Variable weight;
    private final float eps;
    /** y's array, lent from one training pass to the next ({@link Normalization#rmsNorm(Variable, Variable, float, ScratchArrays)}). */
    private final ScratchArrays scratch = new ScratchArrays();

    public RmsNorm(int dim, float eps) {
        if (dim < 1) throw new IllegalArgumentException("RMSNorm: dim is " + dim + ", must be >= 1");
        if (!(eps > 0)) throw new IllegalArgumentException("RMSNorm: eps is " + eps + ", must be > 0");
        this.weight = addParameter("weight", Tensor.full(1f, dim), ParameterKind.NORM);
        this.eps = eps;
    }

    // x: (..., dim)
    public Variable forward(Variable x) {
        return Normalization.rmsNorm(x, weight, eps, scratch);
    }
}
