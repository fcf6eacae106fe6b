package org.moe4j.autograd;

import org.moe4j.kernel.Elementwise;
import org.moe4j.tensor.ScratchArrays;
import org.moe4j.tensor.Shape;
import org.moe4j.tensor.Tensor;

/** Elementwise arithmetic and reductions to a scalar, as differentiable operations. */
public final class Arithmetic {
    private Arithmetic() {}

    /** a + b (same shapes). Backward: da = db = dOut. */
    public static Variable add(Variable a, Variable b) {
        return add(a, b, ScratchArrays.NONE);
    }

    /**
     * As {@link #add(Variable, Variable)}, with the output's array taken from {@code scratch} and
     * given back by the backward, when every reader of the output (a consumer) has run its own: a
     * transformer's residual stream, one array per addition and step otherwise.
     */
    public static Variable add(Variable a, Variable b, ScratchArrays scratch) {
        Tensor av = a.value();
        Tensor bv = b.value();
        Shape.requireSame("add", av.shape(), bv.shape());
        // every element is written
        float[] od = scratch.take(av.size());
        Tensor out = Tensor.of(od, av.shape());
        Elementwise.add(av.data(), av.offset(), bv.data(), bv.offset(), od, 0, av.size());
        return Variable.result("add", out, dOut -> {
            a.accumulateGrad(dOut);
            b.accumulateGrad(dOut);
            scratch.give(od);
        }, a, b);
    }

    /** a * b elementwise (same shapes). Backward: da = dOut * b, db = dOut * a. */
    public static Variable mul(Variable a, Variable b) {
        Tensor av = a.value();
        Tensor bv = b.value();
        Shape.requireSame("mul", av.shape(), bv.shape());
        Tensor out = Tensor.zeros(av.shape());
        Elementwise.mul(av.data(), av.offset(), bv.data(), bv.offset(), out.data(), 0, av.size());
        return Variable.result("mul", out, dOut -> {
            if (a.requiresGrad()) {
                Tensor da = Tensor.zeros(av.shape());
                Elementwise.mul(dOut.data(), dOut.offset(), bv.data(), bv.offset(), da.data(), 0, av.size());
                a.accumulateGrad(da);
            }
            if (b.requiresGrad()) {
                Tensor db = Tensor.zeros(bv.shape());
                Elementwise.mul(dOut.data(), dOut.offset(), av.data(), av.offset(), db.data(), 0, av.size());
                b.accumulateGrad(db);
            }
        }, a, b);
    }

    /** alpha * x. */
    public static Variable scale(Variable x, float alpha) {
        Tensor xv = x.value();
        Tensor out = Tensor.zeros(xv.shape());
        Elementwise.scale(alpha, xv.data(), xv.offset(), out.data(), 0, xv.size());
        return Variable.result("scale", out, dOut -> {
            Tensor dx = Tensor.zeros(xv.shape());
            Elementwise.scale(alpha, dOut.data(), dOut.offset(), dx.data(), 0, xv.size());
            x.accumulateGrad(dx);
        }, x);
    }

    /** The sum of all elements, as a scalar (accumulated in double). */
    public static Variable sum(Variable x) {
        Tensor xv = x.value();
        double s = 0;
        float[] d = xv.data();
        for (int i = xv.offset(), end = xv.offset() + xv.size(); i < end; i++) s += d[i];
        return Variable.result("sum", Tensor.scalar((float) s), dOut -> x.accumulateGrad(Tensor.full(dOut.item(), xv.shape())), x);
    }

    /** A weighted sum of scalars, sum_i w_i * x_i: how a loss combines its terms. */
    public static Variable weightedSum(Variable[] terms, float[] weights) {
        if (terms.length != weights.length) {
            throw new IllegalArgumentException("weightedSum: " + terms.length + " terms but " + weights.length + " weights");
        }
        double s = 0;
        for (int i = 0; i < terms.length; i++) {
            if (terms[i].value().size() != 1) {
                throw new IllegalArgumentException("weightedSum: term " + i + " has shape "
                        + Shape.str(terms[i].value().shape()) + ", must be a scalar");
            }
            s += (double) weights[i] * terms[i].value().item();
        }
        return Variable.result("weighted_sum", Tensor.scalar((float) s), dOut -> {
            for (int i = 0; i < terms.length; i++) {
                terms[i].accumulateGrad(Tensor.full(dOut.item() * weights[i], terms[i].value().shape()));
            }
        }, terms);
    }

    /** The same values seen with another shape (storage shared); the gradient is reshaped back. */
    public static Variable reshape(Variable x, int... shape) {
        Tensor xv = x.value();
        Tensor y = xv.reshape(shape);
        return Variable.result("reshape", y, dy -> x.accumulateGrad(dy.reshape(xv.shape())), x);
    }
}
