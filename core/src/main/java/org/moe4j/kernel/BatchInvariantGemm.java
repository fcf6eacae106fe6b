package org.moe4j.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * C = A B for inference, with B given as [K, N] row-major (a Linear weight transposed), in which
 * every element of C is one chain of fused multiply-adds over k in order, starting from zero:
 * <pre>  c[i][j] = fma(a[i][K-1], b[K-1][j], ... fma(a[i][1], b[1][j], fma(a[i][0], b[0][j], 0)))</pre>
 * So row i of C depends on row i of A alone: not on how many rows share the call, how they are
 * blocked, or how many threads run it. A sequence decoded in a batch with others gets the bits it
 * gets alone, so batching cannot change a greedy completion.
 *
 * <p>Unlike {@link Gemm} nothing is packed and no dot product ends in a horizontal lane sum: each
 * pass broadcasts one element of each of 4 rows of A against 4 vectors of a row of B (16
 * accumulators), reading B in place. That suits the few rows of a decoding step, where packing the
 * weight or reducing lanes would cost as much as the arithmetic. Column panels of B are spread
 * over the {@link KernelPool}; the grouped form spreads (group, panel) pairs, for experts.
 */
public final class BatchInvariantGemm {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int VL = SPECIES.length();
    /** Columns per panel: four vectors, the width of the 4 x 4-vector register block. */
    private static final int PANEL = 4 * VL;
    /** Below this many multiply-adds a second thread costs more than it saves. */
    private static final long PARALLEL_MIN_MACS = 1L << 17;

    private BatchInvariantGemm() {}

    // a: (m, k) leading dimension lda   b: (k, n) ldb   c: (m, n) ldc, overwritten
    /** C = A B with the batch-invariant summation order described above. */
    public static void multiply(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                                float[] c, int cOff, int ldc) {
        GemmChecks.check("batchInvariantGemm", false, false, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        if (m == 0 || n == 0) return;
        int panels = (n + PANEL - 1) / PANEL;
        int tasks = (long) m * n * k < PARALLEL_MIN_MACS ? 1 : Math.min(panels, KernelPool.threads());
        if (tasks == 1) {
            block(m, 0, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
            return;
        }
        int perTask = (panels + tasks - 1) / tasks;
        KernelPool.parallelFor(tasks, t -> {
            int j0 = Math.min(n, t * perTask * PANEL);
            int j1 = Math.min(n, (t + 1) * perTask * PANEL);
            if (j0 < j1) block(m, j0, j1, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        });
    }

    /**
     * One product per group g with its own rows: C_g (m[g] x n) = A_g (m[g] x k) B_g (k x n), A_g at
     * aOff[g], B_g at bOff[g], C_g at cOff[g] (a mixture of experts: the tokens routed to expert g
     * times its transposed weight). Groups with no rows are skipped.
     */
    public static void multiplyGrouped(int[] m, int n, int k, float[] a, int[] aOff, int lda, float[] b, int[] bOff, int ldb,
                                       float[] c, int[] cOff, int ldc) {
        int groups = m.length;
        if (aOff.length != groups || bOff.length != groups || cOff.length != groups) {
            throw new IllegalArgumentException("batchInvariantGemm grouped: " + groups + " row counts but " + aOff.length + ", "
                    + bOff.length + " and " + cOff.length + " offsets of A, B and C; all four must match");
        }
        long macs = 0;
        for (int g = 0; g < groups; g++) {
            GemmChecks.check("batchInvariantGemm group " + g, false, false, m[g], n, k, a, aOff[g], lda, b, bOff[g], ldb,
                    c, cOff[g], ldc);
            macs += (long) m[g] * n * k;
        }
        if (n == 0 || macs == 0) return;
        int panels = (n + PANEL - 1) / PANEL;
        // work items: (group, chunk of panels); two chunks per group so that two threads share even one busy expert
        int chunks = Math.min(panels, 2);
        int perChunk = (panels + chunks - 1) / chunks;
        int[] itemGroup = new int[groups * chunks];
        int[] itemChunk = new int[groups * chunks];
        int items = 0;
        for (int g = 0; g < groups; g++) {
            if (m[g] == 0) continue;
            for (int ch = 0; ch < chunks; ch++) {
                itemGroup[items] = g;
                itemChunk[items++] = ch;
            }
        }
        int count = items;
        Runnable serial = () -> {
            for (int g = 0; g < groups; g++) {
                if (m[g] > 0) block(m[g], 0, n, k, a, aOff[g], lda, b, bOff[g], ldb, c, cOff[g], ldc);
            }
        };
        if (macs < PARALLEL_MIN_MACS || KernelPool.threads() == 1) {
            serial.run();
            return;
        }
        KernelPool.parallelFor(count, i -> {
            int g = itemGroup[i];
            int j0 = Math.min(n, itemChunk[i] * perChunk * PANEL);
            int j1 = Math.min(n, (itemChunk[i] + 1) * perChunk * PANEL);
            if (j0 < j1) block(m[g], j0, j1, k, a, aOff[g], lda, b, bOff[g], ldb, c, cOff[g], ldc);
        });
    }

    /** Columns [j0, j1) of C for all m rows: 4 rows at a time, then the rows left one by one. */
    private static void block(int m, int j0, int j1, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                              float[] c, int cOff, int ldc) {
        int i = 0;
        for (; i + 4 <= m; i += 4) {
            int ai = aOff + i * lda, ci = cOff + i * ldc;
            int j = j0;
            for (; j + PANEL <= j1; j += PANEL) fourRowsFourVectors(k, a, ai, lda, b, bOff + j, ldb, c, ci + j, ldc);
            for (; j + VL <= j1; j += VL) fourRowsOneVector(k, a, ai, lda, b, bOff + j, ldb, c, ci + j, ldc);
            for (int r = 0; r < 4; r++) scalarColumns(j, j1, k, a, ai + r * lda, b, bOff, ldb, c, ci + r * ldc);
        }
        for (; i < m; i++) {
            int ai = aOff + i * lda, ci = cOff + i * ldc;
            int j = j0;
            for (; j + PANEL <= j1; j += PANEL) oneRowFourVectors(k, a, ai, b, bOff + j, ldb, c, ci + j);
            for (; j + VL <= j1; j += VL) oneRowOneVector(k, a, ai, b, bOff + j, ldb, c, ci + j);
            scalarColumns(j, j1, k, a, ai, b, bOff, ldb, c, ci);
        }
    }

    // the register block: rows a0..a0+3*lda, columns b0..b0+4*VL; c0 is C's (row 0, column 0) of the block
    private static void fourRowsFourVectors(int k, float[] a, int a0, int lda, float[] b, int b0, int ldb,
                                            float[] c, int c0, int ldc) {
        FloatVector c00 = FloatVector.zero(SPECIES), c01 = c00, c02 = c00, c03 = c00;
        FloatVector c10 = c00, c11 = c00, c12 = c00, c13 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00, c23 = c00;
        FloatVector c30 = c00, c31 = c00, c32 = c00, c33 = c00;
        int a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
        for (int p = 0, bp = b0; p < k; p++, bp += ldb) {
            FloatVector b00 = FloatVector.fromArray(SPECIES, b, bp);
            FloatVector b01 = FloatVector.fromArray(SPECIES, b, bp + VL);
            FloatVector b02 = FloatVector.fromArray(SPECIES, b, bp + 2 * VL);
            FloatVector b03 = FloatVector.fromArray(SPECIES, b, bp + 3 * VL);
            FloatVector x = FloatVector.broadcast(SPECIES, a[a0 + p]);
            c00 = b00.fma(x, c00);
            c01 = b01.fma(x, c01);
            c02 = b02.fma(x, c02);
            c03 = b03.fma(x, c03);
            x = FloatVector.broadcast(SPECIES, a[a1 + p]);
            c10 = b00.fma(x, c10);
            c11 = b01.fma(x, c11);
            c12 = b02.fma(x, c12);
            c13 = b03.fma(x, c13);
            x = FloatVector.broadcast(SPECIES, a[a2 + p]);
            c20 = b00.fma(x, c20);
            c21 = b01.fma(x, c21);
            c22 = b02.fma(x, c22);
            c23 = b03.fma(x, c23);
            x = FloatVector.broadcast(SPECIES, a[a3 + p]);
            c30 = b00.fma(x, c30);
            c31 = b01.fma(x, c31);
            c32 = b02.fma(x, c32);
            c33 = b03.fma(x, c33);
        }
        storeFour(c00, c01, c02, c03, c, c0);
        storeFour(c10, c11, c12, c13, c, c0 + ldc);
        storeFour(c20, c21, c22, c23, c, c0 + 2 * ldc);
        storeFour(c30, c31, c32, c33, c, c0 + 3 * ldc);
    }

    private static void storeFour(FloatVector v0, FloatVector v1, FloatVector v2, FloatVector v3, float[] c, int at) {
        v0.intoArray(c, at);
        v1.intoArray(c, at + VL);
        v2.intoArray(c, at + 2 * VL);
        v3.intoArray(c, at + 3 * VL);
    }

    private static void fourRowsOneVector(int k, float[] a, int a0, int lda, float[] b, int b0, int ldb,
                                          float[] c, int c0, int ldc) {
        FloatVector c0v = FloatVector.zero(SPECIES), c1v = c0v, c2v = c0v, c3v = c0v;
        int a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
        for (int p = 0, bp = b0; p < k; p++, bp += ldb) {
            FloatVector bv = FloatVector.fromArray(SPECIES, b, bp);
            c0v = bv.fma(FloatVector.broadcast(SPECIES, a[a0 + p]), c0v);
            c1v = bv.fma(FloatVector.broadcast(SPECIES, a[a1 + p]), c1v);
            c2v = bv.fma(FloatVector.broadcast(SPECIES, a[a2 + p]), c2v);
            c3v = bv.fma(FloatVector.broadcast(SPECIES, a[a3 + p]), c3v);
        }
        c0v.intoArray(c, c0);
        c1v.intoArray(c, c0 + ldc);
        c2v.intoArray(c, c0 + 2 * ldc);
        c3v.intoArray(c, c0 + 3 * ldc);
    }

    private static void oneRowFourVectors(int k, float[] a, int a0, float[] b, int b0, int ldb, float[] c, int c0) {
        FloatVector v0 = FloatVector.zero(SPECIES), v1 = v0, v2 = v0, v3 = v0;
        for (int p = 0, bp = b0; p < k; p++, bp += ldb) {
            FloatVector x = FloatVector.broadcast(SPECIES, a[a0 + p]);
            v0 = FloatVector.fromArray(SPECIES, b, bp).fma(x, v0);
            v1 = FloatVector.fromArray(SPECIES, b, bp + VL).fma(x, v1);
            v2 = FloatVector.fromArray(SPECIES, b, bp + 2 * VL).fma(x, v2);
            v3 = FloatVector.fromArray(SPECIES, b, bp + 3 * VL).fma(x, v3);
        }
        storeFour(v0, v1, v2, v3, c, c0);
    }

    private static void oneRowOneVector(int k, float[] a, int a0, float[] b, int b0, int ldb, float[] c, int c0) {
        FloatVector v = FloatVector.zero(SPECIES);
        for (int p = 0, bp = b0; p < k; p++, bp += ldb) {
            v = FloatVector.fromArray(SPECIES, b, bp).fma(FloatVector.broadcast(SPECIES, a[a0 + p]), v);
        }
        v.intoArray(c, c0);
    }

    /** Columns [j0, j1) of one row, fewer than a vector, in the same order with scalar fma. */
    private static void scalarColumns(int j0, int j1, int k, float[] a, int a0, float[] b, int bOff, int ldb, float[] c, int c0) {
        for (int j = j0; j < j1; j++) {
            float s = 0f;
            for (int p = 0, bp = bOff + j; p < k; p++, bp += ldb) {
                s = Math.fma(a[a0 + p], b[bp], s);
            }
            c[c0 + j] = s;
        }
    }
}
