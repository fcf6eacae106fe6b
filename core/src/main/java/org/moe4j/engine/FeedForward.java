package org.moe4j.engine;

import org.moe4j.engine.ModelConfig.ExpertActivation;

/**
 * A layer's feed-forward block, one kind per {@link ModelConfig.FeedForwardSpec}: a gated MLP, a
 * mixture of experts ({@link MixtureOfExperts}), a hierarchical mixture ({@link HierarchicalExperts})
 * or a fast feedforward tree ({@link TreeFeedForward}). Every kind groups its tokens (by expert, by
 * leaf) and runs one product per group, and each row's result depends on that row alone.
 */
sealed interface FeedForward permits FeedForward.DenseMlp, MixtureOfExperts, HierarchicalExperts, TreeFeedForward {

    // x: (T, H) normed input   out: (T, H), overwritten
    void forward(float[] x, int T, float[] out, ForwardObserver observer, Workspace ws);

    static FeedForward of(int layer, int hidden, ModelWeights.Layer w, ModelConfig.FeedForwardSpec spec) {
        return switch (spec) {
            case ModelConfig.Dense d -> new DenseMlp(w.dense());
            case ModelConfig.Moe m -> new MixtureOfExperts(layer, hidden, m, w.moe());
            case ModelConfig.HierarchicalMoe h -> new HierarchicalExperts(layer, hidden, h, w.hierarchical());
            case ModelConfig.FastFeedForward f -> new TreeFeedForward(layer, hidden, f, w.tree());
        };
    }

    /** Llama's MLP: down(silu(gate x) * up x). */
    record DenseMlp(ModelWeights.Mlp weights) implements FeedForward {
        @Override
        public void forward(float[] x, int T, float[] out, ForwardObserver observer, Workspace ws) {
            Experts.mlp(weights, ExpertActivation.SWIGLU, x, T, out, ws);
        }
    }
}
