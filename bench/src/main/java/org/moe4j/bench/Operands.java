package org.moe4j.bench;

import org.moe4j.tensor.Rng;

/** Random benchmark operands, uniform in [0, 1) like numpy's rand, with a clear error when too large. */
public final class Operands {
    private Operands() {}

    public static float[] uniform(Rng rng, long count, String name) {
        if (count > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("bench: " + name + " would hold " + count
                    + " floats, more than one Java array can (2^31 - 9)");
        }
        float[] x = new float[(int) count];
        for (int i = 0; i < x.length; i++) {
            x[i] = rng.nextFloat();
        }
        return x;
    }
}
