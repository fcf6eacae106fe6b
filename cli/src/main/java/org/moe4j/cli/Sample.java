package org.moe4j.cli;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.moe4j.infer.Generator;
import org.moe4j.infer.SamplingConfig;
import org.moe4j.model.TransformerLM;
import org.moe4j.text.Tokenizer;

/** Streams generated text to standard output and reports the speed on standard error. */
final class Sample {
    private Sample() {}

    static Generator.Output print(TransformerLM lm, Tokenizer tok, String prompt, int maxTokens, long seed) {
        return stream(new Generator(lm), tok, prompt, maxTokens, new SamplingConfig(0.8, 0, 0.95, seed));
    }

    static Generator.Output stream(Generator generator, Tokenizer tok, String prompt, int maxTokens, SamplingConfig sampling) {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        int[] ids = tok.encode(prompt);
        out.print(prompt);
        Utf8Stream text = new Utf8Stream(tok, out);
        Generator.Output result = generator.generate(ids, maxTokens, sampling, id -> {
            text.add(id);
            return true;
        });
        text.finish();
        out.println();
        System.err.printf(Locale.ROOT, "%d tokens/s (%d tokens, prefill %.3f s)%n", Math.round(result.tokensPerSecond()),
                result.tokens().length, result.prefillSeconds());
        return result;
    }
}
