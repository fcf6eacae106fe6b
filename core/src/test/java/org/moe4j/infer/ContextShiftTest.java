package org.moe4j.infer;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.moe4j.engine.DecoderModel;
import org.moe4j.engine.ForwardObserver;
import org.moe4j.engine.Sequence;
import org.moe4j.model.MoeSpec;
import org.moe4j.model.TransformerConfig;
import org.moe4j.model.TransformerLM;
import org.moe4j.tensor.Rng;

/**
 * {@link DecoderModel#shiftContext}: after dropping the oldest positions, decoding goes on as if the
 * sequence had only ever held the kept tokens. That holds exactly for a one-layer model, whose cached
 * keys and values depend on each token and its position alone (in deeper layers they also saw the
 * dropped tokens), so the logits are compared on one layer: RoPE, grouped-query heads (4 heads, 2
 * kv heads), head dimension 10 (no multiple of 16), a mixture-of-experts block. Re-rotating a key by
 * -drop positions is exact up to float rounding, hence the 1e-4.
 */
class ContextShiftTest {
    private static final int VOCAB = 13;

    private static DecoderModel oneLayer() throws Exception {
        return RunEngine.fromModel(new TransformerLM(new TransformerConfig(VOCAB, 40, 4, 2, 160, 10000.0, 1e-5f,
                List.of(MoeSpec.mixtral(4, 2, 24)), false, 21)));
    }

    private static int[] tokens(long seed, int n) {
        Rng rng = new Rng(seed);
        int[] t = new int[n];
        for (int i = 0; i < n; i++) t[i] = rng.nextInt(VOCAB);
        return t;
    }

    /** The logits after the last of {@code tokens}, (V), a copy. */
    private static float[] step(DecoderModel m, Sequence s, int[] tokens) {
        return Arrays.copyOf(m.forward(List.of(s), List.of(tokens), false, ForwardObserver.NONE), VOCAB);
    }

    private static void assertClose(float[] expected, float[] actual, String what) {
        for (int i = 0; i < expected.length; i++) assertEquals(expected[i], actual[i], 1e-4, what + " [" + i + "]");
    }

    /**
     * Feeds t_0..t_{n-1}, shifts by drop, then decodes `after` more tokens one at a time; a fresh
     * sequence fed t_drop..t_{n-1} and the same tokens must give the same logits at every step.
     */
    private static void shiftedEqualsKeptAlone(DecoderModel m, int capacity, int n, int drop, int after) {
        int[] t = tokens(31L * n + drop, n + after);
        Sequence shifted = m.newSequence(capacity);
        step(m, shifted, Arrays.copyOf(t, n));
        m.shiftContext(shifted, drop);
        assertEquals(n - drop, shifted.length());
        Sequence alone = m.newSequence(capacity);
        step(m, alone, Arrays.copyOfRange(t, drop, n));
        for (int i = 0; i < after; i++) {
            int[] next = {t[n + i]};
            assertClose(step(m, alone, next), step(m, shifted, next), "n " + n + " drop " + drop + ", step " + i + " after the shift");
        }
        assertEquals(alone.length(), shifted.length());
    }

    @Test
    void afterAShiftDecodingEqualsAFreshSequenceOfTheKeptTokens() throws Exception {
        DecoderModel m = oneLayer();
        shiftedEqualsKeptAlone(m, 160, 10, 3, 4);
        shiftedEqualsKeptAlone(m, 160, 64, 32, 3);
        shiftedEqualsKeptAlone(m, 160, 100, 60, 30);
        // a full sequence, down to one token
        shiftedEqualsKeptAlone(m, 160, 160, 159, 2);
    }

    @Test
    void repeatedShiftsAtTheCapacityKeepDecoding() throws Exception {
        DecoderModel m = oneLayer();
        int[] t = tokens(5, 60);
        Sequence shifted = m.newSequence(16);
        step(m, shifted, Arrays.copyOf(t, 16));
        int start = 0; // t[start..] is what the shifted sequence holds
        for (int i = 16; i < t.length; i++) {
            if (shifted.length() == 16) {
                m.shiftContext(shifted, 10);
                start += 10;
            }
            float[] got = step(m, shifted, new int[] {t[i]});
            assertClose(step(m, m.newSequence(16), Arrays.copyOfRange(t, start, i + 1)), got, "token " + i + " (window from " + start + ")");
        }
        assertEquals(50, start, "five shifts, at tokens 16, 26, 36, 46 and 56");
    }

    @Test
    void withoutTheShiftTheDecodingWouldDiffer() throws Exception {
        // the comparison above can fail: dropping the oldest tokens changes the logits
        DecoderModel m = oneLayer();
        int[] t = tokens(9, 21);
        Sequence full = m.newSequence(32);
        step(m, full, Arrays.copyOf(t, 20));
        Sequence alone = m.newSequence(32);
        step(m, alone, Arrays.copyOfRange(t, 8, 20));
        float[] a = step(m, full, new int[] {t[20]}), b = step(m, alone, new int[] {t[20]});
        double largest = 0;
        for (int i = 0; i < a.length; i++) largest = Math.max(largest, Math.abs(a[i] - b[i]));
        assertTrue(largest > 1e-3, "the dropped tokens mattered: " + largest);
    }

    @Test
    void droppingNothingIsANoOp() throws Exception {
        DecoderModel m = oneLayer();
        int[] t = tokens(7, 12);
        Sequence a = m.newSequence(16), b = m.newSequence(16);
        step(m, a, Arrays.copyOf(t, 11));
        step(m, b, Arrays.copyOf(t, 11));
        m.shiftContext(a, 0);
        assertEquals(11, a.length());
        assertArrayEquals(step(m, b, new int[] {t[11]}), step(m, a, new int[] {t[11]}));
        Sequence empty = m.newSequence(16);
        m.shiftContext(empty, 0);
        assertEquals(0, empty.length());
    }

    @Test
    void droppingEveryPositionOrANegativeCountIsRefused() throws Exception {
        DecoderModel m = oneLayer();
        Sequence s = m.newSequence(16);
        step(m, s, tokens(8, 6));
        for (int drop : new int[] {6, 7, -1}) {
            var e = assertThrows(IllegalArgumentException.class, () -> m.shiftContext(s, drop));
            assertEquals("shiftContext: cannot drop " + drop + " of the 6 positions the sequence holds; drop must be >= 0 and less"
                    + " than its length", e.getMessage());
        }
        assertEquals(6, s.length(), "a refused shift leaves the sequence alone");
        Sequence full = m.newSequence(16);
        step(m, full, tokens(8, 16));
        var e = assertThrows(IllegalArgumentException.class, () -> step(m, full, new int[] {1}));
        assertEquals("forward: sequence 0 holds 16 positions and brings 1, more than its capacity 16", e.getMessage());
    }
}
