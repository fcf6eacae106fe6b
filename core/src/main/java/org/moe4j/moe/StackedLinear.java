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
 *
 * <p>With an {@link ExpertSlice} it holds only that slice's experts: weight [E/parts, out, in] for
 * experts [first, first + E/parts). Their values are the ones the whole map would get from the same
 * generator: the initialisation draws every expert's values in order and keeps its own, so the
 * ranks of an expert group hold disjoint parts of one process's initial weights.
 */
public final class StackedLinear extends Module {
    private final int numExperts;
    private final int firstExpert;
    private final int totalExperts;
    private final int inFeatures;
    private final int outFeatures;
    private final Variable weight;
    private final Variable bias;

    public StackedLinear(int numExperts, int inFeatures, int outFeatures, boolean bias, Rng rng) {
        this(numExperts, inFeatures, outFeatures, bias, rng, ExpertSlice.WHOLE);
    }

    /** The experts of {@code slice} among {@code numExperts}, initialised as the whole map's. */
    public StackedLinear(int numExperts, int inFeatures, int outFeatures, boolean bias, Rng rng, ExpertSlice slice) {
        Shape.requireAtLeast("StackedLinear", "numExperts", numExperts, 1);
        Shape.requireAtLeast("StackedLinear", "inFeatures", inFeatures, 1);
        Shape.requireAtLeast("StackedLinear", "outFeatures", outFeatures, 1);
        this.totalExperts = numExperts;
        this.numExperts = slice.count(numExperts);
        this.firstExpert = slice.first(numExperts);
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        double bound = 1.0 / Math.sqrt(inFeatures);
        this.weight = addParameter("weight", initSlice(Tensor.zeros(this.numExperts, outFeatures, inFeatures), rng, bound),
                ParameterKind.WEIGHT);
        this.bias = bias
                ? addParameter("bias", initSlice(Tensor.zeros(this.numExperts, outFeatures), rng, bound), ParameterKind.BIAS)
                : null;
    }

    /**
     * U(-bound, bound) for the held experts, drawn where the whole [E, ...] tensor would draw
     * them: the generator advances over the other experts' blocks (one draw per value, as
     * {@link Init#uniform} makes), so the next tensor's values match one process's too.
     */
    private Tensor initSlice(Tensor held, Rng rng, double bound) {
        int block = held.size() / numExperts;
        for (int e = 0; e < totalExperts; e++) {
            if (e >= firstExpert && e < firstExpert + numExperts) {
                int[] shape = java.util.Arrays.copyOfRange(held.shape(), 1, held.rank());
                Init.uniform(Tensor.view(held.data(), held.offset() + (e - firstExpert) * block, shape), rng, -bound, bound);
            } else {
                for (int i = 0; i < block; i++) rng.nextDouble();
            }
        }
        return held;
    }

    /**
     * Copies one expert's nn.Linear weight [out, in] (and bias [out], or null when this map has none)
     * into slot e of the stacked tensors (e counted among the held experts).
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

    /** The experts held here (all of them unless built for a slice). */
    public int numExperts() {
        return numExperts;
    }

    /** The layer's index of the first held expert. */
    public int firstExpert() {
        return firstExpert;
    }

    /** The layer's expert count, held here or not. */
    public int totalExperts() {
        return totalExperts;
    }

    public int inFeatures() {
        return inFeatures;
    }

    public int outFeatures() {
        return outFeatures;
    }
}
