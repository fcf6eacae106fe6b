package org.moe4j.kernel;

import java.util.function.DoubleUnaryOperator;

/**
 * Double-precision definitions of the activations in {@link Activations} and {@link Gelu}, each
 * function beside its derivative, and two loops that apply them to float arrays. Tests check the
 * fast kernels against these and these against central finite differences.
 */
public final class ActivationsReference {
    private ActivationsReference() {}

    public static double relu(double x) {
        return Math.max(x, 0);
    }

    public static double reluDerivative(double x) {
        return x > 0 ? 1 : 0;
    }

    public static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    public static double sigmoidDerivative(double x) {
        double s = sigmoid(x);
        return s * (1 - s);
    }

    public static double silu(double x) {
        return x * sigmoid(x);
    }

    public static double siluDerivative(double x) {
        double s = sigmoid(x);
        return s * (1 + x * (1 - s));
    }

    /** PyTorch's Softplus(beta = 1, threshold = 20). */
    public static double softplus(double x) {
        return x > Activations.SOFTPLUS_THRESHOLD ? x : Math.log1p(Math.exp(x));
    }

    public static double softplusDerivative(double x) {
        return x > Activations.SOFTPLUS_THRESHOLD ? 1 : sigmoid(x);
    }

    /** Exact GELU: x Phi(x) = 0.5 x (1 + erf(x / sqrt 2)). */
    public static double gelu(double x) {
        return 0.5 * x * (1 + ErfReference.erf(x / Math.sqrt(2)));
    }

    public static double geluDerivative(double x) {
        double cdf = 0.5 * (1 + ErfReference.erf(x / Math.sqrt(2)));
        return cdf + x * Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
    }

    /** Tanh-approximated GELU: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
    public static double geluTanh(double x) {
        return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
    }

    public static double geluTanhDerivative(double x) {
        double k = Math.sqrt(2 / Math.PI);
        double t = Math.tanh(k * (x + 0.044715 * x * x * x));
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * k * (1 + 3 * 0.044715 * x * x);
    }

    // x, y: (n)
    /** y[i] = f(x[i]), evaluated in double and rounded once. */
    public static void map(DoubleUnaryOperator f, float[] x, int xOff, float[] y, int yOff, int n) {
        for (int i = 0; i < n; i++) {
            y[yOff + i] = (float) f.applyAsDouble(x[xOff + i]);
        }
    }

    // x, dy, dx: (n)
    /** dx[i] = dy[i] * f'(x[i]), evaluated in double and rounded once. */
    public static void mapBackward(DoubleUnaryOperator derivative, float[] x, int xOff, float[] dy, int dyOff,
                                   float[] dx, int dxOff, int n) {
        for (int i = 0; i < n; i++) {
            dx[dxOff + i] = (float) (dy[dyOff + i] * derivative.applyAsDouble(x[xOff + i]));
        }
    }
}
