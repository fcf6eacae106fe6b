package org.moe4j.bench;

import org.moe4j.kernel.gemm.Gemv;
import org.moe4j.kernel.KernelPool;
import org.moe4j.tensor.Rng;

/**
 * {@code moe4j bench gemv}: y = A x for a random A [M x N] (the [out, in] weight of a Linear layer
 * at batch 1), or y = A^T x with {@code trans}. Memory bound, so it reports the bytes moved per
 * second as well: A, x and y once each.
 */
public final class GemvBench {
    private GemvBench() {}

    /** GFLOP/s and GB/s of one call, from the median of {@code runs} timed runs after warm-up. */
    public record Result(double gflops, double gigabytesPerSecond) {}

    public static Result measure(boolean trans, int m, int n, int threads, int runs) {
        if (m < 1 || n < 1) {
            throw new IllegalArgumentException("bench gemv: sizes M=" + m + " N=" + n + " must both be >= 1");
        }
        Rng rng = new Rng(1);
        float[] a = Operands.uniform(rng, (long) m * n, "A");
        float[] x = Operands.uniform(rng, trans ? m : n, "x");
        float[] y = new float[trans ? n : m];
        int before = KernelPool.threads();
        KernelPool.setThreads(threads);
        try {
            double seconds = Timing.medianSeconds(() -> Gemv.gemv(trans, m, n, 1f, a, 0, n, x, 0, 0f, y, 0), 3, runs, 0.2);
            double bytes = 4.0 * ((double) m * n + m + n);
            return new Result(2.0 * m * n / seconds / 1e9, bytes / seconds / 1e9);
        } finally {
            KernelPool.setThreads(before);
        }
    }
}
