package org.moe4j.engine;

import org.moe4j.engine.ModelConfig.ExpertActivation;
import org.moe4j.kernel.RowSplit;

/**
 * The row operations around the experts' products in {@link Experts#dispatch}: gathering each pair's
 * token row, adding the biases and applying the activation between the two products, and adding the
 * weighted outputs back to their tokens' rows. Each is one loop over rows split over the kernel
 * threads in a batch ({@link RowSplit}), every row computed as the single-threaded loop computes it:
 * the scatter gives each token its pairs in the grouped loop's order (ascending expert, then pair), so
 * its sums are the same bits. The state of a running loop is the calling thread's own, reused.
 */
final class ExpertRows {
    private static final ThreadLocal<ExpertRows> OWN = ThreadLocal.withInitial(ExpertRows::new);

    // the arguments of the running loop, read by its row tasks
    private float[] x, xe, g, u, out, ye, weights;
    private int[] order, position, experts, first;
    private ModelWeights.Mlp[] mlps;
    private ExpertActivation activation;
    private int hidden, k, intermediate, lo, from;
    private final RowSplit.Range gatherRows = this::gatherRows;
    private final RowSplit.Range activateRows = this::activateRows;
    private final RowSplit.Range scatterRows = this::scatterRows;

    private ExpertRows() {}

    // x: (T, H)   xe: (pairs, H)
    /** xe[p] = x[order[p] / k] for the pairs p of [0, pairs): each pair's token row, in expert order. */
    static void gather(float[] x, int hidden, int k, int[] order, int pairs, float[] xe) {
        ExpertRows r = OWN.get();
        r.x = x;
        r.hidden = hidden;
        r.k = k;
        r.order = order;
        r.xe = xe;
        try {
            RowSplit.run(pairs, hidden, r.gatherRows);
        } finally {
            r.clear();
        }
    }

    private void gatherRows(int p0, int p1) {
        for (int p = p0; p < p1; p++) System.arraycopy(x, order[p] / k * hidden, xe, p * hidden, hidden);
    }

    // g, u: (pairs, I), rows of experts [from, to) at [first[from], first[to])
    /**
     * Unfused gate and up: for the rows of experts [from, to), g += the expert's gate bias, u += its up bias, then
     * g = act(g, u) elementwise (SwiGLU by the vector kernel, whose every element is the same function wherever it lies).
     */
    static void activate(ModelWeights.Mlp[] mlps, ExpertActivation activation, int[] first, int from, int to, float[] g,
                         float[] u, int intermediate) {
        ExpertRows r = OWN.get();
        r.mlps = mlps;
        r.activation = activation;
        r.first = first;
        r.from = from;
        r.lo = first[from];
        r.g = g;
        r.u = u;
        r.intermediate = intermediate;
        try {
            RowSplit.run(first[to] - first[from], 2 * intermediate, r.activateRows);
        } finally {
            r.clear();
        }
    }

    private void activateRows(int a, int b) {
        int I = intermediate;
        int e = from;
        for (int p = lo + a; p < lo + b; p++) {
            while (first[e + 1] <= p) e++;
            Ops.addBias(g, p * I, 1, mlps[e].gateBias());
            Ops.addBias(u, p * I, 1, mlps[e].upBias());
        }
        Experts.activate(activation, g, u, (lo + a) * I, (b - a) * I);
    }

    // experts, weights: (T, k)   ye: (pairs, H) in expert order, pair i at row position[i]   out: (T, H), overwritten
    /**
     * out_t = sum of w_i * ye[position[i]] over token t's pairs i, taken by ascending expert and, within an expert,
     * ascending pair: the order of the grouped loop over experts, so every row's sums are its bits.
     */
    static void scatter(int T, int hidden, int k, int[] experts, float[] weights, int[] position, float[] ye, float[] out) {
        ExpertRows r = OWN.get();
        r.hidden = hidden;
        r.k = k;
        r.experts = experts;
        r.weights = weights;
        r.position = position;
        r.ye = ye;
        r.out = out;
        try {
            RowSplit.run(T, (k + 1) * hidden, r.scatterRows);
        } finally {
            r.clear();
        }
    }

    private void scatterRows(int t0, int t1) {
        int H = hidden;
        for (int t = t0; t < t1; t++) {
            int o = t * H;
            java.util.Arrays.fill(out, o, o + H, 0f);
            // the k pairs by (expert, pair) ascending: each round takes the least key above the last one's
            long last = -1;
            for (int c = 0; c < k; c++) {
                int best = -1;
                long bestKey = Long.MAX_VALUE;
                for (int j = 0; j < k; j++) {
                    long key = (long) experts[t * k + j] * k + j;
                    if (key > last && key < bestKey) {
                        best = j;
                        bestKey = key;
                    }
                }
                last = bestKey;
                int i = t * k + best;
                float w = weights[i];
                int src = position[i] * H;
                for (int h = 0; h < H; h++) out[o + h] += w * ye[src + h];
            }
        }
    }

    /** Drops the references, so an idle thread keeps no buffers alive. */
    private void clear() {
        x = xe = g = u = out = ye = weights = null;
        order = position = experts = first = null;
        mlps = null;
        activation = null;
    }
}
