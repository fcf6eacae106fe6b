package org.moe4j.bench;

import org.moe4j.kernel.gemm.GroupedGemm;
import org.moe4j.kernel.KernelPool;
import org.moe4j.tensor.Rng;

/**
 * {@code moe4j bench grouped-gemm}: the MoE expert GEMM, E groups whose row counts are a random split
 * of T tokens (each token sent to a uniformly random group, seed 1), group g computing
 * C_g [rows_g x N] = A_g [rows_g x K] . B_g [K x N], A and C stacked group after group. GFLOP/s
 * counts 2 T N K per call, so it compares directly with {@link GemmBench} at T x N x K.
 */
public final class GroupedGemmBench {
    private GroupedGemmBench() {}

    /** Row counts of {@code groups} groups summing to {@code tokens}, each token in a uniformly random group. */
    public static int[] randomRows(int groups, int tokens, long seed) {
        Rng rng = new Rng(seed);
        int[] rows = new int[groups];
        for (int t = 0; t < tokens; t++) {
            rows[rng.nextInt(groups)]++;
        }
        return rows;
    }

    /** GFLOP/s: median of {@code runs} timed runs after warm-up, on {@code threads} kernel threads. */
    public static double gflops(int groups, int tokens, int n, int k, int threads, int runs) {
        if (groups < 1 || tokens < 1 || n < 1 || k < 1) {
            throw new IllegalArgumentException("bench grouped-gemm: groups E=" + groups + " tokens T=" + tokens
                    + " N=" + n + " K=" + k + " must all be >= 1");
        }
        int[] rows = randomRows(groups, tokens, 1);
        int[] ns = new int[groups], ks = new int[groups], aOff = new int[groups], bOff = new int[groups], cOff = new int[groups];
        for (int g = 0, start = 0; g < groups; start += rows[g], g++) {
            ns[g] = n;
            ks[g] = k;
            aOff[g] = start * k;
            bOff[g] = g * k * n;
            cOff[g] = start * n;
        }
        Rng rng = new Rng(2);
        float[] a = Operands.uniform(rng, (long) tokens * k, "A");
        float[] b = Operands.uniform(rng, (long) groups * k * n, "B");
        float[] c = Operands.uniform(rng, (long) tokens * n, "C");
        int before = KernelPool.threads();
        KernelPool.setThreads(threads);
        try {
            double seconds = Timing.medianSeconds(
                    () -> GroupedGemm.gemm(false, false, rows, ns, ks, 1f, a, aOff, k, b, bOff, n, 0f, c, cOff, n),
                    3, runs, 0.2);
            return 2.0 * tokens * n * k / seconds / 1e9;
        } finally {
            KernelPool.setThreads(before);
        }
    }
}
