package org.moe4j.nn;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.moe4j.autograd.InferenceMode;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.Tensor;

/**
 * The context shift of one layer's KV cache: {@link AttentionCache#dropOldest} moves the kept
 * positions to the front, and {@link CausalSelfAttention#shiftCache} re-rotates their keys so that
 * the cache equals the one the kept inputs alone would have produced.
 */
class CacheShiftTest {
    private static float[] normal(Rng rng, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) rng.nextGaussian();
        return x;
    }

    @Test
    void droppingMovesTheLastPositionsToTheFrontUnchangedAndFreesRoom() {
        int width = 6;
        Rng rng = new Rng(61);
        float[] k = normal(rng, 120 * width), v = normal(rng, 120 * width);
        AttentionCache cache = new AttentionCache(width, 120);
        cache.append(k, v, 0, width, 100);
        assertEquals(120, cache.capacity());
        cache.dropOldest(70);
        assertEquals(30, cache.length());
        assertEquals(120, cache.capacity(), "the arrays are kept");
        for (int j = 0; j < 30; j++) {
            for (int c = 0; c < width; c++) {
                assertEquals(k[(70 + j) * width + c], cache.transposedKeys()[c * 120 + j], "key " + j + " component " + c);
                assertEquals(v[(70 + j) * width + c], cache.values()[j * width + c], "value " + j + " component " + c);
            }
        }
        cache.append(k, v, 0, width, 90);
        assertEquals(120, cache.length(), "the dropped positions are room again");
        assertEquals(k[width + 2], cache.transposedKeys()[2 * 120 + 31], "appended after the kept positions");
    }

    @Test
    void droppingNothingChangesNothingAndDroppingEverythingIsRefused() {
        int width = 4;
        Rng rng = new Rng(62);
        float[] k = normal(rng, 10 * width), v = normal(rng, 10 * width);
        AttentionCache cache = new AttentionCache(width, 16);
        cache.dropOldest(0);
        assertEquals(0, cache.length(), "an empty cache may drop nothing");
        cache.append(k, v, 0, width, 10);
        float[] keys = cache.transposedKeys().clone(), values = cache.values().clone();
        cache.dropOldest(0);
        assertEquals(10, cache.length());
        assertArrayEquals(keys, cache.transposedKeys());
        assertArrayEquals(values, cache.values());
        for (int drop : new int[] {10, 11, -1}) {
            var e = assertThrows(IllegalArgumentException.class, () -> cache.dropOldest(drop));
            assertEquals("attention cache: cannot drop " + drop + " of 10 positions; drop must be >= 0 and less than the length"
                    + " (at least one position stays)", e.getMessage());
        }
        assertEquals(10, cache.length(), "a refused drop leaves the cache alone");
        assertArrayEquals(keys, cache.transposedKeys());
    }

    /**
     * Layer inputs x_0..x_{n-1} cached, then shifted by drop, must give the cache of x_drop..x_{n-1}
     * alone (positions 0..n-drop-1): same values, keys rotated for the new positions. GQA (4 heads,
     * 2 kv heads) with a head dimension of 10, which no vector width divides; the shift from 100
     * positions (capacity 128) to 40 also compares against a fresh cache of capacity 64.
     */
    @Test
    void shiftingEqualsCachingTheKeptInputsAlone() {
        int dModel = 40, heads = 4, kvHeads = 2, headDim = 10, width = kvHeads * headDim, context = 160;
        CausalSelfAttention attention = new CausalSelfAttention(dModel, heads, kvHeads, 10000.0, new Rng(63));
        Rng rng = new Rng(64);
        for (int[] nDrop : new int[][] {{10, 3}, {64, 1}, {100, 60}, {160, 159}}) {
            int n = nDrop[0], drop = nDrop[1], kept = n - drop;
            float[] x = normal(rng, n * dModel);
            AttentionCache shifted = attention.newCache(context);
            AttentionCache alone = attention.newCache(context);
            try (var scope = InferenceMode.enter()) {
                attention.forwardCached(Tensor.of(x, n, dModel), new int[] {0, n}, new AttentionCache[] {shifted});
                attention.forwardCached(Tensor.of(Arrays.copyOfRange(x, drop * dModel, n * dModel), kept, dModel),
                        new int[] {0, kept}, new AttentionCache[] {alone});
            }
            attention.shiftCache(shifted, drop);
            assertEquals(kept, shifted.length());
            String what = "n " + n + " drop " + drop;
            for (int j = 0; j < kept; j++) {
                for (int c = 0; c < width; c++) {
                    assertEquals(alone.transposedKeys()[c * alone.capacity() + j], shifted.transposedKeys()[c * shifted.capacity() + j],
                            1e-5, what + ": key of position " + j + " component " + c);
                    assertEquals(alone.values()[j * width + c], shifted.values()[j * width + c], 1e-6,
                            what + ": value of position " + j + " component " + c);
                }
            }
            // the control: only moving the keys leaves them rotated for their old positions
            AttentionCache moved = attention.newCache(context);
            try (var scope = InferenceMode.enter()) {
                attention.forwardCached(Tensor.of(x, n, dModel), new int[] {0, n}, new AttentionCache[] {moved});
            }
            moved.dropOldest(drop);
            float largest = 0;
            for (int j = 0; j < kept; j++) {
                for (int c = 0; c < width; c++) {
                    largest = Math.max(largest, Math.abs(alone.transposedKeys()[c * alone.capacity() + j]
                            - moved.transposedKeys()[c * moved.capacity() + j]));
                }
            }
            assertTrue(largest > 0.1, what + ": unrotated keys differ by " + largest + " only");
        }
    }
}
