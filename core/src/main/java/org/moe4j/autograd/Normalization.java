package org.moe4j.autograd;

import org.moe4j.kernel.LayerNorm;
import org.moe4j.kernel.RmsNorm;
import org.moe4j.tensor.ScratchArrays;
import org.moe4j.tensor.Shape;
import org.moe4j.tensor.Tensor;

/** RMSNorm and LayerNorm over the last axis as differentiable operations; formulas in the kernels. */
public final class Normalization {
    private Normalization() {}

    // x: (..., d)   weight: (d)   y: (..., d)
    public static Variable rmsNorm(Variable x, Variable weight, float eps) {
        return rmsNorm(x, weight, eps, ScratchArrays.NONE);
    }

    /**
     * As {@link #rmsNorm(Variable, Variable, float)}, with y's array taken from {@code scratch} and
     * given back by the backward: every op that reads y is a consumer of y, so its backward has run
     * by then, and nothing reads y afterwards (an output kept past the backward and read after the
     * next forward would see that forward's values).
     */
    public static Variable rmsNorm(Variable x, Variable weight, float eps, ScratchArrays scratch) {
        Tensor xv = x.value();
        Tensor w = weight.value();
        requireWeight("rms_norm", xv, w, "weight");
        int rows = xv.rows();
        int cols = xv.cols();
        // every element of y is written
        float[] yd = scratch.take(xv.size());
        Tensor y = Tensor.of(yd, xv.shape());
        float[] invRms = new float[rows];
        RmsNorm.forward(xv.data(), xv.offset(), rows, cols, w.data(), w.offset(), eps, y.data(), 0, invRms, 0);
        return Variable.result("rms_norm", y, dy -> {
            Tensor dw = Tensor.zeros(cols);
            // the gradient x already has (a residual stream's, passed on by an addition) is added
            // as dx is written, not in a pass of its own: in place when x owns it, else into a new dx
            Tensor owned = x.ownedGrad();
            Tensor dx = owned != null ? owned : Tensor.of(Variable.gradientArray(xv.size()), xv.shape());
            Tensor sofar = owned != null ? owned : x.sharedGrad();
            RmsNorm.backward(xv.data(), xv.offset(), rows, cols, w.data(), w.offset(), invRms, 0,
                    dy.data(), dy.offset(), dx.data(), dx.offset(), sofar == null ? null : sofar.data(),
                    sofar == null ? 0 : sofar.offset(), dw.data(), 0);
            if (owned == null) {
                x.takeGradSum(dx);
            }
            weight.accumulateOwnedGrad(dw);
            scratch.give(yd);
        }, x, weight);
    }

    // x: (..., d)   weight, bias: (d)   y: (..., d)
    public static Variable layerNorm(Variable x, Variable weight, Variable bias, float eps) {
        Tensor xv = x.value();
        Tensor w = weight.value();
        requireWeight("layer_norm", xv, w, "weight");
        if (bias != null) requireWeight("layer_norm", xv, bias.value(), "bias");
        int rows = xv.rows();
        int cols = xv.cols();
        Tensor b = bias == null ? null : bias.value();
        Tensor y = Tensor.zeros(xv.shape());
        float[] mean = new float[rows];
        float[] invStd = new float[rows];
        LayerNorm.forward(xv.data(), xv.offset(), rows, cols, w.data(), w.offset(), b == null ? null : b.data(),
                b == null ? 0 : b.offset(), eps, y.data(), 0, mean, 0, invStd, 0);
        return Variable.result("layer_norm", y, dy -> {
            Tensor dx = Tensor.zeros(xv.shape());
            Tensor dw = Tensor.zeros(cols);
            Tensor db = bias == null ? null : Tensor.zeros(cols);
            LayerNorm.backward(xv.data(), xv.offset(), rows, cols, w.data(), w.offset(), mean, 0, invStd, 0,
                    dy.data(), dy.offset(), dx.data(), 0, dw.data(), 0, db == null ? null : db.data(), 0);
            x.accumulateOwnedGrad(dx);
            weight.accumulateOwnedGrad(dw);
            if (bias != null) bias.accumulateOwnedGrad(db);
        }, x, weight, bias);
    }

    private static void requireWeight(String op, Tensor x, Tensor w, String name) {
        if (w.rank() != 1 || x.rank() < 1 || w.dim(0) != x.cols()) {
            throw new IllegalArgumentException(op + ": " + name + " shape " + Shape.str(w.shape()) + " must be [" + x.cols()
                    + "] to match input " + Shape.str(x.shape()));
        }
    }
}
