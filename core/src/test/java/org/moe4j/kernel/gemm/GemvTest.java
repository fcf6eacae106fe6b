package org.moe4j.kernel.gemm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.moe4j.kernel.KernelPool;
import org.moe4j.tensor.Rng;

@Tag("slow")
class GemvTest {
    private final int threadsBefore = KernelPool.threads();

    @AfterEach
    void restoreThreads() {
        KernelPool.setThreads(threadsBefore);
    }

    /** y = alpha op(A) x + beta y written as the GEMM the reference computes: one column, or one row. */
    private static GemmCall asGemm(boolean trans, int m, int n, float alpha, float[] a, int aOff, int lda,
                                   float[] x, int xOff, float beta, float[] y, int yOff) {
        return trans
                ? new GemmCall(false, false, 1, n, m, alpha, x, xOff, Math.max(1, m), a, aOff, lda, beta, y, yOff, Math.max(1, n))
                : new GemmCall(false, false, m, 1, n, alpha, a, aOff, lda, x, xOff, 1, beta, y, yOff, 1);
    }

    @Test
    void randomShapesInBothFormsAgreeWithTheReference() {
        Rng rng = new Rng(21);
        float[] betas = {0f, 1f, -0.5f};
        for (int trial = 0; trial < 300; trial++) {
            boolean trans = rng.nextInt(2) == 1;
            int m = trial < 250 ? 1 + rng.nextInt(100) : 1 + rng.nextInt(1500);
            int n = trial < 250 ? 1 + rng.nextInt(100) : 4000 + rng.nextInt(5000);
            int lda = n + rng.nextInt(3), aOff = rng.nextInt(3), xOff = rng.nextInt(3), yOff = rng.nextInt(3);
            int xLength = trans ? m : n, yLength = trans ? n : m;
            float[] a = GemmAssert.random(rng, aOff + m * lda);
            float[] x = GemmAssert.random(rng, xOff + xLength + 1);
            float[] y = GemmAssert.random(rng, yOff + yLength + 2);
            float alpha = trial % 2 == 0 ? 1f : 0.3f, beta = betas[trial % 3];
            float[] before = y.clone();
            Gemv.gemv(trans, m, n, alpha, a, aOff, lda, x, xOff, beta, y, yOff);
            GemmAssert.assertAgrees("trial " + trial + " " + m + "x" + n + " trans=" + trans,
                    asGemm(trans, m, n, alpha, a, aOff, lda, x, xOff, beta, before.clone(), yOff), before, y);
        }
    }

    @Test
    void betaZeroOverwritesNaNAndThreadCountDoesNotChangeBits() {
        float[] a = {1, 2, 3, 4, 5, 6};
        float[] y = {Float.NaN, Float.NaN, Float.NaN};
        Gemv.gemv(true, 2, 3, 1f, a, 0, 3, new float[] {1, 10}, 0, 0f, y, 0);
        assertArrayEquals(new float[] {41, 52, 63}, y);
        Gemv.gemv(false, 2, 3, 2f, a, 0, 3, new float[] {1, 1, 1}, 0, 0f, y, 0);
        assertArrayEquals(new float[] {12, 30, Float.NaN}, new float[] {y[0], y[1], Float.NaN});

        Rng rng = new Rng(4);
        float[] big = GemmAssert.random(rng, 700 * 9000);
        float[] x = GemmAssert.random(rng, 9000);
        for (boolean trans : new boolean[] {false, true}) {
            float[] one = new float[9000], two = new float[9000];
            KernelPool.setThreads(1);
            Gemv.gemv(trans, 700, 9000, 1f, big, 0, 9000, x, 0, 0f, one, 0);
            KernelPool.setThreads(2);
            Gemv.gemv(trans, 700, 9000, 1f, big, 0, 9000, x, 0, 0f, two, 0);
            assertArrayEquals(one, two, "trans=" + trans);
        }
    }

    @Test
    void badArgumentsNameTheOperationAndTheRange() {
        float[] a = new float[12];
        var negative = assertThrows(IllegalArgumentException.class,
                () -> Gemv.gemv(false, 3, -4, 1f, a, 0, 4, a, 0, 0f, a, 0));
        assertEquals("gemv: sizes M=3 N=-4 must both be >= 0", negative.getMessage());
        var shortX = assertThrows(IndexOutOfBoundsException.class,
                () -> Gemv.gemv(false, 3, 4, 1f, a, 0, 4, new float[3], 0, 0f, new float[3], 0));
        assertEquals("gemv: x [1 x 4] with leading dimension 4 at offset 0 needs 4 floats, the array has 3",
                shortX.getMessage());
    }
}
