package org.moe4j.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Elementwise arithmetic on float arrays with offsets, vectorised with the preferred species and a
 * scalar tail. An output may be the same region as an input (in-place), never a shifted overlap.
 * The plain loops these agree with exactly are in {@link ElementwiseReference}.
 */
public final class Elementwise {
    private Elementwise() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    // a, b, out: (n)
    /**
     * out = a + b, split over the kernel threads when large (a residual connection of a training
     * batch): each element is one float addition wherever it runs.
     */
    public static void add(float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int n) {
        checkBinary("add", a, aOff, b, bOff, out, outOff, n);
        if (n < KernelPool.MIN_PARALLEL_ELEMENTS) {
            addSlice(a, aOff, b, bOff, out, outOff, n);
            return;
        }
        KernelPool.forRows(n, 1, (from, to) -> addSlice(a, aOff + from, b, bOff + from, out, outOff + from, to - from));
    }

    private static void addSlice(float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector.fromArray(F, a, aOff + i).add(FloatVector.fromArray(F, b, bOff + i)).intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            out[outOff + i] = a[aOff + i] + b[bOff + i];
        }
    }

    // x, y: (n)
    /**
     * y += x (a gradient added into another), split over the kernel threads when large: each
     * element is one float addition wherever it runs, so the bits are those of {@link #add}.
     */
    public static void addInto(float[] x, int xOff, float[] y, int yOff, int n) {
        checkBinary("addInto", x, xOff, y, yOff, y, yOff, n);
        add(y, yOff, x, xOff, y, yOff, n);
    }

    /** out = a - b. */
    public static void sub(float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int n) {
        checkBinary("sub", a, aOff, b, bOff, out, outOff, n);
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector.fromArray(F, a, aOff + i).sub(FloatVector.fromArray(F, b, bOff + i)).intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            out[outOff + i] = a[aOff + i] - b[bOff + i];
        }
    }

    /** out = a * b (Hadamard product). */
    public static void mul(float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int n) {
        checkBinary("mul", a, aOff, b, bOff, out, outOff, n);
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector.fromArray(F, a, aOff + i).mul(FloatVector.fromArray(F, b, bOff + i)).intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            out[outOff + i] = a[aOff + i] * b[bOff + i];
        }
    }

    // x, out: (n)
    /** out = alpha * x. */
    public static void scale(float alpha, float[] x, int xOff, float[] out, int outOff, int n) {
        KernelChecks.nonNegative("scale", "n", n);
        KernelChecks.region("scale", "x", x, xOff, n);
        KernelChecks.region("scale", "out", out, outOff, n);
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector.fromArray(F, x, xOff + i).mul(alpha).intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            out[outOff + i] = alpha * x[xOff + i];
        }
    }

    // x, y: (n)
    /**
     * y += alpha * x (BLAS saxpy), with one rounding per element (fused multiply-add), so it agrees
     * exactly with {@link ElementwiseReference#axpy}.
     */
    public static void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        KernelChecks.nonNegative("axpy", "n", n);
        KernelChecks.region("axpy", "x", x, xOff, n);
        KernelChecks.region("axpy", "y", y, yOff, n);
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector.fromArray(F, x, xOff + i).fma(FloatVector.broadcast(F, alpha), FloatVector.fromArray(F, y, yOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] = Math.fma(alpha, x[xOff + i], y[yOff + i]);
        }
    }

    // x, out: (rows, cols)   v: (cols)
    /** out[r, :] = x[r, :] + v: a row vector broadcast over the rows, as when adding a bias. */
    public static void addRowVector(float[] x, int xOff, int rows, int cols, float[] v, int vOff, float[] out, int outOff) {
        long size = KernelChecks.matrix("addRowVector", rows, cols);
        KernelChecks.region("addRowVector", "x", x, xOff, size);
        KernelChecks.region("addRowVector", "v", v, vOff, cols);
        KernelChecks.region("addRowVector", "out", out, outOff, size);
        for (int r = 0; r < rows; r++) {
            int xr = xOff + r * cols;
            int outR = outOff + r * cols;
            int c = 0;
            for (int upper = F.loopBound(cols); c < upper; c += F.length()) {
                FloatVector.fromArray(F, x, xr + c).add(FloatVector.fromArray(F, v, vOff + c)).intoArray(out, outR + c);
            }
            for (; c < cols; c++) {
                out[outR + c] = x[xr + c] + v[vOff + c];
            }
        }
    }

    private static void checkBinary(String op, float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int n) {
        KernelChecks.nonNegative(op, "n", n);
        KernelChecks.region(op, "a", a, aOff, n);
        KernelChecks.region(op, "b", b, bOff, n);
        KernelChecks.region(op, "out", out, outOff, n);
    }
}
