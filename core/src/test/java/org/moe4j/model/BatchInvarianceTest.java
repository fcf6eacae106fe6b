package org.moe4j.model;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.moe4j.kernel.KernelPool;
import org.moe4j.nn.AuxiliaryLosses;
import org.moe4j.tensor.Tensor;

/**
 * What continuous batching relies on: a sequence's logits at every step come out bit for bit the
 * same whether it is decoded alone or among other sequences that are prefilling or decoding, on
 * one thread or two. Then a greedy completion cannot depend on who else the server is serving.
 */
class BatchInvarianceTest {
    private static final int[] PROMPT = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3};

    @Test
    void aSequenceDecodesToTheSameBitsAloneOrInABatch() {
        // sizes off the vector width (d 40, head 10, hidden 52) and a shared expert; second layer routed by sigmoid + bias
        TransformerConfig small = new TransformerConfig(37, 40, 4, 2, 64, 10000.0, 1e-5f,
                List.of(new MoeSpec(6, 2, 52, "softmax", 0, 0.01, 0.001, 20), new MoeSpec(5, 2, 36, "sigmoid", 0, 0.0, 0.0, 0)),
                false, 11);
        // big enough that every kernel takes its parallel path
        TransformerConfig wide = new TransformerConfig(37, 128, 4, 4, 64, 10000.0, 1e-5f,
                List.of(new MoeSpec(8, 2, 384, "softmax", 0, 0.01, 0.001, 0)), false, 12);
        int saved = KernelPool.threads();
        try {
            for (TransformerConfig c : List.of(small, wide)) {
                TransformerLM lm = new TransformerLM(c);
                KernelPool.setThreads(1);
                List<float[]> alone = decode(lm, 0);
                for (int threads = 1; threads <= saved; threads++) {
                    KernelPool.setThreads(threads);
                    List<float[]> batched = decode(lm, 7);
                    for (int step = 0; step < alone.size(); step++) {
                        float[] a = alone.get(step), b = batched.get(step);
                        for (int j = 0; j < a.length; j++) {
                            assertEquals(Float.floatToIntBits(a[j]), Float.floatToIntBits(b[j]),
                                    "d=" + c.dModel() + ", " + threads + " threads, step " + step + ", logit " + j);
                        }
                    }
                }
            }
        } finally {
            KernelPool.setThreads(saved);
        }
    }

    /**
     * Prefills PROMPT and decodes 6 greedy tokens, with {@code others} other sequences in the same
     * steps: they join at different steps with prompts of different lengths, so the batch holds
     * prefill and decode rows together. Returns PROMPT's logits after each step.
     */
    private static List<float[]> decode(TransformerLM lm, int others) {
        int vocab = lm.config().vocabSize();
        SequenceState mine = lm.newSequence();
        List<SequenceState> states = new ArrayList<>(List.of(mine));
        List<int[]> tokens = new ArrayList<>(List.of(PROMPT));
        List<float[]> logits = new ArrayList<>();
        for (int step = 0; step < 7; step++) {
            if (step < others) {
                int[] p = new int[1 + (step * 5) % 13];
                for (int i = 0; i < p.length; i++) p[i] = (step * 7 + i * 3) % vocab;
                states.add(lm.newSequence());
                tokens.add(p);
            }
            Tensor out = lm.forwardCached(states, tokens, new AuxiliaryLosses());
            float[] row = Arrays.copyOfRange(out.data(), out.offset(), out.offset() + vocab);
            logits.add(row);
            List<int[]> next = new ArrayList<>();
            for (int s = 0; s < states.size(); s++) {
                int best = 0;
                for (int j = 1; j < vocab; j++) if (out.get(s, j) > out.get(s, best)) best = j;
                next.add(new int[] {best});
            }
            tokens = next;
        }
        return logits;
    }
}
