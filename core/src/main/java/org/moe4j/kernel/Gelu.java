package org.moe4j.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * GELU forward and backward (Hendrycks and Gimpel 2016), exact (erf, PyTorch's default) or with the
 * tanh approximation. The exact form uses this project's float {@link Erf}; the tanh form is evaluated
 * through the identity 0.5 (1 + tanh u) = sigmoid(2u). gelu(-inf) is NaN (-inf * 0), as the formulas give;
 * every finite input gives a finite result. Double-precision definitions are in {@link ActivationsReference}.
 */
public final class Gelu {
    private Gelu() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final float INV_SQRT2 = (float) (1 / Math.sqrt(2));
    private static final float INV_SQRT_2PI = (float) (1 / Math.sqrt(2 * Math.PI));
    private static final float SQRT_2_OVER_PI = (float) Math.sqrt(2 / Math.PI);
    private static final float TANH_CUBIC = 0.044715f;
    private static final float INNER_CLAMP = 40f;

    // x, y: (n)
    /**
     * y = 0.5 x (1 + erf(x / sqrt 2)) for {@link GeluApproximation#NONE};
     * y = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) for {@link GeluApproximation#TANH}.
     */
    public static void forward(float[] x, int xOff, float[] y, int yOff, int n, GeluApproximation approximation) {
        Activations.checkUnary("gelu", x, xOff, y, yOff, n);
        boolean tanh = tanh(approximation);
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, xOff + i);
            (tanh ? forwardTanh(v) : forwardErf(v)).intoArray(y, yOff + i);
        }
        if (i < n) {
            VectorMask<Float> m = F.indexInRange(i, n);
            FloatVector v = FloatVector.fromArray(F, x, xOff + i, m);
            (tanh ? forwardTanh(v) : forwardErf(v)).intoArray(y, yOff + i, m);
        }
    }

    // x, dy, dx: (n)
    /**
     * Backward from the input x: dx = dy * GELU'(x), with
     * GELU'(x) = Phi(x) + x phi(x), phi(x) = exp(-x^2 / 2) / sqrt(2 pi) for the exact form, and
     * GELU'(x) = 0.5 (1 + t) + 0.5 x (1 - t^2) sqrt(2/pi) (1 + 3 * 0.044715 x^2), t = tanh(...), for the tanh form.
     */
    public static void backward(float[] x, int xOff, float[] dy, int dyOff, float[] dx, int dxOff, int n,
                                GeluApproximation approximation) {
        Activations.checkBinary("geluBackward", "x", x, xOff, "dy", dy, dyOff, "dx", dx, dxOff, n);
        boolean tanh = tanh(approximation);
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, xOff + i);
            FloatVector derivative = tanh ? derivativeTanh(v) : derivativeErf(v);
            FloatVector.fromArray(F, dy, dyOff + i).mul(derivative).intoArray(dx, dxOff + i);
        }
        if (i < n) {
            VectorMask<Float> m = F.indexInRange(i, n);
            FloatVector v = FloatVector.fromArray(F, x, xOff + i, m);
            FloatVector derivative = tanh ? derivativeTanh(v) : derivativeErf(v);
            FloatVector.fromArray(F, dy, dyOff + i, m).mul(derivative).intoArray(dx, dxOff + i, m);
        }
    }

    private static boolean tanh(GeluApproximation approximation) {
        if (approximation == null) {
            throw new IllegalArgumentException("gelu: approximation is null, must be NONE or TANH");
        }
        return approximation == GeluApproximation.TANH;
    }

    private static FloatVector cdf(FloatVector x) {
        return Erf.erf(x.mul(INV_SQRT2)).add(1f).mul(0.5f);
    }

    private static FloatVector forwardErf(FloatVector x) {
        return x.mul(cdf(x));
    }

    private static FloatVector derivativeErf(FloatVector x) {
        FloatVector density = VectorMath.exp(x.mul(x).mul(-0.5f)).mul(INV_SQRT_2PI);
        return x.fma(density, cdf(x));
    }

    /**
     * The tanh form's inner u = sqrt(2/pi) (x + 0.044715 x^3), clamped to [-40, 40], where tanh u
     * is already +-1 in float and exp(2|u|) still fits. The form is evaluated through
     * 0.5 (1 + tanh u) = sigmoid(2u), which unlike 1 + tanh u keeps its relative accuracy where
     * tanh u is near -1.
     */
    private static FloatVector inner(FloatVector x) {
        return x.mul(x).fma(TANH_CUBIC, 1f).mul(x).mul(SQRT_2_OVER_PI).max(-INNER_CLAMP).min(INNER_CLAMP);
    }

    private static FloatVector forwardTanh(FloatVector x) {
        return x.mul(Activations.sigmoid(inner(x).mul(2f)));
    }

    /** With p = sigmoid(2u) and q = 1 - p = p exp(-2u): 0.5 (1 + t) = p and 0.5 (1 - t^2) = 2 p q, products without cancellation. */
    private static FloatVector derivativeTanh(FloatVector x) {
        FloatVector u = inner(x);
        FloatVector p = Activations.sigmoid(u.mul(2f));
        FloatVector q = p.mul(VectorMath.exp(u.mul(-2f)));
        FloatVector innerPrime = x.mul(x).fma(3 * TANH_CUBIC, 1f).mul(SQRT_2_OVER_PI);
        return x.mul(2f).mul(p).mul(q).fma(innerPrime, p);
    }
}
