package org.moe4j.kernel;

/**
 * Single-precision general matrix multiply, C = alpha * op(A) * op(B) + beta * C, row-major,
 * in the forms training needs: A.B, A.B^T, A^T.B (and A^T.B^T). Arguments follow BLAS sgemm
 * with row-major storage; beta = 0 overwrites C (NaN in C does not leak through). C must not
 * overlap A or B.
 * Cache-blocked, packed and register-tiled with the Vector API ({@link BlockedGemm}), multithreaded
 * on the {@link KernelPool}; {@link GemmReference} is the scalar loop it is tested against.
 */
public final class Gemm {
    private Gemm() {}

    public static void gemm(boolean transA, boolean transB, int M, int N, int K, float alpha,
                            float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                            float beta, float[] c, int cOff, int ldc) {
        GemmCall call = new GemmCall(transA, transB, M, N, K, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        call.check("gemm");
        GemmSchedule.run(call);
    }
}
