package org.moe4j.infer;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.moe4j.model.FeedForwardSpec;
import org.moe4j.model.MoeSpec;
import org.moe4j.model.SequenceState;
import org.moe4j.model.TransformerConfig;
import org.moe4j.model.TransformerLM;
import org.moe4j.nn.AuxiliaryLosses;

/** Generation past the context length: the context shift keeps the last {@code keep} tokens and goes on. */
class GeneratorTest {
    private static final int VOCAB = 17;
    private static final int[] PROMPT = {3, 1, 4, 1};

    // the context length shapes no weight: models differing only in it have the same weights
    private static TransformerLM model(int context, List<FeedForwardSpec> layers) {
        return new TransformerLM(new TransformerConfig(VOCAB, 24, 4, 2, context, 10000.0, 1e-5f, layers, false, 5));
    }

    private static final List<FeedForwardSpec> TWO_LAYERS = List.of(MoeSpec.mixtral(4, 2, 16), new FeedForwardSpec.Dense(16));

    @Test
    void maxTokensBeyondTheContextAreAllGeneratedAndTheShiftOnlyChangesWhatFollowsIt() {
        TransformerLM small = model(16, TWO_LAYERS);
        Generator generator = new Generator(small);
        assertEquals(8, generator.keep(), "half the context by default");
        int[] seen = new int[1];
        int[] shifted = generator.generate(PROMPT, 50, SamplingConfig.greedy(), id -> ++seen[0] > 0).tokens();
        assertEquals(50, shifted.length);
        assertEquals(50, seen[0], "every token was streamed");

        // the same weights with room for all 54 tokens: no shift
        int[] unshifted = new Generator(model(64, TWO_LAYERS)).generate(PROMPT, 50, SamplingConfig.greedy(), id -> true).tokens();
        assertEquals(50, unshifted.length);
        // the context of 16 fills after the prompt and 12 tokens fed back; the 13th is drawn before the shift
        int beforeShift = 16 - PROMPT.length + 1;
        assertArrayEquals(Arrays.copyOf(unshifted, beforeShift), Arrays.copyOf(shifted, beforeShift));
        assertArrayEquals(Arrays.copyOf(unshifted, 12),
                new Generator(small).generate(PROMPT, 12, SamplingConfig.greedy(), id -> true).tokens());
    }

    /**
     * With one layer, the shifted cache is exactly that of the kept tokens alone, so every token
     * must be the greedy choice after a fresh prefill of the window the generator holds: the
     * prompt and the tokens generated, less the oldest context - keep whenever the context is full.
     */
    @Test
    void aOneLayerModelGeneratesGreedilyOverTheShiftedWindow() {
        int context = 16, keep = 5;
        TransformerLM lm = model(context, List.of(MoeSpec.mixtral(4, 2, 16)));
        int[] got = new Generator(lm, keep).generate(PROMPT, 40, SamplingConfig.greedy(), id -> true).tokens();
        assertEquals(40, got.length);

        int[] all = Arrays.copyOf(PROMPT, PROMPT.length + got.length);
        int fed = PROMPT.length; // all[start..fed) is the window the generator's cache holds
        int start = 0;
        int shifts = 0;
        for (int i = 0; i < got.length; i++) {
            if (i > 0) {
                if (fed - start == context) {
                    start += context - keep;
                    shifts++;
                }
                all[fed++] = got[i - 1];
            }
            SequenceState fresh = lm.newSequence();
            float[] logits = lm.forwardCached(List.of(fresh), List.of(Arrays.copyOfRange(all, start, fed)), new AuxiliaryLosses()).data();
            int best = 0;
            for (int v = 1; v < VOCAB; v++) if (logits[v] > logits[best]) best = v;
            assertEquals(best, got[i], "token " + i + " over the window [" + start + ", " + fed + ")");
        }
        assertEquals(3, shifts, "the window of 16 shifted by 11 three times in 4 + 39 tokens");
    }

    @Test
    void aKeepOutsideOneToTheContextLessOneIsRefused() {
        TransformerLM lm = model(16, TWO_LAYERS);
        for (int keep : new int[] {0, 16, -3}) {
            var e = assertThrows(IllegalArgumentException.class, () -> new Generator(lm, keep));
            assertEquals("generate: keep is " + keep + ", must lie in [1, 15] (the tokens kept when the context of 16 is full)",
                    e.getMessage());
        }
        assertEquals(15, new Generator(lm, 15).keep());
        assertEquals(20, new Generator(lm, 15).generate(PROMPT, 20, SamplingConfig.greedy(), id -> true).tokens().length,
                "keeping 15 shifts by one token at a time");
    }

    @Test
    void onTokenStillStopsGenerationAndThePromptMustLeaveRoom() {
        TransformerLM lm = model(16, TWO_LAYERS);
        int[] count = new int[1];
        assertEquals(30, new Generator(lm).generate(PROMPT, 100, SamplingConfig.greedy(), id -> ++count[0] < 30).tokens().length);
        var e = assertThrows(IllegalArgumentException.class,
                () -> new Generator(lm).generate(new int[16], 5, SamplingConfig.greedy(), id -> true));
        assertTrue(e.getMessage().contains("the context holds 16"), e.getMessage());
    }
}
