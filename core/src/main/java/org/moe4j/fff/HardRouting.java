package org.moe4j.fff;

import org.moe4j.kernel.ChainedDot;
import org.moe4j.kernel.KernelPool;

/**
 * Hard decisions down the tree (docs/routing.md, FFF section): at node n go right (child 2n + 2) iff
 * x . w_n + b_n >= 0, else left (2n + 1); after D decisions the node index minus (2^D - 1) is the
 * leaf. D dot products per input, whatever the width of the tree.
 */
public final class HardRouting {
    private HardRouting() {}

    /** Tokens per parallel task. */
    private static final int TOKENS_PER_TASK = 16;

    // x: (in) at xOff   nodeWeight: (N, in)   nodeBias: (N)
    /** The leaf that input x reaches. */
    public static int leaf(float[] x, int xOff, float[] nodeWeight, int wOff, float[] nodeBias, int bOff, int in,
                           int depth) {
        int node = 0;
        for (int level = 0; level < depth; level++) {
            float logit = ChainedDot.dot(x, xOff, nodeWeight, wOff + node * in, in) + nodeBias[bOff + node];
            node = logit >= 0f ? 2 * node + 2 : 2 * node + 1;
        }
        return node - ((1 << depth) - 1);
    }

    // x: (T, in)   leaf: (T)
    /** The leaf of every row of x, rows spread over the kernel threads. */
    public static int[] leaves(float[] x, int xOff, int tokens, float[] nodeWeight, int wOff, float[] nodeBias,
                               int bOff, int in, int depth) {
        int[] leaf = new int[tokens];
        KernelPool.parallelFor((tokens + TOKENS_PER_TASK - 1) / TOKENS_PER_TASK, task -> {
            for (int t = task * TOKENS_PER_TASK, end = Math.min(tokens, t + TOKENS_PER_TASK); t < end; t++) {
                leaf[t] = leaf(x, xOff + t * in, nodeWeight, wOff, nodeBias, bOff, in, depth);
            }
        });
        return leaf;
    }
}
