package org.moe4j.cli;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.moe4j.engine.DecoderModel;
import org.moe4j.infer.EngineGenerator;
import org.moe4j.infer.RunEngine;
import org.moe4j.infer.SamplingConfig;
import org.moe4j.model.TransformerLM;
import org.moe4j.text.Tokenizer;

/** Streams generated text to standard output and reports the speed on standard error. */
final class Sample {
    private Sample() {}

    /** The training sample: the inference engine over the model just trained. */
    static void print(TransformerLM lm, Tokenizer tok, String prompt, int maxTokens, long seed) throws java.io.IOException {
        SamplingConfig sampling = new SamplingConfig(0.8, 0, 0.95, seed);
        DecoderModel engine = RunEngine.fromModel(lm);
        int context = lm.config().contextLength();
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        out.print(prompt);
        Utf8Stream text = new Utf8Stream(tok, out);
        EngineGenerator.Stats s = EngineGenerator.generate(engine, context, Math.max(1, context / 2), tok.encode(prompt), maxTokens,
                sampling, java.util.Set.of(), id -> {
                    text.add(id);
                    return true;
                });
        text.finish();
        out.println();
        System.err.printf(Locale.ROOT, "%d tokens/s (%d tokens, prefill %.3f s)%n", Math.round(s.decodeTokensPerSecond()), s.tokens(),
                s.prefillSeconds());
    }
}
