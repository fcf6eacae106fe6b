package org.moe4j.kernel;

/**
 * Splits independent rows over the shared {@link KernelPool} when a kernel is large enough for the
 * threads to pay for their hand-off. Each row is computed by exactly one thread with the same
 * code as in the single-threaded case, so results do not depend on the split.
 */
final class RowParallel {
    private RowParallel() {}

    /**
     * Below this many elements a kernel runs on the calling thread. Measured with RowKernelsBench
     * (softmax against softmaxRowByRow) on 2 cores: two threads broke even at 2^18 elements and
     * were 1.75x faster at 2^20 on a quiet machine, but lost when other processes kept both cores busy.
     */
    static final long MIN_PARALLEL_ELEMENTS = 1 << 19;

    /** Work on rows [from, to). */
    @FunctionalInterface
    interface RowRange {
        void run(int from, int to);
    }

    /** Runs {@code body} over rows [0, rows) of a [rows x cols] input, split into blocks when large. */
    static void forRows(int rows, int cols, RowRange body) {
        int threads = KernelPool.threads();
        long elements = (long) rows * cols;
        if (threads < 2 || rows < 2 || elements < MIN_PARALLEL_ELEMENTS) {
            body.run(0, rows);
            return;
        }
        int blocks = (int) Math.min(Math.min(rows, threads), elements / (MIN_PARALLEL_ELEMENTS / 2));
        KernelPool.parallelFor(blocks, b -> body.run((int) ((long) rows * b / blocks), (int) ((long) rows * (b + 1) / blocks)));
    }
}
