package org.moe4j.kernel;

import java.util.function.IntConsumer;

/**
 * The small row operations of a batched decoding step (residual adds and norms, RoPE and the writes to
 * the KV cache, the experts' activation, gather and scatter) as one parallel loop each over the
 * {@link KernelPool}, split by rows. Run on the calling thread, these were about 14% of a batch-16
 * step of the default model (timed at load 7), with the second core idle; split, the step measured 0
 * to 7% faster (docs/performance.md, "The row operations on both threads, measured"): a 16-row norm
 * is a few microseconds of work, not much more than a loop's hand-off and the second thread's join.
 *
 * <p>Each row is computed by exactly one task, with the code the caller would run on it alone, so the
 * split changes no bit. Nothing is allocated per call: the body is an object the caller made once,
 * and the loop's state is the calling thread's own, reused.
 */
public final class RowSplit implements IntConsumer {
    /**
     * Below this many floats touched (rows x floats per row) the rows run on the caller: the residual add
     * and norm of a 256-wide row take under a microsecond, about what the hand-off to a spinning worker
     * costs, so a split pays from about 8 such rows. A step of one decoding sequence never splits.
     */
    public static final long MIN_PARALLEL_FLOATS = 4096;
    /**
     * Tasks per thread: two, so a thread that starts late (a worker waking up) leaves half its rows to the
     * other, and no more, since every task claimed and finished is two atomic updates of a line the
     * threads share, tens of nanoseconds each against loops of a few microseconds.
     */
    private static final int TASKS_PER_THREAD = 2;
    private static final ThreadLocal<RowSplit> SPLITS = ThreadLocal.withInitial(RowSplit::new);

    /** Work on rows [from, to). */
    @FunctionalInterface
    public interface Range {
        void run(int from, int to);
    }

    private Range body;
    private int rows;
    private int tasks;

    private RowSplit() {}

    /**
     * Runs {@code body} over rows [0, rows), in slices over the kernel threads when rows x width is at
     * least {@link #MIN_PARALLEL_FLOATS}, else at once on the caller; {@code width} is the floats a row
     * reads or writes, for that choice only.
     */
    public static void run(int rows, int width, Range body) {
        if (rows < 0 || width < 0) {
            throw new IllegalArgumentException("RowSplit.run: rows " + rows + " and width " + width + ", both must be >= 0");
        }
        int threads = KernelPool.threads();
        // inside a task of another parallel loop the rows run here: this thread's split may be that loop's own state
        if (threads < 2 || rows < 2 || (long) rows * width < MIN_PARALLEL_FLOATS || KernelPool.inParallelLoop()) {
            body.run(0, rows);
            return;
        }
        RowSplit s = SPLITS.get();
        s.body = body;
        s.rows = rows;
        s.tasks = Math.min(rows, TASKS_PER_THREAD * threads);
        try {
            KernelPool.parallelFor(s.tasks, s);
        } finally {
            s.body = null;
        }
    }

    @Override
    public void accept(int task) {
        body.run((int) ((long) rows * task / tasks), (int) ((long) rows * (task + 1) / tasks));
    }
}
