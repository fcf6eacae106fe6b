package org.moe4j.autograd;

import org.moe4j.kernel.Softmax;
import org.moe4j.tensor.Tensor;

/** Softmax and log-softmax over the last axis, as differentiable operations. */
public final class SoftmaxOps {
    private SoftmaxOps() {}

    /** y = softmax(x) per row. Backward: dx = y * (dy - sum(dy * y)). */
    public static Variable softmax(Variable x) {
        Tensor xv = x.value();
        Tensor y = Tensor.zeros(xv.shape());
        Softmax.softmax(xv.data(), xv.offset(), xv.rows(), xv.cols(), y.data(), 0);
        return Variable.result("softmax", y, dy -> {
            Tensor dx = Tensor.zeros(xv.shape());
            Softmax.softmaxBackward(y.data(), 0, dy.data(), dy.offset(), xv.rows(), xv.cols(), dx.data(), 0);
            x.accumulateGrad(dx);
        }, x);
    }

    /** y = log softmax(x) per row. Backward: dx = dy - softmax(x) * sum(dy). */
    public static Variable logSoftmax(Variable x) {
        Tensor xv = x.value();
        Tensor y = Tensor.zeros(xv.shape());
        Softmax.logSoftmax(xv.data(), xv.offset(), xv.rows(), xv.cols(), y.data(), 0);
        return Variable.result("log_softmax", y, dy -> {
            Tensor dx = Tensor.zeros(xv.shape());
            Softmax.logSoftmaxBackward(y.data(), 0, dy.data(), dy.offset(), xv.rows(), xv.cols(), dx.data(), 0);
            x.accumulateGrad(dx);
        }, x);
    }
}
