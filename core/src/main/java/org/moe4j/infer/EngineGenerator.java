package org.moe4j.infer;

import java.util.List;
import java.util.Set;
import java.util.function.IntPredicate;
import org.moe4j.engine.DecoderModel;
import org.moe4j.engine.ForwardObserver;
import org.moe4j.engine.Sequence;

/**
 * Generation with the inference engine for one prompt: prefill in one pass, then one step per token;
 * stops at a stop id (not emitted), after maxTokens, or when {@code onToken} returns false. A full
 * context is shifted (the oldest tokens forgotten, the last {@code keep} kept) and decoding goes on.
 */
public final class EngineGenerator {
    private EngineGenerator() {}

    /** What a generation did: token counts, times, and why it stopped ("stop" or "length"). */
    public record Stats(int promptTokens, int tokens, double prefillSeconds, double decodeSeconds, String finishReason) {
        public double prefillTokensPerSecond() {
            return promptTokens / Math.max(1e-9, prefillSeconds);
        }

        /** Tokens after the first over the time after the first. */
        public double decodeTokensPerSecond() {
            return tokens <= 1 ? 0 : (tokens - 1) / Math.max(1e-9, decodeSeconds);
        }
    }

    public static Stats generate(DecoderModel model, int context, int keep, int[] prompt, int maxTokens, SamplingConfig sampling,
            Set<Integer> stopIds, IntPredicate onToken) {
        if (prompt.length == 0) throw new IllegalArgumentException("generate: the prompt is empty (give at least one token)");
        if (prompt.length >= context) {
            throw new IllegalArgumentException("generate: the prompt has " + prompt.length + " tokens, the context holds " + context
                    + " (leave room for at least one new token)");
        }
        if (maxTokens < 1) throw new IllegalArgumentException("generate: max tokens is " + maxTokens + ", must be >= 1");
        if (keep < 1 || keep >= context) {
            throw new IllegalArgumentException("generate: keep is " + keep + ", must lie in [1, " + (context - 1) + "]");
        }
        int vocab = model.config().vocabSize();
        Sampler sampler = new Sampler(sampling);
        Sequence seq = model.newSequence(context);
        List<Sequence> seqs = List.of(seq);
        int[] next = new int[1];
        List<int[]> step = List.of(next);
        long t0 = System.nanoTime();
        float[] logits = model.forward(seqs, List.of(prompt), false, ForwardObserver.NONE);
        long t1 = System.nanoTime();
        int n = 0;
        String finish = "length";
        while (true) {
            int id = sampler.next(logits, 0, vocab);
            if (stopIds.contains(id)) {
                finish = "stop";
                break;
            }
            n++;
            if (!onToken.test(id)) {
                finish = "stop";
                break;
            }
            if (n == maxTokens) break;
            if (seq.length() == context) model.shiftContext(seq, context - keep);
            next[0] = id;
            logits = model.forward(seqs, step, false, ForwardObserver.NONE);
        }
        long t2 = System.nanoTime();
        return new Stats(prompt.length, n, (t1 - t0) / 1e9, (t2 - t1) / 1e9, finish);
    }
}
