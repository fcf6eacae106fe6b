package org.moe4j.server;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.moe4j.infer.EngineGenerator;
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
        try {
            return ServedModel.of("tiny", new TransformerLM(c), new ByteTokenizer());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * The greedy completion of one prompt decoded alone with {@link EngineGenerator} (the
     * single-sequence reference), on a fresh copy of the served model (same config and seed, so the
     * same weights): the server's scheduler thread owns the served instance. The server stops at the
     * context (min(max_tokens, context - prompt) tokens) where the generator would shift it, so the
     * reference stops there too.
     */
    static String greedyAlone(ServedModel served, String prompt, int maxTokens) {
        ServedModel m = served(served.contextLength());
        int[] ids = m.tokenizer().encode(prompt);
        int limit = Math.min(maxTokens, m.contextLength() - ids.length);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        EngineGenerator.generate(m.model(), m.contextLength(), Math.max(1, m.contextLength() / 2), ids, limit, SamplingConfig.greedy(),
                java.util.Set.of(), id -> {
                    out.writeBytes(m.tokenizer().decodeBytes(new int[] {id}));
                    return true;
                });
        return out.toString(StandardCharsets.UTF_8);
    }
}
