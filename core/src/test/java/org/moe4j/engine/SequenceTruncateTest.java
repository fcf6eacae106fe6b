package org.moe4j.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A sequence cut back to a prefix and extended with other tokens gives the logits, bit for bit, of a
 * fresh sequence fed the prefix and those tokens: what a chat relies on when it keeps the common prefix
 * of its cache and the new prompt. Grouped-query attention, latent attention and a sliding window shorter
 * than the prompt.
 */
class SequenceTruncateTest {
    @ParameterizedTest
    @ValueSource(strings = {"models/qwen3_moe_f32", "models/deepseek_v3_f32", "models-extra/mistral_window"})
    void aTruncatedSequenceContinuesAsAFreshOne(String folder) throws Exception {
        try (HfModel m = HfModel.load(Path.of("src/test/resources", folder))) {
            DecoderModel model = m.model();
            int vocab = model.config().vocabSize();
            int[] first = ids(14, 3, vocab);
            int[] second = ids(6, 11, vocab);
            int kept = 9;

            Sequence reused = model.newSequence(32);
            model.forward(List.of(reused), List.of(first), false, ForwardObserver.NONE);
            reused.truncate(kept);
            assertEquals(kept, reused.length());
            float[] got = copy(model.forward(List.of(reused), List.of(second), true, ForwardObserver.NONE), second.length * vocab);

            Sequence fresh = model.newSequence(32);
            int[] whole = concat(Arrays.copyOf(first, kept), second);
            float[] all = model.forward(List.of(fresh), List.of(whole), true, ForwardObserver.NONE);
            float[] want = Arrays.copyOfRange(all, kept * vocab, whole.length * vocab);
            assertArrayEquals(want, got, folder);
            assertEquals(whole.length, reused.length());
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 6})
    void aLengthOutsideWhatTheSequenceHoldsIsRefused(int length) throws Exception {
        try (HfModel m = HfModel.load(Path.of("src/test/resources/models/qwen3_moe_f32"))) {
            Sequence s = m.model().newSequence(8);
            m.model().forward(List.of(s), List.of(new int[] {1, 2, 3, 4, 5}), false, ForwardObserver.NONE);
            var e = assertThrows(IllegalArgumentException.class, () -> s.truncate(length));
            assertEquals("truncate: length " + length + ", must lie in [0, 5] (the positions this sequence holds)", e.getMessage());
        }
    }

    /** n ids spread over the vocabulary, different for each seed. */
    private static int[] ids(int n, int seed, int vocab) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) out[i] = (int) ((seed * 7919L + i * 104729L) % vocab);
        return out;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static float[] copy(float[] a, int n) {
        return Arrays.copyOf(a, n);
    }
}
