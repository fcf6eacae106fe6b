package org.moe4j.engine;

import java.util.Arrays;
import org.moe4j.engine.ModelConfig.ExpertActivation;
import org.moe4j.engine.Workspace.Buffer;
import org.moe4j.engine.Workspace.IntBuffer;

/**
 * The two pieces every feed-forward block is made of: a gated MLP over a group of rows, and the
 * dispatch of routed (token, expert) pairs, grouped by expert so that each chosen expert runs once
 * over all its tokens (one product per expert, never a loop over pairs).
 */
final class Experts {
    private Experts() {}

    // x: (T, H)   experts, weights: (T, k), pair i = token i / k   out: (T, H), overwritten
    /**
     * out_t = sum over the k pairs (t, e) of w_te * expert_e(x_t). The pairs are grouped by expert
     * with a counting sort (tokens in order within an expert); expert e runs as one MLP over the rows
     * of its tokens, and its outputs are added to their rows times the pair's weight. Each row's sum
     * takes its experts in ascending order whatever the other rows are, so the result is batch-invariant.
     */
    static void dispatch(float[] x, int T, int hidden, int[] experts, float[] weights, int k, ModelWeights.Mlp[] mlps,
            ExpertActivation activation, float[] out, Workspace ws) {
        int E = mlps.length;
        int pairs = T * k;
        int[] count = ws.ints(IntBuffer.EXPERT_COUNT, E + 1);
        Arrays.fill(count, 0, E + 1, 0);
        for (int i = 0; i < pairs; i++) count[experts[i] + 1]++;
        for (int e = 0; e < E; e++) count[e + 1] += count[e];
        int[] order = ws.ints(IntBuffer.EXPERT_ORDER, pairs);
        int[] fill = ws.ints(IntBuffer.EXPERT_FILL, E);
        System.arraycopy(count, 0, fill, 0, E);
        for (int i = 0; i < pairs; i++) order[fill[experts[i]]++] = i;
        Arrays.fill(out, 0, T * hidden, 0f);
        for (int e = 0; e < E; e++) {
            int n = count[e + 1] - count[e];
            if (n == 0) continue;
            // xe, ye: (n, H) the rows of expert e's tokens
            float[] xe = ws.floats(Buffer.EXPERT_IN, n * hidden);
            for (int j = 0; j < n; j++) {
                int token = order[count[e] + j] / k;
                System.arraycopy(x, token * hidden, xe, j * hidden, hidden);
            }
            float[] ye = ws.floats(Buffer.EXPERT_OUT, n * hidden);
            mlp(mlps[e], activation, xe, n, ye, ws);
            for (int j = 0; j < n; j++) {
                int pair = order[count[e] + j];
                int token = pair / k;
                float g = weights[pair];
                for (int i = 0; i < hidden; i++) out[token * hidden + i] += g * ye[j * hidden + i];
            }
        }
    }

    /** down(act(gate x + gb, up x + ub)) + db; gate and up from one interleaved product when the weights are fused so. */
    // x: (n, H)   out: (n, H)
    static void mlp(ModelWeights.Mlp w, ExpertActivation activation, float[] x, int n, float[] out, Workspace ws) {
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
