package org.moe4j.kernel;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moe4j.io.HalfPrecision;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.WeightMatrix;
import org.moe4j.tensor.WeightMatrix.Format;

/**
 * WeightProduct against its scalar definition for every stored format, on shapes that hit every
 * block (4 x 4, 4 x 1, 1 x 1) and the column tail, on unaligned mapped memory, with NaN and
 * infinities, and bit for bit against itself whatever the batch and the thread count.
 *
 * <p>Tolerance against the reference: both compute the same products x[c] * w[c] exactly (a 16-bit
 * weight widens exactly), but sum them in different orders (the reference one chain over c, the
 * kernel VL chains, a pairwise tree, then the tail). Each order's error is at most
 * gamma_n * sum_c |x[c] w[c]| with gamma_n = n u / (1 - n u), u = 2^-24, n = cols + log2 VL + 1
 * additions on the longest path (Higham, Accuracy and Stability, 3.1), so the two differ by at most
 * twice that. This bound scales with the magnitudes that are summed, so it holds for cancelling
 * sums too; an error in indexing or widening moves a result by about one term, far more.
 */
@Tag("slow")
class WeightProductTest {
    private static final int LANES = KernelTesting.LANES;
    private static final int[] ROWS = {1, 3, 4, 5, 7, 8, 13, 33};
    private static final int[] COLS = {1, 3, LANES - 1, LANES, LANES + 1, 2 * LANES + 3, 4 * LANES, 100, 257};
    private static final int[] TOKENS = {1, 2, 3, 5, 8, 17, 64};

    @TempDir
    Path dir;

    @Test
    void agreesWithTheReferenceForEveryFormatAndShape() {
        Rng rng = new Rng(11);
        for (Format format : ELEMENT_FORMATS) {
            for (int rows : ROWS) {
                for (int cols : COLS) {
                    for (int T : TOKENS) {
                        if (T == 64 && rows * cols > 2000) {
                            continue;
                        }
                        WeightMatrix w = heap(format, random(rng, rows * cols, 1), rows, cols);
                        float[] x = random(rng, T * cols, 1);
                        float[] y = new float[T * rows];
                        WeightProduct.multiply(x, 0, T, w, y, 0);
                        assertNearReference(x, 0, cols, T, w, y, 0, rows, format + " [" + rows + ", " + cols + "] T=" + T);
                    }
                }
            }
        }
    }

    @Test
    void largeMatricesAgreeOnTwoThreads() {
        Rng rng = new Rng(12);
        int saved = KernelPool.threads();
        try {
            KernelPool.setThreads(Math.min(2, saved));
            for (Format format : ELEMENT_FORMATS) {
                int rows = 203, cols = 515;
                WeightMatrix w = heap(format, random(rng, rows * cols, 0.05), rows, cols);
                for (int T : new int[] {1, 8, 67}) {
                    float[] x = random(rng, T * cols, 1);
                    float[] y = new float[T * rows];
                    WeightProduct.multiply(x, 0, T, w, y, 0);
                    assertNearReference(x, 0, cols, T, w, y, 0, rows, format + " T=" + T);
                }
            }
        } finally {
            KernelPool.setThreads(saved);
        }
    }

    @Test
    void stridesAndOffsetsAreHonoured() {
        Rng rng = new Rng(13);
        // with tail columns, and without (on 16-lane vectors the float32 4 x 4 block then stores all 16 sums at once)
        for (int cols : new int[] {2 * LANES + 5, 4 * LANES})
        for (Format format : ELEMENT_FORMATS) {
            int rows = 9, T = 6, ldx = cols + 7, ldy = rows + 4, xOff = 5, yOff = 3;
            WeightMatrix w = heap(format, random(rng, rows * cols, 1), rows, cols);
            float[] x = random(rng, xOff + T * ldx, 1);
            float[] y = new float[yOff + T * ldy];
            java.util.Arrays.fill(y, 42f);
            WeightProduct.multiply(x, xOff, ldx, T, w, y, yOff, ldy);
            for (int t = 0; t < T; t++) {
                float[] alone = new float[rows];
                WeightProduct.multiply(x, xOff + t * ldx, 1, w, alone, 0);
                for (int r = 0; r < rows; r++) {
                    assertEquals(Float.floatToIntBits(alone[r]), Float.floatToIntBits(y[yOff + t * ldy + r]),
                            format + " token " + t + " row " + r);
                }
                for (int r = rows; r < ldy && yOff + t * ldy + r < y.length; r++) {
                    assertEquals(42f, y[yOff + t * ldy + r], "padding of y after token " + t + " untouched");
                }
            }
            assertEquals(42f, y[0], "y before its offset untouched");
        }
    }

    @Test
    void multiplyAddAddsTheProductMultiplyComputes() {
        Rng rng = new Rng(17);
        int saved = KernelPool.threads();
        try {
            for (int threads = 1; threads <= Math.min(2, saved); threads++) {
                KernelPool.setThreads(threads);
                for (int cols : new int[] {3 * LANES + 5, 4 * LANES})
                for (Format format : ELEMENT_FORMATS) {
                    int rows = 131, T = 7, ldy = rows + 3;
                    WeightMatrix w = heap(format, random(rng, rows * cols, 1), rows, cols);
                    float[] x = random(rng, T * cols, 1);
                    float[] product = new float[T * rows];
                    WeightProduct.multiply(x, 0, T, w, product, 0);
                    float[] y = random(rng, 2 + T * ldy, 1);
                    float[] before = y.clone();
                    WeightProduct.multiplyAdd(x, 0, cols, T, w, y, 2, ldy);
                    for (int t = 0; t < T; t++) {
                        for (int r = 0; r < rows; r++) {
                            int i = 2 + t * ldy + r;
                            assertEquals(Float.floatToIntBits(before[i] + product[t * rows + r]), Float.floatToIntBits(y[i]),
                                    format + " " + threads + " threads, token " + t + " row " + r);
                        }
                        for (int r = rows; r < ldy && 2 + t * ldy + r < y.length; r++) {
                            assertEquals(before[2 + t * ldy + r], y[2 + t * ldy + r], "padding of y untouched");
                        }
                    }
                }
            }
        } finally {
            KernelPool.setThreads(saved);
        }
    }

    @Test
    void unalignedMappedWeightsGiveTheBitsOfHeapWeights() throws IOException {
        Rng rng = new Rng(14);
        int rows = 37, cols = 3 * LANES + 3, T = 9;
        for (Format format : ELEMENT_FORMATS) {
            float[] values = random(rng, rows * cols, 1);
            WeightMatrix onHeap = heap(format, values, rows, cols);
            // a file with 3 bytes before the matrix, so the mapped slice starts at an odd address
            Path file = dir.resolve("w-" + format + ".bin");
            byte[] bytes = new byte[3 + (int) onHeap.byteSize() + 5];
            MemorySegment.copy(onHeap.data(), 0, MemorySegment.ofArray(bytes), 3, onHeap.byteSize());
            Files.write(file, bytes);
            try (Arena arena = Arena.ofConfined(); FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                MemorySegment mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, bytes.length, arena);
                WeightMatrix w = new WeightMatrix(mapped.asSlice(3, onHeap.byteSize()), format, rows, cols);
                assertEquals(3, w.data().address() % 4, "the slice is unaligned");
                float[] x = random(rng, T * cols, 1);
                float[] fromFile = new float[T * rows];
                float[] fromHeap = new float[T * rows];
                WeightProduct.multiply(x, 0, T, w, fromFile, 0);
                WeightProduct.multiply(x, 0, T, onHeap, fromHeap, 0);
                for (int i = 0; i < fromHeap.length; i++) {
                    assertEquals(Float.floatToIntBits(fromHeap[i]), Float.floatToIntBits(fromFile[i]), format + " element " + i);
                }
                assertNearReference(x, 0, cols, T, w, fromFile, 0, rows, format + " mapped");
            }
        }
    }

    @Test
    void nanAndInfinityPropagate() {
        int rows = 6, cols = 2 * LANES + 3, T = 5;
        for (Format format : ELEMENT_FORMATS) {
            float[] values = new float[rows * cols];
            java.util.Arrays.fill(values, 0.5f);
            values[1 * cols + 2] = Float.NaN;                 // row 1: NaN in the vector part
            values[2 * cols + cols - 1] = Float.NaN;          // row 2: NaN in the tail
            values[3 * cols + LANES] = Float.POSITIVE_INFINITY;
            values[4 * cols + cols - 2] = Float.NEGATIVE_INFINITY;
            values[5 * cols + 1] = Float.POSITIVE_INFINITY;   // row 5: inf + -inf = NaN
            values[5 * cols + 2] = Float.NEGATIVE_INFINITY;
            WeightMatrix w = heap(format, values, rows, cols);
            float[] x = new float[T * cols];
            java.util.Arrays.fill(x, 1f);
            x[3 * cols + 7] = Float.NaN;                      // token 3: NaN input
            float[] y = new float[T * rows];
            WeightProduct.multiply(x, 0, T, w, y, 0);
            for (int t = 0; t < T; t++) {
                String at = format + " token " + t;
                if (t == 3) {
                    for (int r = 0; r < rows; r++) assertTrue(Float.isNaN(y[t * rows + r]), at + " row " + r + " (NaN input)");
                    continue;
                }
                assertEquals(0.5f * cols, y[t * rows], at + " row 0");
                assertTrue(Float.isNaN(y[t * rows + 1]), at + " row 1");
                assertTrue(Float.isNaN(y[t * rows + 2]), at + " row 2");
                assertEquals(Float.POSITIVE_INFINITY, y[t * rows + 3], at + " row 3");
                assertEquals(Float.NEGATIVE_INFINITY, y[t * rows + 4], at + " row 4");
                assertTrue(Float.isNaN(y[t * rows + 5]), at + " row 5");
            }
        }
    }

    @Test
    void everyTokenIsTheBitsOfItsSingleTokenProduct() {
        Rng rng = new Rng(15);
        int saved = KernelPool.threads();
        try {
            for (Format format : ELEMENT_FORMATS) {
                for (int[] shape : new int[][] {{67, 300}, {256, 128}, {13, 4 * LANES + 1}}) {
                    int rows = shape[0], cols = shape[1];
                    WeightMatrix w = heap(format, random(rng, rows * cols, 0.1), rows, cols);
                    float[] x = random(rng, 64 * cols, 1);
                    KernelPool.setThreads(1);
                    float[][] alone = new float[64][rows];
                    for (int t = 0; t < 64; t++) {
                        WeightProduct.multiply(x, t * cols, 1, w, alone[t], 0);
                    }
                    for (int threads = 1; threads <= Math.min(2, saved); threads++) {
                        KernelPool.setThreads(threads);
                        for (int T : new int[] {2, 3, 5, 6, 7, 8, 17, 64}) {
                            // the batch starts at token `from`, so each token sits at another position and among other tokens
                            int from = 64 - T;
                            float[] y = new float[T * rows];
                            WeightProduct.multiply(x, from * cols, T, w, y, 0);
                            for (int t = 0; t < T; t++) {
                                for (int r = 0; r < rows; r++) {
                                    assertEquals(Float.floatToIntBits(alone[from + t][r]), Float.floatToIntBits(y[t * rows + r]),
                                            format + " [" + rows + ", " + cols + "] " + threads + " threads, T=" + T
                                                    + ", token " + (from + t) + " row " + r);
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
    void halfAndBfloat16WidenExactlyForAllBitPatterns() {
        MemorySegment all = Arena.ofAuto().allocate(2 * 65536 + 2, 8).asSlice(2);
        for (int i = 0; i < 65536; i++) {
            all.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i, (short) i);
        }
        float[] halves = new float[65536 + 5];
        F16Blocks.widen(all, 0, 65536, halves, 5);
        for (int i = 0; i < 65536; i++) {
            short bits = (short) i;
            assertSameValue(Float.float16ToFloat(bits), halves[5 + i], "f16 " + Integer.toHexString(i));
            assertSameValue(HalfPrecision.bf16ToFloat(bits), WideningLoads.bf16At(all, i), "scalar bf16");
        }
        for (int i = 0; i < 65536; i += 2 * LANES) {
            var pairs = Bf16Blocks.pairs(all, 2L * i);
            var even = Bf16Blocks.even(pairs);
            var odd = Bf16Blocks.odd(pairs);
            for (int l = 0; l < LANES; l++) {
                assertSameValue(HalfPrecision.bf16ToFloat((short) (i + 2 * l)), even.lane(l), "bf16 " + Integer.toHexString(i + 2 * l));
                assertSameValue(HalfPrecision.bf16ToFloat((short) (i + 2 * l + 1)), odd.lane(l),
                        "bf16 " + Integer.toHexString(i + 2 * l + 1));
            }
        }
    }

    @Test
    void steadyStateCallsAllocateNothingOnOneOrTwoThreads() {
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Rng rng = new Rng(16);
        int saved = KernelPool.threads();
        try {
            for (int threads = 1; threads <= Math.min(2, saved); threads++) {
                KernelPool.setThreads(threads);
                for (Format format : ELEMENT_FORMATS) {
                    // 512 x 67: from T = 2 on, enough multiply-adds for the parallel path
                    int rows = 512, cols = 4 * LANES + 3;
                    WeightMatrix w = heap(format, random(rng, rows * cols, 1), rows, cols);
                    float[] x = random(rng, 9 * cols, 1);
                    float[] y = new float[9 * rows];
                    // the interpreter and the first compiled forms allocate vectors; steady state is once C2 has compiled
                    // the blocks, which a few thousand calls reach: rounds go on until one allocates nothing, or 400 fail
                    long least = Long.MAX_VALUE;
                    for (int round = 0; round < 400 && least > 0; round++) {
                        long before = mx.getThreadAllocatedBytes(Thread.currentThread().threadId());
                        for (int i = 0; i < 50; i++) {
                            WeightProduct.multiply(x, 0, 1 + i % 9, w, y, 0);
                        }
                        least = Math.min(least, mx.getThreadAllocatedBytes(Thread.currentThread().threadId()) - before);
                    }
                    assertEquals(0, least, format + " on " + threads + " threads: bytes allocated by 50 calls");
                }
            }
        } finally {
            KernelPool.setThreads(saved);
        }
    }

    @Test
    void badArgumentsAreNamed() {
        WeightMatrix w = WeightMatrix.of(new float[12], 3, 4);
        var e = assertThrows(IndexOutOfBoundsException.class, () -> WeightProduct.multiply(new float[7], 0, 2, w, new float[6], 0));
        assertTrue(e.getMessage().contains("x needs floats [0, 8) of 7"), e.getMessage());
        e = assertThrows(IndexOutOfBoundsException.class, () -> WeightProduct.multiply(new float[8], 0, 2, w, new float[6], 1));
        assertTrue(e.getMessage().contains("y needs [1, 7) of 6"), e.getMessage());
        var a = assertThrows(IllegalArgumentException.class, () -> WeightProduct.multiply(new float[8], 0, -1, w, new float[6], 0));
        assertTrue(a.getMessage().contains("T is -1, must be >= 0"), a.getMessage());
        a = assertThrows(IllegalArgumentException.class, () -> WeightProduct.multiply(new float[8], 0, 3, 2, w, new float[6], 0, 3));
        assertTrue(a.getMessage().contains("ldx 3 must be >= cols 4"), a.getMessage());
    }

    // ---- helpers ----

    private static void assertSameValue(float expected, float actual, String what) {
        if (Float.isNaN(expected)) {
            assertTrue(Float.isNaN(actual), what + ": expected NaN, was " + actual);
        } else {
            assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(actual), what);
        }
    }

    /** y against WeightProductReference within the bound of the class comment. */
    private static void assertNearReference(float[] x, int xOff, int cols, int T, WeightMatrix w, float[] y, int yOff, int rows,
                                            String what) {
        float[] expected = new float[T * rows];
        WeightProductReference.multiply(x, xOff, T, w, expected, 0);
        int n = cols + Integer.numberOfTrailingZeros(LANES) + 1;
        double gamma = n * 0x1p-24 / (1 - n * 0x1p-24);
        for (int t = 0; t < T; t++) {
            for (int r = 0; r < rows; r++) {
                double magnitude = 0;
                for (int c = 0; c < cols; c++) {
                    magnitude += Math.abs((double) x[xOff + t * cols + c] * w.get(r, c));
                }
                float e = expected[t * rows + r], a = y[yOff + t * rows + r];
                assertTrue(Math.abs((double) e - a) <= 2 * gamma * magnitude,
                        what + ": token " + t + " row " + r + " expected " + e + " was " + a + " (bound " + 2 * gamma * magnitude + ")");
            }
        }
    }

    /** Normal(0, scale^2) values. */
    private static float[] random(Rng rng, int n, double scale) {
        return KernelTesting.normal(rng, n, scale);
    }

    /** The formats with one element per value (MXFP4 has its own test, {@link Mxfp4ProductTest}). */
    static final Format[] ELEMENT_FORMATS = {Format.F32, Format.F16, Format.BF16};

    /**
     * {@code values} stored as {@code format} (rounded to nearest even): float32 in a float[] (as a
     * trained model's weights), 16-bit formats off-heap (as mapped ones; bfloat16 on the heap takes
     * the Vector API's slow path, see WeightProduct, and would teach the JIT a second kind of memory).
     */
    static WeightMatrix heap(Format format, float[] values, int rows, int cols) {
        return switch (format) {
            case F32 -> WeightMatrix.of(values.clone(), rows, cols);
            case F16, BF16 -> {
                MemorySegment bits = Arena.ofAuto().allocate(2L * values.length, 64);
                for (int i = 0; i < values.length; i++) {
                    bits.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i,
                            format == Format.F16 ? HalfPrecision.floatToF16(values[i]) : HalfPrecision.floatToBf16(values[i]));
                }
                yield new WeightMatrix(bits, format, rows, cols);
            }
            default -> throw new IllegalArgumentException(format + " matrices are made from codes and scales (Mxfp4ProductTest, QuantizedProductTest)");
        };
    }
}
