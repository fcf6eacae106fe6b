package org.moe4j.kernel.gemm;

/**
 * One sgemm problem, C = alpha * op(A) * op(B) + beta * C, in BLAS row-major terms: op(A) is
 * m x k, op(B) is k x n, C is m x n, each at an offset with a leading dimension. The grouped GEMM
 * is a list of these, the plain GEMM a list of one.
 */
record GemmCall(boolean transA, boolean transB, int m, int n, int k, float alpha,
                float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                float beta, float[] c, int cOff, int ldc) {

    /** Multiply-adds times two. */
    long flops() {
        return 2L * m * n * k;
    }

    /** Fails, naming {@code op}, unless the sizes are non-negative and every matrix fits its array. */
    void check(String op) {
        check(op, transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
    }


    /** The checks of {@link #check(String)} on loose arguments (sizes, leading dimensions, array bounds). */
    static void check(String op, boolean transA, boolean transB, int M, int N, int K,
                      float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                      float[] c, int cOff, int ldc) {
        if (M < 0 || N < 0 || K < 0) {
            throw new IllegalArgumentException(op + ": sizes M=" + M + " N=" + N + " K=" + K + " must all be >= 0");
        }
        // op(A) is M x K: stored rows x cols
        matrix(op, "A", a, aOff, lda, transA ? K : M, transA ? M : K);
        matrix(op, "B", b, bOff, ldb, transB ? N : K, transB ? K : N);
        matrix(op, "C", c, cOff, ldc, M, N);
    }

    /** Fails, naming {@code op} and {@code name}, unless the stored [rows x cols] matrix fits x. */
    static void matrix(String op, String name, float[] x, int off, int ld, int rows, int cols) {
        if (ld < Math.max(1, cols)) {
            throw new IllegalArgumentException(op + ": leading dimension of " + name + " is " + ld
                    + ", must be >= its " + cols + " columns (and >= 1)");
        }
        if (rows == 0 || cols == 0) {
            return;
        }
        long last = (long) off + (long) (rows - 1) * ld + cols;
        if (off < 0 || last > x.length) {
            throw new IndexOutOfBoundsException(op + ": " + name + " [" + rows + " x " + cols + "] with leading dimension "
                    + ld + " at offset " + off + " needs " + last + " floats, the array has " + x.length);
        }
    }
}
