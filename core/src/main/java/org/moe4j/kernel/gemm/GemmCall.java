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
        GemmChecks.check(op, transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
    }
}
