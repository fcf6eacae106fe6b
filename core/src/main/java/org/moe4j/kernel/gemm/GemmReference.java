package org.moe4j.kernel.gemm;

/**
 * The plain triple loop every fast GEMM is checked against, accumulating in double:
 * C = alpha * op(A) * op(B) + beta * C, with op(X) = X or X^T.
 * A is [M x K] (or [K x M] when transposed) with leading dimension lda, B is [K x N]
 * (or [N x K]) with ldb, C is [M x N] with ldc; all row-major.
 */
public final class GemmReference {
    private GemmReference() {}

    public static void gemm(boolean transA, boolean transB, int M, int N, int K, float alpha,
                            float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                            float beta, float[] c, int cOff, int ldc) {
        for (int i = 0; i < M; i++) {
            for (int j = 0; j < N; j++) {
                double sum = 0;
                for (int p = 0; p < K; p++) {
                    float av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    float bv = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                    sum += (double) av * bv;
                }
                int ci = cOff + i * ldc + j;
                float prior = beta == 0f ? 0f : beta * c[ci];
                c[ci] = (float) (alpha * sum + prior);
            }
        }
    }
}
