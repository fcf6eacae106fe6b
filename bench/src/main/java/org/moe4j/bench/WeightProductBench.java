package org.moe4j.bench;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import org.moe4j.kernel.gemm.Gemm;
import org.moe4j.kernel.KernelPool;
import org.moe4j.kernel.WeightProduct;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.WeightMatrix;

/**
 * {@code moe4j bench weight-product ROWS COLS}: y = x W^T for W [ROWS, COLS] in its stored format and
 * T tokens of x, as inference multiplies by a weight. Successive calls use different matrices laid
 * one after another in a buffer of at least {@code workingSetBytes} (1 GiB by default), so at T = 1
 * the weights come from memory, not cache, as when decoding walks through a model's layers and
 * experts. GB/s counts the weight bytes read per call; GFLOP/s counts 2 T ROWS COLS per call.
 */
public final class WeightProductBench {
    private WeightProductBench() {}

    /**
     * Median figures (of the per-run means), and the fastest single call: on a machine shared with
     * other processes the fastest call is the one nothing interrupted, closer to what the kernel does alone.
     */
    public record Result(double microsecondsPerCall, double gigabytesPerSecond, double gflops, int matrices,
                         double bestMicroseconds, double bestGigabytesPerSecond, double bestGflops) {}

    /** Per-round medians of the kernel and of a plain read over the same bytes, and of their ratio. */
    public record AgainstMemory(double kernelGigabytesPerSecond, double readGigabytesPerSecond, double ratio, int rounds) {}

    /**
     * The kernel's GB/s against the machine's read bandwidth, measured on the same buffer in alternating
     * rounds (one pass of {@link MemoryRead} over all the matrices, then one call on each), so that load
     * from other processes falls on both alike: the median of each and of the per-round ratio, after
     * {@code warmUp} rounds. The ratio is the fraction of the read bandwidth the kernel reaches.
     */
    public static AgainstMemory againstMemory(int rows, int cols, WeightMatrix.Format format, int tokens, int threads,
                                              int rounds, long workingSetBytes) {
        long matrixBytes = format.isBlockQuantized() ? rows * format.rowBytes(cols) : (long) rows * cols * format.bytes();
        long count = Math.max(1, (workingSetBytes + matrixBytes - 1) / matrixBytes);
        MemorySegment buffer = BenchMemory.anonymous(Math.multiplyExact(count, matrixBytes));
        WeightMatrix[] w = new WeightMatrix[(int) count];
        for (int i = 0; i < count; i++) {
            w[i] = new WeightMatrix(buffer.asSlice(i * matrixBytes, matrixBytes), format, rows, cols);
        }
        float[] x = Operands.uniform(new Rng(3), (long) tokens * cols, "x");
        float[] y = new float[Math.multiplyExact(tokens, rows)];
        Runnable read = MemoryRead.pass(buffer);
        int warmUp = 2;
        RoundTimes times = new RoundTimes(2, warmUp);
        double[] ratios = new double[rounds];
        int before = KernelPool.threads();
        KernelPool.setThreads(threads);
        try {
            for (int r = 0; r < warmUp + rounds; r++) {
                long t0 = System.nanoTime();
                read.run();
                long t1 = System.nanoTime();
                for (WeightMatrix m : w) {
                    WeightProduct.multiply(x, 0, tokens, m, y, 0);
                }
                long t2 = System.nanoTime();
                times.add(0, (t1 - t0) / 1e9);
                times.add(1, (t2 - t1) / 1e9);
                if (r >= warmUp) {
                    ratios[r - warmUp] = (t1 - t0) / (double) (t2 - t1) * buffer.byteSize() / MemoryRead.readBytes(buffer);
                }
            }
        } finally {
            KernelPool.setThreads(before);
        }
        java.util.Arrays.sort(ratios);
        double ratio = rounds % 2 == 1 ? ratios[rounds / 2] : (ratios[rounds / 2 - 1] + ratios[rounds / 2]) / 2;
        return new AgainstMemory(buffer.byteSize() / times.median(1) / 1e9, MemoryRead.readBytes(buffer) / times.median(0) / 1e9,
                ratio, rounds);
    }

    /**
     * GFLOP/s of the project's float32 GEMM on the same problem (y = x W^T, W [rows, cols] as an
     * nn.Linear weight): the arithmetic-bound reference for large T.
     */
    public static double float32GemmGflops(int rows, int cols, int tokens, int threads, int runs) {
        Rng rng = new Rng(4);
        float[] w = Operands.uniform(rng, (long) rows * cols, "W");
        float[] x = Operands.uniform(rng, (long) tokens * cols, "x");
        float[] y = new float[Math.multiplyExact(tokens, rows)];
        int before = KernelPool.threads();
        KernelPool.setThreads(threads);
        try {
            double seconds = Timing.medianSeconds(
                    () -> Gemm.gemm(false, true, tokens, rows, cols, 1f, x, 0, cols, w, 0, cols, 0f, y, 0, rows), 3, runs, 0.3);
            return 2.0 * tokens * rows * cols / seconds / 1e9;
        } finally {
            KernelPool.setThreads(before);
        }
    }

    public static Result measure(int rows, int cols, WeightMatrix.Format format, int tokens, int threads, int runs,
                                 long workingSetBytes, Path file) {
        if (rows < 1 || cols < 1 || tokens < 1) {
            throw new IllegalArgumentException("bench weight-product: ROWS=" + rows + " COLS=" + cols + " --tokens " + tokens
                    + " must all be >= 1");
        }
        long matrixBytes = format.isBlockQuantized() ? rows * format.rowBytes(cols) : (long) rows * cols * format.bytes();
        MemorySegment buffer;
        if (file == null) {
            long count = Math.max(1, (workingSetBytes + matrixBytes - 1) / matrixBytes);
            buffer = BenchMemory.anonymous(Math.multiplyExact(count, matrixBytes));
        } else {
            buffer = BenchMemory.mapped(file);
            if (buffer.byteSize() < matrixBytes) {
                throw new IllegalArgumentException("bench weight-product: --file holds " + buffer.byteSize()
                        + " bytes, one matrix needs " + matrixBytes);
            }
        }
        int count = (int) Math.min(Integer.MAX_VALUE, buffer.byteSize() / matrixBytes);
        WeightMatrix[] w = new WeightMatrix[count];
        for (int i = 0; i < count; i++) {
            w[i] = new WeightMatrix(buffer.asSlice(i * matrixBytes, matrixBytes), format, rows, cols);
        }
        float[] x = Operands.uniform(new Rng(3), (long) tokens * cols, "x");
        float[] y = new float[Math.multiplyExact(tokens, rows)];
        int before = KernelPool.threads();
        KernelPool.setThreads(threads);
        try {
            int[] next = {0};
            double seconds = Timing.medianSeconds(() -> {
                WeightProduct.multiply(x, 0, tokens, w[next[0]], y, 0);
                next[0] = next[0] + 1 == count ? 0 : next[0] + 1;
            }, 3, runs, 0.3);
            long best = Long.MAX_VALUE;
            long end = System.nanoTime() + (long) (0.3e9 * runs);
            for (int calls = 0; calls < 3 || System.nanoTime() < end; calls++) {
                long t0 = System.nanoTime();
                WeightProduct.multiply(x, 0, tokens, w[next[0]], y, 0);
                best = Math.min(best, System.nanoTime() - t0);
                next[0] = next[0] + 1 == count ? 0 : next[0] + 1;
            }
            double flops = 2.0 * tokens * rows * cols;
            return new Result(seconds * 1e6, matrixBytes / seconds / 1e9, flops / seconds / 1e9, count,
                    best / 1e3, matrixBytes / (best / 1e9) / 1e9, flops / (best / 1e9) / 1e9);
        } finally {
            KernelPool.setThreads(before);
        }
    }
}
