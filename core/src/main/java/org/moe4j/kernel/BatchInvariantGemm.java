package org.moe4j.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * C = A W^T for inference (W an nn.Linear weight [N, K]), in which every element of C is one chain
 * of fused multiply-adds over k in order, starting from zero:
 * <pre>  c[i][j] = fma(a[i][K-1], w[j][K-1], ... fma(a[i][1], w[j][1], fma(a[i][0], w[j][0], 0)))</pre>
 * So row i of C depends on row i of A alone: not on how many rows share the call, how they are
 * blocked, or how many threads run it. A sequence decoded in a batch with others gets the bits it
 * gets alone, so batching cannot change a greedy completion.
 *
 * <p>W is read in a layout of its own, made once by {@link #pack} and kept while the weight does not
 * change: W^T cut into panels of 4 vectors of columns, each panel stored whole (K rows of its
 * columns, one after the other), so that a pass over a panel streams memory in order. Each pass
 * broadcasts one element of each of 4 rows of A against the 4 vectors of one row of the panel (16
 * accumulators). Unlike {@link Gemm}, nothing is packed per call and no dot product ends in a
 * horizontal lane sum, which for the few rows of a decoding step would cost as much as the
 * arithmetic. Panels are spread over the {@link KernelPool}; the grouped form spreads
 * (group, panel) pairs, for experts.
 */
public final class BatchInvariantGemm {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int VL = SPECIES.length();
    /** Columns per panel: four vectors, the width of the 4 x 4-vector register block. */
    private static final int PANEL = 4 * VL;
    private static final VectorMask<Float> FULL = SPECIES.maskAll(true);
    /** Below this many multiply-adds a second thread costs more than it saves. */
    private static final long PARALLEL_MIN_MACS = 1L << 17;

    private BatchInvariantGemm() {}

    /**
     * W packed for {@link #multiply}: {@code matrices} weights [n, k] one after the other from wOff
     * (a Linear's weight, or the stacked weights of experts) become as many blocks of n * k floats,
     * each W^T cut into panels of {@code 4 * VL} columns (the last one narrower), panel after panel,
     * each holding its k rows in order.
     */
    // w: (matrices, n, k)   returns (matrices, n * k) in panels
    public static float[] pack(float[] w, int wOff, int matrices, int n, int k) {
        if (matrices < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("batchInvariantGemm pack: " + matrices + " matrices of " + n + " x " + k
                    + "; all must be >= 0");
        }
        long size = (long) matrices * n * k;
        if (wOff < 0 || wOff + size > w.length || size > Integer.MAX_VALUE) {
            throw new IndexOutOfBoundsException("batchInvariantGemm pack: " + matrices + " matrices of " + n + " x " + k
                    + " at offset " + wOff + " need " + (wOff + size) + " floats, the array has " + w.length);
        }
        float[] packed = new float[(int) size];
        for (int mat = 0; mat < matrices; mat++) {
            int src = wOff + mat * n * k;
            int dst = mat * n * k;
            for (int j0 = 0; j0 < n; j0 += PANEL) {
                int width = Math.min(PANEL, n - j0);
                int panel = dst + j0 * k;
                for (int j = 0; j < width; j++) {
                    int row = src + (j0 + j) * k;
                    for (int p = 0; p < k; p++) packed[panel + p * width + j] = w[row + p];
                }
            }
        }
        return packed;
    }

    // a: (m, k) leading dimension lda   w: (n, k) packed at wOff   c: (m, n) ldc, overwritten
    /** C = A W^T with the batch-invariant summation order described above; W as {@link #pack} left it. */
    public static void multiply(int m, int n, int k, float[] a, int aOff, int lda, float[] w, int wOff,
                                float[] c, int cOff, int ldc) {
        check("batchInvariantGemm", m, n, k, a, aOff, lda, w, wOff, c, cOff, ldc);
        if (m == 0 || n == 0) return;
        int panels = (n + PANEL - 1) / PANEL;
        int tasks = (long) m * n * k < PARALLEL_MIN_MACS ? 1 : Math.min(panels, KernelPool.threads());
        if (tasks == 1) {
            panels(m, 0, panels, n, k, a, aOff, lda, w, wOff, c, cOff, ldc);
            return;
        }
        int perTask = (panels + tasks - 1) / tasks;
        KernelPool.parallelFor(tasks, t -> {
            int p0 = Math.min(panels, t * perTask);
            int p1 = Math.min(panels, (t + 1) * perTask);
            if (p0 < p1) panels(m, p0, p1, n, k, a, aOff, lda, w, wOff, c, cOff, ldc);
        });
    }

    /**
     * One product per group g with its own rows: C_g (m[g] x n) = A_g (m[g] x k) W_g^T, A_g at
     * aOff[g], packed W_g at wOff[g], C_g at cOff[g] (a mixture of experts: the tokens routed to
     * expert g times its weight). Groups with no rows are skipped.
     */
    public static void multiplyGrouped(int[] m, int n, int k, float[] a, int[] aOff, int lda, float[] w, int[] wOff,
                                       float[] c, int[] cOff, int ldc) {
        int groups = m.length;
        if (aOff.length != groups || wOff.length != groups || cOff.length != groups) {
            throw new IllegalArgumentException("batchInvariantGemm grouped: " + groups + " row counts but " + aOff.length + ", "
                    + wOff.length + " and " + cOff.length + " offsets of A, W and C; all four must match");
        }
        long macs = 0;
        for (int g = 0; g < groups; g++) {
            check("batchInvariantGemm group " + g, m[g], n, k, a, aOff[g], lda, w, wOff[g], c, cOff[g], ldc);
            macs += (long) m[g] * n * k;
        }
        if (n == 0 || macs == 0) return;
        int panels = (n + PANEL - 1) / PANEL;
        if (macs < PARALLEL_MIN_MACS || KernelPool.threads() == 1) {
            for (int g = 0; g < groups; g++) {
                if (m[g] > 0) panels(m[g], 0, panels, n, k, a, aOff[g], lda, w, wOff[g], c, cOff[g], ldc);
            }
            return;
        }
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
        KernelPool.parallelFor(items, i -> {
            int g = itemGroup[i];
            int p0 = Math.min(panels, itemChunk[i] * perChunk);
            int p1 = Math.min(panels, (itemChunk[i] + 1) * perChunk);
            if (p0 < p1) panels(m[g], p0, p1, n, k, a, aOff[g], lda, w, wOff[g], c, cOff[g], ldc);
        });
    }

    private static void check(String op, int m, int n, int k, float[] a, int aOff, int lda, float[] w, int wOff,
                              float[] c, int cOff, int ldc) {
        GemmChecks.check(op, false, false, m, n, k, a, aOff, lda, w, wOff, Math.max(1, n), c, cOff, ldc);
    }

    /** Panels [p0, p1) of C for all m rows: 4 rows at a time, then the rows left one by one. */
    private static void panels(int m, int p0, int p1, int n, int k, float[] a, int aOff, int lda, float[] w, int wOff,
                               float[] c, int cOff, int ldc) {
        for (int p = p0; p < p1; p++) {
            int j0 = p * PANEL;
            int width = Math.min(PANEL, n - j0);
            int panel = wOff + j0 * k;
            int vectors = width / VL;
            int i = 0;
            for (; i + 4 <= m; i += 4) {
                int ai = aOff + i * lda, ci = cOff + i * ldc + j0;
                if (vectors == 4) {
                    fourRowsFourVectors(k, a, ai, lda, w, panel, PANEL, c, ci, ldc);
                } else {
                    for (int v = 0; v < vectors; v++) {
                        fourRowsOneVector(k, a, ai, lda, w, panel + v * VL, width, c, ci + v * VL, ldc, FULL);
                    }
                    if (width % VL != 0) {
                        int j = vectors * VL;
                        fourRowsOneVector(k, a, ai, lda, w, panel + j, width, c, ci + j, ldc, SPECIES.indexInRange(j, width));
                    }
                }
            }
            for (; i < m; i++) {
                int ai = aOff + i * lda, ci = cOff + i * ldc + j0;
                if (vectors == 4) {
                    oneRowFourVectors(k, a, ai, w, panel, PANEL, c, ci);
                } else {
                    for (int v = 0; v < vectors; v++) oneRowOneVector(k, a, ai, w, panel + v * VL, width, c, ci + v * VL, FULL);
                    if (width % VL != 0) {
                        int j = vectors * VL;
                        oneRowOneVector(k, a, ai, w, panel + j, width, c, ci + j, SPECIES.indexInRange(j, width));
                    }
                }
            }
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

    /** One vector of columns (the lanes of {@code lanes}: all, or the tail of a narrow panel) for 4 rows. */
    private static void fourRowsOneVector(int k, float[] a, int a0, int lda, float[] b, int b0, int ldb,
                                          float[] c, int c0, int ldc, VectorMask<Float> lanes) {
        FloatVector c0v = FloatVector.zero(SPECIES), c1v = c0v, c2v = c0v, c3v = c0v;
        int a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
        for (int p = 0, bp = b0; p < k; p++, bp += ldb) {
            FloatVector bv = FloatVector.fromArray(SPECIES, b, bp, lanes);
            c0v = bv.fma(FloatVector.broadcast(SPECIES, a[a0 + p]), c0v);
            c1v = bv.fma(FloatVector.broadcast(SPECIES, a[a1 + p]), c1v);
            c2v = bv.fma(FloatVector.broadcast(SPECIES, a[a2 + p]), c2v);
            c3v = bv.fma(FloatVector.broadcast(SPECIES, a[a3 + p]), c3v);
        }
        c0v.intoArray(c, c0, lanes);
        c1v.intoArray(c, c0 + ldc, lanes);
        c2v.intoArray(c, c0 + 2 * ldc, lanes);
        c3v.intoArray(c, c0 + 3 * ldc, lanes);
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

    private static void oneRowOneVector(int k, float[] a, int a0, float[] b, int b0, int ldb, float[] c, int c0,
                                        VectorMask<Float> lanes) {
        FloatVector v = FloatVector.zero(SPECIES);
        for (int p = 0, bp = b0; p < k; p++, bp += ldb) {
            v = FloatVector.fromArray(SPECIES, b, bp, lanes).fma(FloatVector.broadcast(SPECIES, a[a0 + p]), v);
        }
        v.intoArray(c, c0, lanes);
    }
}
