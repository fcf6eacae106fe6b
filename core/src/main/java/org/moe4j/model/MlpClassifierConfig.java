package org.moe4j.model;

import java.util.Arrays;
import org.moe4j.autograd.Activation;

/**
 * An MLP classifier: inputSize -> hiddenSizes... -> numClasses with one activation between layers.
 */
public record MlpClassifierConfig(int inputSize, int[] hiddenSizes, int numClasses, Activation.Kind activation,
                                  double dropout, long seed) {
    public MlpClassifierConfig {
        if (inputSize < 1) throw new IllegalArgumentException("inputSize is " + inputSize + ", must be >= 1");
        if (numClasses < 2) throw new IllegalArgumentException("numClasses is " + numClasses + ", must be >= 2");
        hiddenSizes = hiddenSizes.clone();
        for (int i = 0; i < hiddenSizes.length; i++) {
            if (hiddenSizes[i] < 1) {
                throw new IllegalArgumentException("hiddenSizes[" + i + "] is " + hiddenSizes[i] + ", must be >= 1");
            }
        }
        if (!(dropout >= 0 && dropout < 1)) throw new IllegalArgumentException("dropout is " + dropout + ", must be in [0, 1)");
        if (activation == null) throw new IllegalArgumentException("activation is missing: one of " + Arrays.toString(Activation.Kind.values()));
    }

    @Override
    public int[] hiddenSizes() {
        return hiddenSizes.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MlpClassifierConfig c && c.inputSize == inputSize && Arrays.equals(c.hiddenSizes, hiddenSizes)
                && c.numClasses == numClasses && c.activation == activation && c.dropout == dropout && c.seed == seed;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(hiddenSizes) * 31 + Long.hashCode(seed);
    }

    @Override
    public String toString() {
        return "MlpClassifierConfig[" + inputSize + "-" + Arrays.toString(hiddenSizes) + "-" + numClasses + ", " + activation
                + ", dropout " + dropout + ", seed " + seed + "]";
    }
}
