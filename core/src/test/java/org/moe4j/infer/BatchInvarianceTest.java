package org.moe4j.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.moe4j.engine.DecoderModel;
import org.moe4j.engine.ForwardObserver;
import org.moe4j.engine.Sequence;
import org.moe4j.kernel.KernelPool;
import org.moe4j.model.FffSpec;
import org.moe4j.model.HierarchicalMoeSpec;
import org.moe4j.model.MoeSpec;
import org.moe4j.model.RouterKind;
import org.moe4j.model.TransformerConfig;
import org.moe4j.model.TransformerLM;

/**
 * What continuous batching relies on: in the engine, a sequence's logits at every step come out bit
 * for bit the same whether it is decoded alone or among other sequences that are prefilling or
 * decoding, on one thread or two. Then a greedy completion cannot depend on who else the server is
 * serving.
 */
class BatchInvarianceTest {
    private static final int[] PROMPT = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3};

    @Test
    void aSequenceDecodesToTheSameBitsAloneOrInABatch() throws Exception {
        // sizes off the vector width (d 40, head 10, hidden 52), a shared expert, a sigmoid router, a tree and a hierarchy
        TransformerConfig small = new TransformerConfig(37, 40, 4, 2, 64, 10000.0, 1e-5f,
                List.of(MoeSpec.mixtral(6, 2, 52).withSharedHidden(20),
                        MoeSpec.mixtral(5, 2, 36).withRouter(RouterKind.SIGMOID).withLoadBalancing(0).withZLoss(0),
                        new FffSpec(3, 20, 0.01), new HierarchicalMoeSpec(3, 2, 2, 1, 28, 0.01)),
                false, 11);
        // big enough that the weight products take their parallel path
        TransformerConfig wide = new TransformerConfig(37, 128, 4, 4, 64, 10000.0, 1e-5f,
                List.of(MoeSpec.mixtral(8, 2, 384), new FffSpec(2, 512, 0.01)), false, 12);
        // heads of 64 (the default model's) with grouped queries: alone each of a row's heads is a task of its own with a
        // weighted sum of its own, in a batch a row's heads share a task and their weighted sums go two at a time
        // (CachedAttention.weightedSum2, on 16-lane vectors)
        TransformerConfig heads64 = new TransformerConfig(37, 256, 4, 2, 64, 10000.0, 1e-5f, List.of(MoeSpec.mixtral(4, 2, 64)), false,
                13);
        int saved = KernelPool.threads();
        try {
            for (TransformerConfig c : List.of(small, wide, heads64)) {
                DecoderModel model = RunEngine.fromModel(new TransformerLM(c));
                KernelPool.setThreads(1);
                List<float[]> alone = decode(model, 0);
                for (int threads = 1; threads <= Math.max(2, saved); threads++) {
                    KernelPool.setThreads(threads);
                    List<float[]> batched = decode(model, 7);
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
    private static List<float[]> decode(DecoderModel model, int others) {
        int vocab = model.config().vocabSize();
        List<Sequence> sequences = new ArrayList<>(List.of(model.newSequence(64)));
        List<int[]> tokens = new ArrayList<>(List.of(PROMPT));
        List<float[]> logits = new ArrayList<>();
        for (int step = 0; step < 7; step++) {
            if (step < others) {
                int[] p = new int[1 + (step * 5) % 13];
                for (int i = 0; i < p.length; i++) p[i] = (step * 7 + i * 3) % vocab;
                sequences.add(model.newSequence(64));
                tokens.add(p);
            }
            float[] out = model.forward(sequences, tokens, false, ForwardObserver.NONE);
            logits.add(Arrays.copyOf(out, vocab));
            List<int[]> next = new ArrayList<>();
            for (int s = 0; s < sequences.size(); s++) {
                int best = 0;
                for (int j = 1; j < vocab; j++) if (out[s * vocab + j] > out[s * vocab + best]) best = j;
                next.add(new int[] {best});
            }
            tokens = next;
        }
        return logits;
    }
}
