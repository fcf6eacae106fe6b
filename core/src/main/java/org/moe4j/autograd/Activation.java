package org.moe4j.autograd;

import org.moe4j.kernel.Activations;
import org.moe4j.kernel.Gelu;
import org.moe4j.kernel.GeluApproximation;
import org.moe4j.tensor.Shape;
import org.moe4j.tensor.Tensor;

/** Pointwise activations as differentiable operations; formulas are in {@link Activations} and {@link Gelu}. */
public final class Activation {
    private Activation() {}

    /** The activations a layer can be configured with. */
    public enum Kind {
        RELU, GELU, GELU_TANH, SILU, SIGMOID, SOFTPLUS;

        public Variable apply(Variable x) {
            return switch (this) {
                case RELU -> relu(x);
                case GELU -> gelu(x, GeluApproximation.NONE);
                case GELU_TANH -> gelu(x, GeluApproximation.TANH);
                case SILU -> silu(x);
                case SIGMOID -> sigmoid(x);
                case SOFTPLUS -> softplus(x);
            };
        }
    }

    @FunctionalInterface
    private interface Forward {
        void run(float[] x, int xOff, float[] y, int yOff, int n);
    }

    @FunctionalInterface
    private interface BackwardKernel {
        void run(float[] saved, int savedOff, float[] dy, int dyOff, float[] dx, int dxOff, int n);
    }

    /** y = f(x); the backward reads the input (or the output when {@code backwardFromOutput}). */
    private static Variable pointwise(String op, Variable x, Forward f, BackwardKernel b, boolean backwardFromOutput) {
        Tensor xv = x.value();
        Tensor y = Tensor.zeros(xv.shape());
        f.run(xv.data(), xv.offset(), y.data(), 0, xv.size());
        Tensor saved = backwardFromOutput ? y : xv;
        return Variable.result(op, y, dy -> {
            Tensor dx = Tensor.zeros(xv.shape());
            b.run(saved.data(), saved.offset(), dy.data(), dy.offset(), dx.data(), 0, xv.size());
            x.accumulateGrad(dx);
        }, x);
    }

    public static Variable relu(Variable x) {
        return pointwise("relu", x, Activations::relu, Activations::reluBackward, true);
    }

    public static Variable sigmoid(Variable x) {
        return pointwise("sigmoid", x, Activations::sigmoid, Activations::sigmoidBackward, true);
    }

    public static Variable silu(Variable x) {
        return pointwise("silu", x, Activations::silu, Activations::siluBackward, false);
    }

    public static Variable softplus(Variable x) {
        return pointwise("softplus", x, Activations::softplus, Activations::softplusBackward, false);
    }

    public static Variable gelu(Variable x, GeluApproximation approximation) {
        return pointwise("gelu", x, (a, ao, y, yo, n) -> Gelu.forward(a, ao, y, yo, n, approximation),
                (s, so, dy, dyo, dx, dxo, n) -> Gelu.backward(s, so, dy, dyo, dx, dxo, n, approximation), false);
    }

    /** SwiGLU's gate: out = silu(a) * b (Shazeer 2020), a and b of one shape. */
    public static Variable swiglu(Variable a, Variable b) {
        Tensor av = a.value();
        Tensor bv = b.value();
        Shape.requireSame("swiglu", av.shape(), bv.shape());
        Tensor out = Tensor.zeros(av.shape());
        Activations.swiglu(av.data(), av.offset(), bv.data(), bv.offset(), out.data(), 0, av.size());
        return Variable.result("swiglu", out, dOut -> {
            Tensor da = Tensor.zeros(av.shape());
            Tensor db = Tensor.zeros(bv.shape());
            Activations.swigluBackward(av.data(), av.offset(), bv.data(), bv.offset(), dOut.data(), dOut.offset(),
                    da.data(), 0, db.data(), 0, av.size());
            a.accumulateGrad(da);
            b.accumulateGrad(db);
        }, a, b);
    }
}
