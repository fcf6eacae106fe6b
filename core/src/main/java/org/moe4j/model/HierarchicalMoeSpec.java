package org.moe4j.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.moe4j.io.JsonRecords;
import org.moe4j.moe.loss.BalancingLosses;
import org.moe4j.moe.hierarchical.HierarchicalMoeLayer;
import org.moe4j.moe.hierarchical.HierarchicalRouter;
import org.moe4j.moe.loss.LoadBalancingLoss;
import org.moe4j.moe.SwiGluExperts;
import org.moe4j.nn.FeedForwardBlock;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.Require;

/**
 * A hierarchical mixture of experts (Shazeer et al. 2017, appendix B) as a transformer block:
 * {@code groups} groups of {@code groupSize} SwiGLU experts of width {@code hidden}; softmax
 * top-k routers pick {@code groupTopK} groups, then {@code expertTopK} experts in each, and the
 * importance and load losses (weight {@code balancing} each) keep both levels balanced.
 */
public record HierarchicalMoeSpec(int groups, int groupSize, int groupTopK, int expertTopK, int hidden, double balancing)
        implements FeedForwardSpec {
    public HierarchicalMoeSpec {
        String w = "hierarchical moe";
        Require.atLeast(w, "groups", groups, 1);
        Require.atLeast(w, "group_size", groupSize, 1);
        Require.inRange(w, "group_top_k", groupTopK, 1, groups);
        Require.inRange(w, "expert_top_k", expertTopK, 1, groupSize);
        Require.atLeast(w, "hidden", hidden, 1);
        Require.nonNegative(w, "balancing", balancing);
    }

    private int experts() {
        return groups * groupSize;
    }

    @Override
    public long activeParameters(int d) {
        return (long) (groups + groupTopK * groupSize) * d + 3L * d * hidden * groupTopK * expertTopK;
    }

    @Override
    public long totalParameters(int d) {
        return (long) (groups + experts()) * d + 3L * d * hidden * experts();
    }

    @Override
    public List<String> describe(int d) {
        return List.of(String.format(Locale.ROOT, "%d groups of %d experts of %,d (%d groups, %d experts each, per token)",
                groups, groupSize, 3L * d * hidden, groupTopK, expertTopK));
    }

    @Override
    public String moduleName() {
        return "block_sparse_moe";
    }

    @Override
    public FeedForwardBlock create(int dModel, Rng rng) {
        return new HierarchicalMoeLayer(HierarchicalRouter.softmax(dModel, groups, groupSize, groupTopK, expertTopK, rng),
                new SwiGluExperts(experts(), dModel, hidden, rng),
                new BalancingLosses(0, LoadBalancingLoss.Form.SWITCH, balancing, balancing, 0), rng.fork());
    }

    @Override
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", "hierarchical_moe");
        m.putAll(JsonRecords.toJson(this));
        return m;
    }

    static HierarchicalMoeSpec fromJson(Map<?, ?> m) {
        return JsonRecords.fromJson(HierarchicalMoeSpec.class, m, "hierarchical moe feed-forward");
    }
}
