package org.moe4j.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.moe4j.autograd.Activation;
import org.moe4j.fff.FastFeedForward;
import org.moe4j.fff.FastFeedForwardConfig;
import org.moe4j.io.JsonRecords;
import org.moe4j.nn.FeedForwardBlock;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.Require;

/**
 * A fast feedforward block (Belcak and Wattenhofer 2023): a tree of depth D over 2^D leaves of
 * width {@code leafWidth}, soft while training (with the hardening loss), hard at inference, so a
 * token uses D node neurons and one leaf.
 */
public record FffSpec(int depth, int leafWidth, double hardeningWeight) implements FeedForwardSpec {
    public FffSpec {
        Require.atLeast("fff", "depth", depth, 0);
        Require.atLeast("fff", "leaf_width", leafWidth, 1);
        Require.nonNegative("fff", "hardening_weight", hardeningWeight);
    }

    private long leafParameters(int d) {
        return 2L * leafWidth * d + leafWidth + d;
    }

    @Override
    public long activeParameters(int d) {
        return (long) depth * (d + 1) + leafParameters(d);
    }

    @Override
    public long totalParameters(int d) {
        return ((1L << depth) - 1) * (d + 1) + (1L << depth) * leafParameters(d);
    }

    @Override
    public List<String> describe(int d) {
        return List.of(String.format(Locale.ROOT, "%d nodes, %d leaves of width %d (%,d each); a token uses %d nodes and 1 leaf",
                (1 << depth) - 1, 1 << depth, leafWidth, leafParameters(d), depth));
    }

    @Override
    public String moduleName() {
        return "fff";
    }

    @Override
    public FeedForwardBlock create(int dModel, Rng rng) {
        return new FastFeedForward(new FastFeedForwardConfig(dModel, leafWidth, dModel, depth, Activation.Kind.GELU, 0,
                hardeningWeight, 0, false, true, rng.nextLong()));
    }

    @Override
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", "fff");
        m.putAll(JsonRecords.toJson(this));
        return m;
    }

    static FffSpec fromJson(Map<?, ?> m) {
        return JsonRecords.fromJson(FffSpec.class, m, "fff feed-forward");
    }
}
