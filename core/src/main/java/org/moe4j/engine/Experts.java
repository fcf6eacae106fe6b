package org.moe4j.engine;

import java.util.Arrays;
import org.moe4j.engine.ModelConfig.ExpertActivation;
import org.moe4j.engine.Workspace.Buffer;
import org.moe4j.engine.Workspace.IntBuffer;
import org.moe4j.kernel.Activations;
import org.moe4j.kernel.ProductGroup;

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
        dispatch(x, T, hidden, experts, weights, k, mlps, activation, out, ws, null);
    }

    /**
     * As above with the experts split over a group of ranks ({@link ExpertShard}): this rank runs the
     * experts of its range only, whose rows of the pair outputs (grouped by expert) are one block,
     * and the shard's all-gather fills in the other ranks' blocks before the scatter-add; with
     * {@code shard} null every expert runs here.
     */
    static void dispatch(float[] x, int T, int hidden, int[] experts, float[] weights, int k, ModelWeights.Mlp[] mlps,
            ExpertActivation activation, float[] out, Workspace ws, ExpertShard shard) {
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
        // xe: (pairs, H) the rows of each expert's tokens, expert after expert
        float[] xe = ws.floats(Buffer.EXPERT_IN, pairs * hidden);
        ExpertRows.gather(x, hidden, k, order, pairs, xe);
        // every chosen expert's MLP over its rows, each phase one parallel loop (ProductGroup) over all the experts
        float[] ye = ws.floats(Buffer.EXPERT_OUT, pairs * hidden);
        if (shard == null) {
            grouped(mlps, activation, count, xe, ye, ws, 0, E);
        } else {
            grouped(mlps, activation, count, xe, ye, ws, shard.first(E), shard.end(E));
            shard.gather(ye, count, E, hidden);
        }
        // each token's weighted outputs summed in its own row (pair i's output is row position[i] of ye)
        int[] position = ws.ints(IntBuffer.EXPERT_POSITION, pairs);
        for (int p = 0; p < pairs; p++) position[order[p]] = p;
        ExpertRows.scatter(T, hidden, k, experts, weights, position, ye, out);
    }

    // x: (pairs, H) grouped by expert, expert e's rows [first[e], first[e + 1])   out: (pairs, H), rows of experts [from, to) written
    /**
     * The MLPs of experts from to to - 1 at once: the gate and up products of every expert as one {@link ProductGroup},
     * the activation, then the down products as another; the same operations as {@link #mlp} per expert.
     */
    private static void grouped(ModelWeights.Mlp[] mlps, ExpertActivation activation, int[] first, float[] x, float[] out,
                                Workspace ws, int from, int to) {
        int E = mlps.length;
        int pairs = first[E];
        int hidden = mlps[0].down().rows();
        int I = mlps[0].size();
        boolean fused = mlps[0].gateUp() != null;
        // g: (pairs, 2I) gate and up interleaved when fused, else (pairs, I) with u: (pairs, I)
        float[] g = ws.floats(Buffer.GATE, pairs * 2 * I);
        float[] u = fused ? null : ws.floats(Buffer.UP, pairs * I);
        ProductGroup group = ProductGroup.begin();
        for (int e = from; e < to; e++) {
            int n = first[e + 1] - first[e];
            if (n == 0) continue;
            ModelWeights.Mlp w = mlps[e];
            if (fused) {
                group.add(x, first[e] * hidden, n, w.gateUp(), g, first[e] * 2 * I);
            } else {
                group.add(x, first[e] * hidden, n, w.gate(), g, first[e] * I);
                group.add(x, first[e] * hidden, n, w.up(), u, first[e] * I);
            }
        }
        group.run();
        // the biases and the activation over the rows of experts [from, to), which lie together in expert order
        if (fused) {
            for (int e = from; e < to; e++) {
                int n = first[e + 1] - first[e];
                if (n > 0) Ops.addBias(g, first[e] * 2 * I, n, mlps[e].gateUpBias());
            }
            // in place, output i over inputs 2i and 2i + 1: one thread, in order
            for (int i = first[from] * I; i < first[to] * I; i++) g[i] = activate(activation, g[2 * i], g[2 * i + 1]);
        } else {
            ExpertRows.activate(mlps, activation, first, from, to, g, u, I);
        }
        group = ProductGroup.begin();
        for (int e = from; e < to; e++) {
            int n = first[e + 1] - first[e];
            if (n > 0) group.add(g, first[e] * I, n, mlps[e].down(), out, first[e] * hidden);
        }
        group.run();
        for (int e = from; e < to; e++) {
            int n = first[e + 1] - first[e];
            if (n > 0) Ops.addBias(out, first[e] * hidden, n, mlps[e].downBias());
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
            activate(activation, g, u, 0, n * I);
        }
        Ops.linear(g, n, w.down(), w.downBias(), out);
    }

    /**
     * g[i] = act(g[i], u[i]) for i in [from, from + n): SwiGLU by the vector kernel, whose every element
     * (tail included) is the same function, so a row's result does not depend on where it lies.
     */
    static void activate(ExpertActivation activation, float[] g, float[] u, int from, int n) {
        if (activation == ExpertActivation.SWIGLU) {
            Activations.swiglu(g, from, u, from, g, from, n);
        } else {
            for (int i = from; i < from + n; i++) g[i] = activate(activation, g[i], u[i]);
        }
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
