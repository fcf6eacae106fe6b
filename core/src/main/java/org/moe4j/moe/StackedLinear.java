package org.moe4j.moe;

import org.moe4j.nn.Module;
import org.moe4j.nn.ParameterKind;
import org.moe4j.autograd.Variable;
import org.moe4j.tensor.Init;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.Shape;
import org.moe4j.tensor.Tensor;

/**
 * E linear maps of one shape stored as one tensor: weight [E, out, in] (expert e's nn.Linear weight
 * is {@code weight[e]}) and an optional bias [E, out]. Initialised per expert as nn.Linear does,
 * U(-1/sqrt(in), 1/sqrt(in)). Per-expert checkpoints load through {@link #setExpert}.
 */
public final class StackedLinear extends Module {
    private final int numExperts;
    private final int inFeatures;
    private final int outFeatures;
    private final Variable weight;
    private final Variable bias;

    public StackedLinear(int numExperts, int inFeatures, int outFeatures, boolean bias, Rng rng) {
        Shape.requireAtLeast("StackedLinear", "numExperts", numExperts, 1);
        Shape.requireAtLeast("StackedLinear", "inFeatures", inFeatures, 1);
        Shape.requireAtLeast("StackedLinear", "outFeatures", outFeatures, 1);
        this.numExperts = numExperts;
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        double bound = 1.0 / Math.sqrt(inFeatures);
        this.weight = addParameter("weight", Init.uniform(Tensor.zeros(numExperts, outFeatures, inFeatures), rng, -bound, bound),
                ParameterKind.WEIGHT);
        this.bias = bias
                ? addParameter("bias", Init.uniform(Tensor.zeros(numExperts, outFeatures), rng, -bound, bound), ParameterKind.BIAS)
                : null;
    }

    /**
     * Copies one expert's nn.Linear weight [out, in] (and bias [out], or null when this map has none)
     * into slot e of the stacked tensors.
     */
    public void setExpert(int expert, Tensor expertWeight, Tensor expertBias) {
        Shape.requireIndex("StackedLinear.setExpert", "expert", expert, numExperts);
        int[] want = {outFeatures, inFeatures};
        if (!java.util.Arrays.equals(expertWeight.shape(), want)) {
            throw new IllegalArgumentException("StackedLinear.setExpert: expert " + expert + " weight has shape "
                    + Shape.str(expertWeight.shape()) + ", must be " + Shape.str(want) + " like the other experts");
        }
        if ((expertBias != null) != (bias != null)) {
            throw new IllegalArgumentException("StackedLinear.setExpert: expert " + expert
                    + (bias != null ? " needs a bias [" + outFeatures + "]" : " got a bias, but these experts have none"));
        }
        int block = outFeatures * inFeatures;
        System.arraycopy(expertWeight.toArray(), 0, weight.value().data(), weight.value().offset() + expert * block, block);
        if (bias != null) {
            if (expertBias.rank() != 1 || expertBias.dim(0) != outFeatures) {
                throw new IllegalArgumentException("StackedLinear.setExpert: expert " + expert + " bias has shape "
                        + Shape.str(expertBias.shape()) + ", must be [" + outFeatures + "]");
            }
            System.arraycopy(expertBias.toArray(), 0, bias.value().data(), bias.value().offset() + expert * outFeatures,
                    outFeatures);
        }
    }

    public Variable weight() {
        return weight;
    }

    /** The bias [E, out], or null. */
    public Variable bias() {
        return bias;
    }

    public int numExperts() {
        return numExperts;
    }

    public int inFeatures() {
        return inFeatures;
    }

    public int outFeatures() {
        return outFeatures;
    }
}
