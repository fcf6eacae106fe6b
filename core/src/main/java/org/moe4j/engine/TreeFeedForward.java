package org.moe4j.engine;

import java.util.Arrays;
import org.moe4j.engine.ModelConfig.FastFeedForward;
import org.moe4j.engine.Workspace.Buffer;
import org.moe4j.engine.Workspace.IntBuffer;
import org.moe4j.kernel.Gelu;
import org.moe4j.kernel.GeluApproximation;
import org.moe4j.kernel.WeightProduct;

/**
 * A fast feedforward tree run hard (Belcak and Wattenhofer 2023; docs/routing.md, FFF section): from the
 * root, node n sends x right (child 2n + 2) when x . w_n + b_n >= 0, else left (2n + 1); after D
 * decisions the node index minus (2^D - 1) is the leaf, and
 * <pre>
 *   y = W2_j gelu(W1_j x + b1_j) + b2_j      (exact GELU, the leaf j reached)
 * </pre>
 * D dot products and one leaf per token. The tokens are grouped by leaf and each leaf runs as one
 * product per layer over its rows.
 */
final class TreeFeedForward implements FeedForward {
    private final int layer;
    private final int hidden;
    private final FastFeedForward spec;
    private final ModelWeights.TreeWeights weights;

    TreeFeedForward(int layer, int hidden, FastFeedForward spec, ModelWeights.TreeWeights weights) {
        this.layer = layer;
        this.hidden = hidden;
        this.spec = spec;
        this.weights = weights;
    }

    // x: (T, H) normed input   out: (T, H)
    @Override
    public void forward(float[] x, int T, float[] out, ForwardObserver observer, Workspace ws) {
        int L = spec.leaves();
        int width = spec.leafWidth();
        int[] leaf = ws.ints(IntBuffer.LEAF, T);
        float[] logit = ws.floats(Buffer.NODE_LOGIT, 1);
        for (int t = 0; t < T; t++) {
            int node = 0;
            for (int level = 0; level < spec.depth(); level++) {
                WeightProduct.multiply(x, t * hidden, 1, weights.nodes()[node], logit, 0);
                node = logit[0] + weights.nodeBias()[node] >= 0f ? 2 * node + 2 : 2 * node + 1;
            }
            leaf[t] = node - spec.nodes();
        }
        float[] ones = ws.floats(Buffer.ROUTING_WEIGHTS, T);
        Arrays.fill(ones, 0, T, 1f);
        observer.routing(layer, leaf, ones, T, 1);

        // the tokens by leaf (counting sort, in order within a leaf)
        int[] count = ws.ints(IntBuffer.LEAF_COUNT, L + 1);
        Arrays.fill(count, 0, L + 1, 0);
        for (int t = 0; t < T; t++) count[leaf[t] + 1]++;
        for (int j = 0; j < L; j++) count[j + 1] += count[j];
        int[] order = ws.ints(IntBuffer.LEAF_ORDER, T);
        int[] fill = ws.ints(IntBuffer.LEAF_FILL, L);
        System.arraycopy(count, 0, fill, 0, L);
        for (int t = 0; t < T; t++) order[fill[leaf[t]]++] = t;
        for (int j = 0; j < L; j++) {
            int n = count[j + 1] - count[j];
            if (n == 0) continue;
            // xj, yj: (n, H)   h: (n, l)
            float[] xj = ws.floats(Buffer.EXPERT_IN, n * hidden);
            for (int r = 0; r < n; r++) System.arraycopy(x, order[count[j] + r] * hidden, xj, r * hidden, hidden);
            float[] h = ws.floats(Buffer.LEAF_HIDDEN, n * width);
            Ops.linear(xj, n, weights.leafIn()[j], weights.leafInBias()[j], h);
            Gelu.forward(h, 0, h, 0, n * width, GeluApproximation.NONE);
            float[] yj = ws.floats(Buffer.EXPERT_OUT, n * hidden);
            Ops.linear(h, n, weights.leafOut()[j], weights.leafOutBias()[j], yj);
            for (int r = 0; r < n; r++) System.arraycopy(yj, r * hidden, out, order[count[j] + r] * hidden, hidden);
        }
    }
}
