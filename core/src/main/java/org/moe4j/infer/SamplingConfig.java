package org.moe4j.infer;

/**
 * How the next token is drawn from the logits: temperature (0 = greedy arg-max), then keep the
 * topK most likely (0 = all), then the smallest set whose probability reaches topP (1 = all).
 */
public record SamplingConfig(double temperature, int topK, double topP, long seed) {
    public SamplingConfig {
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature is " + temperature + ", must be finite and >= 0 (0: greedy)");
        }
        if (topK < 0) throw new IllegalArgumentException("top_k is " + topK + ", must be >= 0 (0: no limit)");
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top_p is " + topP + ", must be in (0, 1]");
    }

    public static SamplingConfig greedy() {
        return new SamplingConfig(0, 0, 1, 0);
    }
}
