package org.moe4j.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Pointwise activations, each forward beside its backward. A forward maps x (n) to y (n); a backward
 * takes the saved tensor named in its signature and the upstream gradient dy and writes the input
 * gradient dx (overwriting it). Any output may be the same region as an input. The vector bodies
 * take exp and log1p from the Vector API (SVML on x86, within an ulp or so of Math); the last
 * partial vector uses a masked load and store, so every element goes through the same formula.
 * Double-precision definitions are in {@link ActivationsReference}; GELU is in {@link Gelu}.
 */
public final class Activations {
    private Activations() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    /** Softplus returns x itself above this (PyTorch's default threshold, with beta = 1). */
    public static final float SOFTPLUS_THRESHOLD = 20f;

    // x, y: (n)
    /** ReLU: y = max(x, 0); NaN stays NaN. */
    public static void relu(float[] x, int xOff, float[] y, int yOff, int n) {
        checkUnary("relu", x, xOff, y, yOff, n);
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector.fromArray(F, x, xOff + i).max(0f).intoArray(y, yOff + i);
        }
        if (i < n) {
            VectorMask<Float> m = F.indexInRange(i, n);
            FloatVector.fromArray(F, x, xOff + i, m).max(0f).intoArray(y, yOff + i, m);
        }
    }

    // xOrY, dy, dx: (n)
    /** ReLU backward: dx = dy where the input was > 0, else 0. Pass either the input x or the output y: both are > 0 at the same places. */
    public static void reluBackward(float[] xOrY, int xOff, float[] dy, int dyOff, float[] dx, int dxOff, int n) {
        checkBinary("reluBackward", "x or y", xOrY, xOff, "dy", dy, dyOff, "dx", dx, dxOff, n);
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            reluBackward(FloatVector.fromArray(F, xOrY, xOff + i), FloatVector.fromArray(F, dy, dyOff + i)).intoArray(dx, dxOff + i);
        }
        if (i < n) {
            VectorMask<Float> m = F.indexInRange(i, n);
            reluBackward(FloatVector.fromArray(F, xOrY, xOff + i, m), FloatVector.fromArray(F, dy, dyOff + i, m)).intoArray(dx, dxOff + i, m);
        }
    }

    private static FloatVector reluBackward(FloatVector x, FloatVector dy) {
        return FloatVector.zero(F).blend(dy, x.compare(VectorOperators.GT, 0f));
    }

    /** Sigmoid: y = 1 / (1 + exp(-x)); saturates to exactly 0 and 1 for large |x| (exp overflows to inf, 1/inf = 0). */
    public static void sigmoid(float[] x, int xOff, float[] y, int yOff, int n) {
        checkUnary("sigmoid", x, xOff, y, yOff, n);
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            sigmoid(FloatVector.fromArray(F, x, xOff + i)).intoArray(y, yOff + i);
        }
        if (i < n) {
            VectorMask<Float> m = F.indexInRange(i, n);
            sigmoid(FloatVector.fromArray(F, x, xOff + i, m)).intoArray(y, yOff + i, m);
        }
    }

    static FloatVector sigmoid(FloatVector x) {
        FloatVector denominator = VectorMath.exp(x.neg()).add(1f);
        return denominator.broadcast(1f).div(denominator);
    }

    // y, dy, dx: (n)
    /** Sigmoid backward from the saved output y: dx = dy * y * (1 - y). */
    public static void sigmoidBackward(float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff, int n) {
        checkBinary("sigmoidBackward", "y", y, yOff, "dy", dy, dyOff, "dx", dx, dxOff, n);
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            sigmoidBackward(FloatVector.fromArray(F, y, yOff + i), FloatVector.fromArray(F, dy, dyOff + i)).intoArray(dx, dxOff + i);
        }
        if (i < n) {
            VectorMask<Float> m = F.indexInRange(i, n);
            sigmoidBackward(FloatVector.fromArray(F, y, yOff + i, m), FloatVector.fromArray(F, dy, dyOff + i, m)).intoArray(dx, dxOff + i, m);
        }
    }

    private static FloatVector sigmoidBackward(FloatVector y, FloatVector dy) {
        return dy.mul(y).mul(y.neg().add(1f));
    }

    /** SiLU (swish): y = x * sigmoid(x) (Elfwing et al. 2018; Ramachandran et al. 2017); silu(-inf) is NaN (-inf * 0), as the formula gives. */
    public static void silu(float[] x, int xOff, float[] y, int yOff, int n) {
        checkUnary("silu", x, xOff, y, yOff, n);
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, xOff + i);
            v.mul(sigmoid(v)).intoArray(y, yOff + i);
        }
        if (i < n) {
            VectorMask<Float> m = F.indexInRange(i, n);
            FloatVector v = FloatVector.fromArray(F, x, xOff + i, m);
            v.mul(sigmoid(v)).intoArray(y, yOff + i, m);
        }
    }

    // x, dy, dx: (n)
    /** SiLU backward from the input x: dx = dy * s * (1 + x (1 - s)), s = sigmoid(x). */
    public static void siluBackward(float[] x, int xOff, float[] dy, int dyOff, float[] dx, int dxOff, int n) {
        checkBinary("siluBackward", "x", x, xOff, "dy", dy, dyOff, "dx", dx, dxOff, n);
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector.fromArray(F, dy, dyOff + i).mul(siluDerivative(FloatVector.fromArray(F, x, xOff + i))).intoArray(dx, dxOff + i);
        }
        if (i < n) {
            VectorMask<Float> m = F.indexInRange(i, n);
            FloatVector.fromArray(F, dy, dyOff + i, m).mul(siluDerivative(FloatVector.fromArray(F, x, xOff + i, m))).intoArray(dx, dxOff + i, m);
        }
    }

    private static FloatVector siluDerivative(FloatVector x) {
        FloatVector s = sigmoid(x);
        return s.mul(x.mul(s.neg().add(1f)).add(1f));
    }

    // a, b, out: (n)
    /** SwiGLU gate: out = silu(a) * b (Shazeer 2020, "GLU Variants Improve Transformer", eq. 6 without the projections). */
    public static void swiglu(float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int n) {
        checkBinary("swiglu", "a", a, aOff, "b", b, bOff, "out", out, outOff, n);
        if (n < KernelPool.MIN_PARALLEL_ELEMENTS) {
            // the decode step's size: no lambda for the loop to allocate
            swigluSlice(a, aOff, b, bOff, out, outOff, n);
            return;
        }
        // elementwise, so slices over the kernel threads give the same bits
        KernelPool.forRows(n, 1, (from, to) -> swigluSlice(a, aOff + from, b, bOff + from, out, outOff + from, to - from));
    }

    private static void swigluSlice(float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector va = FloatVector.fromArray(F, a, aOff + i);
            va.mul(sigmoid(va)).mul(FloatVector.fromArray(F, b, bOff + i)).intoArray(out, outOff + i);
        }
        if (i < n) {
            VectorMask<Float> m = F.indexInRange(i, n);
            FloatVector va = FloatVector.fromArray(F, a, aOff + i, m);
            va.mul(sigmoid(va)).mul(FloatVector.fromArray(F, b, bOff + i, m)).intoArray(out, outOff + i, m);
        }
    }

    // a, b, dOut, da, db: (n)
    /**
     * SwiGLU backward: da = dOut * b * silu'(a), db = dOut * silu(a). da and db must not be the same
     * region; da may be a and db may be b (each element is read before it is written).
     */
    public static void swigluBackward(float[] a, int aOff, float[] b, int bOff, float[] dOut, int dOutOff,
                                      float[] da, int daOff, float[] db, int dbOff, int n) {
        checkBinary("swigluBackward", "a", a, aOff, "b", b, bOff, "da", da, daOff, n);
        KernelChecks.region("swigluBackward", "dOut", dOut, dOutOff, n);
        KernelChecks.region("swigluBackward", "db", db, dbOff, n);
        KernelPool.forRows(n, 1, (from, to) -> swigluBackwardSlice(a, aOff + from, b, bOff + from, dOut, dOutOff + from,
                da, daOff + from, db, dbOff + from, to - from));
    }

    private static void swigluBackwardSlice(float[] a, int aOff, float[] b, int bOff, float[] dOut, int dOutOff,
                                            float[] da, int daOff, float[] db, int dbOff, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector va = FloatVector.fromArray(F, a, aOff + i);
            FloatVector vb = FloatVector.fromArray(F, b, bOff + i);
            FloatVector g = FloatVector.fromArray(F, dOut, dOutOff + i);
            FloatVector s = sigmoid(va);
            FloatVector silu = va.mul(s);
            FloatVector siluPrime = s.mul(va.mul(s.neg().add(1f)).add(1f));
            g.mul(vb).mul(siluPrime).intoArray(da, daOff + i);
            g.mul(silu).intoArray(db, dbOff + i);
        }
        if (i < n) {
            VectorMask<Float> m = F.indexInRange(i, n);
            FloatVector va = FloatVector.fromArray(F, a, aOff + i, m);
            FloatVector vb = FloatVector.fromArray(F, b, bOff + i, m);
            FloatVector g = FloatVector.fromArray(F, dOut, dOutOff + i, m);
            FloatVector s = sigmoid(va);
            FloatVector silu = va.mul(s);
            FloatVector siluPrime = s.mul(va.mul(s.neg().add(1f)).add(1f));
            g.mul(vb).mul(siluPrime).intoArray(da, daOff + i, m);
            g.mul(silu).intoArray(db, dbOff + i, m);
        }
    }

    // x, y: (n)
    /**
     * Softplus: y = log(1 + exp(x)), computed as log1p(exp(x)), which neither overflows (x <= 20
     * here) nor loses small results for very negative x; above the threshold 20, y = x (PyTorch's
     * Softplus with beta = 1, threshold = 20, where log1p(exp(x)) - x < 2.1e-9).
     */
    public static void softplus(float[] x, int xOff, float[] y, int yOff, int n) {
        checkUnary("softplus", x, xOff, y, yOff, n);
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            softplus(FloatVector.fromArray(F, x, xOff + i)).intoArray(y, yOff + i);
        }
        if (i < n) {
            VectorMask<Float> m = F.indexInRange(i, n);
            softplus(FloatVector.fromArray(F, x, xOff + i, m)).intoArray(y, yOff + i, m);
        }
    }

    private static FloatVector softplus(FloatVector x) {
        VectorMask<Float> linear = x.compare(VectorOperators.GT, SOFTPLUS_THRESHOLD);
        // the exp of lanes above the threshold is computed on 0 and discarded
        FloatVector soft = VectorMath.log1p(VectorMath.exp(x.blend(FloatVector.zero(F), linear)));
        return soft.blend(x, linear);
    }

    // x, dy, dx: (n)
    /** Softplus backward from the input x: dx = dy * sigmoid(x), and dx = dy above the threshold. */
    public static void softplusBackward(float[] x, int xOff, float[] dy, int dyOff, float[] dx, int dxOff, int n) {
        checkBinary("softplusBackward", "x", x, xOff, "dy", dy, dyOff, "dx", dx, dxOff, n);
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            softplusBackward(FloatVector.fromArray(F, x, xOff + i), FloatVector.fromArray(F, dy, dyOff + i)).intoArray(dx, dxOff + i);
        }
        if (i < n) {
            VectorMask<Float> m = F.indexInRange(i, n);
            softplusBackward(FloatVector.fromArray(F, x, xOff + i, m), FloatVector.fromArray(F, dy, dyOff + i, m)).intoArray(dx, dxOff + i, m);
        }
    }

    private static FloatVector softplusBackward(FloatVector x, FloatVector dy) {
        return dy.mul(sigmoid(x)).blend(dy, x.compare(VectorOperators.GT, SOFTPLUS_THRESHOLD));
    }

    static void checkUnary(String op, float[] x, int xOff, float[] y, int yOff, int n) {
        KernelChecks.nonNegative(op, "n", n);
        KernelChecks.region(op, "x", x, xOff, n);
        KernelChecks.region(op, "y", y, yOff, n);
    }

    static void checkBinary(String op, String first, float[] a, int aOff, String second, float[] b, int bOff,
                            String outName, float[] out, int outOff, int n) {
        KernelChecks.nonNegative(op, "n", n);
        KernelChecks.region(op, first, a, aOff, n);
        KernelChecks.region(op, second, b, bOff, n);
        KernelChecks.region(op, outName, out, outOff, n);
    }
}
