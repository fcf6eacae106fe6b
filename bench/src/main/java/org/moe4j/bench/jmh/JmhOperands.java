package org.moe4j.bench.jmh;

import org.moe4j.tensor.Rng;

/** Uniform [0, 1) benchmark operands. */
final class JmhOperands {
    private JmhOperands() {}

    static float[] uniform(Rng rng, int count) {
        float[] x = new float[count];
        for (int i = 0; i < count; i++) {
            x[i] = rng.nextFloat();
        }
        return x;
    }
}
