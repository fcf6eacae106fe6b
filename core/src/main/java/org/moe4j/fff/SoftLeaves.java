package org.moe4j.fff;

import org.moe4j.autograd.Activation;
import org.moe4j.autograd.Variable;
import org.moe4j.kernel.Elementwise;
import org.moe4j.kernel.gemm.Gemm;
import org.moe4j.kernel.KernelPool;
import org.moe4j.kernel.Reductions;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.Shape;
import org.moe4j.tensor.Tensor;

/**
 * Every leaf MLP on every token, mixed by the soft leaf weights, as one differentiable operation
 * (Belcak and Wattenhofer 2023, eq. 2; docs/routing.md, FFF section):
 * out_t = sum_j m[t, j] (W2_j act(W1_j x_t + b1_j) + b2_j).
 * All leaves run at once: the stacked first layers are one [T, in] x [in, L l] GEMM, the mixture
 * scales each leaf's block of hidden units, and the second layers are one [T, L l] x [L l, out] GEMM
 * over the leaves' W2 laid side by side, plus m b2.
 */
public final class SoftLeaves {
    private SoftLeaves() {}

    // x: (T, in)  w1: (L, l, in)  b1: (L, l)  w2: (L, out, l)  b2: (L, out)  mixture: (T, L)  out: (T, out)
    /**
     * Backward with dOut (T, out): dS = dOut W2cat, dW2cat = dOut^T S, db2 = m^T dOut,
     * dm[t, j] = sum_i dS[t, j, i] A[t, j, i] + dOut_t . b2_j, dA = dS m, dH = act'(H) dA (through the
     * dropout mask), dx = dH W1, dW1 = dH^T x, db1 = column sums of dH; S = m A, A = dropout(act(H)).
     */
    public static Variable forward(Variable x, Variable w1, Variable b1, Variable w2, Variable b2, Variable mixture,
                                   Activation.Kind activation, double dropout, Rng dropoutRng) {
        Tensor xv = x.value();
        Tensor w1v = w1.value();
        Tensor w2v = w2.value();
        Tensor mv = mixture.value();
        Shape.requireRank("fff leaves", "x", xv.shape(), 2);
        Shape.requireRank("fff leaves", "leaves.w1.weight", w1v.shape(), 3);
        Shape.requireRank("fff leaves", "leaves.w2.weight", w2v.shape(), 3);
        int tokens = xv.rows();
        int in = xv.cols();
        int leaves = w1v.dim(0);
        int leafWidth = w1v.dim(1);
        int out = w2v.dim(1);
        int hidden = leaves * leafWidth;
        Shape.requireSame("fff leaves (leaves.w1.weight)", w1v.shape(), new int[] {leaves, leafWidth, in});
        Shape.requireSame("fff leaves (leaves.w1.bias)", b1.value().shape(), new int[] {leaves, leafWidth});
        Shape.requireSame("fff leaves (leaves.w2.weight)", w2v.shape(), new int[] {leaves, out, leafWidth});
        Shape.requireSame("fff leaves (leaves.w2.bias)", b2.value().shape(), new int[] {leaves, out});
        Shape.requireSame("fff leaves (mixture)", mv.shape(), new int[] {tokens, leaves});
        float[] b1d = b1.value().data();
        float[] b2d = b2.value().data();
        int b1Off = b1.value().offset();
        int b2Off = b2.value().offset();

        // pre: (T, L l) = x W1^T + b1   post: (T, L l) = dropout(act(pre))   mixed: (T, L l) = m * post
        float[] pre = new float[tokens * hidden];
        Gemm.gemm(false, true, tokens, hidden, in, 1f, xv.data(), xv.offset(), in, w1v.data(), w1v.offset(), in,
                0f, pre, 0, hidden);
        Elementwise.addRowVector(pre, 0, tokens, hidden, b1d, b1Off, pre, 0);
        float[] post = new float[tokens * hidden];
        LeafActivation.forward(activation, pre, 0, post, 0, pre.length);
        float[] mask = dropout > 0 ? dropoutMask(pre.length, dropout, dropoutRng) : null;
        if (mask != null) {
            Elementwise.mul(post, 0, mask, 0, post, 0, post.length);
        }
        float[] mixed = new float[tokens * hidden];
        float[] m = mv.data();
        int mOff = mv.offset();
        scaleBlocks(post, m, mOff, mixed, tokens, leaves, leafWidth);
        // w2cat: (out, L l), leaf j's W2 in columns [j l, (j + 1) l)
        float[] w2cat = sideBySide(w2v, leaves, out, leafWidth);
        Tensor y = Tensor.zeros(tokens, out);
        Gemm.gemm(false, true, tokens, out, hidden, 1f, mixed, 0, hidden, w2cat, 0, hidden, 0f, y.data(), 0, out);
        Gemm.gemm(false, false, tokens, out, leaves, 1f, m, mOff, leaves, b2d, b2Off, out, 1f, y.data(), 0, out);

        return Variable.result("fff leaves", y, dy -> {
            float[] g = dy.data();
            int gOff = dy.offset();
            // dMixed: (T, L l)
            float[] dMixed = new float[tokens * hidden];
            Gemm.gemm(false, false, tokens, hidden, out, 1f, g, gOff, out, w2cat, 0, hidden, 0f, dMixed, 0, hidden);
            if (w2.requiresGrad()) {
                float[] dW2cat = new float[out * hidden];
                Gemm.gemm(true, false, out, hidden, tokens, 1f, g, gOff, out, mixed, 0, hidden, 0f, dW2cat, 0, hidden);
                w2.accumulateGrad(stacked(dW2cat, leaves, out, leafWidth));
            }
            if (b2.requiresGrad()) {
                Tensor db2 = Tensor.zeros(leaves, out);
                Gemm.gemm(true, false, leaves, out, tokens, 1f, m, mOff, leaves, g, gOff, out, 0f, db2.data(), 0, out);
                b2.accumulateGrad(db2);
            }
            if (mixture.requiresGrad()) {
                Tensor dm = Tensor.zeros(tokens, leaves);
                Gemm.gemm(false, true, tokens, leaves, out, 1f, g, gOff, out, b2d, b2Off, out, 0f, dm.data(), 0, leaves);
                float[] dmd = dm.data();
                KernelPool.parallelFor(tokens, t -> {
                    for (int j = 0; j < leaves; j++) {
                        int at = t * hidden + j * leafWidth;
                        float sum = 0f;
                        for (int i = 0; i < leafWidth; i++) {
                            sum += dMixed[at + i] * post[at + i];
                        }
                        dmd[t * leaves + j] += sum;
                    }
                });
                mixture.accumulateGrad(dm);
            }
            // dPre: (T, L l), computed in place of dMixed
            float[] dPre = dMixed;
            scaleBlocks(dMixed, m, mOff, dPre, tokens, leaves, leafWidth);
            if (mask != null) {
                Elementwise.mul(dPre, 0, mask, 0, dPre, 0, dPre.length);
            }
            LeafActivation.backward(activation, pre, 0, post, 0, dPre, 0, dPre, 0, dPre.length);
            if (x.requiresGrad()) {
                Tensor dx = Tensor.zeros(tokens, in);
                Gemm.gemm(false, false, tokens, in, hidden, 1f, dPre, 0, hidden, w1v.data(), w1v.offset(), in,
                        0f, dx.data(), 0, in);
                x.accumulateGrad(dx);
            }
            if (w1.requiresGrad()) {
                Tensor dw1 = Tensor.zeros(leaves, leafWidth, in);
                Gemm.gemm(true, false, hidden, in, tokens, 1f, dPre, 0, hidden, xv.data(), xv.offset(), in,
                        0f, dw1.data(), 0, in);
                w1.accumulateGrad(dw1);
            }
            if (b1.requiresGrad()) {
                Tensor db1 = Tensor.zeros(leaves, leafWidth);
                Reductions.columnSums(dPre, 0, tokens, hidden, db1.data(), 0);
                b1.accumulateGrad(db1);
            }
        }, x, w1, b1, w2, b2, mixture);
    }

    // src, dst: (T, L l)   m: (T, L); dst may be src
    /** dst[t, j, :] = m[t, j] src[t, j, :]; plain loops, since a leaf block may be a single float. */
    static void scaleBlocks(float[] src, float[] m, int mOff, float[] dst, int tokens, int leaves, int leafWidth) {
        int hidden = leaves * leafWidth;
        KernelPool.parallelFor(tokens, t -> {
            for (int j = 0; j < leaves; j++) {
                int at = t * hidden + j * leafWidth;
                float s = m[mOff + t * leaves + j];
                for (int i = 0; i < leafWidth; i++) {
                    dst[at + i] = s * src[at + i];
                }
            }
        });
    }

    // w2: (L, out, l)   result: (out, L l)
    static float[] sideBySide(Tensor w2, int leaves, int out, int leafWidth) {
        float[] src = w2.data();
        int off = w2.offset();
        float[] cat = new float[out * leaves * leafWidth];
        for (int j = 0; j < leaves; j++) {
            for (int o = 0; o < out; o++) {
                System.arraycopy(src, off + (j * out + o) * leafWidth, cat, o * leaves * leafWidth + j * leafWidth,
                        leafWidth);
            }
        }
        return cat;
    }

    // cat: (out, L l)   result: (L, out, l)
    static Tensor stacked(float[] cat, int leaves, int out, int leafWidth) {
        Tensor w2 = Tensor.zeros(leaves, out, leafWidth);
        for (int j = 0; j < leaves; j++) {
            for (int o = 0; o < out; o++) {
                System.arraycopy(cat, o * leaves * leafWidth + j * leafWidth, w2.data(), (j * out + o) * leafWidth,
                        leafWidth);
            }
        }
        return w2;
    }

    static float[] dropoutMask(int n, double p, Rng rng) {
        float keepScale = (float) (1 / (1 - p));
        float[] mask = new float[n];
        for (int i = 0; i < n; i++) {
            mask[i] = rng.nextDouble() >= p ? keepScale : 0f;
        }
        return mask;
    }
}
