package org.moe4j.moe;

import org.moe4j.autograd.Variable;
import org.moe4j.nn.Module;
import org.moe4j.nn.ParameterKind;
import org.moe4j.tensor.Init;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.Tensor;

/**
 * Softmax top-k router (Mixtral, Qwen-MoE, DeepSeek-V2, OLMoE): l = W_g x, then the gating of
 * {@link TopKGating} on l (softmax before or after top-k, renormalised or not, epsilon, output
 * scale). Weight {@code weight} [E, d], nn.Linear's default initialisation.
 */
public final class SoftmaxTopKRouter extends Module implements Router {
    private final Variable weight;
    private final TopKGating gating;
    private final float jitter;

    public SoftmaxTopKRouter(int dModel, int numExperts, TopKGating gating, float jitter, Rng rng) {
        MoeChecks.requireExperts(numExperts);
        gating.requireFits(numExperts);
        RouterLogits.requireJitter(jitter);
        double bound = 1.0 / Math.sqrt(dModel);
        this.weight = addParameter("weight", Init.uniform(Tensor.zeros(numExperts, dModel), rng, -bound, bound), ParameterKind.ROUTER);
        this.gating = gating;
        this.jitter = jitter;
    }

    public Variable weight() {
        return weight;
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
        Variable logits = RouterLogits.compute(x, weight, jitter, training, rng);
        TopKGating.Gated g = gating.apply(logits);
        return Routing.tokenChoice(logits, g.probs(), gating.topK(), g.expertIndex(), g.gates(), null);
    }
}
