package org.moe4j.kernel;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.function.DoubleUnaryOperator;
import jdk.incubator.vector.FloatVector;
import org.moe4j.tensor.Rng;

/** Shared helpers for the kernel tests: sizes that exercise vector tails, random data, and closeness checks. */
final class KernelTesting {
    private KernelTesting() {}

    static final int LANES = FloatVector.SPECIES_PREFERRED.length();

    /** Lengths around the vector width and its multiples, 1, odd sizes and a few large ones. */
    static final int[] LENGTHS = {1, 2, 3, 5, 7, LANES - 1, LANES, LANES + 1, 2 * LANES - 1, 2 * LANES + 3,
        31, 33, 63, 100, 257, 1000, 1025, 4099};

    /** A few random lengths on top of {@link #LENGTHS}. */
    static int[] lengths(Rng rng) {
        int[] out = new int[LENGTHS.length + 6];
        System.arraycopy(LENGTHS, 0, out, 0, LENGTHS.length);
        for (int i = LENGTHS.length; i < out.length; i++) {
            out[i] = 1 + rng.nextInt(700);
        }
        return out;
    }

    /** Normal(0, scale^2) values. */
    static float[] normal(Rng rng, int n, double scale) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (scale * rng.nextGaussian());
        }
        return x;
    }

    /** Normal(0, scale^2) values starting at {@code offset} of a longer array (garbage around them). */
    static float[] normalAt(Rng rng, int offset, int n, double scale) {
        float[] x = normal(rng, offset + n + 3, scale);
        for (int i = 0; i < offset; i++) {
            x[i] = Float.NaN;
        }
        return x;
    }

    /** Fails at the first i where |expected - actual| > abs + rel * |expected| (NaN must match NaN). */
    static void assertClose(float[] expected, int eOff, float[] actual, int aOff, int n, double abs, double rel, String what) {
        for (int i = 0; i < n; i++) {
            float e = expected[eOff + i];
            float a = actual[aOff + i];
            if (Float.isNaN(e) && Float.isNaN(a) || e == a) {
                continue;
            }
            if (!(Math.abs((double) e - a) <= abs + rel * Math.abs(e))) {
                fail(what + ": element " + i + " of " + n + " expected " + e + " but was " + a
                        + " (tolerance " + abs + " + " + rel + " * |expected|)");
            }
        }
    }

    static void assertClose(float[] expected, float[] actual, double abs, double rel, String what) {
        if (expected.length != actual.length) {
            fail(what + ": length " + actual.length + ", expected " + expected.length);
        }
        assertClose(expected, 0, actual, 0, expected.length, abs, rel, what);
    }

    /** Central difference (f(x + h) - f(x - h)) / 2h in double. */
    static double centralDifference(DoubleUnaryOperator f, double x, double h) {
        return (f.applyAsDouble(x + h) - f.applyAsDouble(x - h)) / (2 * h);
    }
}
