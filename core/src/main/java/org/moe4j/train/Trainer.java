package org.moe4j.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.moe4j.autograd.Variable;
import org.moe4j.run.Checkpoint;
import org.moe4j.nn.Module;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.Tensor;

/**
 * The training loop: zero gradients, loss, backward, clip, optimizer step with the scheduled
 * learning rate, checkpoint every so often. A NaN or infinite loss or gradient norm stops the
 * run with {@link TrainingDivergedException} before the bad update touches the weights, so the
 * last checkpoint (and the weights in memory) stay good. Resuming from a checkpoint restores
 * weights, optimizer buffers, the step and every generator, so N steps in one run and N/2 + save +
 * load + N/2 give bit-identical parameters.
 */
public final class Trainer {
    /** Loop settings, validated. {@code checkpointEvery} 0 means only at the end (if a folder is given). */
    public record Config(long steps, double maxGradNorm, LearningRateSchedule schedule, Path checkpointFolder,
                         long checkpointEvery) {
        public Config {
            if (steps < 0) throw new IllegalArgumentException("steps is " + steps + ", must be >= 0");
            if (!(maxGradNorm >= 0)) throw new IllegalArgumentException("maxGradNorm is " + maxGradNorm + ", must be >= 0 (0: no clipping)");
            if (checkpointEvery < 0) throw new IllegalArgumentException("checkpointEvery is " + checkpointEvery + ", must be >= 0");
            if (schedule == null) schedule = LearningRateSchedule.constant();
        }
    }

    /** Told about every step; may ask the loop to stop early (for example on Ctrl-C or a time budget). */
    public interface Listener {
        void onStep(long step, double loss, double gradNorm, double learningRateFactor);

        default boolean shouldStop() {
            return false;
        }
    }

    private final TrainingTask task;
    private final Optimizer optimizer;
    private final Config config;
    private final Object runConfig;
    private final Distribution distribution;
    private long step;

    /** {@code runConfig} is the JSON value saved as config.json in checkpoints. */
    public Trainer(TrainingTask task, Optimizer optimizer, Config config, Object runConfig) {
        this(task, optimizer, config, runConfig, Distribution.SINGLE);
    }

    /**
     * A loop whose batch is shared by the ranks of {@code distribution}: the loss is their mean,
     * the gradients are combined before clipping, and only the writing rank saves checkpoints.
     */
    public Trainer(TrainingTask task, Optimizer optimizer, Config config, Object runConfig, Distribution distribution) {
        this.task = task;
        this.optimizer = optimizer;
        this.config = config;
        this.runConfig = runConfig;
        this.distribution = distribution;
    }

    public long step() {
        return step;
    }

    /** Runs until {@code config.steps()} steps are done or the listener asks to stop; returns the last loss. */
    public double run(Listener listener) throws IOException {
        Module model = task.model();
        List<Variable> params = new ArrayList<>(model.namedParameters().values());
        double lastLoss = Double.NaN;
        while (step < config.steps() && !listener.shouldStop()) {
            optimizer.zeroGrad();
            Variable loss = task.loss(step);
            // over ranks every rank sees the same mean, so a divergence stops them all at once
            double value = distribution.mean(loss.value().item());
            if (!Double.isFinite(value)) {
                throw new TrainingDivergedException(step, "the loss", value, checkpointNote());
            }
            loss.backward();
            distribution.reduceGradients(params);
            double norm = distribution.globalNorm(params);
            if (!Double.isFinite(norm)) {
                throw new TrainingDivergedException(step, "the gradient norm", norm, checkpointNote());
            }
            // clipping's factor goes into the update: no pass over the gradients of its own
            float gradScale = config.maxGradNorm() > 0 ? GradientClipping.scaleFor(norm, config.maxGradNorm()) : 1f;
            double factor = config.schedule().factor(step);
            optimizer.step(factor, gradScale);
            task.afterStep(step);
            step++;
            lastLoss = value;
            listener.onStep(step, value, norm, factor);
            if (config.checkpointFolder() != null && config.checkpointEvery() > 0 && step % config.checkpointEvery() == 0) {
                save(config.checkpointFolder());
            }
        }
        if (config.checkpointFolder() != null) {
            save(config.checkpointFolder());
        }
        return lastLoss;
    }

    private String checkpointNote() {
        Path folder = config.checkpointFolder();
        if (folder == null) return " (no checkpoint folder was set)";
        return Files.isDirectory(folder) ? "; the last good checkpoint is in " + folder : " before any checkpoint was written";
    }

    /**
     * Writes model, optimizer state, step and generator states atomically to {@code folder}; over
     * ranks, every rank calls it and the writing rank writes the whole model, the experts other
     * ranks hold streamed to it while it writes.
     */
    public void save(Path folder) throws IOException {
        Map<String, Tensor> modelState = new LinkedHashMap<>(task.model().checkpointState());
        Map<String, Tensor> optimizerState = new LinkedHashMap<>(optimizer.stateDict());
        List<Rng> rngs = task.generators();
        long[] words = new long[rngs.size() * 6];
        for (int i = 0; i < rngs.size(); i++) {
            System.arraycopy(rngs.get(i).state(), 0, words, i * 6, 6);
        }
        distribution.writeCheckpoint(modelState, optimizerState, (model, streamedModel, optimizerOwn, streamedOptimizer) ->
                Checkpoint.save(folder, new Checkpoint(step, runConfig, model, optimizerOwn, words), streamedModel, streamedOptimizer));
    }

    /** Restores everything {@link #save} wrote; the model's shapes must match. */
    public void resume(Path folder) throws IOException {
        Checkpoint c = Checkpoint.load(folder, task.model().checkpointShapes());
        task.model().loadCheckpointState(c.model());
        List<Rng> rngs = task.generators();
        long[] words = c.rngState();
        if (words.length != rngs.size() * 6) {
            throw new IllegalArgumentException("checkpoint " + folder + " holds " + words.length / 6
                    + " random generator states, this task uses " + rngs.size());
        }
        for (int i = 0; i < rngs.size(); i++) {
            rngs.get(i).restore(java.util.Arrays.copyOfRange(words, i * 6, i * 6 + 6));
        }
        optimizer.loadStateDict(distribution.ownShare(c.optimizer()), c.step());
        step = c.step();
    }
}
