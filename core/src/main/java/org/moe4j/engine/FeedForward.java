package org.moe4j.engine;

import org.moe4j.engine.ModelConfig.ExpertActivation;
import org.moe4j.engine.ModelConfig.Moe;

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

    FeedForward(int layer, int hidden, ModelWeights.Layer w, ModelConfig.FeedForwardSpec spec) {
        this.layer = layer;
        this.hidden = hidden;
        this.dense = w.dense();
        this.moe = spec instanceof Moe m ? m : null;
        this.moeWeights = w.moe();
    }

    // x: (T, H) normed input   out: (T, H)
    void forward(float[] x, int T, float[] out, ForwardObserver observer) {
        if (moe == null) {
            mlp(dense, ExpertActivation.SWIGLU, x, T, out);
            return;
        }
        int E = moe.numExperts();
        int k = moe.topK();
        // router: (T, E)
        float[] logits = new float[T * E];
        Ops.linear(x, T, moeWeights.router(), moeWeights.routerBias(), logits);
        observer.routerLogits(layer, logits, T, E);
        int[] chosen = new int[T * k];
        float[] weights = new float[T * k];
        for (int t = 0; t < T; t++) {
            Router.choose(moe.routing(), logits, t * E, E, k, moeWeights.selectionBias(), chosen, weights, t * k);
        }
        observer.routing(layer, chosen, weights, T, k);
        // group the (token, slot) pairs by expert: counting sort, tokens in order within an expert
        int[] count = new int[E + 1];
        for (int c : chosen) count[c + 1]++;
        for (int e = 0; e < E; e++) count[e + 1] += count[e];
        int[] order = new int[T * k];
        int[] fill = count.clone();
        for (int i = 0; i < T * k; i++) order[fill[chosen[i]]++] = i;
        java.util.Arrays.fill(out, 0, T * hidden, 0f);
        for (int e = 0; e < E; e++) {
            int n = count[e + 1] - count[e];
            if (n == 0) continue;
            float[] xe = new float[n * hidden];
            for (int j = 0; j < n; j++) {
                int token = order[count[e] + j] / k;
                System.arraycopy(x, token * hidden, xe, j * hidden, hidden);
            }
            float[] ye = new float[n * hidden];
            mlp(moeWeights.experts()[e], moe.activation(), xe, n, ye);
            for (int j = 0; j < n; j++) {
                int pair = order[count[e] + j];
                int token = pair / k;
                float g = weights[pair];
                for (int i = 0; i < hidden; i++) out[token * hidden + i] += g * ye[j * hidden + i];
            }
        }
        if (moeWeights.shared() != null) {
            float[] shared = new float[T * hidden];
            mlp(moeWeights.shared(), ExpertActivation.SWIGLU, x, T, shared);
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

    /** down(act(gate x + gb, up x + ub)) + db. */
    // x: (n, H)   out: (n, H)
    private static void mlp(ModelWeights.Mlp w, ExpertActivation activation, float[] x, int n, float[] out) {
        int I = w.gate().rows();
        float[] g = new float[n * I];
        float[] u = new float[n * I];
        Ops.linear(x, n, w.gate(), w.gateBias(), g);
        Ops.linear(x, n, w.up(), w.upBias(), u);
        for (int i = 0; i < n * I; i++) {
            g[i] = switch (activation) {
                case SWIGLU -> Ops.silu(g[i]) * u[i];
                case CLAMPED_SWIGLU -> {
                    float gate = Math.min(g[i], 7f);
                    float up = Math.max(-7f, Math.min(7f, u[i]));
                    yield (up + 1f) * (gate * Ops.sigmoid(gate * 1.702f));
                }
            };
        }
        Ops.linear(g, n, w.down(), w.downBias(), out);
    }
}
