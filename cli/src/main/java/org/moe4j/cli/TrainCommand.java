package org.moe4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.Callable;
import org.moe4j.data.CorpusSource;
import org.moe4j.data.TokenCorpus;
import org.moe4j.data.TokenizerSpec;
import org.moe4j.model.ExpertSpecialisation;
import org.moe4j.model.TransformerConfig;
import org.moe4j.model.TransformerLM;
import org.moe4j.run.Checkpoint;
import org.moe4j.run.RunFolder;
import org.moe4j.text.Tokenizer;
import org.moe4j.train.Distribution;
import org.moe4j.train.LanguageModelTraining;
import org.moe4j.train.LanguageModelTrainingConfig;
import org.moe4j.train.StepMetrics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code moe4j train}: trains a language model on a corpus (default: the bundled Moby Dick with a
 * character tokenizer) into a run folder, with a progress bar; Ctrl-C stops cleanly after saving a
 * checkpoint and the report, with exit status 130 (143 for SIGTERM), and {@code --resume} continues
 * exactly. Ends with a report and a sample.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a language model (default: a small model on the bundled Moby Dick for about ten minutes).")
final class TrainCommand implements Callable<Integer> {
    @Option(names = "--out", paramLabel = "DIR", description = "Run folder (default: runs/train-DATE-TIME).")
    Path out;

    @Option(names = "--resume", description = "Continue the run in --out from its checkpoint.")
    boolean resume;

    @Option(names = "--corpus", paramLabel = "PATH", description = "A text file or a folder of .txt files (default: the bundled Moby Dick).")
    Path corpus;

    @Option(names = "--tokenizer", description = "char, byte or bpe (default ${DEFAULT-VALUE}).")
    String tokenizer = "char";

    @Option(names = "--bpe-merges", description = "Merges learned by the BPE tokenizer (default ${DEFAULT-VALUE}).")
    int bpeMerges = 1024;

    @Option(names = "--steps", description = "Training steps (default: as many as fit in --minutes).")
    long steps;

    @Option(names = "--minutes", description = "Time budget when --steps is not given (default ${DEFAULT-VALUE}).")
    double minutes = 10;

    @Option(names = "--batch-size", description = "Sequences per step (default ${DEFAULT-VALUE}).")
    int batchSize = 16;

    @Option(names = "--lr", description = "Peak learning rate (default ${DEFAULT-VALUE}).")
    double learningRate = 2e-3;

    @Option(names = "--min-lr-factor", description = "Final learning rate as a fraction of the peak (default ${DEFAULT-VALUE}).")
    double minLrFactor = 0.1;

    @Option(names = "--warmup", description = "Warm-up steps (default ${DEFAULT-VALUE}).")
    long warmup = 100;

    @Option(names = "--weight-decay", description = "AdamW weight decay on matrices (default ${DEFAULT-VALUE}).")
    double weightDecay = 0.1;

    @Option(names = "--grad-clip", description = "Clip the global gradient norm (0: off; default ${DEFAULT-VALUE}).")
    double gradClip = 1.0;

    @Option(names = "--router-lr", description = "Learning rate of MoE routers (default: --lr).")
    Double routerLearningRate;

    @Option(names = "--eval-every", description = "Validate every N steps (default ${DEFAULT-VALUE}).")
    long evalEvery = 100;

    @Option(names = "--eval-batches", description = "Validation batches per evaluation (default ${DEFAULT-VALUE}).")
    int evalBatches = 8;

    @Option(names = "--checkpoint-every", description = "Checkpoint every N steps (0: only at the end; default ${DEFAULT-VALUE}).")
    long checkpointEvery = 250;

    @Option(names = "--seed", description = "Random seed (default ${DEFAULT-VALUE}).")
    long seed = 1;

    @Option(names = "--sample-tokens", description = "Tokens of the sample printed at the end (default ${DEFAULT-VALUE}).")
    int sampleTokens = 400;

    @Mixin
    ModelOptions model = new ModelOptions();

    @Option(names = "--distributed", description = "Run as one rank of an MPI job (mpirun -np N moe4j train --distributed ...):"
            + " the ranks share each --batch-size batch and train the model one process would.")
    boolean distributed;

    @Option(names = "--expert-parallel", paramLabel = "X", description = "With --distributed: ranks per expert group, which split"
            + " every MoE layer's experts (1: pure data parallel; default ${DEFAULT-VALUE}).")
    int expertParallel = 1;

    /** What a run is made of: its folder, tokenizer, model and training configs and corpus. */
    record Setup(Path dir, RunFolder run, Tokenizer tok, TransformerConfig config, LanguageModelTrainingConfig training,
                 CorpusSource source) {}

    @Override
    public Integer call() throws Exception {
        if (distributed) return DistributedTraining.run(this);
        if (expertParallel != 1) {
            throw new IllegalArgumentException("--expert-parallel " + expertParallel + " needs --distributed (under mpirun)");
        }
        return train(setup(false), Distribution.SINGLE, null);
    }

    /**
     * The run to train: a new one (folder, tokenizer and run.json written), or with {@code --resume}
     * or {@code readOnly} (the other ranks of a distributed run) the one in --out, read back.
     */
    Setup setup(boolean readOnly) throws IOException {
        if ((resume || readOnly) && out == null) {
            throw new IllegalArgumentException((resume ? "--resume" : "--distributed") + " needs --out DIR, the run "
                    + (resume ? "to continue" : "every rank shares"));
        }
        Path dir = out != null ? out : Path.of("runs", "train-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        RunFolder run = new RunFolder(dir);
        if (resume || readOnly) {
            RunFolder.Description d = run.readDescription();
            CorpusSource source = corpus != null ? CorpusSource.of(corpus) : d.corpus().equals(CorpusSource.mobyDick().description())
                    ? CorpusSource.mobyDick() : CorpusSource.of(Path.of(d.corpus()));
            return new Setup(dir, run, Tokenizer.load(run.tokenizerFile()), d.model(), LanguageModelTrainingConfig.fromJson(d.training()),
                    source);
        }
        if (Files.exists(run.runFile())) {
            throw new IllegalArgumentException(dir + " already holds a run: continue it with --resume or choose another --out");
        }
        CorpusSource source = corpus != null ? CorpusSource.of(corpus) : CorpusSource.mobyDick();
        Tokenizer tok = new TokenizerSpec(tokenizer, TokenizerSpec.BPE.equals(tokenizer) ? bpeMerges : 0,
                TokenizerSpec.DEFAULT_BPE_SAMPLE_CHARS).build(source);
        TransformerConfig config = model.config(tok.vocabSize(), seed);
        LanguageModelTrainingConfig training = new LanguageModelTrainingConfig(batchSize, steps, minutes, learningRate, minLrFactor,
                warmup, weightDecay, gradClip, routerLearningRate != null ? routerLearningRate : learningRate, evalEvery, evalBatches,
                checkpointEvery, seed, TokenCorpus.DEFAULT_VALIDATION_FRACTION);
        Files.createDirectories(dir);
        tok.save(run.tokenizerFile());
        run.writeDescription(new RunFolder.Description(config, training.toJson(), source.description()));
        return new Setup(dir, run, tok, config, training, source);
    }

    /**
     * Trains the run of {@code s} on {@code lm} (a fresh model of s's config when null). The ranks
     * of a distributed run all call it; only the writing rank shows progress, writes the report and
     * prints the sample, from the whole model of the last checkpoint when its own holds a slice of the experts.
     */
    int train(Setup s, Distribution distribution, TransformerLM lm) throws Exception {
        TransformerConfig config = s.config();
        LanguageModelTrainingConfig training = s.training();
        RunFolder run = s.run();
        Tokenizer tok = s.tok();
        CorpusSource source = s.source();
        if (lm == null) lm = new TransformerLM(config);
        boolean main = distribution.writesFiles();
        if (main) {
            System.err.printf(Locale.ROOT, "run %s: %s, %s tokenizer (%d ids), %,d parameters (%,d active per token)%n", s.dir(),
                    source.description(), tok.kind(), tok.vocabSize(), config.totalParameters(), config.activeParameters());
        }
        // Ctrl-C (SIGINT) or SIGTERM: the JVM runs this hook and exits with 128 + the signal (130
        // for SIGINT) as soon as it returns, so it waits until this method has finished: the step
        // under way, the checkpoint, the report and the final message.
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch finished = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            stop.set(true);
            if (main) System.err.println("\nmoe4j train: stopping after this step and saving a checkpoint...");
            try {
                finished.await();
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        });
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            LanguageModelTraining.Result result;
            long[][][] specialisation = null;
            try (TokenCorpus tokens = TokenCorpus.prepare(source, tok, run.tokenFile(), training.validationFraction())) {
                ProgressBar[] bar = new ProgressBar[1];
                result = LanguageModelTraining.run(run, lm, source, tokens, training, resume, stop::get, new LanguageModelTraining.Progress() {
                    @Override
                    public void started(long totalSteps, long firstStep) {
                        if (main) bar[0] = new ProgressBar("train", totalSteps);
                    }

                    @Override
                    public void stepped(StepMetrics r) {
                        if (main) bar[0].update(r.step(), TrainingReport.progressText(r));
                    }
                }, distribution);
                if (distribution instanceof AutoCloseable spread) spread.close();
                // an expert-parallel rank holds its experts only; the report and the sample need them all
                // (the weights: the optimizer's moments, twice their size, stay on disk)
                if (main && !lm.expertSlice().isWhole()) {
                    TransformerLM whole = new TransformerLM(config);
                    whole.loadCheckpointState(Checkpoint.loadWeights(run.checkpoint(), whole.checkpointShapes()));
                    lm = whole;
                }
                if (main) specialisation = ExpertSpecialisation.count(lm, validationSample(tokens, config.contextLength()), config.contextLength());
            }
            if (main) {
                String unit = tok.kind().equals("char") ? "character" : "token";
                String validation = Double.isNaN(result.validationLoss()) ? "no validation yet"
                        : String.format(Locale.ROOT, "validation loss %.4f nats per %s", result.validationLoss(), unit);
                System.err.printf(Locale.ROOT, "%s at step %d of %d in %.0f s: loss %.4f, %s; checkpoint in %s%n",
                        result.stoppedEarly() ? "stopped" : "finished", result.steps(), result.totalSteps(), result.seconds(),
                        result.lastLoss(), validation, run.checkpoint());
                Path report = TrainingReport.write(run, tok, specialisation);
                System.err.println("report: " + report);
                if (!stop.get() && sampleTokens > 0) {
                    Sample.print(lm, tok, "\n", sampleTokens, seed);
                }
            }
        } finally {
            finished.countDown();
        }
        if (!stop.get()) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // a signal came just now: the hook is running and returns at once, the latch being open
            }
        }
        return 0;
    }

    /** Up to 64 context windows from the start of the validation split. */
    private static int[] validationSample(TokenCorpus tokens, int context) {
        long length = Math.min(tokens.split().validationLength(), 64L * context);
        int n = (int) (length / context * context);
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) ids[i] = tokens.file().get(tokens.split().validationStart() + i);
        return ids;
    }
}
