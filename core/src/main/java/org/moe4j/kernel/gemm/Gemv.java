package org.moe4j.kernel.gemm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.moe4j.kernel.KernelPool;

/**
 * Single-precision matrix-vector product, y = alpha * op(A) x + beta * y (BLAS sgemv, row-major,
 * unit strides): batch-1 inference, where every weight is read once per token, so the speed is
 * the memory bandwidth. A is M x N at aOff with leading dimension lda; op(A) = A takes x of length
 * N to y of length M (a Linear layer with its [out, in] weight), op(A) = A^T takes x of length M to y
 * of length N. beta = 0 overwrites y (NaN in y does not leak). Rows (or column blocks) are spread
 * over the {@link KernelPool}; each y element is summed in one fixed order, whatever the thread
 * count. The reference is {@link GemmReference} with one column (or one row).
 */
public final class Gemv {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int VL = SPECIES.length();
    /** Below this many matrix elements a second thread costs more than it saves. */
    private static final long PARALLEL_MIN_ELEMENTS = 1L << 16;
    /** Rows of A per task of y = A x. */
    private static final int ROWS_PER_TASK = 64;
    /** Most columns per task of y = A^T x: that slice of y (16 KiB) stays in L1 while the rows stream by. */
    private static final int COLS_PER_TASK = 4096;
    /** Fewest columns per task of y = A^T x, so that a narrow y still spreads over the threads. */
    private static final int MIN_COLS_PER_TASK = 256;

    private Gemv() {}

    public static void gemv(boolean trans, int M, int N, float alpha, float[] a, int aOff, int lda,
                            float[] x, int xOff, float beta, float[] y, int yOff) {
        if (M < 0 || N < 0) {
            throw new IllegalArgumentException("gemv: sizes M=" + M + " N=" + N + " must both be >= 0");
        }
        GemmCall.matrix("gemv", "A", a, aOff, lda, M, N);
        int xLength = trans ? M : N, yLength = trans ? N : M;
        GemmCall.matrix("gemv", "x", x, xOff, Math.max(1, xLength), 1, xLength);
        GemmCall.matrix("gemv", "y", y, yOff, Math.max(1, yLength), 1, yLength);
        boolean parallel = (long) M * N >= PARALLEL_MIN_ELEMENTS;
        if (trans) {
            int tasks = Math.max((N + COLS_PER_TASK - 1) / COLS_PER_TASK,
                    Math.min(KernelPool.threads(), (N + MIN_COLS_PER_TASK - 1) / MIN_COLS_PER_TASK));
            if (!parallel || tasks == 1) {
                columns(M, 0, N, alpha, a, aOff, lda, x, xOff, beta, y, yOff);
            } else {
                // equal slices, each a whole number of vectors
                int step = ((N + tasks - 1) / tasks + VL - 1) / VL * VL;
                KernelPool.parallelFor(tasks, t -> columns(M, Math.min(N, t * step), Math.min(N, (t + 1) * step),
                        alpha, a, aOff, lda, x, xOff, beta, y, yOff));
            }
        } else {
            int tasks = (M + ROWS_PER_TASK - 1) / ROWS_PER_TASK;
            if (!parallel || tasks == 1) {
                rows(0, M, N, alpha, a, aOff, lda, x, xOff, beta, y, yOff);
            } else {
                KernelPool.parallelFor(tasks, t -> rows(t * ROWS_PER_TASK, Math.min(M, (t + 1) * ROWS_PER_TASK), N,
                        alpha, a, aOff, lda, x, xOff, beta, y, yOff));
            }
        }
    }

    /**
     * y[i] = alpha * dot(A[i], x) + beta * y[i] for rows i0 to i1, four vector partial sums per row.
     * The lanes are added in a fixed order here: FloatVector.reduceLanes(ADD) may order the sum
     * differently once compiled than when interpreted, which would make results depend on timing.
     */
    private static void rows(int i0, int i1, int n, float alpha, float[] a, int aOff, int lda,
                             float[] x, int xOff, float beta, float[] y, int yOff) {
        int vectorEnd = n - n % (4 * VL);
        float[] lanes = new float[VL];
        for (int i = i0; i < i1; i++) {
            int row = aOff + i * lda;
            FloatVector s0 = FloatVector.zero(SPECIES), s1 = FloatVector.zero(SPECIES);
            FloatVector s2 = FloatVector.zero(SPECIES), s3 = FloatVector.zero(SPECIES);
            for (int j = 0; j < vectorEnd; j += 4 * VL) {
                s0 = FloatVector.fromArray(SPECIES, a, row + j).fma(FloatVector.fromArray(SPECIES, x, xOff + j), s0);
                s1 = FloatVector.fromArray(SPECIES, a, row + j + VL).fma(FloatVector.fromArray(SPECIES, x, xOff + j + VL), s1);
                s2 = FloatVector.fromArray(SPECIES, a, row + j + 2 * VL).fma(FloatVector.fromArray(SPECIES, x, xOff + j + 2 * VL), s2);
                s3 = FloatVector.fromArray(SPECIES, a, row + j + 3 * VL).fma(FloatVector.fromArray(SPECIES, x, xOff + j + 3 * VL), s3);
            }
            s0.add(s1).add(s2.add(s3)).intoArray(lanes, 0);
            float dot = 0f;
            for (float lane : lanes) {
                dot += lane;
            }
            for (int j = vectorEnd; j < n; j++) {
                dot += a[row + j] * x[xOff + j];
            }
            y[yOff + i] = beta == 0f ? alpha * dot : alpha * dot + beta * y[yOff + i];
        }
    }

    /**
     * Several vectors at once against the same rows of A: c[r][i] = alpha * dot(A[i], x_r) + beta *
     * c[r][i] for rows i0 to i1 of A and vectors r in [0, count), x_r at xOff + r * ldx, c_r at
     * cOff + r * ldc. A's rows are read once for up to four vectors, and every element is summed in
     * exactly the order of {@link #gemv} for one vector, so it is bit-identical to it.
     */
    static void rowsMany(int i0, int i1, int n, float alpha, float[] a, int aOff, int lda, int count,
                         float[] x, int xOff, int ldx, float beta, float[] c, int cOff, int ldc) {
        int r = 0;
        for (; r + 2 <= count; r += 2) {
            rowsTwo(i0, i1, n, alpha, a, aOff, lda, x, xOff + r * ldx, xOff + (r + 1) * ldx, beta, c,
                    cOff + r * ldc, cOff + (r + 1) * ldc);
        }
        if (r < count) {
            rows(i0, i1, n, alpha, a, aOff, lda, x, xOff + r * ldx, beta, c, cOff + r * ldc);
        }
    }

    /** {@link #rows} for two vectors, sharing the loads of A. */
    private static void rowsTwo(int i0, int i1, int n, float alpha, float[] a, int aOff, int lda,
                                float[] x, int x0, int x1, float beta, float[] y, int y0, int y1) {
        int vectorEnd = n - n % (4 * VL);
        float[] lanes = new float[VL];
        for (int i = i0; i < i1; i++) {
            int row = aOff + i * lda;
            FloatVector s0 = FloatVector.zero(SPECIES), s1 = FloatVector.zero(SPECIES);
            FloatVector s2 = FloatVector.zero(SPECIES), s3 = FloatVector.zero(SPECIES);
            FloatVector t0 = FloatVector.zero(SPECIES), t1 = FloatVector.zero(SPECIES);
            FloatVector t2 = FloatVector.zero(SPECIES), t3 = FloatVector.zero(SPECIES);
            for (int j = 0; j < vectorEnd; j += 4 * VL) {
                FloatVector a0 = FloatVector.fromArray(SPECIES, a, row + j);
                FloatVector a1 = FloatVector.fromArray(SPECIES, a, row + j + VL);
                FloatVector a2 = FloatVector.fromArray(SPECIES, a, row + j + 2 * VL);
                FloatVector a3 = FloatVector.fromArray(SPECIES, a, row + j + 3 * VL);
                s0 = a0.fma(FloatVector.fromArray(SPECIES, x, x0 + j), s0);
                s1 = a1.fma(FloatVector.fromArray(SPECIES, x, x0 + j + VL), s1);
                s2 = a2.fma(FloatVector.fromArray(SPECIES, x, x0 + j + 2 * VL), s2);
                s3 = a3.fma(FloatVector.fromArray(SPECIES, x, x0 + j + 3 * VL), s3);
                t0 = a0.fma(FloatVector.fromArray(SPECIES, x, x1 + j), t0);
                t1 = a1.fma(FloatVector.fromArray(SPECIES, x, x1 + j + VL), t1);
                t2 = a2.fma(FloatVector.fromArray(SPECIES, x, x1 + j + 2 * VL), t2);
                t3 = a3.fma(FloatVector.fromArray(SPECIES, x, x1 + j + 3 * VL), t3);
            }
            y[y0 + i] = finish(s0, s1, s2, s3, lanes, a, row, x, x0, vectorEnd, n, alpha, beta, y[y0 + i]);
            y[y1 + i] = finish(t0, t1, t2, t3, lanes, a, row, x, x1, vectorEnd, n, alpha, beta, y[y1 + i]);
        }
    }

    /** The end of one dot product exactly as {@link #rows} ends it: lanes in order, scalar tail, alpha and beta. */
    private static float finish(FloatVector s0, FloatVector s1, FloatVector s2, FloatVector s3, float[] lanes, float[] a, int row,
                                float[] x, int xOff, int vectorEnd, int n, float alpha, float beta, float prior) {
        s0.add(s1).add(s2.add(s3)).intoArray(lanes, 0);
        float dot = 0f;
        for (float lane : lanes) {
            dot += lane;
        }
        for (int j = vectorEnd; j < n; j++) {
            dot += a[row + j] * x[xOff + j];
        }
        return beta == 0f ? alpha * dot : alpha * dot + beta * prior;
    }

    /**
     * y[j] = alpha * sum_i x[i] A[i][j] + beta * y[j] for columns j0 to j1: the slice of y is scaled
     * once, then every row of A adds x[i] times its slice, four rows per pass over the slice.
     */
    private static void columns(int m, int j0, int j1, float alpha, float[] a, int aOff, int lda,
                                float[] x, int xOff, float beta, float[] y, int yOff) {
        for (int j = j0; j < j1; j++) {
            y[yOff + j] = beta == 0f ? 0f : beta * y[yOff + j];
        }
        int vectorEnd = j1 - (j1 - j0) % VL;
        int i = 0;
        for (; i + 4 <= m; i += 4) {
            float x0 = alpha * x[xOff + i], x1 = alpha * x[xOff + i + 1];
            float x2 = alpha * x[xOff + i + 2], x3 = alpha * x[xOff + i + 3];
            int r0 = aOff + i * lda, r1 = r0 + lda, r2 = r1 + lda, r3 = r2 + lda;
            FloatVector v0 = FloatVector.broadcast(SPECIES, x0), v1 = FloatVector.broadcast(SPECIES, x1);
            FloatVector v2 = FloatVector.broadcast(SPECIES, x2), v3 = FloatVector.broadcast(SPECIES, x3);
            for (int j = j0; j < vectorEnd; j += VL) {
                FloatVector acc = FloatVector.fromArray(SPECIES, y, yOff + j);
                acc = FloatVector.fromArray(SPECIES, a, r0 + j).fma(v0, acc);
                acc = FloatVector.fromArray(SPECIES, a, r1 + j).fma(v1, acc);
                acc = FloatVector.fromArray(SPECIES, a, r2 + j).fma(v2, acc);
                acc = FloatVector.fromArray(SPECIES, a, r3 + j).fma(v3, acc);
                acc.intoArray(y, yOff + j);
            }
            for (int j = vectorEnd; j < j1; j++) {
                y[yOff + j] = Math.fma(a[r3 + j], x3, Math.fma(a[r2 + j], x2,
                        Math.fma(a[r1 + j], x1, Math.fma(a[r0 + j], x0, y[yOff + j]))));
            }
        }
        for (; i < m; i++) {
            float xi = alpha * x[xOff + i];
            int r = aOff + i * lda;
            FloatVector v = FloatVector.broadcast(SPECIES, xi);
            for (int j = j0; j < vectorEnd; j += VL) {
                FloatVector.fromArray(SPECIES, a, r + j).fma(v, FloatVector.fromArray(SPECIES, y, yOff + j)).intoArray(y, yOff + j);
            }
            for (int j = vectorEnd; j < j1; j++) {
                y[yOff + j] = Math.fma(a[r + j], xi, y[yOff + j]);
            }
        }
    }
}
