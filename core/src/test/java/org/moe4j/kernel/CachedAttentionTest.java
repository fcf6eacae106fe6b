package org.moe4j.kernel;

import static org.junit.jupiter.api.Assertions.*;
import static org.moe4j.kernel.KernelTesting.*;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.moe4j.tensor.Rng;

/**
 * The decode attention kernel against softmax attention computed in double (within 1e-5 of the
 * size of the terms summed), its documented summation order reproduced bit for bit by scalar FMAs,
 * independence from where the cache sits in memory, and its argument checks.
 */
class CachedAttentionTest {
    private static final int[] HEAD_DIMS = {2, 6, 64, 66};
    private static final int[] VISIBLE = {1, 15, 16, 17, 127};

    /** A query, a cache in the kernel's layout with awkward strides and offsets, and the output slot. */
    private record Case(int headDim, int visible, float scale, float[] q, int qOff, float[] keysT, int kOff, int ldk,
                        float[] values, int vOff, int ldv) {
        static Case random(Rng rng, int headDim, int visible, double magnitude) {
            int qOff = rng.nextInt(5), kOff = rng.nextInt(7), vOff = rng.nextInt(7);
            int ldk = visible + rng.nextInt(9);
            int ldv = headDim + rng.nextInt(9);
            float[] q = normalAt(rng, qOff, headDim, magnitude);
            float[] keysT = normalAt(rng, kOff, (headDim - 1) * ldk + visible, 1);
            float[] values = normalAt(rng, vOff, (visible - 1) * ldv + headDim, 1);
            // NaN wherever the kernel must not read: past the visible positions, past a value row's headDim
            for (int d = 0; d < headDim - 1; d++) Arrays.fill(keysT, kOff + d * ldk + visible, kOff + (d + 1) * ldk, Float.NaN);
            for (int j = 0; j < visible - 1; j++) Arrays.fill(values, vOff + j * ldv + headDim, vOff + (j + 1) * ldv, Float.NaN);
            return new Case(headDim, visible, (float) (1 / Math.sqrt(headDim)), q, qOff, keysT, kOff, ldk, values, vOff, ldv);
        }

        float key(int j, int d) {
            return keysT[kOff + d * ldk + j];
        }

        float value(int j, int d) {
            return values[vOff + j * ldv + d];
        }

        /** Runs the kernel into out[outOff, outOff + headDim), with the probabilities left in scores. */
        void run(float[] scores, float[] out, int outOff) {
            CachedAttention.attend(q, qOff, headDim, scale, keysT, kOff, ldk, values, vOff, ldv, visible, scores, out, outOff);
        }
    }

    @Test
    void agreesWithDoublePrecisionSoftmaxAttention() {
        Rng rng = new Rng(41);
        for (int headDim : HEAD_DIMS) {
            for (int visible : VISIBLE) {
                for (double magnitude : new double[] {1, 6}) {
                    Case c = Case.random(rng, headDim, visible, magnitude);
                    int outOff = 3;
                    float[] out = new float[outOff + headDim + 2];
                    Arrays.fill(out, Float.NaN);
                    float[] scores = new float[visible + 4];
                    Arrays.fill(scores, 42f);
                    c.run(scores, out, outOff);

                    double[] p = new double[visible];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < visible; j++) {
                        double s = 0;
                        for (int d = 0; d < headDim; d++) s += (double) c.q[c.qOff + d] * c.key(j, d);
                        p[j] = s / Math.sqrt(headDim);
                        max = Math.max(max, p[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < visible; j++) sum += p[j] = Math.exp(p[j] - max);
                    String what = "headDim " + headDim + " visible " + visible + " |q| ~ " + magnitude;
                    for (int d = 0; d < headDim; d++) {
                        double expected = 0, size = 0;
                        for (int j = 0; j < visible; j++) {
                            expected += p[j] / sum * c.value(j, d);
                            size += p[j] / sum * Math.abs(c.value(j, d));
                        }
                        assertEquals(expected, out[outOff + d], 1e-5 * size, what + " d " + d);
                    }
                    for (int j = 0; j < visible; j++) assertEquals(p[j] / sum, scores[j], 1e-5 * p[j] / sum + 1e-9, what + " p " + j);
                    for (int j = visible; j < scores.length; j++) assertEquals(42f, scores[j], what + ": scratch past visible untouched");
                    for (int i : new int[] {0, 1, 2, outOff + headDim, outOff + headDim + 1}) {
                        assertTrue(Float.isNaN(out[i]), what + ": out[" + i + "] outside the output was written");
                    }
                }
            }
        }
    }

    /**
     * Scores are the FMA chain over d = 0..headDim-1 times scale, then Softmax's row, and each
     * output the FMA chain over j = 0..visible-1: scalar Math.fma in that order gives the same bits
     * in every lane, tails included.
     */
    @Test
    void followsTheDocumentedOrderBitForBit() {
        Rng rng = new Rng(42);
        for (int headDim : HEAD_DIMS) {
            for (int visible : new int[] {1, 15, 16, 17, 63, 64, 65, 127, LANES * 4 + 3}) {
                Case c = Case.random(rng, headDim, visible, 2);
                float[] scores = new float[visible];
                float[] out = new float[headDim];
                c.run(scores, out, 0);

                float[] expectedScores = new float[visible];
                for (int j = 0; j < visible; j++) {
                    float s = 0f;
                    for (int d = 0; d < headDim; d++) s = Math.fma(c.q[c.qOff + d], c.key(j, d), s);
                    expectedScores[j] = s * c.scale;
                }
                Softmax.row(expectedScores, 0, visible, expectedScores, 0, false);
                String what = "headDim " + headDim + " visible " + visible;
                assertArrayEquals(expectedScores, scores, what + ": probabilities");
                float[] expectedOut = new float[headDim];
                for (int d = 0; d < headDim; d++) {
                    float o = 0f;
                    for (int j = 0; j < visible; j++) o = Math.fma(scores[j], c.value(j, d), o);
                    expectedOut[d] = o;
                }
                assertArrayEquals(expectedOut, out, what + ": output");
            }
        }
    }

    /** The same cache copied with another capacity (row stride) and offsets attends to the same bits. */
    @Test
    void resultDoesNotDependOnWhereTheCacheSits() {
        Rng rng = new Rng(43);
        int headDim = 64, visible = 37;
        Case c = Case.random(rng, headDim, visible, 1);
        float[] expected = new float[headDim];
        c.run(new float[visible], expected, 0);

        int ldk = 128, ldv = 4 * headDim, kOff = 5 * ldk * headDim, vOff = 2 * headDim;
        float[] keysT = normal(rng, kOff + headDim * ldk, 1);
        float[] values = normal(rng, vOff + 128 * ldv, 1);
        for (int j = 0; j < visible; j++) {
            for (int d = 0; d < headDim; d++) {
                keysT[kOff + d * ldk + j] = c.key(j, d);
                values[vOff + j * ldv + d] = c.value(j, d);
            }
        }
        float[] out = new float[headDim + 10];
        CachedAttention.attend(c.q, c.qOff, headDim, c.scale, keysT, kOff, ldk, values, vOff, ldv, visible,
                new float[200], out, 10);
        assertArrayEquals(expected, Arrays.copyOfRange(out, 10, 10 + headDim));
    }

    @Test
    void nothingVisibleGivesZeros() {
        float[] out = {5f, 5f, 5f, 5f};
        CachedAttention.attend(new float[4], 0, 4, 0.5f, new float[0], 0, 0, new float[0], 0, 4, 0, new float[0], out, 0);
        assertArrayEquals(new float[4], out);
    }

    @Test
    void badArgumentsAreNamed() {
        float[] q = new float[8], keysT = new float[8 * 16], values = new float[16 * 8], scores = new float[16], out = new float[8];
        var e = assertThrows(IllegalArgumentException.class,
                () -> CachedAttention.attend(q, 0, 8, 1f, keysT, 0, 10, values, 0, 8, 12, scores, out, 0));
        assertEquals("CachedAttention.attend: key row stride ldk is 10, must be >= visible 12", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> CachedAttention.attend(q, 0, 8, 1f, keysT, 0, 16, values, 0, 7, 12, scores, out, 0));
        assertEquals("CachedAttention.attend: value row stride ldv is 7, must be >= headDim 8", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> CachedAttention.attend(q, 0, 0, 1f, keysT, 0, 16, values, 0, 8, 12, scores, out, 0));
        assertEquals("CachedAttention.attend: headDim is 0, must be >= 1", e.getMessage());
        var oob = assertThrows(IndexOutOfBoundsException.class,
                () -> CachedAttention.attend(q, 0, 8, 1f, keysT, 0, 16, values, 0, 8, 16, new float[15], out, 0));
        assertTrue(oob.getMessage().startsWith("CachedAttention.attend: scores needs 16 elements"), oob.getMessage());
        oob = assertThrows(IndexOutOfBoundsException.class,
                () -> CachedAttention.attend(q, 0, 8, 1f, keysT, 1, 16, values, 0, 8, 16, scores, out, 0));
        assertTrue(oob.getMessage().startsWith("CachedAttention.attend: keysT needs 128 elements from offset 1"), oob.getMessage());
    }
}
