package org.moe4j.kernel.gemm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import org.moe4j.tensor.Rng;

/** Shared checks for the GEMM-family tests: random operands and the float error bound. */
final class GemmAssert {
    private GemmAssert() {}

    static float[] random(Rng rng, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) rng.nextGaussian();
        }
        return x;
    }

    static float[] abs(float[] x) {
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = Math.abs(x[i]);
        }
        return y;
    }

    /**
     * Checks C computed in float against the double-accumulated reference, element by element,
     * within the classic bound for a float dot product of length k: (k + 2) * 2^-23 times the
     * same product taken on absolute values (Higham, "Accuracy and Stability of Numerical
     * Algorithms", section 3.1). Elements outside the m x n window of C must be unchanged.
     */
    static void assertAgrees(String what, GemmCall g, float[] before, float[] actual) {
        float[] expected = before.clone();
        GemmReference.gemm(g.transA(), g.transB(), g.m(), g.n(), g.k(), g.alpha(), g.a(), g.aOff(), g.lda(),
                g.b(), g.bOff(), g.ldb(), g.beta(), expected, g.cOff(), g.ldc());
        float[] bound = abs(before);
        GemmReference.gemm(g.transA(), g.transB(), g.m(), g.n(), g.k(), Math.abs(g.alpha()), abs(g.a()), g.aOff(),
                g.lda(), abs(g.b()), g.bOff(), g.ldb(), Math.abs(g.beta()), bound, g.cOff(), g.ldc());
        double eps = (g.k() + 2) * 0x1.0p-23;
        boolean[] inside = new boolean[actual.length];
        for (int i = 0; i < g.m(); i++) {
            for (int j = 0; j < g.n(); j++) {
                int at = g.cOff() + i * g.ldc() + j;
                inside[at] = true;
                double err = Math.abs((double) actual[at] - expected[at]);
                if (!(err <= eps * bound[at] + 1e-30)) {
                    fail(what + ": C[" + i + "][" + j + "] = " + actual[at] + ", reference " + expected[at]
                            + ", error " + err + " over the bound " + eps * bound[at]);
                }
            }
        }
        for (int at = 0; at < actual.length; at++) {
            if (!inside[at]) {
                assertEquals(Float.floatToRawIntBits(before[at]), Float.floatToRawIntBits(actual[at]),
                        what + ": element " + at + " outside C changed");
            }
        }
    }
}
