package org.moe4j.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.moe4j.data.CorpusSource;
import org.moe4j.data.TokenCorpus;
import org.moe4j.infer.TrainedModel;
import org.moe4j.train.LanguageModelTraining;
import org.moe4j.train.LanguageModelTrainingConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code moe4j eval RUN}: validation loss and perplexity of a trained model on its corpus's validation split. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Validation loss, perplexity and routing statistics of a trained model.")
final class EvalCommand implements Callable<Integer> {
    @Parameters(paramLabel = "RUN", description = "a run folder written by moe4j train")
    Path run;

    @Option(names = "--batches", description = "Validation batches (default: all).")
    int batches = Integer.MAX_VALUE;

    @Option(names = "--batch-size", description = "Sequences per batch (default ${DEFAULT-VALUE}).")
    int batchSize = 16;

    @Mixin
    JsonOutputOption json = new JsonOutputOption();

    @Override
    public Integer call() throws Exception {
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
}
