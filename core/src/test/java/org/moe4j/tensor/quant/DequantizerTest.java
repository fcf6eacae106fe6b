package org.moe4j.tensor.quant;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.moe4j.io.gguf.GgufFile;
import org.moe4j.tensor.WeightMatrix;

/**
 * The block formats decoded bit for bit as gguf-py 0.19 decodes them, and Q8_0, Q4_0 and MXFP4
 * encoded byte for byte as it encodes them, on the random blocks of scripts/make_gguf_fixtures.py
 * (including zero, subnormal and extreme scales).
 */
class DequantizerTest {
    static GgufFile fixture() throws Exception {
        return GgufFile.open(Path.of(DequantizerTest.class.getResource("/gguf/quants.gguf").toURI()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"q8_0", "q4_0", "q4_k", "q5_k", "q6_k", "mxfp4", "bf16"})
    void decodesBitForBitAsGgufPy(String format) throws Exception {
        try (GgufFile f = fixture()) {
            WeightMatrix blocks = f.matrix(format + ".blocks");
            float[] expected = f.floats(format + ".decoded").data();
            float[] decoded = blocks.toFloats();
            assertEquals(expected.length, decoded.length);
            int infinities = 0;
            for (int i = 0; i < expected.length; i++) {
                assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(decoded[i]),
                        format + " element " + i + ": gguf-py " + expected[i] + ", moe4j " + decoded[i]);
                if (Float.isInfinite(expected[i])) infinities++;
            }
            // element-wise access agrees with whole-row decoding
            for (int r = 0; r < blocks.rows(); r++) {
                for (int c = 0; c < blocks.cols(); c += 37) {
                    assertEquals(Float.floatToIntBits(decoded[r * blocks.cols() + c]), Float.floatToIntBits(blocks.get(r, c)));
                }
            }
            if (format.equals("mxfp4")) assertTrue(infinities > 0, "the largest scale times 12 overflows, as in gguf-py");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"q8_0", "q4_0", "mxfp4"})
    void encodesByteForByteAsGgufPy(String format) throws Exception {
        try (GgufFile f = fixture(); Arena arena = Arena.ofConfined()) {
            WeightMatrix expected = f.matrix(format + ".quantized");
            float[] source = f.floats(format + ".source").data();
            MemorySegment out = arena.allocate(expected.data().byteSize());
            long rowBytes = expected.format().rowBytes(expected.cols());
            for (int r = 0; r < expected.rows(); r++) {
                Quantizer.row(expected.format(), source, r * expected.cols(), expected.cols(), out, r * rowBytes);
            }
            assertEquals(-1, out.mismatch(expected.data()), format + ": first differing byte");
        }
    }

    @Test
    void kQuantsFitRandomRowsClosely() throws Exception {
        java.util.Random rnd = new java.util.Random(5);
        int cols = 1024;
        float[] x = new float[cols];
        for (int i = 0; i < cols; i++) x[i] = (float) (rnd.nextGaussian() * 0.02);
        // rms error relative to the rms of the row: 4-bit codes with 6-bit scales stay under 8%, 6-bit codes under 2%
        assertTrue(relativeError(WeightMatrix.Format.Q4_K, x) < 0.08, "Q4_K " + relativeError(WeightMatrix.Format.Q4_K, x));
        assertTrue(relativeError(WeightMatrix.Format.Q6_K, x) < 0.02, "Q6_K " + relativeError(WeightMatrix.Format.Q6_K, x));
        assertTrue(relativeError(WeightMatrix.Format.Q8_0, x) < 0.006, "Q8_0 " + relativeError(WeightMatrix.Format.Q8_0, x));
        assertTrue(relativeError(WeightMatrix.Format.Q4_0, x) < 0.12, "Q4_0 " + relativeError(WeightMatrix.Format.Q4_0, x));
        assertTrue(relativeError(WeightMatrix.Format.Q4_K, x) < relativeError(WeightMatrix.Format.Q4_0, x), "Q4_K beats Q4_0");
    }

    static double relativeError(WeightMatrix.Format f, float[] x) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(f.rowBytes(x.length));
            Quantizer.row(f, x, 0, x.length, out, 0);
            float[] back = new WeightMatrix(out, f, 1, x.length).toFloats();
            double err = 0, norm = 0;
            for (int i = 0; i < x.length; i++) {
                err += (back[i] - x[i]) * (double) (back[i] - x[i]);
                norm += x[i] * (double) x[i];
            }
            return Math.sqrt(err / norm);
        }
    }

    @Test
    void rowsThatAreNotWholeBlocksAreRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> Quantizer.row(WeightMatrix.Format.Q4_K, new float[100], 0, 100,
                MemorySegment.ofArray(new byte[1000]), 0));
        assertEquals("quantize: a row of 100 is not a whole number of Q4_K blocks of 256", e.getMessage());
        var w = assertThrows(IllegalArgumentException.class, () -> new WeightMatrix(MemorySegment.ofArray(new byte[34]),
                WeightMatrix.Format.Q8_0, 1, 33));
        assertEquals("weight matrix [1, 33] of Q8_0: cols must be a multiple of 32", w.getMessage());
    }
}
