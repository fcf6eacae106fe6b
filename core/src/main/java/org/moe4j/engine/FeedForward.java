package org.moe4j.engine;

import org.moe4j.engine.ModelConfig.ExpertActivation;
import org.moe4j.engine.ModelConfig.Moe;
import org.moe4j.engine.Workspace.Buffer;
import org.moe4j.engine.Workspace.IntBuffer;

/**
 * A layer's feed-forward block: a gated MLP, or a mixture of experts in which each token goes to
 * the topK experts its router picks, tokens are grouped by expert (one product per chosen expert
 * over all its tokens, never a loop over token-expert pairs), and each expert's output is added to
 * its tokens' rows times the routing weight; shared experts see every token.
 */
final class FeedForward {
    private final int layer;
    private final int hidden;
    private final ModelWeights.Mlp dense;
    private final Moe moe;
    private final ModelWeights.MoeWeights moeWeights;
    private final Router router;

    FeedForward(int layer, int hidden, ModelWeights.Layer w, ModelConfig.FeedForwardSpec spec) {
        this.layer = layer;
        this.hidden = hidden;
        this.dense = w.dense();
        this.moe = spec instanceof Moe m ? m : null;
        this.moeWeights = w.moe();
        this.router = moe == null ? null : new Router(moe.routing(), moe.numExperts());
    }

    // x: (T, H) normed input   out: (T, H)
    void forward(float[] x, int T, float[] out, ForwardObserver observer, Workspace ws) {
        if (moe == null) {
            mlp(dense, ExpertActivation.SWIGLU, x, T, out, ws);
            return;
        }
        int E = moe.numExperts();
        int k = moe.topK();
        // router: (T, E)
        float[] logits = ws.floats(Buffer.ROUTER_LOGITS, T * E);
        Ops.linear(x, T, moeWeights.router(), moeWeights.routerBias(), logits);
        observer.routerLogits(layer, logits, T, E);
        int[] chosen = ws.ints(IntBuffer.CHOSEN, T * k);
        float[] weights = ws.floats(Buffer.ROUTING_WEIGHTS, T * k);
        for (int t = 0; t < T; t++) {
            router.choose(logits, t * E, k, moeWeights.selectionBias(), chosen, weights, t * k);
        }
        observer.routing(layer, chosen, weights, T, k);
        // group the (token, slot) pairs by expert: counting sort, tokens in order within an expert
        int[] count = ws.ints(IntBuffer.EXPERT_COUNT, E + 1);
        java.util.Arrays.fill(count, 0, E + 1, 0);
        for (int i = 0; i < T * k; i++) count[chosen[i] + 1]++;
        for (int e = 0; e < E; e++) count[e + 1] += count[e];
        int[] order = ws.ints(IntBuffer.EXPERT_ORDER, T * k);
        int[] fill = ws.ints(IntBuffer.EXPERT_FILL, E);
        System.arraycopy(count, 0, fill, 0, E);
        for (int i = 0; i < T * k; i++) order[fill[chosen[i]]++] = i;
        java.util.Arrays.fill(out, 0, T * hidden, 0f);
        for (int e = 0; e < E; e++) {
            int n = count[e + 1] - count[e];
            if (n == 0) continue;
            float[] xe = ws.floats(Buffer.EXPERT_IN, n * hidden);
            for (int j = 0; j < n; j++) {
                int token = order[count[e] + j] / k;
                System.arraycopy(x, token * hidden, xe, j * hidden, hidden);
            }
            float[] ye = ws.floats(Buffer.EXPERT_OUT, n * hidden);
            mlp(moeWeights.experts()[e], moe.activation(), xe, n, ye, ws);
            for (int j = 0; j < n; j++) {
                int pair = order[count[e] + j];
                int token = pair / k;
                float g = weights[pair];
                for (int i = 0; i < hidden; i++) out[token * hidden + i] += g * ye[j * hidden + i];
            }
        }
        if (moeWeights.shared() != null) {
            float[] shared = ws.floats(Buffer.SHARED, T * hidden);
            mlp(moeWeights.shared(), ExpertActivation.SWIGLU, x, T, shared, ws);
            float[] gate = moeWeights.sharedGate();
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

    /** down(act(gate x + gb, up x + ub)) + db; gate and up from one interleaved product when the weights are fused so. */
    // x: (n, H)   out: (n, H)
    private static void mlp(ModelWeights.Mlp w, ExpertActivation activation, float[] x, int n, float[] out, Workspace ws) {
        int I = w.size();
        float[] g = ws.floats(Buffer.GATE, n * 2 * I);
        if (w.gateUp() != null) {
            // (n, 2I) interleaved: gate j at 2j, up j at 2j + 1; the activation is written into the first n * I floats
            Ops.linear(x, n, w.gateUp(), w.gateUpBias(), g);
            for (int i = 0; i < n * I; i++) g[i] = activate(activation, g[2 * i], g[2 * i + 1]);
        } else {
            float[] u = ws.floats(Buffer.UP, n * I);
            Ops.linear(x, n, w.gate(), w.gateBias(), g);
            Ops.linear(x, n, w.up(), w.upBias(), u);
            for (int i = 0; i < n * I; i++) g[i] = activate(activation, g[i], u[i]);
        }
        Ops.linear(g, n, w.down(), w.downBias(), out);
    }

    private static float activate(ExpertActivation activation, float gate, float up) {
        return switch (activation) {
            case SWIGLU -> Ops.silu(gate) * up;
            case CLAMPED_SWIGLU -> {
                float gc = Math.min(gate, 7f);
                float uc = Math.max(-7f, Math.min(7f, up));
                yield (uc + 1f) * (gc * Ops.sigmoid(gc * 1.702f));
            }
        };
    }
}
