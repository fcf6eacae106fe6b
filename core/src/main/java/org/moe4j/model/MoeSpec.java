package org.moe4j.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.moe4j.io.JsonFields;
import org.moe4j.moe.loss.BalancingLosses;
import org.moe4j.moe.Capacity;
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
import org.moe4j.tensor.Rng;

/**
 * A mixture-of-experts feed-forward block (Hugging Face's block_sparse_moe): SwiGLU experts of
 * width {@code hidden}, a router, optional capacity, balancing losses and shared experts.
 *
 * @param router           softmax (Mixtral: softmax, top-k, renormalise), switch (top-1),
 *                         noisy (Shazeer 2017) or sigmoid (DeepSeek-V3 selection bias, no aux loss needed)
 * @param capacityFactor   0 for dropless execution, else slots per expert = ceil(factor * T * k / E)
 * @param loadBalancing    coefficient of the Switch load-balancing loss (0: off)
 * @param zLoss            coefficient of the router z-loss (0: off)
 * @param sharedHidden     width of the shared SwiGLU expert every token passes through (0: none)
 * @param routerBias       whether the router's logits add a learned bias [E] (Switch Transformers'
 *                         router_bias=True; softmax and switch routers only)
 */
public record MoeSpec(int experts, int topK, int hidden, String router, double capacityFactor, double loadBalancing,
                      double zLoss, int sharedHidden, boolean routerBias) implements FeedForwardSpec {
    public static final List<String> ROUTERS = List.of("softmax", "switch", "noisy", "sigmoid");

    public MoeSpec {
        if (experts < 1) throw new IllegalArgumentException("moe: experts is " + experts + ", must be >= 1");
        if (topK < 1 || topK > experts) throw new IllegalArgumentException("moe: top_k is " + topK + ", must be in [1, " + experts + "]");
        if (hidden < 1) throw new IllegalArgumentException("moe: hidden is " + hidden + ", must be >= 1");
        if (!ROUTERS.contains(router)) throw new IllegalArgumentException("moe: router is \"" + router + "\", allowed " + ROUTERS);
        if (router.equals("switch") && topK != 1) throw new IllegalArgumentException("moe: the switch router routes to 1 expert, top_k is " + topK);
        if (!(capacityFactor >= 0)) throw new IllegalArgumentException("moe: capacity_factor is " + capacityFactor + ", must be >= 0 (0: dropless)");
        if (sharedHidden < 0) throw new IllegalArgumentException("moe: shared_hidden is " + sharedHidden + ", must be >= 0 (0: none)");
        new BalancingLosses(loadBalancing, LoadBalancingLoss.Form.SWITCH, 0, 0, zLoss);
        if (routerBias && !(router.equals("softmax") || router.equals("switch"))) {
            throw new IllegalArgumentException("moe: router_bias is true for router \"" + router
                    + "\"; a router bias is supported by the softmax and switch routers only");
        }
    }

    /** A block whose router has no bias (every router but Switch Transformers' router_bias=True). */
    public MoeSpec(int experts, int topK, int hidden, String router, double capacityFactor, double loadBalancing,
                   double zLoss, int sharedHidden) {
        this(experts, topK, hidden, router, capacityFactor, loadBalancing, zLoss, sharedHidden, false);
    }

    /** Mixtral at small scale: softmax router, top-k renormalised, dropless, load balancing 0.01, z-loss 0.001. */
    public static MoeSpec mixtral(int experts, int topK, int hidden) {
        return new MoeSpec(experts, topK, hidden, "softmax", 0, 0.01, 0.001, 0);
    }

    @Override
    public long activeParameters(int dModel) {
        return (long) experts * dModel + (routerBias ? experts : 0) + 3L * dModel * hidden * topK + 3L * dModel * sharedHidden;
    }

    @Override
    public long totalParameters(int dModel) {
        long routerParams = (long) experts * dModel * (router.equals("noisy") ? 2 : 1) + (routerBias ? experts : 0);
        return routerParams + 3L * dModel * hidden * experts + 3L * dModel * sharedHidden;
    }

    @Override
    public List<String> describe(int dModel) {
        return List.of(String.format(Locale.ROOT, "router (%s%s): %,d; %d experts of %,d (%d active per token)%s", router,
                routerBias ? ", with bias" : "", (long) experts * dModel * (router.equals("noisy") ? 2 : 1) + (routerBias ? experts : 0),
                experts, 3L * dModel * hidden, topK,
                sharedHidden > 0 ? String.format(Locale.ROOT, "; shared expert %,d", 3L * dModel * sharedHidden) : ""));
    }

    @Override
    public String moduleName() {
        return "block_sparse_moe";
    }

    @Override
    public FeedForwardBlock create(int dModel, Rng rng) {
        Capacity capacity = capacityFactor == 0 ? Capacity.dropless() : new Capacity(capacityFactor);
        BalancingLosses losses = new BalancingLosses(loadBalancing, LoadBalancingLoss.Form.SWITCH, 0, 0, zLoss);
        SwiGluExperts routed = new SwiGluExperts(experts, dModel, hidden, rng);
        SwiGluFeedForward shared = sharedHidden > 0 ? new SwiGluFeedForward(dModel, sharedHidden, rng) : null;
        Rng noise = rng.fork();
        return switch (router) {
            case "softmax" -> new MoeLayer(new SoftmaxTopKRouter(dModel, experts, TopKGating.mixtral(topK), 0f, routerBias, rng), routed,
                    shared, capacity, losses, true, noise);
            case "switch" -> new MoeLayer(new SwitchRouter(dModel, experts, 0f, routerBias, rng), routed, shared, capacity, losses, true,
                    noise);
            case "noisy" -> new MoeLayer(new NoisyTopKRouter(dModel, experts, new TopKGating(topK, TopKGating.Order.TOPK_THEN_SOFTMAX,
                    true, 0f, 1f), 0.01f, NoisyTopKRouter.ThresholdSource.NOISY_LOGITS), routed, shared, capacity, losses, true, noise);
            case "sigmoid" -> new MoeLayer(new SigmoidBiasRouter(dModel, experts, topK, true, 1f, 0.001f, 0f, rng), routed, shared,
                    capacity, losses, true, noise);
            default -> throw new IllegalStateException(router);
        };
    }

    @Override
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", "moe");
        m.put("experts", (long) experts);
        m.put("top_k", (long) topK);
        m.put("hidden", (long) hidden);
        m.put("router", router);
        m.put("capacity_factor", capacityFactor);
        m.put("load_balancing", loadBalancing);
        m.put("z_loss", zLoss);
        m.put("shared_hidden", (long) sharedHidden);
        // only when set, so that a run.json written before router_bias existed reads back byte for byte
        if (routerBias) m.put("router_bias", true);
        return m;
    }

    static MoeSpec fromJson(Map<?, ?> m) {
        String w = "moe feed-forward";
        return new MoeSpec(JsonFields.integer(m, "experts", w), JsonFields.integer(m, "top_k", w), JsonFields.integer(m, "hidden", w),
                JsonFields.string(m, "router", w), JsonFields.number(m, "capacity_factor", w), JsonFields.number(m, "load_balancing", w),
                JsonFields.number(m, "z_loss", w), JsonFields.integer(m, "shared_hidden", w),
                // run.json files written before router_bias existed have no such field: no bias
                m.containsKey("router_bias") && JsonFields.bool(m, "router_bias", w));
    }
}
