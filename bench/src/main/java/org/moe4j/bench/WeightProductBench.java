package org.moe4j.bench;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
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

    public record Result(double microsecondsPerCall, double gigabytesPerSecond, double gflops, int matrices) {}

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
            return new Result(seconds * 1e6, matrixBytes / seconds / 1e9, 2.0 * tokens * rows * cols / seconds / 1e9, count);
        } finally {
            KernelPool.setThreads(before);
        }
    }
}
