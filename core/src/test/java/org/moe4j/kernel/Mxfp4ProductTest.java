package org.moe4j.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.WeightMatrix;

/** MXFP4 weights (gpt-oss's experts): decoding by hand, the product against the reference, batch invariance. */
class Mxfp4ProductTest {
    @Test
    void decodesCodesAndScalesAsTheFormatSays() {
        byte[] codes = new byte[16];
        codes[0] = 0x21;            // column 0: code 1 (0.5), column 1: code 2 (1.0)
        codes[15] = (byte) 0xF7;    // column 30: code 7 (6.0), column 31: code 15 (-6.0)
        byte[] scales = {(byte) 129}; // 2^(129 - 127) = 4
        WeightMatrix w = WeightMatrix.mxfp4(MemorySegment.ofArray(codes), MemorySegment.ofArray(scales), 1, 32);
        assertEquals(2f, w.get(0, 0));
        assertEquals(4f, w.get(0, 1));
        assertEquals(24f, w.get(0, 30));
        assertEquals(-24f, w.get(0, 31));
        assertEquals(0f, w.get(0, 5));
        assertEquals(16 + 1, w.byteSize());
    }

    @Test
    void productEqualsTheReferenceAndDoesNotDependOnTheBatch() {
        Rng rng = new Rng(3);
        int rows = 37;
        int cols = 96;
        byte[] codes = new byte[rows * cols / 2];
        byte[] scales = new byte[rows * cols / 32];
        for (int i = 0; i < codes.length; i++) codes[i] = (byte) (rng.nextLong() & 0xFF);
        for (int i = 0; i < scales.length; i++) scales[i] = (byte) (120 + (rng.nextLong() & 7));
        WeightMatrix w = WeightMatrix.mxfp4(MemorySegment.ofArray(codes), MemorySegment.ofArray(scales), rows, cols);
        int T = 5;
        float[] x = KernelTesting.normal(rng, T * cols, 1.0);
        float[] y = new float[T * rows];
        float[] ref = new float[T * rows];
        WeightProduct.multiply(x, 0, T, w, y, 0);
        WeightProductReference.multiply(x, 0, T, w, ref, 0);
        for (int i = 0; i < y.length; i++) {
            assertTrue(Math.abs(y[i] - ref[i]) <= 1e-4 * (1 + Math.abs(ref[i])), "element " + i + ": " + y[i] + " vs " + ref[i]);
        }
        for (int t = 0; t < T; t++) {
            float[] alone = new float[rows];
            WeightProduct.multiply(x, t * cols, 1, w, alone, 0);
            for (int r = 0; r < rows; r++) {
                assertEquals(Float.floatToRawIntBits(y[t * rows + r]), Float.floatToRawIntBits(alone[r]), "token " + t + " row " + r);
            }
        }
    }

    @Test
    void columnsMustFillWholeBlocks() {
        assertThrows(IllegalArgumentException.class,
                () -> WeightMatrix.mxfp4(MemorySegment.ofArray(new byte[20]), MemorySegment.ofArray(new byte[1]), 1, 40));
    }
}
