package org.moe4j.nn;

import org.moe4j.autograd.Variable;
import org.moe4j.tensor.Rng;

/**
 * The dropout layer: {@link org.moe4j.autograd.Dropout} with its own seeded generator; the identity
 * when not training or when p = 0.
 */
public final class Dropout {
    private final double probability;
    private final Rng rng;

    public Dropout(double probability, Rng rng) {
        if (!(probability >= 0 && probability < 1)) {
            throw new IllegalArgumentException("dropout is " + probability + ", must be in [0, 1)");
        }
        this.probability = probability;
        this.rng = rng;
    }

    public Variable forward(Variable x, boolean training) {
        return training && probability > 0 ? org.moe4j.autograd.Dropout.apply(x, probability, rng) : x;
    }

    /** The generator, whose state a checkpoint saves. */
    public Rng rng() {
        return rng;
    }
}
