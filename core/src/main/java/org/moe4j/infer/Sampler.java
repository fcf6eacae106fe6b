package org.moe4j.infer;

import java.util.Arrays;
import org.moe4j.tensor.Rng;

/**
 * Draws token ids from logits by {@link SamplingConfig}: greedy when the temperature is 0 (ties
 * to the lower id), else softmax(logits / temperature) restricted by top-k and then top-p
 * (nucleus, Holtzman et al. 2020), renormalised, sampled with a seeded generator.
 */
public final class Sampler {
    private final SamplingConfig config;
    private final Rng rng;

    public Sampler(SamplingConfig config) {
        this.config = config;
        this.rng = new Rng(config.seed());
    }

    /** The next token for one row of logits {@code logits[off, off + vocab)}. */
    public int next(float[] logits, int off, int vocab) {
        for (int i = 0; i < vocab; i++) {
            if (Float.isNaN(logits[off + i])) {
                throw new IllegalStateException("sampling: logit " + i + " is NaN (the model's weights or inputs are broken)");
            }
        }
        if (config.temperature() == 0) {
            int best = 0;
            for (int i = 1; i < vocab; i++) if (logits[off + i] > logits[off + best]) best = i;
            return best;
        }
        Integer[] order = new Integer[vocab];
        for (int i = 0; i < vocab; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> {
            int c = Float.compare(logits[off + b], logits[off + a]);
            return c != 0 ? c : Integer.compare(a, b);
        });
        int keep = config.topK() > 0 ? Math.min(config.topK(), vocab) : vocab;
        double max = logits[off + order[0]];
        double[] p = new double[keep];
        double sum = 0;
        for (int i = 0; i < keep; i++) {
            p[i] = Math.exp((logits[off + order[i]] - max) / config.temperature());
            sum += p[i];
        }
        int nucleus = keep;
        if (config.topP() < 1) {
            double cumulative = 0;
            for (int i = 0; i < keep; i++) {
                cumulative += p[i] / sum;
                if (cumulative >= config.topP()) {
                    nucleus = i + 1;
                    break;
                }
            }
        }
        double total = 0;
        for (int i = 0; i < nucleus; i++) total += p[i];
        double u = rng.nextDouble() * total;
        for (int i = 0; i < nucleus; i++) {
            u -= p[i];
            if (u < 0) return order[i];
        }
        return order[nucleus - 1];
    }
}
