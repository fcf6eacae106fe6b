package org.moe4j.infer;

import java.util.List;
import org.moe4j.engine.DecoderModel;
import org.moe4j.engine.ForwardObserver;
import org.moe4j.engine.Sequence;

/**
 * Perplexity of a token sequence longer than the context, with a sliding window as Hugging Face's
 * perplexity guide computes it: windows of {@code window} tokens start every {@code stride} tokens;
 * each scores only the tokens the previous window did not, each predicted from up to window - 1
 * tokens before it. The first token is never scored.
 */
public final class Perplexity {
    private Perplexity() {}

    /** Mean negative log-likelihood per scored token (nats) and the count of scored tokens. */
    public record Result(double meanNll, long tokens, int windows) {
        public double perplexity() {
            return Math.exp(meanNll);
        }
    }

    public static Result compute(DecoderModel model, int[] ids, int window, int stride) {
        if (ids.length < 2) throw new IllegalArgumentException("perplexity: the text has " + ids.length + " tokens, at least 2 are needed");
        if (window < 2) throw new IllegalArgumentException("perplexity: the window is " + window + " tokens, must be >= 2");
        if (stride < 1 || stride > window) {
            throw new IllegalArgumentException("perplexity: the stride is " + stride + ", must lie in [1, " + window + "]");
        }
        int V = model.config().vocabSize();
        Sequence seq = model.newSequence(window);
        double nll = 0;
        long scored = 0;
        int windows = 0;
        int previousEnd = 0;
        for (int begin = 0; previousEnd < ids.length; begin += stride) {
            int end = Math.min(begin + window, ids.length);
            int fresh = end - previousEnd;
            seq.reset();
            int[] chunk = java.util.Arrays.copyOfRange(ids, begin, end);
            float[] logits = model.forward(List.of(seq), List.of(chunk), true, ForwardObserver.NONE);
            for (int t = Math.max(1, chunk.length - fresh); t < chunk.length; t++) {
                nll += DecoderModel.negativeLogLikelihood(logits, (t - 1) * V, V, chunk[t]);
                scored++;
            }
            windows++;
            previousEnd = end;
        }
        return new Result(nll / scored, scored, windows);
    }
}
