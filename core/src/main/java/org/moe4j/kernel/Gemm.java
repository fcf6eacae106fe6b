package org.moe4j.kernel;

/**
 * Single-precision general matrix multiply, C = alpha * op(A) * op(B) + beta * C, row-major,
 * in the forms training needs: A.B, A.B^T, A^T.B (and A^T.B^T). Arguments follow BLAS sgemm
 * with row-major storage; beta = 0 overwrites C (NaN in C does not leak through).
 */
public final class Gemm {
    private Gemm() {}

    public static void gemm(boolean transA, boolean transB, int M, int N, int K, float alpha,
                            float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                            float beta, float[] c, int cOff, int ldc) {
        GemmChecks.check("gemm", transA, transB, M, N, K, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        for (int i = 0; i < M; i++) {
            int ci = cOff + i * ldc;
            for (int j = 0; j < N; j++) {
                c[ci + j] = beta == 0f ? 0f : beta * c[ci + j];
            }
            for (int p = 0; p < K; p++) {
                float av = alpha * (transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p]);
                for (int j = 0; j < N; j++) {
                    float bv = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                    c[ci + j] += av * bv;
                }
            }
        }
    }
}
