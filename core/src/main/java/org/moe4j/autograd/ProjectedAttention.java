package org.moe4j.autograd;

import org.moe4j.autograd.CausalAttention.Columns;
import org.moe4j.kernel.RotaryEmbedding;
import org.moe4j.kernel.gemm.Gemm;
import org.moe4j.tensor.ScratchArrays;
import org.moe4j.tensor.Shape;
import org.moe4j.tensor.Tensor;

/**
 * Causal self-attention from its input, one coarse operation: with W = [Wv; Wk; Wq] the three
 * projection weights stacked by rows (width = (heads + 2 kvHeads) headDim of them),
 * <pre>
 *   [V K Q] = x W^T                       one product into one [rows, width] array
 *   Q, K   <- RoPE(Q), RoPE(K)            in place
 *   out     = CausalAttention(Q, K, V)
 * </pre>
 * Backward: the attention's dV, dK and dQ go to the columns of one [rows, width] array dVKQ, RoPE's
 * inverse rotation turns dK and dQ in place, then dW = dVKQ^T x (one product, copied out to the
 * three weights' gradients) and dx = dVKQ W (one product of depth width).
 * <p>
 * Why one product instead of three: the training step's products are narrow (N = 256 against
 * M = 2048 rows), so packing costs a share of each; one product of N = width packs x once as A in the
 * forward and once as B in the weight gradient instead of three times each. Every element is
 * summed over the same depth blocks as in the three separate products ({@code Gemm} cuts the depth
 * by k alone), so the results are those of {@link MatMul#linear} three times, {@link CausalAttention#rope}
 * and {@link CausalAttention#apply}, bit for bit when the three widths are equal and at most 256:
 * dx's depth blocks then fall on the boundaries between dV, dK and dQ and are added in that order,
 * the order in which the separate products' backwards ran (the tape runs v's first: it was
 * recorded last).
 */
public final class ProjectedAttention {
    private ProjectedAttention() {}

    /**
     * x [B*T, d] (rows b-major); wq [heads*headDim, d], wk and wv [kvHeads*headDim, d], no biases;
     * returns the attention's output [B*T, heads*headDim], before the output projection.
     */
    public static Variable apply(Variable x, Variable wq, Variable wk, Variable wv, int seqLen, int heads, int kvHeads,
                                 int headDim, double theta) {
        return apply(x, wq, wk, wv, seqLen, heads, kvHeads, headDim, theta, ScratchArrays.NONE);
    }

    /**
     * As {@link #apply(Variable, Variable, Variable, Variable, int, int, int, int, double)}, with the
     * arrays of the pass (the stacked weights, [V K Q], P, and in the backward dVKQ and the stacked
     * weight gradient: 18 MB a layer of the default model) taken from {@code scratch} and given back
     * when the backward is done (or at once when nothing is recorded), and the output's array given
     * back when the backward is done (its readers, consumers of it, have run theirs), so that the next step reuses
     * them instead of allocating arrays the JVM zeroes. Every element of a taken array is written
     * before it is read.
     */
    public static Variable apply(Variable x, Variable wq, Variable wk, Variable wv, int seqLen, int heads, int kvHeads,
                                 int headDim, double theta, ScratchArrays scratch) {
        if (heads < 1 || kvHeads < 1 || heads % kvHeads != 0) {
            throw new IllegalArgumentException("attention: heads " + heads + " must be a positive multiple of kvHeads " + kvHeads);
        }
        Tensor xv = x.value();
        if (xv.rank() != 2 || seqLen < 1 || xv.rows() % seqLen != 0) {
            throw new IllegalArgumentException("attention: input shape " + Shape.str(xv.shape()) + " must be [B*" + seqLen + ", d]");
        }
        int rows = xv.rows();
        int d = xv.cols();
        int qCols = heads * headDim;
        int kvCols = kvHeads * headDim;
        int width = qCols + 2 * kvCols;
        requireWeight("q", wq, qCols, d);
        requireWeight("k", wk, kvCols, d);
        requireWeight("v", wv, kvCols, d);
        RotaryEmbedding rope = RotaryEmbedding.shared(headDim, theta);
        // the stacked weights, kept for dx
        float[] w = scratch.take(width * d);
        copyRows(wv.value(), w, 0);
        copyRows(wk.value(), w, kvCols * d);
        copyRows(wq.value(), w, 2 * kvCols * d);
        int kAt = kvCols;
        int qAt = 2 * kvCols;
        float[] vkq = scratch.take(rows * width);
        Gemm.gemm(false, true, rows, width, d, 1f, xv.data(), xv.offset(), d, w, 0, d, 0f, vkq, 0, width);
        int[] positions = new int[rows];
        for (int r = 0; r < rows; r++) positions[r] = r % seqLen;
        rope.apply(vkq, kAt, width, rows, kvHeads, positions, false, vkq, kAt, width);
        rope.apply(vkq, qAt, width, rows, heads, positions, false, vkq, qAt, width);
        Columns v = new Columns(vkq, 0, width);
        Columns k = new Columns(vkq, kAt, width);
        Columns q = new Columns(vkq, qAt, width);
        // every element of out is written; it goes back after the backward, when o_proj (its reader) is done
        float[] out = scratch.take(rows * qCols);
        float[] probs = scratch.take(heads * rows * seqLen);
        CausalAttention.forward(q, k, v, new Columns(out, 0, qCols), probs, rows, seqLen, heads, kvHeads, headDim);
        Variable result = Variable.result("projected_attention", Tensor.of(out, rows, qCols), dOut -> {
            float[] dvkq = scratch.take(rows * width);
            CausalAttention.backward(q, k, v, probs, new Columns(dOut.data(), dOut.offset(), qCols),
                    new Columns(dvkq, qAt, width), new Columns(dvkq, kAt, width), new Columns(dvkq, 0, width),
                    rows, seqLen, heads, kvHeads, headDim);
            rope.apply(dvkq, kAt, width, rows, kvHeads, positions, true, dvkq, kAt, width);
            rope.apply(dvkq, qAt, width, rows, heads, positions, true, dvkq, qAt, width);
            if (x.requiresGrad()) {
                Tensor owned = x.ownedGrad();
                if (owned != null) {
                    Gemm.gemm(false, false, rows, d, width, 1f, dvkq, 0, width, w, 0, d, 1f, owned.data(), owned.offset(), d);
                } else {
                    Tensor dx = Tensor.of(Variable.gradientArray(xv.size()), xv.shape());
                    Gemm.gemm(false, false, rows, d, width, 1f, dvkq, 0, width, w, 0, d, 0f, dx.data(), 0, d);
                    x.accumulateOwnedGrad(dx);
                }
            }
            if (wq.requiresGrad() || wk.requiresGrad() || wv.requiresGrad()) {
                float[] dw = scratch.take(width * d);
                Gemm.gemm(true, false, width, d, rows, 1f, dvkq, 0, width, xv.data(), xv.offset(), d, 0f, dw, 0, d);
                weightGradient(wv, dw, 0);
                weightGradient(wk, dw, kAt * d);
                weightGradient(wq, dw, qAt * d);
                scratch.give(dw);
            }
            scratch.give(w, vkq, probs, dvkq, out);
        }, x, wq, wk, wv);
        if (!result.requiresGrad()) {
            // nothing recorded: no backward will read them
            scratch.give(w, vkq, probs);
        }
        return result;
    }

    private static void requireWeight(String name, Variable weight, int rows, int cols) {
        Tensor w = weight.value();
        if (w.rank() != 2 || w.dim(0) != rows || w.dim(1) != cols) {
            throw new IllegalArgumentException("attention: " + name + " weight shape " + Shape.str(w.shape()) + " must be ["
                    + rows + ", " + cols + "]");
        }
    }

    private static void copyRows(Tensor w, float[] dst, int at) {
        System.arraycopy(w.data(), w.offset(), dst, at, w.size());
    }

    /** The weight's gradient: its rows of the stacked gradient, copied into the buffer the variable hands out. */
    private static void weightGradient(Variable weight, float[] stacked, int at) {
        if (!weight.requiresGrad()) {
            return;
        }
        Tensor g = weight.gradientBuffer();
        System.arraycopy(stacked, at, g.data(), g.offset(), g.size());
        weight.accumulateOwnedGrad(g);
    }
}
