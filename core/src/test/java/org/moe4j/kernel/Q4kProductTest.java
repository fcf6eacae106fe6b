package org.moe4j.kernel;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.WeightMatrix;
import org.moe4j.tensor.WeightMatrix.Format;
import org.moe4j.tensor.quant.Dequantizer;

/**
 * Q4_K products ({@link Q4kProduct}): every output has the bits of {@link Q4kReference}'s lane-by-lane
 * definition, for every shape, batch size, thread count and for multiplyAdd, whichever schedule
 * (codes unpacked in registers for one token, or into a buffer for several) computes it; and the
 * definition is within rounding of the plain dot product with the rows as {@link Dequantizer} decodes them.
 */
class Q4kProductTest {
    private static final int[] ROWS = {1, 3, 4, 5, 9, 36};
    private static final int[] TOKENS = {1, 2, 3, 5, 9, 33};

    @Test
    void everyOutputHasTheReferenceBitsForEveryShapeBatchAndThreadCount() {
        Rng rng = new Rng(7);
        int saved = KernelPool.threads();
        try {
            for (int threads : new int[] {1, 2}) {
                KernelPool.setThreads(Math.min(threads, Math.max(saved, 2)));
                for (int rows : ROWS) {
                    for (int cols : new int[] {256, 768}) {
                        WeightMatrix w = QuantizedProductTest.random(Format.Q4_K, rows, cols, rng);
                        for (int T : TOKENS) {
                            float[] x = KernelTesting.normal(rng, T * cols + 3, 1);
                            float[] y = new float[T * rows + 2];
                            float[] sum = KernelTesting.normal(rng, T * rows + 2, 1), before = sum.clone();
                            WeightProduct.multiply(x, 3, T, w, y, 2);
                            WeightProduct.multiplyAdd(x, 3, T, w, sum, 2);
                            for (int t = 0; t < T; t++) {
                                for (int r = 0; r < rows; r++) {
                                    float expected = Q4kReference.dot(w.data(), r * Format.Q4_K.rowBytes(cols), cols, x, 3 + t * cols, WideningLoads.VL);
                                    int i = 2 + t * rows + r;
                                    String what = "[" + rows + ", " + cols + "] T=" + T + " threads=" + threads + " token " + t + " row " + r;
                                    assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(y[i]), what);
                                    assertEquals(Float.floatToRawIntBits(before[i] + expected), Float.floatToRawIntBits(sum[i]), what + " (add)");
                                }
                            }
                        }
                    }
                }
            }
        } finally {
            KernelPool.setThreads(saved);
        }
    }

    @Test
    void blocksOfRowsAndPanelsOfTokensBeyondOneBufferKeepTheReferenceBits() {
        Rng rng = new Rng(9);
        int rows = 76, cols = 2048, T = 37;
        WeightMatrix w = QuantizedProductTest.random(Format.Q4_K, rows, cols, rng);
        float[] x = KernelTesting.normal(rng, T * cols, 1);
        float[] y = new float[T * rows];
        WeightProduct.multiply(x, 0, T, w, y, 0);
        for (int t = 0; t < T; t++) {
            for (int r = 0; r < rows; r++) {
                float expected = Q4kReference.dot(w.data(), r * Format.Q4_K.rowBytes(cols), cols, x, t * cols, WideningLoads.VL);
                assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(y[t * rows + r]), "token " + t + " row " + r);
            }
        }
    }

    @Test
    void theDefinitionIsWithinRoundingOfTheDecodedRowsDotProduct() {
        Rng rng = new Rng(8);
        int rows = 40, cols = 1024;
        WeightMatrix w = QuantizedProductTest.random(Format.Q4_K, rows, cols, rng);
        float[] decoded = w.toFloats();
        float[] x = KernelTesting.normal(rng, cols, 1);
        float[] y = new float[rows];
        WeightProduct.multiply(x, 0, 1, w, y, 0);
        long rowBytes = Format.Q4_K.rowBytes(cols);
        for (int r = 0; r < rows; r++) {
            double exact = 0, magnitude = 0;
            for (int c = 0; c < cols; c++) exact += (double) x[c] * decoded[r * cols + c];
            // sum_j |dl_j| sum_k |x_k q_k| + |ml_j| sum_k |x_k|, with |q| <= 15: what the rounding errors scale with
            for (int c = 0; c < cols; c += 256) {
                long at = r * rowBytes + c / 256 * 144L;
                float d = Dequantizer.half(w.data(), at), dmin = Dequantizer.half(w.data(), at + 2);
                for (int j = 0; j < 8; j++) {
                    double dl = Math.abs(d * Dequantizer.scaleMin(w.data(), at + 4, j, 0));
                    double ml = Math.abs(dmin * Dequantizer.scaleMin(w.data(), at + 4, j, 1));
                    for (int k = 0; k < 32; k++) magnitude += Math.abs(x[c + 32 * j + k]) * (15 * dl + ml);
                }
            }
            double bound = 2 * (cols / 32 + 48) * 0x1p-24 * magnitude;
            assertTrue(Math.abs(exact - y[r]) <= bound, "row " + r + ": " + y[r] + " vs " + exact + " (bound " + bound + ")");
        }
    }
}
