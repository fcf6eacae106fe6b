package org.moe4j.engine;

import org.moe4j.engine.ModelConfig.ExpertActivation;
import org.moe4j.engine.ModelConfig.Moe;
import org.moe4j.engine.Workspace.Buffer;
import org.moe4j.engine.Workspace.IntBuffer;

/**
 * A mixture of experts: each token goes to the topK experts its router picks by the family's rule
 * ({@link Router}); the experts run grouped by token ({@link Experts#dispatch}) and each output is
 * added to its token's row times the routing weight; shared experts see every token, scaled by
 * sigmoid(shared_expert_gate . x) where the family has that gate (Qwen2-MoE).
 */
final class MixtureOfExperts implements FeedForward {
    private final int layer;
    private final int hidden;
    private final Moe spec;
    private final ModelWeights.MoeWeights weights;
    private final Router router;
    /** Counts the routing and keeps the most used experts in RAM, when the model was asked to ({@link DecoderModel#keepExpertsInRam}). */
    ExpertResidency residency;
    /** This rank's range of the experts when a group of ranks serves the model ({@link DecoderModel#splitExpertsOver}), else null. */
    ExpertShard shard;

    MixtureOfExperts(int layer, int hidden, Moe spec, ModelWeights.MoeWeights weights) {
        this.layer = layer;
        this.hidden = hidden;
        this.spec = spec;
        this.weights = weights;
        this.router = new Router(spec.routing(), spec.numExperts());
    }

    // x: (T, H) normed input   out: (T, H)
    @Override
    public void forward(float[] x, int T, float[] out, ForwardObserver observer, Workspace ws) {
        int E = spec.numExperts();
        int k = spec.topK();
        // router: (T, E)
        float[] logits = ws.floats(Buffer.ROUTER_LOGITS, T * E);
        Ops.linear(x, T, weights.router(), weights.routerBias(), logits);
        observer.routerLogits(layer, logits, T, E);
        // chosen, routingWeights: (T, k)
        int[] chosen = ws.ints(IntBuffer.CHOSEN, T * k);
        float[] routingWeights = ws.floats(Buffer.ROUTING_WEIGHTS, T * k);
        for (int t = 0; t < T; t++) {
            router.choose(logits, t * E, k, weights.selectionBias(), chosen, routingWeights, t * k);
        }
        observer.routing(layer, chosen, routingWeights, T, k);
        if (residency != null) residency.record(layer, chosen, T * k, T);
        Experts.dispatch(x, T, hidden, chosen, routingWeights, k, weights.experts(), spec.activation(), out, ws, shard);
        if (weights.shared() != null) {
            float[] shared = ws.floats(Buffer.SHARED, T * hidden);
            Experts.mlp(weights.shared(), ExpertActivation.SWIGLU, x, T, shared, ws);
            float[] gate = weights.sharedGate();
            for (int t = 0; t < T; t++) {
                float scale = 1f;
                if (gate != null) {
                    float dot = 0;
                    for (int i = 0; i < hidden; i++) dot += x[t * hidden + i] * gate[i];
                    scale = Ops.sigmoid(dot);
                }
                for (int i = 0; i < hidden; i++) out[t * hidden + i] += scale * shared[t * hidden + i];
            }
        }
    }
}
