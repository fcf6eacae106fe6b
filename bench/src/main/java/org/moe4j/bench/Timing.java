package org.moe4j.bench;

import java.util.Arrays;
import java.util.function.LongSupplier;

/**
 * Wall-clock timing for the end-to-end benchmarks: warm-up runs first (so the JIT has compiled the
 * kernels), then the median of the measured runs, which a noisy shared machine disturbs less than
 * the mean. Each run repeats the operation until it has taken at least {@code minSecondsPerRun}.
 */
public final class Timing {
    private Timing() {}

    /** Median seconds per call of {@code op}. */
    public static double medianSeconds(Runnable op, int warmups, int runs, double minSecondsPerRun) {
        return medianSeconds(op, warmups, runs, minSecondsPerRun, System::nanoTime);
    }

    /**
     * As {@link #medianSeconds(Runnable, int, int, double)} on another clock in nanoseconds, such as
     * the calling thread's CPU time: on a machine shared with other jobs, a single-threaded kernel's
     * CPU time leaves out the time the scheduler gave the core to someone else.
     */
    public static double medianSeconds(Runnable op, int warmups, int runs, double minSecondsPerRun, LongSupplier clock) {
        if (warmups < 0 || runs < 1 || !(minSecondsPerRun >= 0)) {
            throw new IllegalArgumentException("Timing.medianSeconds: warmups " + warmups + " (must be >= 0), runs "
                    + runs + " (must be >= 1), minSecondsPerRun " + minSecondsPerRun + " (must be >= 0)");
        }
        for (int i = 0; i < warmups; i++) {
            timeRun(op, minSecondsPerRun, clock);
        }
        double[] perCall = new double[runs];
        for (int r = 0; r < runs; r++) {
            perCall[r] = timeRun(op, minSecondsPerRun, clock);
        }
        Arrays.sort(perCall);
        return runs % 2 == 1 ? perCall[runs / 2] : (perCall[runs / 2 - 1] + perCall[runs / 2]) / 2;
    }

    private static double timeRun(Runnable op, double minSeconds, LongSupplier clock) {
        long start = clock.getAsLong();
        long calls = 0;
        long elapsed;
        do {
            op.run();
            calls++;
            elapsed = clock.getAsLong() - start;
        } while (elapsed < minSeconds * 1e9);
        return elapsed / 1e9 / calls;
    }
}
