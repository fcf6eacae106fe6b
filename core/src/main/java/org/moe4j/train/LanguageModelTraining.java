package org.moe4j.train;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.moe4j.autograd.GradMode;
import org.moe4j.data.Batch;
import org.moe4j.data.CorpusSource;
import org.moe4j.data.TokenCorpus;
import org.moe4j.model.TransformerLM;
import org.moe4j.nn.AuxiliaryLosses;
import org.moe4j.nn.FeedForwardBlock;
import org.moe4j.nn.RoutingDiagnostics;
import org.moe4j.run.RunFolder;
import org.moe4j.tensor.Rng;

/**
 * Trains a language model in a run folder: AdamW with warm-up and cosine decay, gradient
 * clipping, validation every so often, metrics as JSON lines, checkpoints, exact resume, and a
 * clean stop (checkpoint saved) when asked, for example on Ctrl-C.
 */
public final class LanguageModelTraining {
    /** What the caller sees while training runs. */
    public interface Progress {
        void started(long totalSteps, long firstStep);

        void stepped(StepMetrics step);
    }

    /** How training ended. */
    public record Result(long steps, long totalSteps, double lastLoss, double validationLoss, double seconds, boolean stoppedEarly) {}

    private LanguageModelTraining() {}

    /**
     * Trains {@code model} in {@code run}. A fresh run (not {@code resume}) writes run.json with the
     * step count fixed (after timing the first steps when only minutes were given), so a resumed
     * run follows the same schedule; {@code source} is the corpus it names there.
     */
    public static Result run(RunFolder run, TransformerLM model, CorpusSource source, TokenCorpus corpus,
                             LanguageModelTrainingConfig config, boolean resume, BooleanSupplier stopRequested, Progress progress)
            throws IOException {
        return run(run, model, source, corpus, config, resume, stopRequested, progress, Distribution.SINGLE);
    }

    /**
     * As above with the global batch shared by the ranks of {@code distribution}: each trains on
     * its shard of every step's batch, all take the same step, rank 0 alone writes the run's files;
     * the stop request and a time budget's step count are rank 0's.
     */
    public static Result run(RunFolder run, TransformerLM model, CorpusSource source, TokenCorpus corpus,
                             LanguageModelTrainingConfig config, boolean resume, BooleanSupplier stopRequested, Progress progress,
                             Distribution distribution) throws IOException {
        int T = model.config().contextLength();
        var sampler = corpus.trainingBatches(config.batchSize(), T, config.seed());
        LanguageModelTask task = new LanguageModelTask(model, step -> distribution.shard(sampler.batch(step)), List.of());
        Adam adam = new Adam(ParameterGroups.split(model, config.learningRate(), config.weightDecay(), config.routerLearningRate()),
                Adam.Config.adamW().withBetas(0.9, 0.95));
        long steps = config.steps() > 0 ? config.steps() : distribution.fromFirstRank(stepsForBudget(task, config.minutes() * 60));
        LanguageModelTrainingConfig fixed = config.withSteps(steps);
        if (!resume && distribution.writesFiles()) {
            run.writeDescription(new RunFolder.Description(model.config(), fixed.toJson(), source.description()));
        }
        long warmup = Math.min(fixed.warmupSteps(), Math.max(0, steps - 1));
        LearningRateSchedule schedule = steps > warmup
                ? LearningRateSchedule.warmupCosine(warmup, steps, fixed.minLearningRateFactor())
                : LearningRateSchedule.linearWarmup(warmup);
        Trainer trainer = new Trainer(task, adam, new Trainer.Config(steps, fixed.maxGradNorm(), schedule, run.checkpoint(),
                fixed.checkpointEvery()), Map.of("run", run.runFile().getFileName().toString()), distribution);
        // every rank loads the whole checkpoint; one that cannot must stop them all, with its reason
        Exception failure = null;
        try {
            if (resume) {
                if (!Files.isDirectory(run.checkpoint())) {
                    throw new IllegalArgumentException("--resume: " + run.path() + " has no checkpoint to resume from");
                }
                trainer.resume(run.checkpoint());
                if (distribution.writesFiles()) MetricsLog.truncateAfter(run.metrics(), trainer.step());
            } else if (distribution.writesFiles()) {
                Files.deleteIfExists(run.metrics());
            }
        } catch (IOException | RuntimeException e) {
            failure = e;
        }
        distribution.agree(failure);
        long tokensPerStep = (long) fixed.batchSize() * T;
        long start = System.nanoTime();
        long firstStep = trainer.step();
        progress.started(steps, firstStep);
        double[] lastValidation = {Double.NaN};
        try (MetricsLog metrics = distribution.writesFiles() ? new MetricsLog(run.metrics()) : null) {
            long[] lastTime = {System.nanoTime()};
            double lastLoss = trainer.run(new Trainer.Listener() {
                @Override
                public void onStep(long step, double loss, double gradNorm, double lrFactor) {
                    long now = System.nanoTime();
                    double seconds = (now - lastTime[0]) / 1e9;
                    lastTime[0] = now;
                    Map<String, Double> aux = new LinkedHashMap<>();
                    for (AuxiliaryLosses.Term t : task.lastAuxiliaryLosses().terms()) aux.merge(t.name(), distribution.mean(t.value().value().item()), Double::sum); // one term per MoE layer, summed
                    List<RoutingDiagnostics> layers = new ArrayList<>();
                    for (FeedForwardBlock block : model.feedForwardBlocks()) layers.add(block.diagnostics().orElse(null));
                    double validation = Double.NaN;
                    if (step % fixed.evalEvery() == 0 || step == steps) {
                        validation = lastValidation[0] = validationLoss(model, corpus, fixed.batchSize(), fixed.evalBatches());
                    }
                    StepMetrics r = new StepMetrics(step, loss, distribution.mean(task.lastLanguageModelLoss()), gradNorm,
                            fixed.learningRate() * lrFactor, tokensPerStep / Math.max(1e-9, seconds), (now - start) / 1e9, aux, layers,
                            validation);
                    try {
                        if (metrics != null) metrics.write(r);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                    progress.stepped(r);
                }

                @Override
                public boolean shouldStop() {
                    return distribution.fromFirstRank(stopRequested.getAsBoolean() ? 1 : 0) != 0;
                }
            });
            return new Result(trainer.step(), steps, lastLoss, lastValidation[0], (System.nanoTime() - start) / 1e9,
                    trainer.step() < steps);
        }
    }

    /** Untimed passes before timing: with 5, a ten-minute default run ended after 484 s (the JIT was still compiling). */
    private static final int WARM_UP_PASSES = 15;

    /**
     * How many steps fit in {@code seconds}: times five forward+backward passes on the first
     * batch after {@value #WARM_UP_PASSES} warm-up passes (so the JIT has compiled the kernels),
     * discarding their gradients (weights and generators untouched), and allows 10% for
     * validation, checkpoints and the optimizer.
     */
    static long stepsForBudget(LanguageModelTask task, double seconds) {
        List<long[]> saved = new ArrayList<>();
        for (Rng r : task.generators()) saved.add(r.state());
        for (int i = 0; i < WARM_UP_PASSES; i++) {
            task.loss(0).backward();
            task.model().zeroGrad();
        }
        long t0 = System.nanoTime();
        for (int i = 0; i < 5; i++) {
            task.loss(0).backward();
            task.model().zeroGrad();
        }
        double perStep = (System.nanoTime() - t0) / 5e9 * 1.10;
        for (int i = 0; i < saved.size(); i++) task.generators().get(i).restore(saved.get(i));
        return Math.max(1, (long) (seconds / perStep));
    }

    /** Mean cross-entropy (nats per token) over the first {@code maxBatches} validation batches. */
    public static double validationLoss(TransformerLM model, TokenCorpus corpus, int batchSize, int maxBatches) {
        int T = model.config().contextLength();
        double total = 0;
        int n = 0;
        model.train(false);
        try (var scope = GradMode.noGrad()) {
            for (Batch b : corpus.validationBatches(batchSize, T)) {
                total += model.languageModelLoss(b.inputs(), b.targets(), b.contextLength(), new AuxiliaryLosses()).value().item();
                if (++n >= maxBatches) break;
            }
        } finally {
            model.train(true);
        }
        if (n == 0) {
            throw new IllegalArgumentException("the validation split holds fewer than " + (T + 1)
                    + " tokens: use a larger corpus, a larger validation fraction or a shorter context");
        }
        return total / n;
    }
}
