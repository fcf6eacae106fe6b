package org.moe4j.autograd;

import org.moe4j.kernel.Elementwise;
import org.moe4j.kernel.gemm.Gemm;
import org.moe4j.kernel.Reductions;
import org.moe4j.tensor.ScratchArrays;
import org.moe4j.tensor.Shape;
import org.moe4j.tensor.Tensor;

/** Matrix products with their backward: the linear map of nn.Linear and plain matmul. */
public final class MatMul {
    private MatMul() {}

    /**
     * y = x W^T + b (nn.Linear, weight [out, in]); x may have any leading dimensions.
     * Backward: dx = dy W, dW = dy^T x, db = sum over rows of dy.
     */
    public static Variable linear(Variable x, Variable weight, Variable bias) {
        return linear(x, weight, bias, ScratchArrays.NONE);
    }

    /**
     * As {@link #linear(Variable, Variable, Variable)}, with y's array taken from {@code scratch} and
     * given back by the backward, when every reader of y (a consumer) has run its own.
     */
    public static Variable linear(Variable x, Variable weight, Variable bias, ScratchArrays scratch) {
        // x: (R, in)   weight: (out, in)   bias: (out)   y: (R, out)
        Tensor xv = x.value();
        Tensor w = weight.value();
        Shape.requireRank("linear", "weight", w.shape(), 2);
        int out = w.dim(0);
        int in = w.dim(1);
        if (xv.rank() < 1 || xv.cols() != in) {
            throw new IllegalArgumentException("linear: input shape " + Shape.str(xv.shape()) + " must end in " + in
                    + " to match weight " + Shape.str(w.shape()));
        }
        if (bias != null && (bias.value().rank() != 1 || bias.value().dim(0) != out)) {
            throw new IllegalArgumentException("linear: bias shape " + Shape.str(bias.value().shape()) + " must be [" + out
                    + "] to match weight " + Shape.str(w.shape()));
        }
        int rows = xv.rows();
        int[] yShape = xv.shape();
        yShape[yShape.length - 1] = out;
        // beta = 0: the product writes every element of y
        Tensor y = Tensor.of(scratch.take(Shape.size(yShape)), yShape);
        Gemm.gemm(false, true, rows, out, in, 1f, xv.data(), xv.offset(), in, w.data(), w.offset(), in, 0f, y.data(), 0, out);
        if (bias != null) {
            Tensor b = bias.value();
            Elementwise.addRowVector(y.data(), 0, rows, out, b.data(), b.offset(), y.data(), 0);
        }
        return Variable.result("linear", y, dy -> {
            Tensor owned = x.ownedGrad();
            if (owned != null) {
                // x's gradient so far is its own (q, k and v read the same x): the product adds into it
                Gemm.gemm(false, false, rows, in, out, 1f, dy.data(), dy.offset(), out, w.data(), w.offset(), in,
                        1f, owned.data(), owned.offset(), in);
            } else if (x.requiresGrad()) {
                // beta = 0 writes every element
                Tensor dx = Tensor.of(Variable.gradientArray(xv.size()), xv.shape());
                Gemm.gemm(false, false, rows, in, out, 1f, dy.data(), dy.offset(), out, w.data(), w.offset(), in,
                        0f, dx.data(), 0, in);
                x.accumulateOwnedGrad(dx);
            }
            if (weight.requiresGrad()) {
                // beta = 0 overwrites it all, so last step's gradient storage serves
                Tensor dw = weight.gradientBuffer();
                Gemm.gemm(true, false, out, in, rows, 1f, dy.data(), dy.offset(), out, xv.data(), xv.offset(), in,
                        0f, dw.data(), 0, in);
                weight.accumulateOwnedGrad(dw);
            }
            if (bias != null && bias.requiresGrad()) {
                bias.accumulateOwnedGrad(sumRows(dy));
            }
            scratch.give(y.data());
        }, x, weight, bias);
    }

    /**
     * c = a b for matrices a [M, K] and b [K, N]. Backward: da = dc b^T, db = a^T dc.
     */
    public static Variable matmul(Variable a, Variable b) {
        Tensor av = a.value();
        Tensor bv = b.value();
        Shape.requireRank("matmul", "a", av.shape(), 2);
        Shape.requireRank("matmul", "b", bv.shape(), 2);
        int m = av.dim(0);
        int k = av.dim(1);
        int n = bv.dim(1);
        if (bv.dim(0) != k) {
            throw new IllegalArgumentException("matmul: shapes " + Shape.str(av.shape()) + " and " + Shape.str(bv.shape())
                    + " do not chain (inner sizes " + k + " and " + bv.dim(0) + ")");
        }
        Tensor c = Tensor.zeros(m, n);
        Gemm.gemm(false, false, m, n, k, 1f, av.data(), av.offset(), k, bv.data(), bv.offset(), n, 0f, c.data(), 0, n);
        return Variable.result("matmul", c, dc -> {
            if (a.requiresGrad()) {
                Tensor da = Tensor.zeros(m, k);
                Gemm.gemm(false, true, m, k, n, 1f, dc.data(), dc.offset(), n, bv.data(), bv.offset(), n, 0f, da.data(), 0, k);
                a.accumulateOwnedGrad(da);
            }
            if (b.requiresGrad()) {
                Tensor db = b.gradientBuffer();
                Gemm.gemm(true, false, k, n, m, 1f, av.data(), av.offset(), k, dc.data(), dc.offset(), n, 0f, db.data(), 0, n);
                b.accumulateOwnedGrad(db);
            }
        }, a, b);
    }

    /** The sum over rows of a [rows, cols] view, as a [cols] tensor. */
    static Tensor sumRows(Tensor g) {
        Tensor out = Tensor.zeros(g.cols());
        Reductions.columnSums(g.data(), g.offset(), g.rows(), g.cols(), out.data(), 0);
        return out;
    }
}
