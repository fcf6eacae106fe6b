package org.moe4j.kernel;

import java.util.Arrays;
import java.util.function.IntConsumer;
import org.moe4j.tensor.WeightMatrix;

/**
 * Several independent weight products run as one parallel loop: the gate and up products of every
 * expert a layer routes to, or the q, k and v projections. At batch 1 each of those products reads a
 * few MiB of weights in about a hundred microseconds; run one by one, every product ends with the
 * threads waiting for the slowest one's last rows, and the next starts with cold prefetchers. Handed
 * out together, the threads stream from one product to the next without waiting.
 *
 * <p>Each output is computed exactly as {@link WeightProduct#multiply} computes it (the same blocks of
 * 4 rows over the same kernels), so grouping products changes no bit of any result.
 *
 * <p>Use: {@link #begin()}, then {@link #add} for each product, then {@link #run()}. The group is the
 * calling thread's own, reused from call to call, so a decoding step allocates nothing once its
 * arrays have grown to the largest group seen.
 */
public final class ProductGroup implements IntConsumer {
    /**
     * Weights per task, whatever the number of tokens: a quarter of a million is 512 KiB of bfloat16.
     * Splitting by weights rather than by multiply-adds keeps a prompt's tasks as wide as a decoding
     * step's: each task reads its tokens' rows of x once, so tasks of a few rows each (as a split by
     * multiply-adds gives at 512 tokens) would read x again for every few rows of W (prefill ran 1.2x
     * slower in BF16 and 1.8x in Q4_K so).
     */
    static final long TASK_WEIGHTS = 1L << 18;
    /**
     * Up to this many rows of x (a decoding batch, not a prompt), the group's tasks are also at least
     * {@link #BALANCE_TASKS_PER_THREAD} per thread, shared by multiply-adds: split by weights alone, the
     * default model's q, k and v (65,536 weights each) were three tasks on two threads, and a batch's
     * experts one task each of unequal length, so one thread waited for the other at the end of every
     * phase. Rows of x are re-read per task, which costs little at this many.
     */
    static final int BALANCE_MAX_ROWS = 64;
    static final int BALANCE_TASKS_PER_THREAD = 8;
    private static final ThreadLocal<ProductGroup> GROUPS = ThreadLocal.withInitial(ProductGroup::new);

    private int jobs;
    private float[][] xs = new float[8][];
    private float[][] ys = new float[8][];
    private WeightMatrix[] ws = new WeightMatrix[8];
    // per job: x offset, x stride, rows of x, y offset, y stride, add (1) or overwrite (0)
    private int[] xOff = new int[8], ldx = new int[8], rowsOfX = new int[8], yOff = new int[8], ldy = new int[8],
            add = new int[8];
    // the x each job was added with, kept to find jobs that share it after permuting has replaced xs
    private float[][] origin = new float[8][];
    private int[] originOff = new int[8], originLd = new int[8];
    /** Per job: its first task; firstTask[jobs] is the number of tasks. Every job has at least one, so it increases strictly. */
    private int[] firstTask = new int[9];
    /** bfloat16 weights take x with its columns permuted ({@link Bf16Blocks}); the permuted copies, one after another. */
    private float[] permuted = new float[0];

    private ProductGroup() {}

    /** The calling thread's group, emptied. */
    public static ProductGroup begin() {
        ProductGroup g = GROUPS.get();
        g.clear();
        return g;
    }

    // x: (T, cols) rows ldx apart from xOff   w: (rows, cols)   y: (T, rows) rows ldy apart from yOff
    /** Adds y = x W^T (or y += x W^T when {@code accumulate}) to the group; nothing runs before {@link #run()}. */
    public ProductGroup add(float[] x, int xOff, int ldx, int T, WeightMatrix w, float[] y, int yOff, int ldy,
                            boolean accumulate) {
        WeightProduct.check(x, xOff, ldx, T, w.rows(), w.cols(), y, yOff, ldy);
        if (T == 0 || w.rows() == 0) {
            return this;
        }
        grow(jobs + 1);
        int j = jobs++;
        xs[j] = x;
        origin[j] = x;
        originOff[j] = xOff;
        originLd[j] = ldx;
        ys[j] = y;
        ws[j] = w;
        this.xOff[j] = xOff;
        this.ldx[j] = ldx;
        rowsOfX[j] = T;
        this.yOff[j] = yOff;
        this.ldy[j] = ldy;
        add[j] = accumulate ? 1 : 0;
        return this;
    }

    /** y = x W^T for T contiguous rows of x and of y. */
    public ProductGroup add(float[] x, int xOff, int T, WeightMatrix w, float[] y, int yOff) {
        return add(x, xOff, w.cols(), T, w, y, yOff, w.rows(), false);
    }

    /** Runs every product added since {@link #begin()} and empties the group. */
    public void run() {
        try {
            permuteBf16Inputs();
            long macs = 0;
            for (int j = 0; j < jobs; j++) macs += (long) rowsOfX[j] * ws[j].rows() * ws[j].cols();
            for (int j = 0; j < jobs; j++) {
                int quads = (ws[j].rows() + 3) / 4;
                long weights = (long) ws[j].rows() * ws[j].cols();
                long tasks = Math.max(1, (weights + TASK_WEIGHTS - 1) / TASK_WEIGHTS);
                if (rowsOfX[j] <= BALANCE_MAX_ROWS) {
                    // and at least its share of BALANCE_TASKS_PER_THREAD tasks per thread by multiply-adds, so a few
                    // products of unequal size (q, k and v; the experts of a decoding batch) still split evenly
                    long jobMacs = (long) rowsOfX[j] * ws[j].rows() * ws[j].cols();
                    long share = (jobMacs * BALANCE_TASKS_PER_THREAD * KernelPool.threads() + macs - 1) / Math.max(1, macs);
                    tasks = Math.max(tasks, share);
                }
                firstTask[j + 1] = firstTask[j] + (int) Math.min(quads, tasks);
            }
            if (KernelPool.threads() == 1 || firstTask[jobs] < 2 || macs < WeightProduct.PARALLEL_MIN_MACS) {
                for (int task = 0; task < firstTask[jobs]; task++) accept(task);
            } else {
                KernelPool.parallelFor(firstTask[jobs], this);
            }
        } finally {
            clear();
        }
    }

    /** Task i: its job (found by binary search over firstTask) and its share of that job's blocks of 4 rows. */
    @Override
    public void accept(int task) {
        int j = Arrays.binarySearch(firstTask, 0, jobs + 1, task);
        if (j < 0) {
            j = -j - 2;
        }
        WeightMatrix w = ws[j];
        int tasks = firstTask[j + 1] - firstTask[j];
        int i = task - firstTask[j];
        int quads = (w.rows() + 3) / 4;
        int r0 = 4 * (int) ((long) quads * i / tasks);
        int r1 = Math.min(w.rows(), 4 * (int) ((long) quads * (i + 1) / tasks));
        WeightProduct.rowRange(r0, r1, xs[j], xOff[j], ldx[j], rowsOfX[j], w, ys[j], yOff[j], ldy[j], add[j] == 1);
    }

    /**
     * Replaces the x of every bfloat16 job by its permuted copy; jobs reading the same rows of x (gate
     * and up of one expert) share one copy.
     */
    private void permuteBf16Inputs() {
        int need = 0;
        for (int j = 0; j < jobs; j++) {
            if (ws[j].format() == WeightMatrix.Format.BF16) need += rowsOfX[j] * ws[j].cols();
        }
        if (need == 0) {
            return;
        }
        if (permuted.length < need) {
            permuted = new float[Math.max(need, permuted.length * 3 / 2)];
        }
        int used = 0;
        for (int j = 0; j < jobs; j++) {
            if (ws[j].format() != WeightMatrix.Format.BF16) continue;
            int cols = ws[j].cols();
            int same = sameInput(j);
            if (same >= 0) {
                xs[j] = permuted;
                xOff[j] = xOff[same];
            } else {
                Bf16Blocks.permute(xs[j], xOff[j], ldx[j], rowsOfX[j], cols, permuted, used);
                xs[j] = permuted;
                xOff[j] = used;
                used += rowsOfX[j] * cols;
            }
            ldx[j] = cols;
        }
    }

    /** An earlier bfloat16 job that read the same rows of x with the same width (already permuted), or -1. */
    private int sameInput(int j) {
        for (int i = 0; i < j; i++) {
            if (ws[i].format() == WeightMatrix.Format.BF16 && origin[i] == origin[j] && originOff[i] == originOff[j]
                    && originLd[i] == originLd[j] && rowsOfX[i] == rowsOfX[j] && ws[i].cols() == ws[j].cols()) {
                return i;
            }
        }
        return -1;
    }

    private void grow(int n) {
        if (xs.length < n) {
            int m = Math.max(n, xs.length * 2);
            xs = Arrays.copyOf(xs, m);
            ys = Arrays.copyOf(ys, m);
            ws = Arrays.copyOf(ws, m);
            xOff = Arrays.copyOf(xOff, m);
            ldx = Arrays.copyOf(ldx, m);
            rowsOfX = Arrays.copyOf(rowsOfX, m);
            yOff = Arrays.copyOf(yOff, m);
            ldy = Arrays.copyOf(ldy, m);
            add = Arrays.copyOf(add, m);
            firstTask = Arrays.copyOf(firstTask, m + 1);
            origin = Arrays.copyOf(origin, m);
            originOff = Arrays.copyOf(originOff, m);
            originLd = Arrays.copyOf(originLd, m);
        }
    }

    /** Drops the references, so an idle group keeps no arrays or mapped weights alive. */
    private void clear() {
        Arrays.fill(xs, 0, jobs, null);
        Arrays.fill(ys, 0, jobs, null);
        Arrays.fill(ws, 0, jobs, null);
        Arrays.fill(origin, 0, jobs, null);
        jobs = 0;
    }
}
