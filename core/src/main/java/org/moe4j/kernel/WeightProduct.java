package org.moe4j.kernel;

import java.lang.foreign.MemorySegment;
import java.util.function.IntConsumer;
import org.moe4j.tensor.WeightMatrix;

/**
 * y = x W^T for a weight matrix in its stored format (float32, half, bfloat16, MXFP4 or one of GGUF's
 * block formats, usually memory mapped): the product of inference, where each weight is read once per
 * call and widened or decoded to float32 in registers (the block formats: see {@link QuantizedProduct}).
 *
 * <p>Batch-invariant: each y[t][r] is the dot product of row t of x with row r of W computed by one
 * fixed sequence of float32 operations (lane-wise fused multiply-adds over whole vectors of
 * columns, a fixed pairwise lane sum, then the tail columns one by one; see
 * {@link WeightBlocks}), whatever T, the other rows of x, the blocking and the thread
 * count, so a sequence's results do not depend on the batch it is decoded in.
 *
 * <p>Schedule: rows of W in blocks of 4 are spread over the {@link KernelPool}; within a task,
 * tokens go in panels small enough that the panel's rows of x stay in the core's L2 cache while the
 * task's rows of W pass by once per panel, and each block of 4 rows is held in L1 while every group
 * of 4 tokens of the panel runs over it. At T = 1 the product is bound by memory bandwidth (each
 * weight is used once); from T of about 8 it is bound by arithmetic. For bfloat16 weights x is first
 * copied into a per-thread buffer with its columns permuted ({@link Bf16Blocks}). Nothing is
 * allocated per call once a thread's buffer has grown to the largest T * cols it has seen.
 *
 * <p>Weights in native memory (a mapped file, an off-heap buffer) take the fast path for every
 * format and block. On the heap, the Vector API compiles loads only from an array of the loaded
 * element type: float32 in a float[] and half in a short[] are fast; bfloat16 (loaded as 32-bit
 * pairs) in a short[], and any format in a byte[], take the API's slow path: correct, but
 * allocating and many times slower. Keep bfloat16 weights mapped or off-heap.
 */
public final class WeightProduct {
    /**
     * Below this many multiply-adds the product runs on its caller alone: at T = 1 a [32, 2048] matrix
     * (2^16) ran no faster on two threads than on one
     * (medians of alternating rounds, weights from memory, on the shared 2-core machine).
     */
    static final long PARALLEL_MIN_MACS = 1L << 17;
    /** Tasks per thread: enough that a thread slowed by another process hands rows to the others. */
    private static final int TASKS_PER_THREAD = 4;
    /** Floats of x per token panel (256 KiB: a fraction of a core's L2, leaving room for the rows of W). */
    private static final int PANEL_FLOATS = 1 << 16;
    private static final ThreadLocal<Call> CALLS = ThreadLocal.withInitial(Call::new);

    private WeightProduct() {}

    // x: (T, cols) from xOff   w: (rows, cols)   y: (T, rows) from yOff, overwritten
    /** y = x W^T for T contiguous rows of x and of y. */
    public static void multiply(float[] x, int xOff, int T, WeightMatrix w, float[] y, int yOff) {
        multiply(x, xOff, w.cols(), T, w, y, yOff, w.rows());
    }

    // x: (T, cols) rows ldx apart from xOff   w: (rows, cols)   y: (T, rows) rows ldy apart from yOff, overwritten
    /**
     * y = x W^T with rows of x {@code ldx} floats apart and rows of y {@code ldy} apart, so that x can
     * be a slice of wider rows and several products can write side by side into one output (q, k
     * and v into one row; gate and up into one row).
     */
    public static void multiply(float[] x, int xOff, int ldx, int T, WeightMatrix w, float[] y, int yOff, int ldy) {
        run(x, xOff, ldx, T, w, y, yOff, ldy, false);
    }

    // x: (T, cols) from xOff   w: (rows, cols)   y: (T, rows) from yOff, added to
    /** y += x W^T: each product, computed exactly as {@link #multiply} computes it, is added to y (a residual). */
    public static void multiplyAdd(float[] x, int xOff, int T, WeightMatrix w, float[] y, int yOff) {
        run(x, xOff, w.cols(), T, w, y, yOff, w.rows(), true);
    }

    // x: (T, cols) rows ldx apart from xOff   w: (rows, cols)   y: (T, rows) rows ldy apart from yOff, added to
    /** y += x W^T with strided rows of x and y (see the strided {@link #multiply}). */
    public static void multiplyAdd(float[] x, int xOff, int ldx, int T, WeightMatrix w, float[] y, int yOff, int ldy) {
        run(x, xOff, ldx, T, w, y, yOff, ldy, true);
    }

    private static void run(float[] x, int xOff, int ldx, int T, WeightMatrix w, float[] y, int yOff, int ldy, boolean add) {
        int rows = w.rows();
        int cols = w.cols();
        check(x, xOff, ldx, T, rows, cols, y, yOff, ldy);
        if (T == 0 || rows == 0) {
            return;
        }
        Call call = CALLS.get();
        float[] xs = x;
        if (w.format() == WeightMatrix.Format.BF16) {
            xs = call.permuted(T * cols);
            Bf16Blocks.permute(x, xOff, ldx, T, cols, xs);
            xOff = 0;
            ldx = cols;
        }
        int quads = (rows + 3) / 4;
        int threads = KernelPool.threads();
        if (threads == 1 || quads < 2 || (long) T * rows * cols < PARALLEL_MIN_MACS) {
            rowRange(0, rows, xs, xOff, ldx, T, w, y, yOff, ldy, add);
            return;
        }
        call.set(Math.min(quads, TASKS_PER_THREAD * threads), quads, xs, xOff, ldx, T, w, y, yOff, ldy, add);
        try {
            KernelPool.parallelFor(call.tasks, call);
        } finally {
            call.clear();
        }
    }

    static void check(float[] x, int xOff, int ldx, int T, int rows, int cols, float[] y, int yOff, int ldy) {
        if (T < 0) {
            throw new IllegalArgumentException("weightProduct: T is " + T + ", must be >= 0");
        }
        if (ldx < cols || ldy < rows) {
            throw new IllegalArgumentException("weightProduct: ldx " + ldx + " must be >= cols " + cols + " and ldy " + ldy
                    + " must be >= rows " + rows);
        }
        long xEnd = T == 0 ? xOff : xOff + (long) (T - 1) * ldx + cols;
        long yEnd = T == 0 ? yOff : yOff + (long) (T - 1) * ldy + rows;
        if (xOff < 0 || yOff < 0 || xEnd > x.length || yEnd > y.length) {
            throw new IndexOutOfBoundsException("weightProduct: x needs floats [" + xOff + ", " + xEnd + ") of " + x.length
                    + " and y needs [" + yOff + ", " + yEnd + ") of " + y.length + ", for " + T + " rows of " + cols + " -> "
                    + rows + " (ldx " + ldx + ", ldy " + ldy + ")");
        }
    }

    /** Rows [r0, r1) of W for all T tokens, in token panels; r0 is a multiple of 4. */
    static void rowRange(int r0, int r1, float[] x, int xOff, int ldx, int T, WeightMatrix w, float[] y, int yOff,
                                 int ldy, boolean add) {
        if (w.format() == WeightMatrix.Format.MXFP4) {
            Mxfp4Product.rows(r0, r1, x, xOff, ldx, T, w, y, yOff, ldy, add);
            return;
        }
        if (w.format().isBlockQuantized()) {
            QuantizedProduct.rows(r0, r1, x, xOff, ldx, T, w, y, yOff, ldy, add);
            return;
        }
        int cols = w.cols();
        int panel = Math.max(4, PANEL_FLOATS / Math.max(1, cols) & ~3);
        if (w.format() == WeightMatrix.Format.F16) {
            halfRowRange(r0, r1, x, xOff, ldx, T, w, y, yOff, ldy, add, panel);
            return;
        }
        MemorySegment data = w.data();
        long rowBytes = (long) cols * w.format().bytes();
        int format = w.format().ordinal();
        float[] sums = CALLS.get().sums;
        if (T == 1) {
            oneToken(format, data, rowBytes, cols, r0, r1, x, xOff, y, yOff, add);
            return;
        }
        for (int t0 = 0; t0 < T; t0 += panel) {
            int t1 = Math.min(T, t0 + panel);
            int r = r0;
            for (; r + 4 <= r1; r += 4) {
                long w0 = r * rowBytes;
                int t = t0;
                for (; t + 4 <= t1; t += 4) {
                    rows4Tokens4(format, data, w0, cols, x, xOff + t * ldx, ldx, y, yOff + t * ldy + r, ldy, add, sums);
                }
                if (t1 - t >= 2 && wholeF32(format, cols)) {
                    // 2 or 3 left over: one padded 4 x 4 block, its missing tokens not stored
                    F32Blocks.rows4Tokens4Whole(data, w0, cols, x, xOff + t * ldx, ldx, t1 - t, y, yOff + t * ldy + r, ldy, add,
                            sums);
                    t = t1;
                }
                for (; t < t1; t++) {
                    rows4Token1(format, data, w0, rowBytes, cols, x, xOff + t * ldx, y, yOff + t * ldy + r, 1, add);
                }
            }
            for (; r < r1; r++) {
                for (int t = t0; t < t1; t++) {
                    WeightBlocks.store(y, yOff + t * ldy + r, row1Token1(format, data, r * rowBytes, cols, x, xOff + t * ldx), add);
                }
            }
        }
    }

    /**
     * Rows [r0, r1) times one token (decoding), in passes of four streams of weights (rows r + i, r + q + i,
     * r + 2q + i, r + 3q + i), each running on through consecutive rows, spaced so that they cross their
     * pages together ({@link RowStreams}). Which rows share a block does not change a row's bits
     * ({@link WeightBlocks}). The rows after the passes go one at a time.
     */
    private static void oneToken(int format, MemorySegment data, long rowBytes, int cols, int r0, int r1, float[] x, int xOff,
                                 float[] y, int yOff, boolean add) {
        int r = r0;
        for (int q = RowStreams.spacing(r1 - r, rowBytes); q > 0; r += 4 * q, q = RowStreams.spacing(r1 - r, rowBytes)) {
            for (int i = r; i < r + q; i++) {
                rows4Token1(format, data, i * rowBytes, q * rowBytes, cols, x, xOff, y, yOff + i, q, add);
            }
        }
        for (; r < r1; r++) {
            WeightBlocks.store(y, yOff + r, row1Token1(format, data, r * rowBytes, cols, x, xOff), add);
        }
    }

    /** rowRange for half weights: each block of rows widened once per panel into the thread's buffer ({@link F16Blocks}). */
    private static void halfRowRange(int r0, int r1, float[] x, int xOff, int ldx, int T, WeightMatrix w, float[] y,
                                     int yOff, int ldy, boolean add, int panel) {
        int cols = w.cols();
        float[] rows = CALLS.get().widened(4 * cols);
        MemorySegment data = w.data();
        for (int t0 = 0; t0 < T; t0 += panel) {
            int t1 = Math.min(T, t0 + panel);
            int r = r0;
            for (; r + 4 <= r1; r += 4) {
                F16Blocks.widen(data, (long) r * cols, 4 * cols, rows, 0);
                int t = t0;
                for (; t + 4 <= t1; t += 4) {
                    ArrayBlocks.rows4Tokens4(rows, 0, cols, x, xOff + t * ldx, ldx, y, yOff + t * ldy + r, ldy, add);
                }
                for (; t < t1; t++) {
                    ArrayBlocks.rows4Token1(rows, 0, cols, x, xOff + t * ldx, y, yOff + t * ldy + r, add);
                }
            }
            for (; r < r1; r++) {
                F16Blocks.widen(data, (long) r * cols, cols, rows, 0);
                for (int t = t0; t < t1; t++) {
                    WeightBlocks.store(y, yOff + t * ldy + r, ArrayBlocks.row1Token1(rows, 0, cols, x, xOff + t * ldx), add);
                }
            }
        }
    }

    // the format (float32 or bfloat16) is chosen once per block, outside the loops over columns (see WeightBlocks)
    private static void rows4Tokens4(int format, MemorySegment w, long w0, int cols, float[] x, int x0, int ldx,
                                     float[] y, int y0, int ldy, boolean add, float[] sums) {
        switch (format) {
            case 0 -> {
                if (wholeF32(format, cols)) {
                    F32Blocks.rows4Tokens4Whole(w, w0, cols, x, x0, ldx, 4, y, y0, ldy, add, sums);
                } else {
                    F32Blocks.rows4Tokens4(w, w0, cols, x, x0, ldx, y, y0, ldy, add);
                }
            }
            default -> Bf16Blocks.rows4Tokens4(w, w0, cols, x, x0, ldx, y, y0, ldy, add);
        }
    }

    /** Whether float32 blocks take the 16-output lane sum: 16-lane vectors and no tail columns. */
    private static boolean wholeF32(int format, int cols) {
        return format == 0 && WideningLoads.VL == 16 && cols % 16 == 0;
    }

    private static void rows4Token1(int format, MemorySegment w, long w0, long rowStride, int cols, float[] x, int x0,
                                    float[] y, int y0, int yStride, boolean add) {
        switch (format) {
            case 0 -> F32Blocks.rows4Token1(w, w0, rowStride, cols, x, x0, y, y0, yStride, add);
            default -> Bf16Blocks.rows4Token1(w, w0, rowStride, cols, x, x0, y, y0, yStride, add);
        }
    }

    private static float row1Token1(int format, MemorySegment w, long w0, int cols, float[] x, int x0) {
        return switch (format) {
            case 0 -> F32Blocks.row1Token1(w, w0, cols, x, x0);
            default -> Bf16Blocks.row1Token1(w, w0, cols, x, x0);
        };
    }

    /**
     * The arguments of one parallel call, kept per calling thread and reused, so that handing the
     * work to the pool allocates no lambda; task i takes blocks of 4 rows [quads i / tasks,
     * quads (i + 1) / tasks). It also keeps the thread's buffer for x permuted for bfloat16 weights.
     */
    private static final class Call implements IntConsumer {
        int tasks, quads, xOff, ldx, T, yOff, ldy;
        boolean add;
        float[] x, y;
        WeightMatrix w;
        private float[] permuted = new float[0];
        private float[] widened = new float[0];
        /** The 16 lane sums of a float32 4 x 4 block ({@link F32Blocks#rows4Tokens4Whole}). */
        final float[] sums = new float[16];

        /** A buffer of at least {@code n} floats for half weights widened by this thread. */
        float[] widened(int n) {
            if (widened.length < n) {
                widened = new float[n];
            }
            return widened;
        }

        /** A buffer of at least {@code n} floats, grown (never shrunk) as calls need. */
        float[] permuted(int n) {
            if (permuted.length < n) {
                permuted = new float[Math.max(n, permuted.length * 3 / 2)];
            }
            return permuted;
        }

        void set(int tasks, int quads, float[] x, int xOff, int ldx, int T, WeightMatrix w, float[] y, int yOff, int ldy,
                 boolean add) {
            this.add = add;
            this.tasks = tasks;
            this.quads = quads;
            this.x = x;
            this.xOff = xOff;
            this.ldx = ldx;
            this.T = T;
            this.w = w;
            this.y = y;
            this.yOff = yOff;
            this.ldy = ldy;
        }

        /** Drops the references, so a finished call keeps no arrays or mapped weights alive. */
        void clear() {
            x = null;
            y = null;
            w = null;
        }

        @Override
        public void accept(int task) {
            int r0 = 4 * (int) ((long) quads * task / tasks);
            int r1 = Math.min(w.rows(), 4 * (int) ((long) quads * (task + 1) / tasks));
            rowRange(r0, r1, x, xOff, ldx, T, w, y, yOff, ldy, add);
        }
    }
}
