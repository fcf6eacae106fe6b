package org.moe4j.parallel;

import org.moe4j.model.FeedForwardSpec;
import org.moe4j.model.MoeSpec;
import org.moe4j.model.RouterKind;
import org.moe4j.model.TransformerConfig;
import org.moe4j.moe.ExpertSlice;

/**
 * How {@code ranks} ranks share a training run: ranks = data groups x expert group size. The
 * {@code expertParallel} consecutive ranks of one expert group split every MoE layer's experts
 * (rank p of the group holds experts [p E/X, (p+1) E/X)) and exchange tokens; the groups are data
 * parallel replicas of each other. Every rank trains on its own rows of the global batch: 1 is
 * pure data parallel, {@code ranks} pure expert parallel.
 */
public record ParallelLayout(int ranks, int expertParallel) {
    public ParallelLayout {
        if (ranks < 1) {
            throw new IllegalArgumentException("parallel layout: ranks is " + ranks + ", must be >= 1");
        }
        if (expertParallel < 1 || ranks % expertParallel != 0) {
            throw new IllegalArgumentException("parallel layout: --expert-parallel is " + expertParallel
                    + ", must be >= 1 and divide the " + ranks + " ranks (ranks = data groups x expert group size)");
        }
    }

    /** Data-parallel replicas of each expert shard. */
    public int dataParallel() {
        return ranks / expertParallel;
    }

    /** A world rank's position in its expert group: the expert shard it holds. */
    public int shardOf(int rank) {
        return rank % expertParallel;
    }

    /** The experts a world rank holds: build its model with {@code new TransformerLM(config, expertSlice(rank))}. */
    public ExpertSlice expertSlice(int rank) {
        return new ExpertSlice(shardOf(rank), expertParallel);
    }

    /** A world rank's expert group (its data replica). */
    public int groupOf(int rank) {
        return rank / expertParallel;
    }

    /**
     * Refuses a model or batch these ranks cannot train as one process would: a global batch
     * that does not split into equal shards, experts that do not split over the expert group, and
     * layers whose result depends on the whole batch at once (capacity limits, noisy routing) or
     * that have no distributed form (hierarchical MoE, fast feed-forward).
     */
    public void check(TransformerConfig model, int globalBatch) {
        if (globalBatch % ranks != 0) {
            throw new IllegalArgumentException("--batch-size is " + globalBatch + ", the global batch; it must be a multiple of the "
                    + ranks + " ranks so that every rank trains on the same number of sequences");
        }
        for (int l = 0; l < model.layers(); l++) {
            FeedForwardSpec spec = model.feedForward().get(l);
            if (spec instanceof FeedForwardSpec.Dense) continue;
            if (!(spec instanceof MoeSpec moe)) {
                throw new IllegalArgumentException("layer " + l + ": a " + spec.toJson().get("kind") + " feed-forward block cannot be"
                        + " trained over ranks; distributed training supports dense and moe blocks");
            }
            if (moe.experts() % expertParallel != 0) {
                throw new IllegalArgumentException("layer " + l + ": " + moe.experts() + " experts do not split over an expert group of "
                        + expertParallel + " ranks (--expert-parallel " + expertParallel + "): it must divide the expert count");
            }
            if (moe.capacityFactor() != 0) {
                throw new IllegalArgumentException("layer " + l + ": capacity_factor is " + moe.capacityFactor() + "; distributed"
                        + " training needs dropless experts (0), as a capacity over the whole batch is not a per-rank limit");
            }
            if (moe.router() == RouterKind.NOISY) {
                throw new IllegalArgumentException("layer " + l + ": the noisy router draws noise per token from one generator;"
                        + " distributed training supports the softmax, switch and sigmoid routers");
            }
        }
    }
}
