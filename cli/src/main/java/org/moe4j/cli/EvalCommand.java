package org.moe4j.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.moe4j.data.CorpusSource;
import org.moe4j.data.TokenCorpus;
import org.moe4j.infer.OpenModel;
import org.moe4j.infer.Perplexity;
import org.moe4j.infer.TrainedModel;
import org.moe4j.io.ModelFolder;
import org.moe4j.text.hf.HfTokenizer;
import org.moe4j.train.LanguageModelTraining;
import org.moe4j.train.LanguageModelTrainingConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code moe4j eval RUN}: validation loss and perplexity of a trained model on its corpus's validation
 * split; {@code moe4j eval MODEL --text FILE}: perplexity of any model (Hugging Face folder or run) on
 * a text, with a sliding window.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Validation loss and perplexity of a trained run on its validation split, or of any model on --text FILE "
                + "(sliding window).")
final class EvalCommand implements Callable<Integer> {
    @Parameters(paramLabel = "MODEL", description = "a run folder written by moe4j train, or a Hugging Face model folder (with --text)")
    Path run;

    @Option(names = "--text", paramLabel = "FILE", description = "Score this UTF-8 text instead of the run's validation split.")
    Path text;

    @Option(names = "--context", paramLabel = "N", description = "Sliding window length in tokens (default: the model's context, at most 1024).")
    int window = 0;

    @Option(names = "--stride", paramLabel = "N", description = "Tokens between window starts (default: half the window).")
    int stride = 0;

    @Option(names = "--batches", description = "Validation batches (default: all).")
    int batches = Integer.MAX_VALUE;

    @Option(names = "--batch-size", description = "Sequences per batch (default ${DEFAULT-VALUE}).")
    int batchSize = 16;

    @Mixin
    JsonOutputOption json = new JsonOutputOption();

    @Override
    public Integer call() throws Exception {
        if (text != null) return evalText();
        if (ModelFolder.isModelFolder(run)) {
            throw new IllegalArgumentException(run + " is a Hugging Face model folder: give --text FILE to score");
        }
        TrainedModel m = TrainedModel.load(run);
        String corpus = m.description().corpus();
        CorpusSource source = corpus.equals(CorpusSource.mobyDick().description()) ? CorpusSource.mobyDick() : CorpusSource.of(Path.of(corpus));
        try (TokenCorpus tokens = TokenCorpus.prepare(source, m.tokenizer(), m.run().tokenFile(), LanguageModelTrainingConfig.fromJson(m.description().training()).validationFraction())) {
            double loss = LanguageModelTraining.validationLoss(m.model(), tokens, batchSize, batches);
            String unit = m.tokenizer().kind().equals("char") ? "character" : "token";
            System.out.printf(Locale.ROOT, "validation loss %.4f nats per %s, perplexity %.3f (step %d)%n", loss, unit, Math.exp(loss), m.step());
            var result = new java.util.LinkedHashMap<String, Object>();
            result.put("validation_loss", loss);
            result.put("perplexity", Math.exp(loss));
            result.put("unit", unit);
            result.put("step", m.step());
            json.write(result);
        }
        return 0;
    }

    private int evalText() throws Exception {
        if (!Files.isRegularFile(text)) throw new IllegalArgumentException("--text " + text + ": no such file");
        try (OpenModel m = OpenModel.open(run, 0)) {
            int w = window > 0 ? window : Math.min(m.contextLength(), 1024);
            if (w > m.contextLength()) {
                throw new IllegalArgumentException("--context is " + w + ", more than the model's " + m.contextLength() + " positions");
            }
            int s = stride > 0 ? stride : Math.max(1, w / 2);
            String content = Files.readString(text, StandardCharsets.UTF_8);
            int[] ids = m.tokenizer() instanceof HfTokenizer hf ? hf.encode(content, true) : m.tokenizer().encode(content);
            long t0 = System.nanoTime();
            Perplexity.Result r = Perplexity.compute(m.model(), ids, w, s);
            double seconds = (System.nanoTime() - t0) / 1e9;
            System.out.printf(Locale.ROOT, "%s: %,d tokens, %d windows of %d (stride %d): %.4f nats per token, perplexity %.3f (%.1f tokens/s)%n",
                    text.getFileName(), ids.length, r.windows(), w, s, r.meanNll(), r.perplexity(), r.windows() * (double) w / seconds);
            var result = new java.util.LinkedHashMap<String, Object>();
            result.put("tokens", (long) ids.length);
            result.put("scored_tokens", r.tokens());
            result.put("window", (long) w);
            result.put("stride", (long) s);
            result.put("nll_per_token", r.meanNll());
            result.put("perplexity", r.perplexity());
            json.write(result);
        }
        return 0;
    }
}
