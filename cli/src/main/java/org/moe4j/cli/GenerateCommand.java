package org.moe4j.cli;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.moe4j.infer.EngineGenerator;
import org.moe4j.infer.OpenModel;
import org.moe4j.infer.ProcessMemory;
import org.moe4j.infer.SamplingConfig;
import org.moe4j.text.Tokenizer;
import org.moe4j.text.hf.HfTokenizer;
import org.moe4j.text.hf.StreamingDecoder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code moe4j generate MODEL "prompt"}: streams a continuation of the prompt with the inference
 * engine, for a Hugging Face model folder or a moe4j run; when the context is full it forgets the
 * oldest tokens (keeping {@code --keep}) and goes on.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Continue a prompt with a Hugging Face model folder or a trained run, streaming the text; "
                + "prefill, time to first token and speed go to standard error.")
final class GenerateCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "a Hugging Face model folder or a run folder written by moe4j train")
    Path run;

    @Parameters(index = "1", paramLabel = "PROMPT", description = "the text to continue")
    String prompt;

    @Option(names = "--max-tokens", description = "Tokens to generate at most (default ${DEFAULT-VALUE}).")
    int maxTokens = 200;

    @Mixin
    SamplingOptions sampling = new SamplingOptions();

    @Option(names = "--context", paramLabel = "N",
            description = "Positions a sequence holds (default: the model's, at most " + OpenModel.DEFAULT_CONTEXT_CAP + ").")
    int context = 0;

    @Option(names = "--no-truncate", description = "Refuse a prompt longer than the context instead of keeping its end.")
    boolean noTruncate;

    @Option(names = "--keep", paramLabel = "N",
            description = "Tokens kept when the context is full and generation goes on (default: half the context).")
    Integer keep;

    @Mixin
    ExpertOptions experts = new ExpertOptions();

    @Override
    public Integer call() throws Exception {
        long loadStart = System.nanoTime();
        OpenModel m = OpenModel.open(run, context);
        double loadSeconds = (System.nanoTime() - loadStart) / 1e9;
        try (m; var residency = experts.apply(m.model())) {
            SamplingConfig d = m.defaults();
            SamplingConfig sampling = this.sampling.over(d);
            int ctx = m.contextLength();
            int kept = checkKeep(ctx);
            Tokenizer tok = m.tokenizer();
            int[] ids = tok instanceof HfTokenizer hf ? hf.encode(prompt, true) : tok.encode(prompt);
            if (ids.length == 0) throw new IllegalArgumentException("the prompt is empty: give at least one character");
            String shown = prompt;
            if (ids.length >= ctx) {
                ids = truncate(ids, ctx);
                shown = tok.decode(ids);
            }
            PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
            out.print(shown);
            TokenText text = TokenText.of(tok, out);
            EngineGenerator.Stats s = EngineGenerator.generate(m.model(), ctx, kept, ids, maxTokens, sampling, m.stopIds(), id -> {
                text.add(id);
                return true;
            });
            text.finish();
            out.println();
            System.err.printf(Locale.ROOT, "load %.2f s; prompt %d tokens, prefill %.3f s (%.1f tokens/s, time to first token); "
                    + "%d tokens at %.2f tokens/s (%s); peak RSS %.2f GiB%n", loadSeconds, s.promptTokens(), s.prefillSeconds(),
                    s.prefillTokensPerSecond(), s.tokens(), s.decodeTokensPerSecond(), s.finishReason(),
                    ProcessMemory.peakResidentBytes() / (double) (1L << 30));
            experts.report(residency, System.err);
        }
        return 0;
    }

    private int checkKeep(int ctx) {
        if (keep != null && (keep < 1 || keep >= ctx)) {
            throw new IllegalArgumentException("--keep is " + keep + ", must be in [1, " + (ctx - 1) + "] (the context holds " + ctx + ")");
        }
        return keep != null ? keep : Math.max(1, ctx / 2);
    }

    private int[] truncate(int[] ids, int ctx) {
        if (noTruncate) {
            throw new IllegalArgumentException("the prompt has " + ids.length + " tokens, the context holds " + ctx
                    + " (drop --no-truncate to keep its last " + (ctx - 1) + " tokens)");
        }
        int[] kept = Arrays.copyOfRange(ids, ids.length - (ctx - 1), ids.length);
        System.err.println("warning: the prompt has " + ids.length + " tokens; keeping its last " + kept.length + " (the context holds "
                + ctx + ")");
        return kept;
    }

    /** Prints ids as text as they come, never a broken character: the tokenizer's own streaming decoder, or whole UTF-8 sequences. */
    interface TokenText {
        void add(int id);

        void finish();

        static TokenText of(Tokenizer tok, PrintStream out) {
            if (tok instanceof HfTokenizer hf) {
                StreamingDecoder d = hf.streamingDecoder(true);
                return new TokenText() {
                    @Override
                    public void add(int id) {
                        out.print(d.add(id));
                        out.flush();
                    }

                    @Override
                    public void finish() {
                        out.print(d.flush());
                    }
                };
            }
            Utf8Stream s = new Utf8Stream(tok, out);
            return new TokenText() {
                @Override
                public void add(int id) {
                    s.add(id);
                }

                @Override
                public void finish() {
                    s.finish();
                }
            };
        }
    }
}
