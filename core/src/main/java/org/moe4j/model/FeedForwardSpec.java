package org.moe4j.model;

import org.moe4j.io.JsonRecords;
import java.util.LinkedHashMap;
import java.util.Map;
import org.moe4j.nn.FeedForwardBlock;
import org.moe4j.nn.SwiGluFeedForward;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.Require;

/**
 * What feed-forward block a transformer layer has. Each kind is a record that validates itself
 * and knows its JSON form (saved in the run's config.json).
 */
public sealed interface FeedForwardSpec permits FeedForwardSpec.Dense, MoeSpec, HierarchicalMoeSpec, FffSpec {
    /** Parameters of the block that one token uses (for "active parameters per token"). */
    long activeParameters(int dModel);

    /** All parameters of the block. */
    long totalParameters(int dModel);

    Map<String, Object> toJson();

    /** Lines that detail the block's parameters (per expert, say) for `moe4j inspect RUN`. */
    default java.util.List<String> describe(int dModel) {
        return java.util.List.of();
    }

    /** The name of the block under its decoder layer, as Hugging Face names it. */
    String moduleName();

    /** A new block of this kind with freshly initialised weights. */
    FeedForwardBlock create(int dModel, Rng rng);

    /**
     * As {@link #create(int, Rng)}, holding only {@code slice}'s experts (expert-parallel
     * training); the generator advances as for the whole block. Blocks without routed experts
     * ignore a slice; a mixture of experts that cannot be sliced refuses one.
     */
    default FeedForwardBlock create(int dModel, Rng rng, org.moe4j.moe.ExpertSlice slice) {
        if (!slice.isWhole() && !(this instanceof Dense)) {
            throw new IllegalArgumentException(toJson().get("kind") + " feed-forward block: its experts cannot be split over"
                    + " ranks (expert slice " + slice.part() + " of " + slice.parts() + "); only moe blocks can");
        }
        return create(dModel, rng);
    }

    /** A dense SwiGLU block (Llama's mlp: gate_proj, up_proj, down_proj). */
    record Dense(int hidden) implements FeedForwardSpec {
        public Dense {
            Require.atLeast("dense feed-forward", "hidden", hidden, 1);
        }

        @Override
        public long activeParameters(int dModel) {
            return 3L * dModel * hidden;
        }

        @Override
        public long totalParameters(int dModel) {
            return activeParameters(dModel);
        }

        @Override
        public String moduleName() {
            return "mlp";
        }

        @Override
        public FeedForwardBlock create(int dModel, Rng rng) {
            return new SwiGluFeedForward(dModel, hidden, rng);
        }

        @Override
        public Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("kind", "dense");
            m.putAll(JsonRecords.toJson(this));
            return m;
        }
    }

    /** Reads the JSON form written by {@link #toJson()}. */
    static FeedForwardSpec fromJson(Object json) {
        if (!(json instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException("feed-forward spec must be a JSON object, got " + json);
        }
        Object kind = m.get("kind");
        if ("dense".equals(kind)) {
            return JsonRecords.fromJson(Dense.class, m, "feed_forward");
        }
        if ("moe".equals(kind)) {
            return MoeSpec.fromJson(m);
        }
        if ("fff".equals(kind)) {
            return FffSpec.fromJson(m);
        }
        if ("hierarchical_moe".equals(kind)) {
            return HierarchicalMoeSpec.fromJson(m);
        }
        throw new IllegalArgumentException("feed-forward kind " + kind
                + " is not known: allowed \"dense\", \"moe\", \"hierarchical_moe\", \"fff\"");
    }
}
