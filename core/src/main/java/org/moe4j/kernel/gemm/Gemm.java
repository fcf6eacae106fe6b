package org.moe4j.kernel.gemm;

import org.moe4j.kernel.KernelPool;

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

    /**
     * How an M x N x K product (A.B) runs on this machine with {@code threads} kernel threads, for
     * {@code moe4j bench gemm}: the CPU as the plan table sees it, the path, and for the blocked path
     * the register tile and cache blocks with where they came from, and how the threads share the
     * product. Chooses the plan (calibrating if needed) when nothing did yet.
     */
    public static String describe(int m, int n, int k, int threads) {
        CpuInfo cpu = GemmPlans.cpu();
        StringBuilder out = new StringBuilder();
        out.append("cpu: ").append(cpu.describe()).append(", ").append(CoreKind.of(cpu).label).append('\n');
        if (m <= GemmSchedule.SKINNY_MAX_ROWS) {
            out.append("path: ").append(m).append(" row(s) <= ").append(GemmSchedule.SKINNY_MAX_ROWS)
                    .append(": one matrix-vector product per row (the batch-invariant small-M path, no packing)");
        } else {
            GemmPlan plan = GemmPlans.current();
            out.append("path: blocked, ").append(plan.shape()).append(" (").append(GemmMicroKernel.SPECIES.vectorBitSize())
                    .append("-bit FloatVector, NR = two vectors)\n");
            out.append("why: ").append(plan.why()).append('\n');
            out.append("threads: ").append(GemmSchedule.describeThreads(m, n, k, threads));
        }
        return out.toString();
    }
}
