package org.moe4j.train;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.moe4j.autograd.Variable;
import org.moe4j.data.Batch;
import org.moe4j.io.StreamedTensor;
import org.moe4j.tensor.Tensor;

/**
 * Where a training run's global batch is computed: in this process alone ({@link #SINGLE}), or
 * shared by a group of ranks that each train on a shard of it and combine what they computed so
 * that every rank takes the step one process would take on the whole batch (org.moe4j.parallel).
 * Every method but {@link #writesFiles} and {@link #shard} is a collective: all ranks call it in
 * the same order.
 */
public interface Distribution {
    /** One process: the whole batch here, nothing to combine. */
    Distribution SINGLE = new Distribution() {
        @Override
        public boolean writesFiles() {
            return true;
        }

        @Override
        public Batch shard(Batch global) {
            return global;
        }

        @Override
        public double mean(double local) {
            return local;
        }

        @Override
        public void reduceGradients(List<Variable> parameters) {}

        @Override
        public double globalNorm(List<Variable> parameters) {
            return GradientClipping.globalNorm(parameters);
        }

        @Override
        public void writeCheckpoint(Map<String, Tensor> model, Map<String, Tensor> optimizer, CheckpointWriter writer)
                throws IOException {
            writer.write(model, Map.of(), optimizer, Map.of());
        }

        @Override
        public Map<String, Tensor> ownShare(Map<String, Tensor> optimizer) {
            return optimizer;
        }

        @Override
        public long fromFirstRank(long value) {
            return value;
        }

        @Override
        public void agree(Exception localFailure) throws IOException {
            if (localFailure instanceof IOException io) throw io;
            if (localFailure instanceof RuntimeException re) throw re;
            if (localFailure != null) throw new IllegalStateException(localFailure);
        }
    };

    /** Whether this rank writes the run's files (run.json, metrics, checkpoints): rank 0 only. */
    boolean writesFiles();

    /** The rows of the global batch this rank trains on. */
    Batch shard(Batch global);

    /** The mean over ranks of a per-shard mean (the loss): the whole batch's mean, as shards are equal. */
    double mean(double local);

    /** After backward: turns each rank's shard gradients into the global batch's (the mean over shards). */
    void reduceGradients(List<Variable> parameters);

    /** The L2 norm of the global batch's gradients, every expert counted once, equal on every rank. */
    double globalNorm(List<Variable> parameters);

    /** Writes one checkpoint from the writing rank's tensors and the ones other ranks hold, streamed. */
    @FunctionalInterface
    interface CheckpointWriter {
        /**
         * {@code model} and {@code optimizer} hold what this rank holds, the streamed maps every other
         * tensor of the whole model's checkpoint; a streamed tensor's values arrive as it is written.
         */
        void write(Map<String, Tensor> model, Map<String, StreamedTensor> streamedModel, Map<String, Tensor> optimizer,
                   Map<String, StreamedTensor> streamedOptimizer) throws IOException;
    }

    /**
     * Writes a checkpoint of the whole model once: every rank calls it with its checkpoint state
     * ({@code model} as {@link org.moe4j.nn.Module#checkpointState} gives it, {@code optimizer} as
     * {@link Optimizer#stateDict}; both may be changed). The writing rank runs {@code writer} with
     * the weights and optimizer buffers held elsewhere as streamed tensors, which their ranks send
     * one expert block at a time while the files are written, so no rank holds the whole model's
     * experts; the other ranks return once it is written.
     */
    void writeCheckpoint(Map<String, Tensor> model, Map<String, Tensor> optimizer, CheckpointWriter writer) throws IOException;

    /** On resume: the part of a whole checkpoint's optimizer state that this rank holds. */
    Map<String, Tensor> ownShare(Map<String, Tensor> optimizer);

    /** Rank 0's value, on every rank (the step count of a time budget, a stop request). */
    long fromFirstRank(long value);

    /**
     * Ends a phase that may fail on some ranks only (loading a checkpoint): returns on every rank
     * when none failed, else throws on every rank, naming the first rank that failed and why.
     */
    void agree(Exception localFailure) throws IOException;
}
