package org.moe4j.server;

import java.util.List;
import org.moe4j.infer.SamplingConfig;

/**
 * What the scheduler needs to run one completion, whichever endpoint asked: the prompt's ids, the
 * most tokens to draw, how to draw them, and the strings that end it.
 *
 * @param promptTokens at least one id
 * @param maxTokens    at least 1
 */
record Generation(int[] promptTokens, int maxTokens, SamplingConfig sampling, List<String> stop) {
    Generation {
        if (promptTokens.length == 0) throw new IllegalArgumentException("generation: the prompt has no tokens");
        if (maxTokens < 1) throw new IllegalArgumentException("generation: maxTokens is " + maxTokens + ", must be >= 1");
        stop = List.copyOf(stop);
    }
}
