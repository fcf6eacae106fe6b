package org.moe4j.kernel.gemm;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;
import java.util.Locale;

/**
 * Times the candidate plans on this CPU and keeps the fastest. Each candidate runs the blocked GEMM
 * of a fixed problem (588 x 1024 x 512, a multiple of every tile's rows, two depth blocks) on the
 * calling thread; the candidates take turns for {@link #ROUNDS} rounds, the micro-kernels are compiled first
 * and the first round is warm-up, and a candidate's score is its best later round.
 * The first candidate, the table's plan, is kept unless another is more than {@link #MARGIN} times
 * as fast. Time is the thread's CPU time, not the wall clock, so other processes on a shared machine take
 * turns on the core without counting against whichever candidate was running then.
 */
final class GemmCalibration {
    static final int M = 588;
    static final int N = 1024;
    static final int K = 512;
    static final int ROUNDS = 4;
    /** How much faster than the first candidate another must run to replace it. */
    static final double MARGIN = 1.03;
    /** Small calls per warm-up batch. */
    static final int WARM_UP_BATCH = 50;
    /** A tile that runs this fast is compiled by C2 (compiled it runs above 100 on the CPUs measured). */
    static final double COMPILED_GFLOPS = 20;
    /** The most time the warm-up of one candidate may take. */
    static final long WARM_UP_NANOS = 3_000_000_000L;

    private GemmCalibration() {}

    /** The chosen candidate and a line of every candidate's GFLOP/s. */
    record Result(GemmPlan best, double bestGflops, String summary) {}

    static Result fastest(List<GemmPlan> candidates) {
        return fastest(candidates, WARM_UP_NANOS);
    }

    /** As {@link #fastest(List)} with at most {@code warmUpNanos} of warm-up per candidate (tests). */
    static Result fastest(List<GemmPlan> candidates, long warmUpNanos) {
        if (candidates.isEmpty()) {
            throw new IllegalArgumentException("GemmCalibration: no candidate plans to time, need at least one");
        }
        ThreadMXBean clock = ManagementFactory.getThreadMXBean();
        boolean cpuClock = clock.isCurrentThreadCpuTimeSupported();
        float[] a = new float[M * K];
        float[] b = new float[K * N];
        float[] c = new float[M * N];
        for (int i = 0; i < a.length; i++) {
            a[i] = (i % 13) * 0.125f - 0.75f;
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (i % 7) * 0.25f - 0.5f;
        }
        warmUp(candidates, clock, cpuClock, warmUpNanos);
        GemmCall call = new GemmCall(false, false, M, N, K, 1f, a, 0, K, b, 0, N, 0f, c, 0, N);
        long[] best = new long[candidates.size()];
        java.util.Arrays.fill(best, Long.MAX_VALUE);
        for (int round = 0; round < ROUNDS; round++) {
            for (int i = 0; i < candidates.size(); i++) {
                long start = cpuClock ? clock.getCurrentThreadCpuTime() : System.nanoTime();
                BlockedGemm.compute(candidates.get(i), call, 0, M, 0, N);
                long took = (cpuClock ? clock.getCurrentThreadCpuTime() : System.nanoTime()) - start;
                if (round > 0) {
                    best[i] = Math.min(best[i], Math.max(1, took));
                }
            }
        }
        int fastest = 0;
        StringBuilder summary = new StringBuilder();
        for (int i = 0; i < candidates.size(); i++) {
            if (best[i] < best[fastest]) {
                fastest = i;
            }
            summary.append(i == 0 ? "" : "; ").append(candidates.get(i).shape())
                    .append(String.format(Locale.ROOT, " %.1f", gflops(best[i])));
        }
        // the first candidate (the table's plan) stays unless another beats it clearly: a few percent
        // is within what a loaded machine moves from one round to the next
        int winner = best[fastest] * MARGIN < best[0] ? fastest : 0;
        return new Result(candidates.get(winner), gflops(best[winner]), summary + " GFLOP/s (one thread, "
                + (cpuClock ? "thread CPU time" : "wall clock") + ", " + M + "x" + N + "x" + K + ")");
    }

    /**
     * Runs every candidate on one small block until the JIT has compiled its micro-kernel: until a
     * batch of calls runs at {@link #COMPILED_GFLOPS} or more, or the warm-up time (at most {@link #WARM_UP_NANOS}) has passed.
     * Interpreted or compiled by C1, the Vector API boxes every vector and runs about a hundred times
     * slower (1.4 GFLOP/s seen here), and C2 compiles in the background, late on a loaded machine:
     * timing before it is done would pick a plan by compile order instead of speed.
     */
    private static void warmUp(List<GemmPlan> candidates, ThreadMXBean clock, boolean cpuClock, long warmUpNanos) {
        int k = 2 * BlockedGemm.KC; // two depth blocks: both the overwriting and the accumulating kernel
        for (GemmPlan plan : candidates) {
            int m = 2 * plan.tile().rows;
            int n = 2 * GemmMicroKernel.NR;
            float[] a = new float[m * k];
            float[] b = new float[k * n];
            float[] c = new float[m * n];
            GemmCall small = new GemmCall(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n);
            long deadline = System.nanoTime() + warmUpNanos;
            while (System.nanoTime() < deadline) {
                long start = cpuClock ? clock.getCurrentThreadCpuTime() : System.nanoTime();
                for (int i = 0; i < WARM_UP_BATCH; i++) {
                    BlockedGemm.compute(plan, small, 0, m, 0, n);
                }
                long took = Math.max(1, (cpuClock ? clock.getCurrentThreadCpuTime() : System.nanoTime()) - start);
                if ((double) WARM_UP_BATCH * small.flops() / took >= COMPILED_GFLOPS) {
                    break;
                }
            }
        }
    }

    private static double gflops(long nanos) {
        return 2.0 * M * N * K / nanos;
    }
}
