package org.moe4j.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class CachedAttentionTest {
    private static final int LANES = WideningLoads.VL;

    private static float[] random(Random rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < a.length; i++) a[i] = rnd.nextFloat() * 2 - 1;
        return a;
    }

    /** Scattered rows, as a sequence's block table hands them out. */
    private static int[] rows(Random rnd, int n, int poolRows) {
        int[] at = new int[n];
        for (int j = 0; j < n; j++) at[j] = rnd.nextInt(poolRows);
        return at;
    }

    @Test
    void scoresAreTheLaneOrderDotProductBitForBit() {
        Random rnd = new Random(11);
        // head sizes with and without a tail; key counts with and without a remainder of the four-key block
        for (int hd : new int[] {64, 128, 72, 5}) {
            for (int n : new int[] {1, 3, 4, 9, 16, 33}) {
                int heads = 3, stride = heads * hd, pool = 50;
                float[] keys = random(rnd, pool * stride);
                float[] q = random(rnd, hd + 7);
                int[] at = rows(rnd, n, pool);
                float[] got = new float[n], want = new float[n];
                CachedAttention.scores(q, 7, hd, keys, stride, hd, at, n, 0.125f, got);
                CachedAttentionReference.scores(q, 7, hd, keys, stride, hd, at, n, 0.125f, want, LANES);
                assertArrayEquals(want, got, "hd " + hd + ", n " + n);
                for (int j = 0; j < n; j++) {
                    double exact = 0;
                    for (int c = 0; c < hd; c++) exact += (double) q[7 + c] * keys[at[j] * stride + hd + c];
                    assertEquals(exact * 0.125, got[j], 1e-5 * Math.sqrt(hd), "score " + j);
                }
            }
        }
    }

    @Test
    void aScoreDoesNotDependOnTheOtherKeys() {
        Random rnd = new Random(12);
        int hd = 64, pool = 20;
        float[] keys = random(rnd, pool * hd);
        float[] q = random(rnd, hd);
        // row 7 first in a block of four, then alone in the remainder: the same bits
        int[] at = {7, 1, 2, 3, 4, 7};
        float[] s = new float[at.length];
        CachedAttention.scores(q, 0, hd, keys, hd, 0, at, at.length, 1f, s);
        assertEquals(Float.floatToIntBits(s[0]), Float.floatToIntBits(s[5]));
        // and last in a block of sixteen (on 16-lane vectors), then in a block of four, then alone
        int[] many = new int[16 + 4 + 1];
        for (int j = 0; j < many.length; j++) many[j] = (3 * j) % pool;
        many[15] = 7;
        many[16] = 7;
        many[20] = 7;
        float[] m = new float[many.length];
        CachedAttention.scores(q, 0, hd, keys, hd, 0, many, many.length, 1f, m);
        assertEquals(Float.floatToIntBits(s[0]), Float.floatToIntBits(m[15]));
        assertEquals(Float.floatToIntBits(s[0]), Float.floatToIntBits(m[16]));
        assertEquals(Float.floatToIntBits(s[0]), Float.floatToIntBits(m[20]));
    }

    @Test
    void twoHeadsAtOnceGiveTheBitsOfOneAtATime() {
        Random rnd = new Random(19);
        // a head of four vectors (the two-head loop) and others (one head after the other)
        for (int vd : new int[] {4 * LANES, 2 * LANES, 40}) {
            for (int n : new int[] {1, 17, 70}) {
                int pool = 80, stride = 3 * vd;
                float[] values = random(rnd, pool * stride);
                float[] p0 = random(rnd, n), p1 = random(rnd, n);
                int[] at = rows(rnd, n, pool);
                float[] got = new float[2 * vd + 1], want = new float[2 * vd + 1];
                got[2 * vd] = 7f;
                CachedAttention.weightedSum2(p0, 0.25f, p1, 0.5f, n, values, stride, 2 * vd, 0, at, vd, got, 0, vd);
                CachedAttentionReference.weightedSum(p0, 0.25f, n, values, stride, 2 * vd, at, vd, want, 0);
                CachedAttentionReference.weightedSum(p1, 0.5f, n, values, stride, 0, at, vd, want, vd);
                want[2 * vd] = 7f;
                assertArrayEquals(want, got, "vd " + vd + ", n " + n);
            }
        }
    }

    @Test
    void weightedSumIsTheKeyOrderFusedSumBitForBit() {
        Random rnd = new Random(13);
        for (int vd : new int[] {64, 128, 40, 3}) {
            for (int n : new int[] {1, 2, 17}) {
                int pool = 30, stride = 2 * vd;
                float[] values = random(rnd, pool * stride);
                float[] p = random(rnd, n);
                int[] at = rows(rnd, n, pool);
                float[] got = new float[vd + 2], want = new float[vd + 2];
                got[0] = 99f;
                want[0] = 99f;
                CachedAttention.weightedSum(p, 0.5f, n, values, stride, vd, at, vd, got, 1);
                CachedAttentionReference.weightedSum(p, 0.5f, n, values, stride, vd, at, vd, want, 1);
                assertArrayEquals(want, got, "vd " + vd + ", n " + n);
                assertEquals(99f, got[0], "the output writes only its own row");
                double exact = 0;
                for (int j = 0; j < n; j++) exact += 0.5 * p[j] * values[at[j] * stride + vd];
                assertEquals(exact, got[1], 1e-5 * n);
            }
        }
    }

    @Test
    void softmaxMatchesTheDoubleDefinitionWithAndWithoutASink() {
        Random rnd = new Random(14);
        for (float sink : new float[] {Float.NEGATIVE_INFINITY, 0.7f, 9f}) {
            for (int n : new int[] {1, 5, 16, 37}) {
                float[] s = random(rnd, n);
                for (int j = 0; j < n; j++) s[j] *= 6;
                float[] orig = s.clone();
                float inv = CachedAttention.softmax(s, n, sink);
                double max = sink;
                for (float v : orig) max = Math.max(max, v);
                double sum = Math.exp(sink - max);
                for (float v : orig) sum += Math.exp(v - max);
                double total = Math.exp(sink - max) / sum;
                for (int j = 0; j < n; j++) {
                    double want = Math.exp(orig[j] - max) / sum;
                    assertEquals(want, s[j] * inv, 1e-6 * Math.max(1, want), "sink " + sink + ", n " + n + ", j " + j);
                    total += s[j] * inv;
                }
                assertEquals(1.0, total, 1e-5, "probabilities and the sink's sum to one");
            }
        }
    }

    @Test
    void anExponentialDoesNotDependOnHowManyScoresCome() {
        Random rnd = new Random(15);
        float[] base = random(rnd, 40);
        base[0] = 5f; // the largest: every length below shares the same max
        for (int n : new int[] {3, 16, 17, 40}) {
            float[] s = base.clone();
            CachedAttention.softmax(s, n, Float.NEGATIVE_INFINITY);
            float[] ref = base.clone();
            CachedAttention.softmax(ref, 40, Float.NEGATIVE_INFINITY);
            for (int j = 0; j < n; j++) {
                assertEquals(Float.floatToIntBits(ref[j]), Float.floatToIntBits(s[j]), "n " + n + ", j " + j);
            }
        }
    }

    @Test
    void badRegionsNameTheBufferAndTheLimits() {
        float[] keys = new float[64 * 4];
        int[] at = {0, 1, 2};
        var e = assertThrows(IndexOutOfBoundsException.class,
                () -> CachedAttention.scores(new float[32], 0, 64, keys, 64, 0, at, 3, 1f, new float[3]));
        assertTrue(e.getMessage().contains("scores") && e.getMessage().contains("query/output row"), e.getMessage());
        e = assertThrows(IndexOutOfBoundsException.class,
                () -> CachedAttention.scores(new float[64], 0, 64, keys, 64, 0, at, 3, 1f, new float[2]));
        assertTrue(e.getMessage().contains("per-key buffer"), e.getMessage());
        assertThrows(IndexOutOfBoundsException.class,
                () -> CachedAttention.weightedSum(new float[3], 1f, 3, keys, 64, 0, new int[] {0, 1, 9}, 64, new float[64], 0));
        // the two-head sum checks each head's output row and probabilities, and names itself
        int vd = 4 * LANES;
        float[] values = new float[2 * vd * 4];
        e = assertThrows(IndexOutOfBoundsException.class, () -> CachedAttention.weightedSum2(new float[3], 1f, new float[3], 1f, 3,
                values, 2 * vd, 0, vd, at, vd, new float[2 * vd], 0, vd + 1));
        assertTrue(e.getMessage().contains("weightedSum2") && e.getMessage().contains("query/output row"), e.getMessage());
        e = assertThrows(IndexOutOfBoundsException.class, () -> CachedAttention.weightedSum2(new float[3], 1f, new float[2], 1f, 3,
                values, 2 * vd, 0, vd, at, vd, new float[2 * vd], 0, vd));
        assertTrue(e.getMessage().contains("weightedSum2") && e.getMessage().contains("per-key buffer"), e.getMessage());
    }
}
