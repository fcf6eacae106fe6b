package org.moe4j.kernel;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import org.moe4j.tensor.Init;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.Tensor;

/**
 * The inference product C = A W^T (W packed once) must agree with the double-precision reference, and every row of C must
 * come out bit for bit the same whatever else shares the call: other rows, its position among
 * them, the group it is in, or the number of threads.
 */
class BatchInvariantGemmTest {
    private static final int LANES = KernelTesting.LANES;
    // sizes that hit the 4 x 4-vector block, single vectors, and scalar tails on both axes
    private static final int[] ROWS = {1, 2, 3, 4, 5, 7, 8, 9, 13, 16, 33};
    private static final int[][] COLS_DEPTH = {{1, 1}, {3, 70}, {LANES, 5}, {4 * LANES, 64}, {4 * LANES + 1, 33},
            {5 * LANES + 3, 256}, {300, 129}, {83, 256}};

    @Test
    void agreesWithTheReference() {
        Rng rng = new Rng(5);
        for (int m : ROWS) {
            for (int[] nk : COLS_DEPTH) {
                int n = nk[0], k = nk[1];
                float[] a = normal(rng, m * k);
                float[] w = normal(rng, n * k);
                float[] c = new float[m * n];
                BatchInvariantGemm.multiply(m, n, k, a, 0, k, BatchInvariantGemm.pack(w, 0, 1, n, k), 0, c, 0, n);
                float[] expected = new float[m * n];
                GemmReference.gemm(false, true, m, n, k, 1f, a, 0, k, w, 0, k, 0f, expected, 0, n);
                for (int i = 0; i < m * n; i++) {
                    assertEquals(expected[i], c[i], 1e-5 * k + 1e-6, "m=" + m + " n=" + n + " k=" + k + " element " + i);
                }
            }
        }
    }

    @Test
    void stridesAndOffsetsAreHonoured() {
        Rng rng = new Rng(6);
        int m = 6, n = 2 * LANES + 5, k = 40;
        int lda = k + 3, ldc = n + 2;
        float[] a = normal(rng, 11 + m * lda);
        float[] w = normal(rng, 2 * n * k);
        // the second of two stacked matrices, packed; then used from an offset into a larger array
        float[] packedBoth = BatchInvariantGemm.pack(w, 0, 2, n, k);
        float[] shifted = new float[5 + packedBoth.length];
        System.arraycopy(packedBoth, 0, shifted, 5, packedBoth.length);
        float[] c = new float[9 + m * ldc];
        java.util.Arrays.fill(c, 42f);
        BatchInvariantGemm.multiply(m, n, k, a, 11, lda, shifted, 5 + n * k, c, 9, ldc);
        float[] expected = c.clone();
        GemmReference.gemm(false, true, m, n, k, 1f, a, 11, lda, w, n * k, k, 0f, expected, 9, ldc);
        for (int i = 0; i < c.length; i++) assertEquals(expected[i], c[i], 1e-4, "element " + i);
        assertEquals(42f, c[0], "before C's offset untouched");
        assertEquals(42f, c[9 + n], "padding between rows of C untouched");
    }

    @Test
    void everyRowIsTheBitsOfItsSingleRowProduct() {
        Rng rng = new Rng(7);
        int saved = KernelPool.threads();
        try {
            for (int threads = 1; threads <= Math.min(2, saved); threads++) {
                KernelPool.setThreads(threads);
                for (int m : ROWS) {
                    for (int[] nk : new int[][] {{300, 129}, {768, 256}, {83, 256}}) {
                        int n = nk[0], k = nk[1];
                        float[] a = normal(rng, m * k);
                        float[] b = BatchInvariantGemm.pack(normal(rng, k * n), 0, 1, n, k);
                        float[] c = new float[m * n];
                        BatchInvariantGemm.multiply(m, n, k, a, 0, k, b, 0, c, 0, n);
                        for (int i = 0; i < m; i++) {
                            float[] one = new float[n];
                            KernelPool.setThreads(1);
                            BatchInvariantGemm.multiply(1, n, k, a, i * k, k, b, 0, one, 0, n);
                            KernelPool.setThreads(threads);
                            for (int j = 0; j < n; j++) {
                                assertEquals(Float.floatToIntBits(one[j]), Float.floatToIntBits(c[i * n + j]),
                                        threads + " threads, m=" + m + " n=" + n + " k=" + k + " row " + i + " column " + j);
                            }
                        }
                    }
                }
            }
        } finally {
            KernelPool.setThreads(saved);
        }
    }

    @Test
    void groupedEqualsOneCallPerGroupBitForBit() {
        Rng rng = new Rng(8);
        int n = 384, k = 256, groups = 5;
        int[] m = {3, 0, 1, 9, 4};
        int[] aOff = new int[groups], bOff = new int[groups], cOff = new int[groups];
        int rows = 0;
        for (int g = 0; g < groups; g++) {
            aOff[g] = rows * k;
            cOff[g] = rows * n;
            bOff[g] = g * k * n;
            rows += m[g];
        }
        float[] a = normal(rng, rows * k);
        float[] b = BatchInvariantGemm.pack(normal(rng, groups * k * n), 0, groups, n, k);
        float[] c = new float[rows * n];
        BatchInvariantGemm.multiplyGrouped(m, n, k, a, aOff, k, b, bOff, c, cOff, n);
        for (int g = 0; g < groups; g++) {
            float[] alone = new float[Math.max(1, m[g]) * n];
            BatchInvariantGemm.multiply(m[g], n, k, a, aOff[g], k, b, bOff[g], alone, 0, n);
            for (int i = 0; i < m[g] * n; i++) {
                assertEquals(Float.floatToIntBits(alone[i]), Float.floatToIntBits(c[cOff[g] + i]), "group " + g + " element " + i);
            }
        }
    }

    @Test
    void badArgumentsAreNamed() {
        float[] a = new float[12], b = new float[12], c = new float[12];
        var e = assertThrows(IndexOutOfBoundsException.class, () -> BatchInvariantGemm.multiply(4, 4, 4, a, 0, 4, b, 0, c, 0, 4));
        assertTrue(e.getMessage().contains("A"), e.getMessage());
        var g = assertThrows(IllegalArgumentException.class, () -> BatchInvariantGemm.multiplyGrouped(new int[] {1, 1}, 2, 2,
                a, new int[] {0}, 2, b, new int[] {0, 4}, c, new int[] {0, 2}, 2));
        assertTrue(g.getMessage().contains("must match"), g.getMessage());
        var p = assertThrows(IndexOutOfBoundsException.class, () -> BatchInvariantGemm.pack(b, 4, 1, 3, 3));
        assertTrue(p.getMessage().contains("need 13 floats, the array has 12"), p.getMessage());
    }

    private static float[] normal(Rng rng, int n) {
        return Init.normal(Tensor.zeros(n), rng, 0, 1).toArray();
    }
}
