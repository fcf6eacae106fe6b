package org.moe4j.model;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.moe4j.nn.AuxiliaryLosses;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.Tensor;

/**
 * {@link TransformerLM#shiftContext}: after dropping the oldest tokens, decoding goes on as if the
 * sequence had only ever held the kept ones. That holds exactly for a one-layer model, whose cached
 * keys and values depend on each token and its position alone (in deeper layers they also saw the
 * dropped tokens), so the logits are compared on one layer: RoPE, grouped-query heads (4 heads, 2
 * kv heads), head dimension 10 (no multiple of 16), a mixture-of-experts block.
 */
class ContextShiftTest {
    private static final int VOCAB = 13;

    private static TransformerLM oneLayer(int context) {
        return new TransformerLM(new TransformerConfig(VOCAB, 40, 4, 2, context, 10000.0, 1e-5f,
                List.of(MoeSpec.mixtral(4, 2, 24)), false, 21));
    }

    private static int[] tokens(long seed, int n) {
        Rng rng = new Rng(seed);
        int[] t = new int[n];
        for (int i = 0; i < n; i++) t[i] = rng.nextInt(VOCAB);
        return t;
    }

    private static Tensor step(TransformerLM lm, SequenceState s, int[] tokens) {
        return lm.forwardCached(List.of(s), List.of(tokens), new AuxiliaryLosses());
    }

    private static void assertClose(Tensor expected, Tensor actual, String what) {
        float[] e = expected.data(), a = actual.data();
        assertEquals(e.length, a.length);
        for (int i = 0; i < e.length; i++) assertEquals(e[i], a[i], 1e-4, what + " [" + i + "]");
    }

    /**
     * Feeds t_0..t_{n-1}, shifts by drop, then decodes `after` more tokens one at a time; a fresh
     * sequence fed t_drop..t_{n-1} and the same tokens must give the same logits at every step.
     */
    private static void shiftedEqualsKeptAlone(TransformerLM lm, int n, int drop, int after) {
        int[] t = tokens(31L * n + drop, n + after);
        SequenceState shifted = lm.newSequence();
        step(lm, shifted, Arrays.copyOf(t, n));
        lm.shiftContext(shifted, drop);
        assertEquals(n - drop, shifted.length());
        SequenceState alone = lm.newSequence();
        step(lm, alone, Arrays.copyOfRange(t, drop, n));
        for (int i = 0; i < after; i++) {
            int[] next = {t[n + i]};
            assertClose(step(lm, alone, next), step(lm, shifted, next), "n " + n + " drop " + drop + ", step " + i + " after the shift");
        }
        assertEquals(alone.length(), shifted.length());
    }

    @Test
    void afterAShiftDecodingEqualsAFreshSequenceOfTheKeptTokens() {
        TransformerLM lm = oneLayer(160);
        shiftedEqualsKeptAlone(lm, 10, 3, 4);
        shiftedEqualsKeptAlone(lm, 64, 32, 3);
        // 100 tokens grew the cache to 128 positions, the 40 kept sit in it while the fresh sequence's
        // cache holds 64; the 30 tokens after take both over 64 (the fresh one grows to 128)
        shiftedEqualsKeptAlone(lm, 100, 60, 30);
        // a full context, down to one token
        shiftedEqualsKeptAlone(lm, 160, 159, 2);
    }

    @Test
    void repeatedShiftsAtTheContextLengthKeepDecoding() {
        TransformerLM lm = oneLayer(16);
        int[] t = tokens(5, 60);
        SequenceState shifted = lm.newSequence();
        step(lm, shifted, Arrays.copyOf(t, 16));
        int start = 0; // t[start..] is what the shifted sequence holds
        for (int i = 16; i < t.length; i++) {
            if (shifted.length() == 16) {
                lm.shiftContext(shifted, 10);
                start += 10;
            }
            Tensor got = step(lm, shifted, new int[] {t[i]});
            SequenceState alone = lm.newSequence();
            assertClose(step(lm, alone, Arrays.copyOfRange(t, start, i + 1)), got, "token " + i + " (window from " + start + ")");
        }
        assertEquals(50, start, "five shifts, at tokens 16, 26, 36, 46 and 56");
    }

    @Test
    void withoutTheShiftTheDecodingWouldDiffer() {
        // the comparison above can fail: dropping the oldest tokens changes the logits
        TransformerLM lm = oneLayer(32);
        int[] t = tokens(9, 21);
        SequenceState full = lm.newSequence();
        step(lm, full, Arrays.copyOf(t, 20));
        SequenceState alone = lm.newSequence();
        step(lm, alone, Arrays.copyOfRange(t, 8, 20));
        float[] a = step(lm, full, new int[] {t[20]}).data(), b = step(lm, alone, new int[] {t[20]}).data();
        double largest = 0;
        for (int i = 0; i < a.length; i++) largest = Math.max(largest, Math.abs(a[i] - b[i]));
        assertTrue(largest > 1e-3, "the dropped tokens mattered: " + largest);
    }

    @Test
    void droppingNothingIsANoOp() {
        TransformerLM lm = oneLayer(16);
        int[] t = tokens(7, 12);
        SequenceState a = lm.newSequence(), b = lm.newSequence();
        step(lm, a, Arrays.copyOf(t, 11));
        step(lm, b, Arrays.copyOf(t, 11));
        lm.shiftContext(a, 0);
        assertEquals(11, a.length());
        assertArrayEquals(step(lm, b, new int[] {t[11]}).data(), step(lm, a, new int[] {t[11]}).data());
        SequenceState empty = lm.newSequence();
        lm.shiftContext(empty, 0);
        assertEquals(0, empty.length());
    }

    @Test
    void droppingEveryTokenOrANegativeCountIsRefused() {
        TransformerLM lm = oneLayer(16);
        SequenceState s = lm.newSequence();
        step(lm, s, tokens(8, 6));
        for (int drop : new int[] {6, 7, -1}) {
            var e = assertThrows(IllegalArgumentException.class, () -> lm.shiftContext(s, drop));
            assertEquals("shiftContext: cannot drop " + drop + " of the 6 tokens the sequence holds; drop must be >= 0 and less"
                    + " than its length (at least one token stays)", e.getMessage());
        }
        assertEquals(6, s.length(), "a refused shift leaves the sequence alone");
        var full = lm.newSequence();
        step(lm, full, tokens(8, 16));
        var e = assertThrows(IllegalArgumentException.class, () -> step(lm, full, new int[] {1}));
        assertTrue(e.getMessage().contains("context length 16"), "forwardCached still refuses tokens beyond the context: " + e.getMessage());
    }
}
