package org.moe4j.infer;

import java.util.Arrays;
import java.util.List;
import java.util.function.IntPredicate;
import org.moe4j.model.SequenceState;
import org.moe4j.model.TransformerLM;
import org.moe4j.nn.AuxiliaryLosses;
import org.moe4j.tensor.Tensor;

/**
 * Autoregressive generation for one prompt with the KV cache: the prompt is prefilled in one
 * pass, then each new token costs one incremental step. Each token goes to {@code onToken} as
 * soon as it is drawn; generation ends after {@code maxTokens} or when {@code onToken} returns
 * false (a stop sequence, say).
 *
 * <p>When the cache holds the whole context and another token must be decoded, the sequence is
 * shifted ({@link TransformerLM#shiftContext}): its oldest tokens are forgotten so that the last
 * {@code keep} remain (half the context by default), and decoding continues after them. Tokens
 * drawn before the context first fills are unaffected.
 */
public final class Generator {
    private final TransformerLM model;
    private final int keep;

    /** Keeps half the context (at least one token) when the context is full. */
    public Generator(TransformerLM model) {
        this.model = model;
        this.keep = Math.max(1, model.config().contextLength() / 2);
    }

    /** Keeps the last {@code keep} tokens, in [1, context - 1], when the context is full. */
    public Generator(TransformerLM model, int keep) {
        int context = model.config().contextLength();
        if (keep < 1 || keep >= context) {
            throw new IllegalArgumentException("generate: keep is " + keep + ", must lie in [1, " + (context - 1)
                    + "] (the tokens kept when the context of " + context + " is full)");
        }
        this.model = model;
        this.keep = keep;
    }

    /** The tokens kept when the context is full. */
    public int keep() {
        return keep;
    }

    /** Result: the tokens generated and the time spent after the prompt. */
    public record Output(int[] tokens, double prefillSeconds, double decodeSeconds) {
        public double tokensPerSecond() {
            return tokens.length <= 1 ? 0 : (tokens.length - 1) / Math.max(1e-9, decodeSeconds);
        }
    }

    public Output generate(int[] prompt, int maxTokens, SamplingConfig sampling, IntPredicate onToken) {
        int context = model.config().contextLength();
        if (prompt.length == 0) {
            throw new IllegalArgumentException("generate: the prompt is empty (give at least one token)");
        }
        if (prompt.length >= context) {
            throw new IllegalArgumentException("generate: the prompt has " + prompt.length + " tokens, the context holds "
                    + context + " (leave room for at least one new token)");
        }
        if (maxTokens < 1) {
            throw new IllegalArgumentException("generate: max tokens is " + maxTokens + ", must be >= 1");
        }
        Sampler sampler = new Sampler(sampling);
        SequenceState state = model.newSequence();
        int vocab = model.config().vocabSize();
        long t0 = System.nanoTime();
        Tensor logits = model.forwardCached(List.of(state), List.of(prompt), new AuxiliaryLosses());
        long t1 = System.nanoTime();
        int[] out = new int[Math.min(maxTokens, 1024)];
        int n = 0;
        while (true) {
            int next = sampler.next(logits.data(), 0, vocab);
            if (n == out.length) out = Arrays.copyOf(out, (int) Math.min(maxTokens, 2L * out.length));
            out[n++] = next;
            if (!onToken.test(next) || n == maxTokens) break;
            if (state.length() == context) model.shiftContext(state, context - keep);
            logits = model.forwardCached(List.of(state), List.of(new int[] {next}), new AuxiliaryLosses());
        }
        long t2 = System.nanoTime();
        return new Output(Arrays.copyOf(out, n), (t1 - t0) / 1e9, (t2 - t1) / 1e9);
    }
}
