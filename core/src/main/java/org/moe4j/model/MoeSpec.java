package org.moe4j.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.moe4j.io.JsonRecords;
import org.moe4j.moe.loss.BalancingLosses;
import org.moe4j.moe.Capacity;
import org.moe4j.moe.ExpertSlice;
import org.moe4j.moe.loss.LoadBalancingLoss;
import org.moe4j.moe.MoeLayer;
import org.moe4j.moe.router.NoisyTopKRouter;
import org.moe4j.moe.router.SigmoidBiasRouter;
import org.moe4j.moe.router.SoftmaxTopKRouter;
import org.moe4j.moe.SwiGluExperts;
import org.moe4j.moe.router.SwitchRouter;
import org.moe4j.moe.router.TopKGating;
import org.moe4j.nn.FeedForwardBlock;
import org.moe4j.nn.SwiGluFeedForward;
import org.moe4j.tensor.Require;
import org.moe4j.tensor.Rng;

/**
 * A mixture-of-experts feed-forward block (Hugging Face's block_sparse_moe): SwiGLU experts of
 * width {@code hidden}, a router, optional capacity, balancing losses and shared experts. Start from
 * {@link #mixtral} and change what differs by name: {@code MoeSpec.mixtral(8, 2, 384).withRouter(RouterKind.SWITCH)}.
 *
 * @param router           which router ({@link RouterKind})
 * @param capacityFactor   0 for dropless execution, else slots per expert = ceil(factor * T * k / E)
 * @param loadBalancing    coefficient of the Switch load-balancing loss (0: off)
 * @param zLoss            coefficient of the router z-loss (0: off)
 * @param sharedHidden     width of the shared SwiGLU expert every token passes through (0: none)
 * @param routerBias       whether the router's logits add a learned bias [E] (Switch Transformers'
 *                         router_bias=True; softmax and switch routers only)
 */
public record MoeSpec(int experts, int topK, int hidden, RouterKind router, double capacityFactor, double loadBalancing,
                      double zLoss, int sharedHidden, boolean routerBias) implements FeedForwardSpec {
    public MoeSpec {
        Require.atLeast("moe", "experts", experts, 1);
        Require.inRange("moe", "top_k", topK, 1, experts);
        Require.atLeast("moe", "hidden", hidden, 1);
        Require.that(router != null, "moe", "router", null, "one of " + RouterKind.names());
        if (router == RouterKind.SWITCH && topK != 1) throw new IllegalArgumentException("moe: the switch router routes to 1 expert, top_k is " + topK);
        Require.that(capacityFactor >= 0, "moe", "capacity_factor", capacityFactor, ">= 0 (0: dropless)");
        Require.that(sharedHidden >= 0, "moe", "shared_hidden", sharedHidden, ">= 0 (0: none)");
        new BalancingLosses(loadBalancing, LoadBalancingLoss.Form.SWITCH, 0, 0, zLoss);
        if (routerBias && !(router == RouterKind.SOFTMAX || router == RouterKind.SWITCH)) {
            throw new IllegalArgumentException("moe: router_bias is true for router \"" + router
                    + "\"; a router bias is supported by the softmax and switch routers only");
        }
    }

    /** A block whose router has no bias (every router but Switch Transformers' router_bias=True). */
    public MoeSpec(int experts, int topK, int hidden, RouterKind router, double capacityFactor, double loadBalancing,
                   double zLoss, int sharedHidden) {
        this(experts, topK, hidden, router, capacityFactor, loadBalancing, zLoss, sharedHidden, false);
    }

    /** Mixtral at small scale: softmax router, top-k renormalised, dropless, load balancing 0.01, z-loss 0.001. */
    public static MoeSpec mixtral(int experts, int topK, int hidden) {
        return new MoeSpec(experts, topK, hidden, RouterKind.SOFTMAX, 0, 0.01, 0.001, 0);
    }

    public MoeSpec withRouter(RouterKind newRouter) {
        return new MoeSpec(experts, topK, hidden, newRouter, capacityFactor, loadBalancing, zLoss, sharedHidden, routerBias);
    }

    /** 0: dropless. */
    public MoeSpec withCapacityFactor(double factor) {
        return new MoeSpec(experts, topK, hidden, router, factor, loadBalancing, zLoss, sharedHidden, routerBias);
    }

    public MoeSpec withLoadBalancing(double coefficient) {
        return new MoeSpec(experts, topK, hidden, router, capacityFactor, coefficient, zLoss, sharedHidden, routerBias);
    }

    public MoeSpec withZLoss(double coefficient) {
        return new MoeSpec(experts, topK, hidden, router, capacityFactor, loadBalancing, coefficient, sharedHidden, routerBias);
    }

    /** 0: no shared expert. */
    public MoeSpec withSharedHidden(int width) {
        return new MoeSpec(experts, topK, hidden, router, capacityFactor, loadBalancing, zLoss, width, routerBias);
    }

    public MoeSpec withRouterBias(boolean bias) {
        return new MoeSpec(experts, topK, hidden, router, capacityFactor, loadBalancing, zLoss, sharedHidden, bias);
    }

    @Override
    public long activeParameters(int dModel) {
        return (long) experts * dModel + (routerBias ? experts : 0) + 3L * dModel * hidden * topK + 3L * dModel * sharedHidden;
    }

    @Override
    public long totalParameters(int dModel) {
        long routerParams = (long) experts * dModel * (router == RouterKind.NOISY ? 2 : 1) + (routerBias ? experts : 0);
        return routerParams + 3L * dModel * hidden * experts + 3L * dModel * sharedHidden;
    }

    @Override
    public List<String> describe(int dModel) {
        return List.of(String.format(Locale.ROOT, "router (%s%s): %,d; %d experts of %,d (%d active per token)%s", router,
                routerBias ? ", with bias" : "", (long) experts * dModel * (router == RouterKind.NOISY ? 2 : 1) + (routerBias ? experts : 0),
                experts, 3L * dModel * hidden, topK,
                sharedHidden > 0 ? String.format(Locale.ROOT, "; shared expert %,d", 3L * dModel * sharedHidden) : ""));
    }

    @Override
    public String moduleName() {
        return "block_sparse_moe";
    }

    @Override
    public FeedForwardBlock create(int dModel, Rng rng) {
        return create(dModel, rng, ExpertSlice.WHOLE);
    }

    @Override
    public FeedForwardBlock create(int dModel, Rng rng, ExpertSlice slice) {
        Capacity capacity = capacityFactor == 0 ? Capacity.dropless() : new Capacity(capacityFactor);
        BalancingLosses losses = new BalancingLosses(loadBalancing, LoadBalancingLoss.Form.SWITCH, 0, 0, zLoss);
        SwiGluExperts routed = new SwiGluExperts(experts, dModel, hidden, rng, slice);
        SwiGluFeedForward shared = sharedHidden > 0 ? new SwiGluFeedForward(dModel, sharedHidden, rng) : null;
        Rng noise = rng.fork();
        return switch (router) {
            case SOFTMAX -> new MoeLayer(new SoftmaxTopKRouter(dModel, experts, TopKGating.mixtral(topK), 0f, routerBias, rng), routed,
                    shared, capacity, losses, true, noise);
            case SWITCH -> new MoeLayer(new SwitchRouter(dModel, experts, 0f, routerBias, rng), routed, shared, capacity, losses, true,
                    noise);
            case NOISY -> new MoeLayer(new NoisyTopKRouter(dModel, experts, new TopKGating(topK, TopKGating.Order.TOPK_THEN_SOFTMAX,
                    true, 0f, 1f), 0.01f, NoisyTopKRouter.ThresholdSource.NOISY_LOGITS), routed, shared, capacity, losses, true, noise);
            case SIGMOID -> new MoeLayer(new SigmoidBiasRouter(dModel, experts, topK, true, 1f, 0.001f, 0f, rng), routed, shared,
                    capacity, losses, true, noise);
        };
    }

    @Override
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", "moe");
        m.putAll(JsonRecords.toJson(this));
        // only when set, so that a run.json written before router_bias existed reads back byte for byte
        if (!routerBias) m.remove("router_bias");
        return m;
    }

    static MoeSpec fromJson(Map<?, ?> m) {
        // run.json files written before router_bias existed have no such field: no bias
        Map<String, Object> absent = m.containsKey("router_bias") ? Map.of() : Map.of("router_bias", false);
        return JsonRecords.fromJson(MoeSpec.class, m, "moe feed-forward", absent);
    }
}
