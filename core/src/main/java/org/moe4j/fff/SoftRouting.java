package org.moe4j.fff;

import org.moe4j.autograd.Variable;
import org.moe4j.kernel.Activations;
import org.moe4j.kernel.KernelPool;
import org.moe4j.tensor.Shape;
import org.moe4j.tensor.Tensor;

/**
 * The soft leaf mixture of a fast feedforward tree as a differentiable operation (docs/routing.md, FFF
 * section; Belcak and Wattenhofer 2023, eq. 1 and 2). Node n (heap order: children 2n + 1 left,
 * 2n + 2 right) decides c_n = sigmoid(logit_n); the weight of a leaf is the product along its
 * root-to-leaf path of c (right) or 1 - c (left), built level by level from the root.
 *
 * <p>Options per call: {@code hard} rounds every c to 0 or 1 (right iff c >= 0.5, i.e. logit >= 0,
 * as hard inference decides; its gradient to the logits is zero), and {@code transposed[t * N + n]}
 * swaps c and 1 - c for sample t at node n (randomised child transposition).
 */
public final class SoftRouting {
    private SoftRouting() {}

    /** Tokens per parallel task. */
    private static final int TOKENS_PER_TASK = 64;

    // logits: (T, N)   mixture: (T, L) with N = L - 1
    /**
     * Forward: reach(root) = 1, reach(2n+1) = reach(n) (1 - e_n), reach(2n+2) = reach(n) e_n with
     * e_n = c_n (or its rounding, or 1 - it when transposed); mixture = reach of the leaves.
     * Backward, bottom up: G(leaf) = dL/dmixture, G(n) = (1 - e_n) G(2n+1) + e_n G(2n+2),
     * dL/de_n = reach(n) (G(2n+2) - G(2n+1)), dL/dlogit_n = +-dL/de_n c_n (1 - c_n) (zero when hard).
     */
    public static Variable mixture(Variable logits, int depth, boolean hard, boolean[] transposed) {
        Tensor lv = logits.value();
        int nodes = (1 << depth) - 1;
        int leaves = 1 << depth;
        Shape.requireRank("fff mixture", "node logits", lv.shape(), 2);
        if (lv.cols() != nodes) {
            throw new IllegalArgumentException("fff mixture: node logits " + Shape.str(lv.shape()) + " must have "
                    + nodes + " columns for depth " + depth);
        }
        int tokens = lv.rows();
        if (transposed != null && transposed.length != tokens * nodes) {
            throw new IllegalArgumentException("fff mixture: " + transposed.length + " transposition flags for "
                    + tokens + " tokens and " + nodes + " nodes");
        }
        // c: (T, N) node probabilities   reach: (T, N) probability of reaching each node   mixture: (T, L)
        float[] c = new float[tokens * nodes];
        Activations.sigmoid(lv.data(), lv.offset(), c, 0, c.length);
        float[] reach = new float[tokens * nodes];
        Tensor mixture = Tensor.zeros(tokens, leaves);
        float[] m = mixture.data();
        KernelPool.parallelFor(tasks(tokens), task -> {
            for (int t = task * TOKENS_PER_TASK, end = Math.min(tokens, t + TOKENS_PER_TASK); t < end; t++) {
                if (nodes == 0) {
                    m[t] = 1f;
                    continue;
                }
                int row = t * nodes;
                reach[row] = 1f;
                for (int n = 0; n < nodes; n++) {
                    float e = effective(c[row + n], hard, transposed != null && transposed[row + n]);
                    float r = reach[row + n];
                    store(reach, m, row, t * leaves, nodes, 2 * n + 1, r * (1f - e));
                    store(reach, m, row, t * leaves, nodes, 2 * n + 2, r * e);
                }
            }
        });
        return Variable.result("fff mixture", mixture, dm -> {
            Tensor dLogits = Tensor.zeros(tokens, nodes);
            if (!hard && nodes > 0) {
                float[] dl = dLogits.data();
                float[] g = dm.data();
                int gOff = dm.offset();
                KernelPool.parallelFor(tasks(tokens), task -> {
                    // below: (N + L) the gradient reaching each node from its subtree
                    float[] below = new float[nodes + leaves];
                    for (int t = task * TOKENS_PER_TASK, end = Math.min(tokens, t + TOKENS_PER_TASK); t < end; t++) {
                        int row = t * nodes;
                        System.arraycopy(g, gOff + t * leaves, below, nodes, leaves);
                        for (int n = nodes - 1; n >= 0; n--) {
                            boolean flip = transposed != null && transposed[row + n];
                            float cn = c[row + n];
                            float e = effective(cn, false, flip);
                            float left = below[2 * n + 1];
                            float right = below[2 * n + 2];
                            below[n] = (1f - e) * left + e * right;
                            float de = reach[row + n] * (right - left);
                            dl[row + n] = (flip ? -de : de) * cn * (1f - cn);
                        }
                    }
                });
            }
            logits.accumulateGrad(dLogits);
        }, logits);
    }

    private static int tasks(int tokens) {
        return (tokens + TOKENS_PER_TASK - 1) / TOKENS_PER_TASK;
    }

    /** The factor of the right child: c, rounded when hard, swapped with 1 - c when transposed. */
    static float effective(float c, boolean hard, boolean transposed) {
        float e = hard ? (c >= 0.5f ? 1f : 0f) : c;
        return transposed ? 1f - e : e;
    }

    private static void store(float[] reach, float[] mixture, int reachRow, int mixtureRow, int nodes, int child,
                              float value) {
        if (child < nodes) {
            reach[reachRow + child] = value;
        } else {
            mixture[mixtureRow + child - nodes] = value;
        }
    }
}
