package org.moe4j.kernel;

import org.junit.jupiter.api.Tag;
import static org.junit.jupiter.api.Assertions.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.WeightMatrix;
import org.moe4j.tensor.WeightMatrix.Format;
import org.moe4j.tensor.quant.Dequantizer;

/**
 * The products over GGUF's block formats. The definition (all but Q4_K, see Q4kProductTest): each
 * output is the float32 kernel's dot product of the token with the row as {@link Dequantizer} decodes it, so the product over a block
 * matrix must give the bits of {@link WeightProduct} over the same matrix decoded to float32, for
 * every shape, batch size and thread count (and hence each token the bits of its single-token
 * product); the vector decoder must give the scalar decoder's bits; and the product stays within
 * rounding of the plain {@link WeightProductReference}.
 */
@Tag("slow")
class QuantizedProductTest {
    private static final int[] ROWS = {1, 3, 4, 5, 9, 36};
    private static final int[] TOKENS = {1, 2, 3, 4, 5, 9, 33};

    /** Random blocks: codes random bytes, scales sane halves (ggml's layout per format, see Dequantizer). */
    static WeightMatrix random(Format f, int rows, int cols, Rng rng) {
        int blocks = rows * cols / f.blockSize();
        byte[] b = new byte[blocks * f.blockBytes()];
        for (int i = 0; i < b.length; i++) b[i] = (byte) rng.nextInt(256);
        MemorySegment m = MemorySegment.ofArray(b);
        for (int k = 0; k < blocks; k++) {
            long at = (long) k * f.blockBytes();
            switch (f) {
                case Q8_0, Q4_0 -> putHalf(m, at, (float) (rng.nextGaussian() * 0.05));
                case Q4_K, Q5_K -> {
                    putHalf(m, at, (float) (rng.nextGaussian() * 0.01));
                    putHalf(m, at + 2, (float) Math.abs(rng.nextGaussian() * 0.01));
                }
                case Q6_K -> putHalf(m, at + 208, (float) (rng.nextGaussian() * 0.005));
                case MXFP4_GGML -> m.set(ValueLayout.JAVA_BYTE, at, (byte) (118 + rng.nextInt(12)));
                default -> throw new IllegalArgumentException(f.toString());
            }
        }
        return new WeightMatrix(m, f, rows, cols);
    }

    private static void putHalf(MemorySegment m, long at, float v) {
        m.set(ValueLayout.JAVA_SHORT_UNALIGNED, at, Float.floatToFloat16(v));
    }

    static Format[] blockFormats() {
        return new Format[] {Format.Q8_0, Format.Q4_0, Format.Q4_K, Format.Q5_K, Format.Q6_K, Format.MXFP4_GGML};
    }

    @ParameterizedTest
    @EnumSource(value = Format.class, names = {"Q8_0", "Q4_0", "Q4_K", "Q5_K", "Q6_K", "MXFP4_GGML"})
    void vectorDecodingGivesTheScalarDecodersBits(Format f) {
        WeightMatrix w = random(f, 3, 2 * 256, new Rng(1));
        float[] scalar = w.toFloats();
        MemorySegment vector = PanelBlocks.buffer(scalar.length + 5);
        for (int r = 0; r < w.rows(); r++) QuantizedProduct.decode(f, w.data(), r * f.rowBytes(w.cols()), w.cols(), vector, 5 + r * w.cols(), 1);
        for (int i = 0; i < scalar.length; i++) {
            float v = vector.getAtIndex(ValueLayout.JAVA_FLOAT, 5 + i);
            assertEquals(Float.floatToRawIntBits(scalar[i]), Float.floatToRawIntBits(v), f + " element " + i);
        }
    }

    @ParameterizedTest
    @EnumSource(value = Format.class, names = {"Q8_0", "Q4_0", "Q5_K", "Q6_K", "MXFP4_GGML"})
    void vectorDecodingIntoTheInterleavedLayoutPutsEachValueWherePanelBlocksReadsIt(Format f) {
        int rows = 11, cols = 2 * 256, vl = WideningLoads.VL;
        WeightMatrix w = random(f, rows, cols, new Rng(4));
        float[] scalar = w.toFloats();
        MemorySegment laid = PanelBlocks.buffer(scalar.length);
        for (int r = 0; r < rows; r++) {
            QuantizedProduct.decode(f, w.data(), r * f.rowBytes(cols), cols, laid, PanelBlocks.start(r, rows, cols), PanelBlocks.spread(r, rows, cols));
        }
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                int at = PanelBlocks.start(r, rows, cols) + (c - c % vl) * PanelBlocks.spread(r, rows, cols) + c % vl;
                assertEquals(Float.floatToRawIntBits(scalar[r * cols + c]), Float.floatToRawIntBits(laid.getAtIndex(ValueLayout.JAVA_FLOAT, at)), f + " row " + r + " column " + c);
            }
        }
    }

    // Q4_K multiplies its codes first (Q4kProduct, tested in Q4kProductTest)
    @ParameterizedTest
    @EnumSource(value = Format.class, names = {"Q8_0", "Q4_0", "Q5_K", "Q6_K", "MXFP4_GGML"})
    void productIsTheFloat32ProductOfTheDecodedRowsForEveryShapeAndBatch(Format f) {
        Rng rng = new Rng(2);
        for (int rows : ROWS) {
            for (int cols : new int[] {f.blockSize(), 2 * 256 + (f.blockSize() == 32 ? 32 : 0)}) {
                WeightMatrix w = random(f, rows, cols, rng);
                WeightMatrix decoded = WeightMatrix.of(w.toFloats(), rows, cols);
                for (int T : TOKENS) {
                    float[] x = KernelTesting.normal(rng, T * cols + 3, 1);
                    float[] y = new float[T * rows + 2], expected = new float[T * rows + 2];
                    WeightProduct.multiply(x, 3, T, w, y, 2);
                    WeightProduct.multiply(x, 3, T, decoded, expected, 2);
                    String what = f + " [" + rows + ", " + cols + "] T=" + T;
                    for (int i = 2; i < y.length; i++) {
                        assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(y[i]), what + " output " + (i - 2));
                    }
                    float[] ref = new float[T * rows];
                    WeightProductReference.multiply(x, 3, T, decoded, ref, 0);
                    for (int i = 0; i < ref.length; i++) {
                        int t = i / rows, r = i % rows;
                        double magnitude = 0;
                        for (int c = 0; c < cols; c++) magnitude += Math.abs(x[3 + t * cols + c] * (double) decoded.get(r, c));
                        double bound = 2 * (cols + 6) * 0x1p-24 * magnitude + 1e-30;
                        assertTrue(Math.abs(ref[i] - (double) y[2 + i]) <= bound, what + " output " + i + ": " + y[2 + i] + " vs reference "
                                + ref[i] + " (bound " + bound + ")");
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = Format.class, names = {"Q8_0", "Q4_K", "Q6_K", "MXFP4_GGML"})
    void tokensOfABatchHaveTheBitsOfTheirSingleTokenProductsOnTwoThreads(Format f) {
        Rng rng = new Rng(3);
        int saved = KernelPool.threads();
        try {
            KernelPool.setThreads(Math.min(2, saved));
            int rows = 203, cols = 1024;
            WeightMatrix w = random(f, rows, cols, rng);
            int T = 13;
            float[] x = KernelTesting.normal(rng, T * cols, 1);
            float[] y = new float[T * rows];
            WeightProduct.multiply(x, 0, T, w, y, 0);
            for (int t = 0; t < T; t++) {
                float[] alone = new float[rows];
                WeightProduct.multiply(x, t * cols, 1, w, alone, 0);
                for (int r = 0; r < rows; r++) {
                    assertEquals(Float.floatToRawIntBits(alone[r]), Float.floatToRawIntBits(y[t * rows + r]), f + " token " + t + " row " + r);
                }
            }
        } finally {
            KernelPool.setThreads(saved);
        }
    }
}
