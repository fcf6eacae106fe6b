package org.moe4j.infer;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.moe4j.engine.DecoderModel;
import org.moe4j.engine.ForwardObserver;
import org.moe4j.model.FeedForwardSpec;
import org.moe4j.model.FffSpec;
import org.moe4j.model.HierarchicalMoeSpec;
import org.moe4j.model.MoeSpec;
import org.moe4j.model.TransformerConfig;
import org.moe4j.model.TransformerLM;

/** Generation past the context: the context shift keeps the last {@code keep} tokens and goes on. */
class EngineGeneratorTest {
    private static final int VOCAB = 17;
    private static final int[] PROMPT = {3, 1, 4, 1};

    private static DecoderModel model(List<FeedForwardSpec> layers) throws Exception {
        return RunEngine.fromModel(new TransformerLM(new TransformerConfig(VOCAB, 24, 4, 2, 64, 10000.0, 1e-5f, layers, false, 5)));
    }

    private static final List<FeedForwardSpec> TWO_LAYERS = List.of(MoeSpec.mixtral(4, 2, 16), new FeedForwardSpec.Dense(16));

    /** Greedy tokens of a generation with this context and keep. */
    private static int[] greedy(DecoderModel m, int context, int keep, int maxTokens) {
        int[] out = new int[maxTokens];
        int[] n = new int[1];
        EngineGenerator.Stats s = EngineGenerator.generate(m, context, keep, PROMPT, maxTokens, SamplingConfig.greedy(), Set.of(), id -> {
            out[n[0]++] = id;
            return true;
        });
        assertEquals(n[0], s.tokens());
        assertEquals("length", s.finishReason());
        return Arrays.copyOf(out, n[0]);
    }

    @Test
    void maxTokensBeyondTheContextAreAllGeneratedAndTheShiftOnlyChangesWhatFollowsIt() throws Exception {
        DecoderModel m = model(TWO_LAYERS);
        int[] shifted = greedy(m, 16, 8, 50);
        assertEquals(50, shifted.length);
        // room for all 54 tokens: no shift
        int[] unshifted = greedy(m, 64, 32, 50);
        // the context of 16 fills after the prompt and 12 tokens fed back; the 13th is drawn before the shift
        int beforeShift = 16 - PROMPT.length + 1;
        assertArrayEquals(Arrays.copyOf(unshifted, beforeShift), Arrays.copyOf(shifted, beforeShift));
        assertFalse(Arrays.equals(unshifted, shifted), "the shift changed what followed it");
    }

    /**
     * With one layer, the shifted cache is exactly that of the kept tokens alone, so every token must be
     * the greedy choice after a fresh prefill of the window the generator holds: the prompt and the
     * tokens generated, less the oldest context - keep whenever the context is full. One layer each of
     * MoE, FFF and hierarchical MoE.
     */
    @Test
    void aOneLayerModelGeneratesGreedilyOverTheShiftedWindow() throws Exception {
        int context = 16, keep = 5;
        for (FeedForwardSpec layer : List.of(MoeSpec.mixtral(4, 2, 16), new FffSpec(2, 8, 0.01), new HierarchicalMoeSpec(2, 2, 1, 2, 8, 0.01))) {
            DecoderModel m = model(List.of(layer));
            int[] got = greedy(m, context, keep, 40);
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
                float[] logits = m.forward(List.of(m.newSequence(context)), List.of(Arrays.copyOfRange(all, start, fed)), false,
                        ForwardObserver.NONE);
                int best = 0;
                for (int v = 1; v < VOCAB; v++) if (logits[v] > logits[best]) best = v;
                assertEquals(best, got[i], layer + ": token " + i + " over the window [" + start + ", " + fed + ")");
            }
            assertEquals(3, shifts, "the window of 16 shifted by 11 three times in 4 + 39 tokens");
        }
    }

    @Test
    void aKeepOutsideOneToTheContextLessOneIsRefused() throws Exception {
        DecoderModel m = model(TWO_LAYERS);
        for (int keep : new int[] {0, 16, -3}) {
            var e = assertThrows(IllegalArgumentException.class, () -> greedy(m, 16, keep, 5));
            assertEquals("generate: keep is " + keep + ", must lie in [1, 15]", e.getMessage());
        }
        assertEquals(20, greedy(m, 16, 15, 20).length, "keeping 15 shifts by one token at a time");
    }

    @Test
    void onTokenAndStopIdsEndGenerationAndThePromptMustLeaveRoom() throws Exception {
        DecoderModel m = model(TWO_LAYERS);
        int[] count = new int[1];
        EngineGenerator.Stats s = EngineGenerator.generate(m, 16, 8, PROMPT, 100, SamplingConfig.greedy(), Set.of(), id -> ++count[0] < 30);
        assertEquals(30, s.tokens());
        assertEquals("stop", s.finishReason());
        int[] first = greedy(m, 16, 8, 3);
        // the third greedy token as a stop id: the tokens before its first occurrence come out, the stop id does not
        int[] seen = new int[1];
        s = EngineGenerator.generate(m, 16, 8, PROMPT, 100, SamplingConfig.greedy(), Set.of(first[2]), id -> {
            seen[0]++;
            return true;
        });
        int before = 0;
        while (first[before] != first[2]) before++;
        assertEquals("stop", s.finishReason());
        assertEquals(before, s.tokens(), "the tokens before the first stop id");
        assertEquals(before, seen[0]);
        var e = assertThrows(IllegalArgumentException.class,
                () -> EngineGenerator.generate(m, 16, 8, new int[16], 5, SamplingConfig.greedy(), Set.of(), id -> true));
        assertTrue(e.getMessage().contains("the context holds 16"), e.getMessage());
    }
}
