package org.moe4j.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.function.LongSupplier;
import org.moe4j.kernel.gemm.Gemm;
import org.moe4j.kernel.KernelPool;
import org.moe4j.tensor.Rng;

/**
 * {@code moe4j bench gemm}: throughput of C = A.B for random row-major float32 A [M x K] and
 * B [K x N], the same problem bench/scripts/numpy_gemm.py gives OpenBLAS, in GFLOP/s (2MNK per call).
 */
public final class GemmBench {
    private GemmBench() {}

    /** GFLOP/s: median of {@code runs} timed runs after warm-up, on {@code threads} kernel threads. */
    public static double gflops(int m, int n, int k, int threads, int runs) {
        return gflops(m, n, k, threads, runs, false);
    }

    /**
     * As {@link #gflops(int, int, int, int, int)}; with {@code cpuTime} the runs are timed in the
     * calling thread's CPU time, which needs one thread (the workers' time would not be counted).
     */
    public static double gflops(int m, int n, int k, int threads, int runs, boolean cpuTime) {
        return gflops(false, false, m, n, k, threads, runs, cpuTime);
    }

    /**
     * As {@link #gflops(int, int, int, int, int, boolean)} for C = op(A).op(B), op(X) = X^T when its
     * flag is set (A then stored [K x M], B [N x K]): the forms a training step runs (a linear
     * layer's forward is A.B^T, its weight gradient A^T.B).
     */
    public static double gflops(boolean transA, boolean transB, int m, int n, int k, int threads, int runs, boolean cpuTime) {
        if (m < 1 || n < 1 || k < 1) {
            throw new IllegalArgumentException("bench gemm: sizes M=" + m + " N=" + n + " K=" + k + " must all be >= 1");
        }
        if (cpuTime && threads != 1) {
            throw new IllegalArgumentException("bench gemm: --cpu-time needs --threads 1 (got " + threads
                    + "): the CPU time of the other threads would not be counted");
        }
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        LongSupplier clock = cpuTime ? mx::getCurrentThreadCpuTime : System::nanoTime;
        Rng rng = new Rng(1);
        float[] a = Operands.uniform(rng, (long) m * k, "A");
        float[] b = Operands.uniform(rng, (long) k * n, "B");
        float[] c = Operands.uniform(rng, (long) m * n, "C");
        int before = KernelPool.threads();
        KernelPool.setThreads(threads);
        try {
            double seconds = Timing.medianSeconds(
                    () -> Gemm.gemm(transA, transB, m, n, k, 1f, a, 0, transA ? m : k, b, 0, transB ? k : n, 0f, c, 0, n),
                    3, runs, 0.2, clock);
            return 2.0 * m * n * k / seconds / 1e9;
        } finally {
            KernelPool.setThreads(before);
        }
    }
}
