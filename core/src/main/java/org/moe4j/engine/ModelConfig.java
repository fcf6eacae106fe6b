package org.moe4j.engine;

import java.util.List;

/**
 * What the engine needs to know of a decoder-only model, whatever family it came from: the sizes,
 * the attention variant, and each layer's feed-forward block. A family ({@code engine.family}) builds
 * it from config.json; nothing here names a family.
 */
public record ModelConfig(
        String architecture,
        int vocabSize,
        int hiddenSize,
        float normEps,
        AttentionSpec attention,
        List<LayerSpec> layers,
        boolean tieEmbeddings,
        Scaling scaling,
        int maxPositions) {

    public ModelConfig {
        layers = List.copyOf(layers);
        if (vocabSize < 1 || hiddenSize < 1 || layers.isEmpty()) {
            throw new EngineConfigException(architecture + ": vocab " + vocabSize + ", hidden " + hiddenSize + ", layers "
                    + layers.size() + "; all must be >= 1");
        }
    }

    public int numLayers() {
        return layers.size();
    }

    /** How queries, keys and values are made and compared. */
    public enum AttentionKind {
        /** Multi-head attention with grouped key/value heads (Llama, Mixtral, Qwen, OLMoE, gpt-oss). */
        GROUPED,
        /** Multi-head latent attention (DeepSeek-V2/V3): keys and values from a low-rank latent. */
        LATENT
    }

    /** Normalisation of queries and keys before RoPE. */
    public enum QkNorm { NONE, PER_HEAD, WHOLE_PROJECTION }

    /**
     * @param headDim      query/key size per head (for LATENT: nope + rope)
     * @param valueDim     value size per head
     * @param clipQkv      OLMoE's clamp of q, k and v to [-clip, clip] (0: none)
     * @param sinks        gpt-oss: a learned logit per head joins each softmax and is dropped
     * @param scale        the factor of q.k (1/sqrt(headDim) unless the family says otherwise)
     * @param qLoraRank    LATENT: rank of the query's low-rank path (0: a plain q_proj)
     * @param kvLoraRank   LATENT: rank of the key/value latent
     * @param ropeDim      LATENT: the rotated part of a query/key head (the rest, headDim - ropeDim, is not rotated)
     */
    public record AttentionSpec(AttentionKind kind, int heads, int kvHeads, int headDim, int valueDim,
            boolean qkvBias, boolean outputBias, QkNorm qkNorm, float clipQkv, boolean sinks, float scale, Rope rope,
            int qLoraRank, int kvLoraRank, int ropeDim) {
        public AttentionSpec {
            if (heads < 1 || kvHeads < 1 || heads % kvHeads != 0) {
                throw new EngineConfigException("attention: " + heads + " heads and " + kvHeads
                        + " key/value heads; both must be >= 1 and the heads a multiple of the key/value heads");
            }
        }
    }

    /** One decoder layer: its attention window (0: all earlier positions) and its feed-forward block. */
    public record LayerSpec(int slidingWindow, FeedForwardSpec feedForward) {}

    /** A layer's feed-forward block. */
    public sealed interface FeedForwardSpec permits Dense, Moe, HierarchicalMoe, FastFeedForward {
        /** What a token is routed among: experts, or a tree's leaves; 0 for a dense MLP. */
        int routedExperts();
    }

    /** A SwiGLU MLP: down(silu(gate x) * up x). */
    public record Dense(int intermediateSize) implements FeedForwardSpec {
        @Override
        public int routedExperts() {
            return 0;
        }
    }

    /**
     * A mixture of experts: the router picks topK of numExperts per token by {@code routing}; each
     * expert is an MLP of expertSize with the given activation; shared experts (sharedSize > 0) see every
     * token, scaled by sigmoid(shared_expert_gate x) when sharedGate.
     */
    public record Moe(int numExperts, int topK, Routing routing, int expertSize, ExpertActivation activation,
            boolean expertBias, int sharedSize, boolean sharedGate) implements FeedForwardSpec {
        public Moe {
            if (topK < 1 || topK > numExperts) {
                throw new EngineConfigException("moe: top-k " + topK + " of " + numExperts + " experts; must lie in [1, "
                        + numExperts + "]");
            }
        }

        @Override
        public int routedExperts() {
            return numExperts;
        }
    }

    /**
     * A hierarchical mixture of experts (Shazeer et al. 2017, appendix B): {@code groups} groups of
     * {@code groupSize} SwiGLU experts of expertSize, expert j of group i at flat index i * groupSize + j.
     * The group router picks groupTopK groups; each chosen group's own router picks expertTopK of its
     * experts; a pair's weight is the product of both levels' weights. Both levels route by {@code routing}.
     */
    public record HierarchicalMoe(int groups, int groupSize, int groupTopK, int expertTopK, Routing routing, int expertSize)
            implements FeedForwardSpec {
        public HierarchicalMoe {
            if (groupTopK < 1 || groupTopK > groups || expertTopK < 1 || expertTopK > groupSize) {
                throw new EngineConfigException("hierarchical moe: top-k " + groupTopK + " of " + groups + " groups and " + expertTopK
                        + " of " + groupSize + " experts per group; each must lie in [1, the count]");
            }
        }

        @Override
        public int routedExperts() {
            return groups * groupSize;
        }

        /** (token, expert) pairs per token. */
        public int pairsPerToken() {
            return groupTopK * expertTopK;
        }
    }

    /**
     * A fast feedforward tree (Belcak and Wattenhofer 2023) run hard: 2^depth - 1 node neurons decide
     * the path (right when x . w_n + b_n >= 0), and the one leaf reached, an MLP of leafWidth with exact
     * GELU and biases, gives the output.
     */
    public record FastFeedForward(int depth, int leafWidth) implements FeedForwardSpec {
        public FastFeedForward {
            if (depth < 0 || depth > 30 || leafWidth < 1) {
                throw new EngineConfigException("fast feedforward: depth " + depth + " must lie in [0, 30] and leaf width "
                        + leafWidth + " must be >= 1");
            }
        }

        @Override
        public int routedExperts() {
            return leaves();
        }

        public int leaves() {
            return 1 << depth;
        }

        public int nodes() {
            return (1 << depth) - 1;
        }
    }

    /** The expert's nonlinearity. */
    public enum ExpertActivation {
        /** silu(gate) * up. */
        SWIGLU,
        /** gpt-oss: gate clamped to max 7, up to [-7, 7]; (up + 1) * gate * sigmoid(1.702 gate). */
        CLAMPED_SWIGLU
    }

    /** Granite's multipliers (1 elsewhere): embeddings times e, each residual branch times r, logits divided by l. */
    public record Scaling(float embedding, float residual, float logitsDivisor) {
        public static final Scaling NONE = new Scaling(1, 1, 1);
    }
}
