package org.moe4j.fff;

import org.moe4j.autograd.Activation;
import org.moe4j.autograd.Variable;
import org.moe4j.kernel.GatherScatter;
import org.moe4j.kernel.gemm.GroupedGemm;
import org.moe4j.kernel.Reductions;
import org.moe4j.tensor.Shape;
import org.moe4j.tensor.Tensor;

/**
 * Hard-decision leaves for a batch, as a differentiable operation: token t runs only leaf j = leaf[t],
 * out_t = W2_j act(W1_j x_t + b1_j) (+ b2_j when {@code outputBias}). Tokens are grouped by leaf
 * (docs/routing.md, FFF section; docs/architecture.md's gather, grouped GEMM, scatter) and every group runs as
 * one small GEMM: in the forward pass one {@link GroupedGemm} call per layer when groups average at
 * least {@link #PACKED_ROWS_PER_GROUP} rows, else {@link LeafRows} (groups of a few rows, where a
 * packing GEMM would mostly pack); one {@link GroupedGemm} call per product in the backward pass. The node weights get no gradient: hard decisions
 * are not differentiable.
 */
public final class HardLeaves {
    private HardLeaves() {}

    // x: (T, in)  leaf: (T)  w1: (L, l, in)  b1: (L, l)  w2: (L, out, l)  b2: (L, out)  out: (T, out)
    /**
     * Backward per group g with rows X_g: dA_g = dY_g W2_j, dW2_j = dY_g^T A_g, db2_j = column sums
     * of dY_g (only when the bias is used), dH_g = act'(H_g) dA_g, dX_g = dH_g W1_j, dW1_j = dH_g^T X_g,
     * db1_j = column sums of dH_g; rows are scattered back to their tokens.
     */
    public static Variable forward(Variable x, int[] leaf, Variable w1, Variable b1, Variable w2, Variable b2,
                                   Activation.Kind activation, boolean outputBias) {
        Tensor xv = x.value();
        Tensor w1v = w1.value();
        Tensor w2v = w2.value();
        Shape.requireRank("fff hard leaves", "x", xv.shape(), 2);
        int tokens = xv.rows();
        int in = xv.cols();
        int leaves = w1v.dim(0);
        int leafWidth = w1v.dim(1);
        int out = w2v.dim(1);
        if (leaf.length != tokens) {
            throw new IllegalArgumentException("fff hard leaves: " + leaf.length + " leaf indices for " + tokens + " tokens");
        }
        for (int t = 0; t < tokens; t++) {
            if (leaf[t] < 0 || leaf[t] >= leaves) Shape.requireIndex("fff hard leaves", "leaf of token " + t + " is", leaf[t], leaves);
        }
        LeafGroups groups = LeafGroups.of(leaf, leaves);
        int[] order = groups.order();
        float[] b1d = b1.value().data();
        float[] b2d = b2.value().data();
        int b1Off = b1.value().offset();
        int b2Off = b2.value().offset();

        // pre, post: (T, l) rows leaf by leaf   ys: (T, out) rows leaf by leaf
        float[] pre = new float[tokens * leafWidth];
        multiply(xv.data(), xv.offset(), order, in, groups, w1v.data(), w1v.offset(), leafWidth, pre);
        addLeafRows(pre, groups, b1d, b1Off, leafWidth);
        float[] post = new float[pre.length];
        LeafActivation.forward(activation, pre, 0, post, 0, pre.length);
        float[] ys = new float[tokens * out];
        multiply(post, 0, null, leafWidth, groups, w2v.data(), w2v.offset(), out, ys);
        if (outputBias) {
            addLeafRows(ys, groups, b2d, b2Off, out);
        }
        Tensor y = Tensor.zeros(tokens, out);
        for (int i = 0; i < tokens; i++) {
            System.arraycopy(ys, i * out, y.data(), order[i] * out, out);
        }

        return Variable.result("fff hard leaves", y, dy -> {
            // dys: (T, out) gradient rows leaf by leaf
            float[] dys = new float[tokens * out];
            GatherScatter.gatherRows(dy.data(), dy.offset(), tokens, out, order, 0, tokens, dys, 0);
            if (b2.requiresGrad()) {
                Tensor db2 = Tensor.zeros(leaves, out);
                if (outputBias) {
                    columnSumsPerLeaf(dys, groups, db2.data(), out);
                }
                b2.accumulateGrad(db2);
            }
            if (w2.requiresGrad()) {
                Tensor dw2 = Tensor.zeros(leaves, out, leafWidth);
                GroupedGemm.gemm(true, false, groups.repeat(out), groups.repeat(leafWidth), groups.rows(), 1f,
                        dys, groups.offsets(groups.start(), 0, out), out,
                        post, groups.offsets(groups.start(), 0, leafWidth), leafWidth,
                        0f, dw2.data(), groups.offsets(groups.leaf(), 0, out * leafWidth), leafWidth);
                w2.accumulateGrad(dw2);
            }
            // dPre: (T, l)
            float[] dPre = new float[tokens * leafWidth];
            GroupedGemm.gemm(false, false, groups.rows(), groups.repeat(leafWidth), groups.repeat(out), 1f,
                    dys, groups.offsets(groups.start(), 0, out), out,
                    w2v.data(), groups.offsets(groups.leaf(), w2v.offset(), out * leafWidth), leafWidth,
                    0f, dPre, groups.offsets(groups.start(), 0, leafWidth), leafWidth);
            LeafActivation.backward(activation, pre, 0, post, 0, dPre, 0, dPre, 0, dPre.length);
            if (b1.requiresGrad()) {
                Tensor db1 = Tensor.zeros(leaves, leafWidth);
                columnSumsPerLeaf(dPre, groups, db1.data(), leafWidth);
                b1.accumulateGrad(db1);
            }
            if (w1.requiresGrad()) {
                // xs: (T, in) rows of x leaf by leaf
                float[] xs = new float[tokens * in];
                GatherScatter.gatherRows(xv.data(), xv.offset(), tokens, in, order, 0, tokens, xs, 0);
                Tensor dw1 = Tensor.zeros(leaves, leafWidth, in);
                GroupedGemm.gemm(true, false, groups.repeat(leafWidth), groups.repeat(in), groups.rows(), 1f,
                        dPre, groups.offsets(groups.start(), 0, leafWidth), leafWidth,
                        xs, groups.offsets(groups.start(), 0, in), in,
                        0f, dw1.data(), groups.offsets(groups.leaf(), 0, leafWidth * in), in);
                w1.accumulateGrad(dw1);
            }
            if (x.requiresGrad()) {
                float[] dxs = new float[tokens * in];
                GroupedGemm.gemm(false, false, groups.rows(), groups.repeat(in), groups.repeat(leafWidth), 1f,
                        dPre, groups.offsets(groups.start(), 0, leafWidth), leafWidth,
                        w1v.data(), groups.offsets(groups.leaf(), w1v.offset(), leafWidth * in), in,
                        0f, dxs, groups.offsets(groups.start(), 0, in), in);
                Tensor dx = Tensor.zeros(tokens, in);
                for (int i = 0; i < tokens; i++) {
                    System.arraycopy(dxs, i * in, dx.data(), order[i] * in, in);
                }
                x.accumulateGrad(dx);
            }
        }, x, w1, b1, w2, b2);
    }

    /** From this many rows per group on average, packing for a GEMM pays for itself (measured: docs/performance.md). */
    static final int PACKED_ROWS_PER_GROUP = 64;

    // x: (T, in) at xOff   w: (L, width, in) at wOff   y: (T, width) overwritten, rows leaf by leaf
    /**
     * y[r, :] = x[row(r), :] W_{leaf(r)}^T for every group: one {@link GroupedGemm} call when the
     * groups are large enough for packing to pay, else {@link LeafRows}' unpacked small products.
     */
    static void multiply(float[] x, int xOff, int[] rowOf, int in, LeafGroups groups, float[] w, int wOff, int width,
                         float[] y) {
        int tokens = groups.order().length;
        if (tokens < (long) PACKED_ROWS_PER_GROUP * groups.groups()) {
            LeafRows.multiply(x, xOff, rowOf, in, groups, w, wOff, width, y);
            return;
        }
        float[] rows = x;
        int rowsOff = xOff;
        if (rowOf != null) {
            rows = new float[tokens * in];
            rowsOff = 0;
            GatherScatter.gatherRows(x, xOff, tokens, in, rowOf, 0, tokens, rows, 0);
        }
        GroupedGemm.gemm(false, true, groups.rows(), groups.repeat(width), groups.repeat(in), 1f,
                rows, groups.offsets(groups.start(), rowsOff, in), in,
                w, groups.offsets(groups.leaf(), wOff, width * in), in,
                0f, y, groups.offsets(groups.start(), 0, width), width);
    }

    // rows: (T, width) leaf by leaf   bias: (L, width)
    private static void addLeafRows(float[] rows, LeafGroups groups, float[] bias, int bOff, int width) {
        for (int g = 0; g < groups.groups(); g++) {
            int b = bOff + groups.leaf()[g] * width;
            for (int r = groups.start()[g], end = r + groups.rows()[g]; r < end; r++) {
                for (int i = 0; i < width; i++) {
                    rows[r * width + i] += bias[b + i];
                }
            }
        }
    }

    // rows: (T, width) leaf by leaf   sums: (L, width), overwritten for the non-empty leaves
    private static void columnSumsPerLeaf(float[] rows, LeafGroups groups, float[] sums, int width) {
        for (int g = 0; g < groups.groups(); g++) {
            Reductions.columnSums(rows, groups.start()[g] * width, groups.rows()[g], width, sums,
                    groups.leaf()[g] * width);
        }
    }
}
