package org.moe4j.kernel;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.WeightMatrix;
import org.moe4j.tensor.WeightMatrix.Format;
import org.moe4j.tensor.quant.Dequantizer;

/**
 * The one-token product over ggml's MXFP4 blocks ({@link QuantizedKernels}' table of each block's
 * weights, reached through {@link WeightProduct} at T = 1): every output has the bits of the
 * definition written out lane by lane here, the float32 dot product with the row as
 * {@link Dequantizer} decodes it, for every scale byte (the subnormal scales of e = 0 and 1 included;
 * QuantizedProductTest's blocks have sane scales only), for shapes that leave rows to the one-row path,
 * in native memory (as mapped files are) and on the heap, on one and two threads, and for multiplyAdd.
 */
class Mxfp4GgmlProductTest {
    private static final Format F = Format.MXFP4_GGML;

    /** Random codes; block k's scale byte is {@code scale(k)}. */
    private static MemorySegment blocks(MemorySegment m, int blocks, Rng rng, java.util.function.IntUnaryOperator scale) {
        for (long i = 0; i < m.byteSize(); i++) m.set(ValueLayout.JAVA_BYTE, i, (byte) rng.nextInt(256));
        for (int k = 0; k < blocks; k++) m.set(ValueLayout.JAVA_BYTE, 17L * k, (byte) scale.applyAsInt(k));
        return m;
    }

    /**
     * The definition: acc[l] = fma(x[c], w[c], acc[l]) over columns c = l, l + VL, ... in order, then the
     * lanes summed pairwise (l and l + h for h = VL/2, ..., 1), with w the row as Dequantizer decodes it.
     */
    private static float definition(float[] w, int w0, float[] x, int x0, int cols, int vl) {
        float[] acc = new float[vl];
        for (int c = 0; c < cols; c++) acc[c % vl] = Math.fma(x[x0 + c], w[w0 + c], acc[c % vl]);
        for (int h = vl / 2; h >= 1; h /= 2) {
            for (int l = 0; l < h; l++) acc[l] += acc[l + h];
        }
        return acc[0];
    }

    private static void checkAgainstDefinition(WeightMatrix w, Rng rng, String what) {
        int rows = w.rows(), cols = w.cols();
        float[] decoded = w.toFloats();
        float[] x = KernelTesting.normal(rng, cols + 3, 1);
        float[] y = new float[rows + 2];
        float[] sum = KernelTesting.normal(rng, rows + 2, 1), before = sum.clone();
        WeightProduct.multiply(x, 3, 1, w, y, 2);
        WeightProduct.multiplyAdd(x, 3, 1, w, sum, 2);
        for (int r = 0; r < rows; r++) {
            float expected = definition(decoded, r * cols, x, 3, cols, WideningLoads.VL);
            assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(y[2 + r]), what + " row " + r);
            assertEquals(Float.floatToRawIntBits(before[2 + r] + expected), Float.floatToRawIntBits(sum[2 + r]), what + " row " + r + " (add)");
        }
    }

    @Test
    void everyScaleByteGivesTheDefinitionsBits() {
        Rng rng = new Rng(11);
        int rows = 16, cols = 32 * 64;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment m = blocks(arena.allocate((long) rows * cols / 32 * 17), rows * cols / 32, rng, k -> k % 256);
            WeightMatrix w = new WeightMatrix(m, F, rows, cols);
            checkAgainstDefinition(w, rng, "scales 0..255");
            // each row's scales spread over the whole range, so a product mixes tiny and huge weights
            blocks(m, rows * cols / 32, rng, k -> (k * 37) % 256);
            checkAgainstDefinition(w, rng, "mixed scales");
        }
    }

    @Test
    void everyShapeAndThreadCountGivesTheDefinitionsBits() {
        Rng rng = new Rng(12);
        int saved = KernelPool.threads();
        try (Arena arena = Arena.ofShared()) {
            for (int threads : new int[] {1, 2}) {
                KernelPool.setThreads(Math.min(threads, Math.max(saved, 2)));
                for (int rows : new int[] {1, 3, 4, 5, 8, 9, 36, 203}) {
                    for (int cols : new int[] {32, 64, 2880}) {
                        int n = rows * cols / 32;
                        MemorySegment native_ = blocks(arena.allocate(17L * n), n, rng, k -> 110 + (k % 25));
                        checkAgainstDefinition(new WeightMatrix(native_, F, rows, cols), rng, "native [" + rows + ", " + cols + "] threads " + threads);
                        MemorySegment heap = blocks(MemorySegment.ofArray(new byte[17 * n]), n, rng, k -> 110 + (k % 25));
                        checkAgainstDefinition(new WeightMatrix(heap, F, rows, cols), rng, "heap [" + rows + ", " + cols + "] threads " + threads);
                    }
                }
            }
        } finally {
            KernelPool.setThreads(saved);
        }
    }
}
