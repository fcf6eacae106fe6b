package org.moe4j.moe.router;

import org.moe4j.autograd.Variable;
import org.moe4j.nn.Module;
import org.moe4j.tensor.Rng;

/**
 * Switch Transformer top-1 router (Fedus et al. 2021, eq. 1-2): p = softmax(W_g x), the token goes
 * to argmax p with gate p_argmax (not 1, so the router stays differentiable); optional
 * multiplicative jitter on the router input while training. This is {@link TopKGating} with k = 1,
 * not renormalised. The weight is {@code weight} [E, d]; with {@code router_bias=True} (Hugging
 * Face's SwitchTransformersTop1Router) the logits add a bias {@code bias} [E].
 */
public final class SwitchRouter extends Module implements Router {
    private final SoftmaxTopKRouter inner;

    public SwitchRouter(int dModel, int numExperts, float jitter, Rng rng) {
        this(dModel, numExperts, jitter, false, rng);
    }

    public SwitchRouter(int dModel, int numExperts, float jitter, boolean withBias, Rng rng) {
        this.inner = addModule("classifier", new SoftmaxTopKRouter(dModel, numExperts,
                new TopKGating(1, TopKGating.Order.SOFTMAX_THEN_TOPK, false, 0f, 1f), jitter, withBias, rng));
    }

    /** The bias [E], or null without router_bias. */
    public Variable bias() {
        return inner.bias();
    }

    public Variable weight() {
        return inner.weight();
    }

    @Override
    public int numExperts() {
        return inner.numExperts();
    }

    @Override
    public Routing route(Variable x, boolean training, Rng rng) {
        return inner.route(x, training, rng);
    }
}
