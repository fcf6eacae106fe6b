package org.moe4j.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.moe4j.kernel.KernelPool;

/**
 * A sequence's logits are the same bits whether it is decoded alone or in a batch with others, some
 * of them prefilling while it decodes, on one thread or two: batching cannot change a greedy completion.
 */
class EngineBatchInvarianceTest {
    @ParameterizedTest
    @CsvSource({"models/qwen3_moe_bf16, 1", "models/qwen3_moe_bf16, 2", "models/deepseek_v3_f32, 2", "models-extra/gpt_oss_mxfp4, 2"})
    void logitsAloneEqualLogitsInABatch(String model, int threads) throws Exception {
        int before = KernelPool.threads();
        KernelPool.setThreads(threads);
        try (HfModel m = HfModel.load(Path.of("src/test/resources").resolve(model))) {
            DecoderModel engine = m.model();
            int V = engine.config().vocabSize();
            int[] prompt = {5, 9, 33, 2, 17, 101, 44, 8, 7};
            int[] decoded = {12, 99, 3, 150, 61};

            // alone: prefill, then one token per step
            Sequence alone = engine.newSequence(32);
            float[][] expected = new float[decoded.length + 1][];
            expected[0] = Arrays.copyOf(engine.forward(List.of(alone), List.of(prompt), false, ForwardObserver.NONE), V);
            for (int i = 0; i < decoded.length; i++) {
                expected[i + 1] = Arrays.copyOf(engine.forward(List.of(alone), List.of(new int[] {decoded[i]}), false,
                        ForwardObserver.NONE), V);
            }

            // batched: the same sequence beside others, which prefill long prompts or decode at the same steps
            Sequence a = engine.newSequence(32);
            Sequence b = engine.newSequence(64);
            Sequence c = engine.newSequence(64);
            int[] longPrompt = new int[23];
            for (int i = 0; i < longPrompt.length; i++) longPrompt[i] = (i * 31 + 7) % V;
            float[] step = engine.forward(List.of(b, a), List.of(longPrompt, prompt), false, ForwardObserver.NONE);
            assertArrayEquals(expected[0], Arrays.copyOfRange(step, V, 2 * V), "prefill beside another prefill");
            for (int i = 0; i < decoded.length; i++) {
                List<int[]> tokens = i == 2
                        ? List.of(new int[] {decoded[i]}, new int[] {4}, longPrompt)
                        : List.of(new int[] {decoded[i]}, new int[] {4 + i}, new int[0]);
                step = engine.forward(List.of(a, b, c), tokens, false, ForwardObserver.NONE);
                assertArrayEquals(expected[i + 1], Arrays.copyOf(step, V), "decode step " + i + " in a batch of three");
            }
        } finally {
            KernelPool.setThreads(before);
        }
    }

    /**
     * A batch wide enough that the step's row operations (norms, RoPE and cache writes, the experts' gather,
     * activation and scatter) are split over the threads ({@link org.moe4j.kernel.RowSplit}): 48 sequences
     * decoding together, against the first of them alone on one thread.
     */
    @ParameterizedTest
    @CsvSource({"models/qwen3_moe_bf16", "models/deepseek_v3_f32"})
    void logitsAloneEqualLogitsInAWideBatchOnTwoThreads(String model) throws Exception {
        int before = KernelPool.threads();
        try (HfModel m = HfModel.load(Path.of("src/test/resources").resolve(model))) {
            DecoderModel engine = m.model();
            int V = engine.config().vocabSize();
            int n = 48;
            int[][] prompts = new int[n][];
            for (int s = 0; s < n; s++) {
                prompts[s] = new int[3 + s % 5];
                for (int i = 0; i < prompts[s].length; i++) prompts[s][i] = (s * 13 + i * 7 + 1) % V;
            }
            KernelPool.setThreads(1);
            Sequence alone = engine.newSequence(16);
            float[][] expected = new float[4][];
            expected[0] = Arrays.copyOf(engine.forward(List.of(alone), List.of(prompts[0]), false, ForwardObserver.NONE), V);
            for (int i = 1; i < 4; i++) {
                expected[i] = Arrays.copyOf(engine.forward(List.of(alone), List.of(new int[] {i * 5}), false,
                        ForwardObserver.NONE), V);
            }

            KernelPool.setThreads(2);
            List<Sequence> batch = new java.util.ArrayList<>();
            for (int s = 0; s < n; s++) batch.add(engine.newSequence(16));
            float[] step = engine.forward(batch, List.of(prompts), false, ForwardObserver.NONE);
            assertArrayEquals(expected[0], Arrays.copyOf(step, V), "prefill in a batch of " + n);
            for (int i = 1; i < 4; i++) {
                List<int[]> tokens = new java.util.ArrayList<>();
                tokens.add(new int[] {i * 5});
                for (int s = 1; s < n; s++) tokens.add(new int[] {(s + i) % V});
                step = engine.forward(batch, tokens, false, ForwardObserver.NONE);
                assertArrayEquals(expected[i], Arrays.copyOf(step, V), "decode step " + i + " in a batch of " + n);
            }
        } finally {
            KernelPool.setThreads(before);
        }
    }
}
