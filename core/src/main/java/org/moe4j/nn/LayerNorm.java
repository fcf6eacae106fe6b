package org.moe4j.nn;

import org.moe4j.autograd.Normalization;
import org.moe4j.autograd.Variable;
import org.moe4j.tensor.Tensor;

/** LayerNorm with a learned scale (init 1) and an optional bias (init 0), as nn.LayerNorm. */
public final class LayerNorm extends Module {
    private final Variable weight;
    private final Variable bias;
    private final float eps;

    public LayerNorm(int dim, boolean bias, float eps) {
        if (dim < 1) throw new IllegalArgumentException("LayerNorm: dim is " + dim + ", must be >= 1");
        if (!(eps > 0)) throw new IllegalArgumentException("LayerNorm: eps is " + eps + ", must be > 0");
        this.weight = addParameter("weight", Tensor.full(1f, dim), ParameterKind.NORM);
        this.bias = bias ? addParameter("bias", Tensor.zeros(dim), ParameterKind.BIAS) : null;
        this.eps = eps;
    }

    // x: (..., dim)
    public Variable forward(Variable x) {
        return Normalization.layerNorm(x, weight, bias, eps);
    }
}
