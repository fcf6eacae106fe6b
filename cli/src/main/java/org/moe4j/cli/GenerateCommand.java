package org.moe4j.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.moe4j.infer.Generator;
import org.moe4j.infer.SamplingConfig;
import org.moe4j.infer.TrainedModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code moe4j generate RUN "prompt"}: streams a continuation of the prompt with the KV cache; when
 * the context is full it forgets the oldest tokens (keeping {@code --keep}) and goes on.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Continue a prompt with a trained model, streaming the text; the speed goes to standard error.")
final class GenerateCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "RUN", description = "a run folder written by moe4j train")
    Path run;

    @Parameters(index = "1", paramLabel = "PROMPT", description = "the text to continue")
    String prompt;

    @Option(names = "--max-tokens", description = "Tokens to generate at most (default ${DEFAULT-VALUE}).")
    int maxTokens = 200;

    @Option(names = "--temperature", description = "0 for greedy (default ${DEFAULT-VALUE}).")
    double temperature = 0.8;

    @Option(names = "--top-k", description = "Keep the k most likely tokens (0: all; default ${DEFAULT-VALUE}).")
    int topK = 0;

    @Option(names = "--top-p", description = "Nucleus probability mass (default ${DEFAULT-VALUE}).")
    double topP = 0.95;

    @Option(names = "--seed", description = "Sampling seed (default ${DEFAULT-VALUE}).")
    long seed = 1;

    @Option(names = "--no-truncate", description = "Refuse a prompt longer than the context instead of keeping its end.")
    boolean noTruncate;

    @Option(names = "--keep", paramLabel = "N",
            description = "Tokens kept when the context is full and generation goes on (default: half the context).")
    Integer keep;

    @Override
    public Integer call() throws Exception {
        SamplingConfig sampling = new SamplingConfig(temperature, topK, topP, seed);
        TrainedModel m = TrainedModel.load(run);
        int context = m.model().config().contextLength();
        if (keep != null && (keep < 1 || keep >= context)) {
            throw new IllegalArgumentException("--keep is " + keep + ", must be in [1, " + (context - 1) + "] (the context holds "
                    + context + ")");
        }
        int[] ids = m.tokenizer().encode(prompt);
        if (ids.length == 0) {
            throw new IllegalArgumentException("the prompt is empty: give at least one character");
        }
        String text = prompt;
        if (ids.length >= context) {
            if (noTruncate) {
                throw new IllegalArgumentException("the prompt has " + ids.length + " tokens, the context holds " + context
                        + " (drop --no-truncate to keep its last " + (context - 1) + " tokens)");
            }
            int[] kept = java.util.Arrays.copyOfRange(ids, ids.length - (context - 1), ids.length);
            System.err.println("warning: the prompt has " + ids.length + " tokens; keeping its last " + kept.length
                    + " (the context holds " + context + ")");
            text = m.tokenizer().decode(kept);
        }
        Generator generator = keep != null ? new Generator(m.model(), keep) : new Generator(m.model());
        Sample.stream(generator, m.tokenizer(), text, maxTokens, sampling);
        return 0;
    }
}
