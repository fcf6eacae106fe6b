package org.moe4j.nn;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.moe4j.kernel.CachedAttention;
import org.moe4j.tensor.Rng;

/** The KV cache's transposed key layout, its growth by doubling, and its context limit. */
class AttentionCacheTest {
    private static float[] normal(Rng rng, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) rng.nextGaussian();
        return x;
    }

    /** Fails unless the cache holds, at its current stride, exactly the first n rows of k and v (row stride ld). */
    private static void assertHolds(AttentionCache cache, int width, float[] k, float[] v, int ld, int n) {
        assertEquals(n, cache.length());
        int capacity = cache.capacity();
        for (int j = 0; j < n; j++) {
            for (int c = 0; c < width; c++) {
                assertEquals(k[j * ld + c], cache.transposedKeys()[c * capacity + j], "key of position " + j + " component " + c);
                assertEquals(v[j * ld + c], cache.values()[j * width + c], "value of position " + j + " component " + c);
            }
        }
    }

    // attention of one query against kv head g of the cache over the first `visible` positions
    private static float[] attend(AttentionCache cache, float[] q, int g, int headDim, int width, int visible) {
        float[] out = new float[headDim];
        int capacity = cache.capacity();
        CachedAttention.attend(q, 0, headDim, 0.25f, cache.transposedKeys(), g * headDim * capacity, capacity,
                cache.values(), g * headDim, width, visible, new float[visible], out, 0);
        return out;
    }

    @Test
    void growingFrom64To128RelaysTheKeysAndKeepsEveryPosition() {
        int headDim = 6, kvHeads = 2, width = kvHeads * headDim, ld = width + 3;
        Rng rng = new Rng(51);
        float[] k = normal(rng, 128 * ld), v = normal(rng, 128 * ld);
        AttentionCache cache = new AttentionCache(width, 200);
        assertEquals(64, cache.capacity());
        cache.append(k, v, 0, ld, 40);
        cache.append(k, v, 40 * ld, ld, 24);
        assertEquals(64, cache.capacity(), "64 positions fit without growing");
        assertHolds(cache, width, k, v, ld, 64);
        float[] q = normal(rng, headDim);
        float[] before = attend(cache, q, 1, headDim, width, 50);

        cache.append(k, v, 64 * ld, ld, 1);
        assertEquals(128, cache.capacity(), "the capacity doubles");
        assertHolds(cache, width, k, v, ld, 65);
        assertArrayEquals(before, attend(cache, q, 1, headDim, width, 50), "attention over earlier positions after growing");
        cache.append(k, v, 65 * ld, ld, 63);
        assertEquals(128, cache.capacity());
        assertHolds(cache, width, k, v, ld, 128);
    }

    @Test
    void aPrefillLargerThanDoubleGrowsToFitAndTheContextLengthCapsGrowth() {
        int width = 4;
        Rng rng = new Rng(52);
        float[] k = normal(rng, 100 * width), v = normal(rng, 100 * width);
        AttentionCache big = new AttentionCache(width, 1000);
        big.append(k, v, 0, width, 3);
        big.append(k, v, 3 * width, width, 97);
        assertEquals(128, big.capacity());
        assertHolds(big, width, k, v, width, 100);

        AttentionCache capped = new AttentionCache(width, 100);
        capped.append(k, v, 0, width, 70);
        assertEquals(100, capped.capacity(), "doubling 64 stops at the context length 100");
        assertHolds(capped, width, k, v, width, 70);
        capped.append(k, v, 70 * width, width, 30);
        assertHolds(capped, width, k, v, width, 100);
        var e = assertThrows(IllegalStateException.class, () -> capped.append(k, v, 0, width, 1));
        assertEquals("attention cache: 100 + 1 positions exceed the context length 100", e.getMessage());
    }

    @Test
    void oneRowAtATimeLaysOutTheSameAsAllAtOnce() {
        int width = 10;
        Rng rng = new Rng(53);
        float[] k = normal(rng, 70 * width), v = normal(rng, 70 * width);
        AttentionCache whole = new AttentionCache(width, 128), steps = new AttentionCache(width, 128);
        whole.append(k, v, 0, width, 70);
        for (int i = 0; i < 70; i++) steps.append(k, v, i * width, width, 1);
        assertEquals(whole.capacity(), steps.capacity());
        assertArrayEquals(whole.transposedKeys(), steps.transposedKeys());
        assertArrayEquals(whole.values(), steps.values());
        assertFalse(Arrays.equals(new float[whole.values().length], whole.values()), "the cache holds data");
    }
}
