package org.moe4j.moe.router;

import org.moe4j.autograd.Variable;
import org.moe4j.nn.Module;
import org.moe4j.nn.ParameterKind;
import org.moe4j.tensor.Init;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.Tensor;

/**
 * Softmax top-k router (Mixtral, Qwen-MoE, DeepSeek-V2, OLMoE): l = W_g x (+ b_g), then the gating
 * of {@link TopKGating} on l (softmax before or after top-k, renormalised or not, epsilon, output
 * scale). Weight {@code weight} [E, d] and the optional bias {@code bias} [E] (Switch
 * Transformers' router_bias=True) with nn.Linear's default initialisation U(-1/sqrt(d), 1/sqrt(d)).
 */
public final class SoftmaxTopKRouter extends Module implements Router {
    private final Variable weight;
    private final Variable bias;
    private final TopKGating gating;
    private final float jitter;

    public SoftmaxTopKRouter(int dModel, int numExperts, TopKGating gating, float jitter, Rng rng) {
        this(dModel, numExperts, gating, jitter, false, rng);
    }

    public SoftmaxTopKRouter(int dModel, int numExperts, TopKGating gating, float jitter, boolean withBias, Rng rng) {
        MoeChecks.requireExperts(numExperts);
        gating.requireFits(numExperts);
        RouterLogits.requireJitter(jitter);
        double bound = 1.0 / Math.sqrt(dModel);
        this.weight = addParameter("weight", Init.uniform(Tensor.zeros(numExperts, dModel), rng, -bound, bound), ParameterKind.ROUTER);
        this.bias = withBias ? addParameter("bias", Init.uniform(Tensor.zeros(numExperts), rng, -bound, bound), ParameterKind.ROUTER)
                : null;
        this.gating = gating;
        this.jitter = jitter;
    }

    public Variable weight() {
        return weight;
    }

    /** The bias [E], or null for a router without one. */
    public Variable bias() {
        return bias;
    }

    public TopKGating gating() {
        return gating;
    }

    @Override
    public int numExperts() {
        return weight.value().dim(0);
    }

    @Override
    public Routing route(Variable x, boolean training, Rng rng) {
        Variable logits = RouterLogits.compute(x, weight, bias, jitter, training, rng);
        TopKGating.Gated g = gating.apply(logits);
        return Routing.tokenChoice(logits, g.probs(), gating.topK(), g.expertIndex(), g.gates(), null);
    }
}
