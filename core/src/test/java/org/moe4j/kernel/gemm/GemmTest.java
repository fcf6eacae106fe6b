package org.moe4j.kernel.gemm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.moe4j.kernel.KernelPool;
import org.moe4j.tensor.Rng;

@Tag("slow")
class GemmTest {
    private static final int VL = GemmMicroKernel.VL;
    private final int threadsBefore = KernelPool.threads();

    @AfterEach
    void restoreThreads() {
        KernelPool.setThreads(threadsBefore);
    }

    /** A random problem of the given sizes, with random offsets and padded leading dimensions. */
    private static GemmCall randomCall(Rng rng, boolean transA, boolean transB, int m, int n, int k,
                                       float alpha, float beta) {
        int aRows = transA ? k : m, aCols = transA ? m : k;
        int bRows = transB ? n : k, bCols = transB ? k : n;
        int lda = aCols + rng.nextInt(3), ldb = bCols + rng.nextInt(3), ldc = n + rng.nextInt(3);
        int aOff = rng.nextInt(4), bOff = rng.nextInt(4), cOff = rng.nextInt(4);
        float[] a = GemmAssert.random(rng, aOff + aRows * Math.max(1, lda) + 2);
        float[] b = GemmAssert.random(rng, bOff + bRows * Math.max(1, ldb) + 2);
        float[] c = GemmAssert.random(rng, cOff + m * Math.max(1, ldc) + 2);
        return new GemmCall(transA, transB, m, n, k, alpha, a, aOff, Math.max(1, lda), b, bOff, Math.max(1, ldb),
                beta, c, cOff, Math.max(1, ldc));
    }

    private static void runAndCheck(String what, GemmCall g) {
        float[] before = g.c().clone();
        Gemm.gemm(g.transA(), g.transB(), g.m(), g.n(), g.k(), g.alpha(), g.a(), g.aOff(), g.lda(),
                g.b(), g.bOff(), g.ldb(), g.beta(), g.c(), g.cOff(), g.ldc());
        GemmAssert.assertAgrees(what, g, before, g.c());
    }

    private static int size(Rng rng) {
        // 1, sizes around the tile and vector widths, and plain odd sizes
        return switch (rng.nextInt(4)) {
            case 0 -> 1 + rng.nextInt(3);
            case 1 -> Math.max(1, (1 + rng.nextInt(3)) * VL + rng.nextInt(3) - 1);
            case 2 -> Math.max(1, (1 + rng.nextInt(4)) * GemmMicroKernel.MR + rng.nextInt(3) - 1);
            default -> 1 + rng.nextInt(80);
        };
    }

    @Test
    void randomSmallShapesInAllFourFormsAgreeWithTheReference() {
        Rng rng = new Rng(7);
        float[] alphas = {1f, -0.5f, 2f};
        float[] betas = {0f, 1f, 0.25f};
        for (int trial = 0; trial < 400; trial++) {
            boolean transA = rng.nextInt(2) == 1, transB = rng.nextInt(2) == 1;
            int m = size(rng), n = size(rng), k = size(rng);
            GemmCall g = randomCall(rng, transA, transB, m, n, k, alphas[rng.nextInt(3)], betas[rng.nextInt(3)]);
            runAndCheck("trial " + trial + " " + g.m() + "x" + g.n() + "x" + g.k() + " transA=" + transA
                    + " transB=" + transB + " alpha=" + g.alpha() + " beta=" + g.beta(), g);
        }
    }

    @Test
    void shapesSpanningSeveralCacheBlocksAgreeWithTheReference() {
        Rng rng = new Rng(11);
        int[][] shapes = {
                {GemmPlans.current().mc() + 5, GemmPlans.current().nc() + 3, BlockedGemm.KC + 7},
                {301, 77, 2 * BlockedGemm.KC + 1},
                {5, 600, 300},
                {1, 3000, 700},
        };
        for (int[] s : shapes) {
            for (int form = 0; form < 4; form++) {
                GemmCall g = randomCall(rng, (form & 1) == 1, (form & 2) == 2, s[0], s[1], s[2], 0.75f, 0.5f);
                runAndCheck(s[0] + "x" + s[1] + "x" + s[2] + " form " + form, g);
            }
        }
    }

    @Test
    void betaZeroOverwritesNaNInC() {
        float[] a = {1, 2, 3, 4};
        float[] b = {5, 6, 7, 8};
        float[] c = {Float.NaN, Float.NaN, Float.NaN, Float.NaN};
        Gemm.gemm(false, false, 2, 2, 2, 1f, a, 0, 2, b, 0, 2, 0f, c, 0, 2);
        assertArrayEquals(new float[] {19, 22, 43, 50}, c);
    }

    @Test
    void transposedFormsMatchHandComputedProducts() {
        // A = [[1,2],[3,4]], B = [[5,6],[7,8]]
        float[] a = {1, 2, 3, 4};
        float[] b = {5, 6, 7, 8};
        float[] c = new float[4];
        Gemm.gemm(true, false, 2, 2, 2, 1f, a, 0, 2, b, 0, 2, 0f, c, 0, 2);
        assertArrayEquals(new float[] {26, 30, 38, 44}, c, "A^T.B");
        Gemm.gemm(false, true, 2, 2, 2, 1f, a, 0, 2, b, 0, 2, 0f, c, 0, 2);
        assertArrayEquals(new float[] {17, 23, 39, 53}, c, "A.B^T");
        Gemm.gemm(false, true, 2, 2, 2, 2f, a, 0, 2, b, 0, 2, 1f, c, 0, 2);
        assertArrayEquals(new float[] {51, 69, 117, 159}, c, "2 A.B^T + C");
    }

    @Test
    void zeroDepthScalesCAndEmptyOutputsAreNoOps() {
        float[] c = {1, 2, 3, Float.NaN};
        Gemm.gemm(false, false, 1, 3, 0, 1f, new float[0], 0, 1, new float[0], 0, 3, 2f, c, 0, 3);
        assertArrayEquals(new float[] {2, 4, 6, Float.NaN}, c);
        Gemm.gemm(false, false, 1, 3, 0, 1f, new float[0], 0, 1, new float[0], 0, 3, 0f, c, 0, 3);
        assertArrayEquals(new float[] {0, 0, 0, Float.NaN}, c);
        Gemm.gemm(false, false, 0, 3, 4, 1f, new float[0], 0, 4, new float[12], 0, 3, 0f, c, 0, 3);
        assertArrayEquals(new float[] {0, 0, 0, Float.NaN}, c);
    }

    /**
     * Two threads cut one product into two halves (by rows when n < m, by columns otherwise, a side of
     * one tile never): the same bits as one thread, for both cuts, a C with one row tile or one column
     * tile, and every form, and the same as the scalar reference within its tolerance.
     */
    @Test
    void resultsAreBitIdenticalForEveryThreadCount() {
        Rng rng = new Rng(3);
        int[][] shapes = {{389, 421, 300}, {421, 160, 300}, {10, 700, 600}, {900, 20, 300}};
        for (int[] s : shapes) {
            for (int form = 0; form < 4; form++) {
                boolean transA = (form & 1) == 1, transB = (form & 2) == 2;
                GemmCall g = randomCall(rng, transA, transB, s[0], s[1], s[2], 1f, 0f);
                float[] one = g.c().clone();
                float[] two = g.c().clone();
                KernelPool.setThreads(1);
                Gemm.gemm(transA, transB, g.m(), g.n(), g.k(), 1f, g.a(), g.aOff(), g.lda(), g.b(), g.bOff(), g.ldb(), 0f, one, g.cOff(), g.ldc());
                KernelPool.setThreads(2);
                Gemm.gemm(transA, transB, g.m(), g.n(), g.k(), 1f, g.a(), g.aOff(), g.lda(), g.b(), g.bOff(), g.ldb(), 0f, two, g.cOff(), g.ldc());
                String what = s[0] + "x" + s[1] + "x" + s[2] + " form " + form;
                assertArrayEquals(one, two, what + ": one and two threads differ");
                GemmAssert.assertAgrees(what, g, g.c(), two);
            }
        }
    }

    @Test
    void badArgumentsNameTheOperationAndTheRange() {
        float[] x = new float[16];
        var negative = assertThrows(IllegalArgumentException.class,
                () -> Gemm.gemm(false, false, -1, 2, 2, 1f, x, 0, 2, x, 0, 2, 0f, x, 0, 2));
        assertEquals("gemm: sizes M=-1 N=2 K=2 must all be >= 0", negative.getMessage());
        var lda = assertThrows(IllegalArgumentException.class,
                () -> Gemm.gemm(false, false, 2, 2, 3, 1f, x, 0, 2, x, 0, 2, 0f, x, 0, 2));
        assertEquals("gemm: leading dimension of A is 2, must be >= its 3 columns (and >= 1)", lda.getMessage());
        var bounds = assertThrows(IndexOutOfBoundsException.class,
                () -> Gemm.gemm(false, true, 4, 5, 4, 1f, x, 0, 4, x, 0, 4, 0f, x, 0, 5));
        assertTrue(bounds.getMessage().startsWith("gemm: B [5 x 4] with leading dimension 4 at offset 0 needs 20 floats"),
                bounds.getMessage());
    }
}
