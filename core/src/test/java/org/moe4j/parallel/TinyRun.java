package org.moe4j.parallel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.IntFunction;
import org.moe4j.data.CorpusSource;
import org.moe4j.data.TokenCorpus;
import org.moe4j.dist.Communicator;
import org.moe4j.dist.LocalGroup;
import org.moe4j.model.FeedForwardSpec;
import org.moe4j.model.MoeSpec;
import org.moe4j.model.TransformerConfig;
import org.moe4j.model.TransformerLM;
import org.moe4j.run.RunFolder;
import org.moe4j.text.CharTokenizer;
import org.moe4j.train.Distribution;
import org.moe4j.train.LanguageModelTraining;
import org.moe4j.train.LanguageModelTrainingConfig;

/**
 * A tiny MoE language model trained for a few steps on a small generated text, in one process
 * or over in-process ranks: what the equal-training tests compare.
 */
final class TinyRun {
    static final Duration TIMEOUT = Duration.ofSeconds(60);

    private TinyRun() {}

    /** Sentences from a small vocabulary, drawn by a fixed linear congruential sequence. */
    static String text() {
        String[] words = {"the", "whale", "sea", "ship", "captain", "white", "harpoon", "crew", "deep", "wind", "sails", "night"};
        StringBuilder sb = new StringBuilder();
        long s = 7;
        for (int i = 0; i < 6000; i++) {
            s = s * 6364136223846793005L + 1442695040888963407L;
            sb.append(words[(int) ((s >>> 33) % words.length)]).append(i % 9 == 8 ? ".\n" : " ");
        }
        return sb.toString();
    }

    static TransformerConfig model(int vocab, MoeSpec moe) {
        return new TransformerConfig(vocab, 16, 2, 2, 16, 10000, 1e-5f, List.<FeedForwardSpec>of(moe, new FeedForwardSpec.Dense(24), moe),
                false, 3);
    }

    static MoeSpec mixtral() {
        return MoeSpec.mixtral(4, 2, 16);
    }

    static LanguageModelTrainingConfig training(long steps) {
        return new LanguageModelTrainingConfig(8, steps, 0, 1e-2, 0.1, 2, 0.1, 1.0, 1e-2, 10, 2, 0, 5, 0.1);
    }

    /** A corpus folder with the text, its tokenizer and its token file. */
    record Corpus(CorpusSource source, CharTokenizer tokenizer, Path tokens) {
        static Corpus in(Path dir) throws IOException {
            Path textFile = dir.resolve("text.txt");
            Files.writeString(textFile, text());
            CharTokenizer tok = CharTokenizer.fromText(text());
            Path tokens = dir.resolve("tokens.bin");
            CorpusSource source = CorpusSource.of(textFile);
            TokenCorpus.write(source, tok, tokens);
            return new Corpus(source, tok, tokens);
        }

        TokenCorpus open(double validationFraction) throws IOException {
            return TokenCorpus.open(tokens, tokenizer, validationFraction);
        }
    }

    /** Trains in one process; returns the result. */
    static LanguageModelTraining.Result single(Corpus c, TransformerConfig config, LanguageModelTrainingConfig t, Path runDir,
                                               boolean resume) throws IOException {
        Files.createDirectories(runDir);
        try (TokenCorpus corpus = c.open(t.validationFraction())) {
            return LanguageModelTraining.run(new RunFolder(runDir), new TransformerLM(config), c.source(), corpus, t, resume,
                    () -> false, quiet(), Distribution.SINGLE);
        }
    }

    /** Trains over {@code ranks} in-process ranks, {@code expertParallel} per expert group; returns every rank's result. */
    static List<LanguageModelTraining.Result> parallel(Corpus c, TransformerConfig config, LanguageModelTrainingConfig t, Path runDir,
                                                       boolean resume, int ranks, int expertParallel) throws IOException {
        Files.createDirectories(runDir);
        return parallel(c, config, t, rank -> runDir, resume, ranks, expertParallel, 0);
    }

    /**
     * As above with a run folder per rank (rank 0's is the one written) and, when {@code stopAfter}
     * is above 0, a stop request after that many steps (the checkpoint is saved as on Ctrl-C).
     */
    static List<LanguageModelTraining.Result> parallel(Corpus c, TransformerConfig config, LanguageModelTrainingConfig t,
                                                       IntFunction<Path> runDir, boolean resume, int ranks, int expertParallel,
                                                       int stopAfter) {
        return LocalGroup.run(ranks, TIMEOUT, comm -> {
            int[] asked = {0};
            BooleanSupplier stop = () -> stopAfter > 0 && asked[0]++ >= stopAfter;
            try {
                return parallelRank(comm, c, config, t, runDir.apply(comm.rank()), resume, expertParallel, stop);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    /** One rank's part of a parallel run. */
    static LanguageModelTraining.Result parallelRank(Communicator comm, Corpus c, TransformerConfig config, LanguageModelTrainingConfig t,
                                                     Path runDir, boolean resume, int expertParallel, BooleanSupplier stop)
            throws IOException {
        ParallelLayout layout = new ParallelLayout(comm.size(), expertParallel);
        TransformerLM model = new TransformerLM(config, layout.expertSlice(comm.rank()));
        try (TokenCorpus corpus = c.open(t.validationFraction());
             ParallelTraining p = ParallelTraining.start(comm, model, layout, t.batchSize())) {
            return LanguageModelTraining.run(new RunFolder(runDir), model, c.source(), corpus, t, resume, stop, quiet(), p);
        }
    }

    static LanguageModelTraining.Progress quiet() {
        return new LanguageModelTraining.Progress() {
            @Override
            public void started(long totalSteps, long firstStep) {}

            @Override
            public void stepped(org.moe4j.train.StepMetrics step) {}
        };
    }
}
