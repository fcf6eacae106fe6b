package org.moe4j.server;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.moe4j.infer.Generator;
import org.moe4j.infer.SamplingConfig;
import org.moe4j.model.FeedForwardSpec;
import org.moe4j.model.MoeSpec;
import org.moe4j.model.TransformerConfig;
import org.moe4j.model.TransformerLM;
import org.moe4j.text.ByteTokenizer;

/** Small seeded models for the server tests: a MoE layer (4 experts, top-2) and a dense layer, byte tokens. */
final class TinyModel {
    private TinyModel() {}

    static ServedModel served(int context) {
        TransformerConfig c = new TransformerConfig(256, 32, 4, 2, context, 10000.0, 1e-5f,
                List.of(MoeSpec.mixtral(4, 2, 32), new FeedForwardSpec.Dense(32)), false, 7);
        return new ServedModel("tiny", new TransformerLM(c), new ByteTokenizer());
    }

    /**
     * The greedy completion of one prompt decoded alone with {@link Generator} (the single-sequence
     * reference), on a fresh copy of the served model (same config and seed, so the same weights):
     * the server's scheduler thread owns the served instance. The server stops at the context
     * (min(max_tokens, context - prompt) tokens) where the Generator would shift it, so the
     * reference stops there too.
     */
    static String greedyAlone(ServedModel served, String prompt, int maxTokens) {
        ServedModel m = served(served.contextLength());
        int[] ids = m.tokenizer().encode(prompt);
        int limit = Math.min(maxTokens, m.contextLength() - ids.length);
        int[] out = new Generator(m.model()).generate(ids, limit, SamplingConfig.greedy(), id -> true).tokens();
        return new String(m.tokenizer().decodeBytes(out), StandardCharsets.UTF_8);
    }
}
