package org.moe4j.kernel;

import java.util.Arrays;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Sums, means, dot products and maxima. Sums accumulate in float, one partial sum per vector lane,
 * so their rounding differs from a sequential loop; {@link ReductionsReference} sums in double.
 * A row-major n-d tensor reduced along axis a is seen as [outer, len, inner] with
 * outer = prod(shape[0..a)), len = shape[a], inner = prod(shape(a..]): the last axis (inner = 1)
 * reduces along contiguous rows, any other axis adds whole contiguous [inner] slices.
 */
public final class Reductions {
    private Reductions() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    // x: (n)
    /** sum_i x_i (0 for n = 0). */
    public static float sum(float[] x, int off, int n) {
        KernelChecks.nonNegative("sum", "n", n);
        KernelChecks.region("sum", "x", x, off, n);
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            acc = acc.add(FloatVector.fromArray(F, x, off + i));
        }
        if (i < n) {
            acc = acc.add(FloatVector.fromArray(F, x, off + i, F.indexInRange(i, n)));
        }
        return VectorMath.sumLanes(acc);
    }

    /** Elements per partial sum of {@link #sumOfSquares}: fixed, so the result does not depend on the thread count. */
    private static final int SQUARES_CHUNK = 1 << 16;
    /** Doubles of the widest vector, and floats of half its width: one float vector widens to one double vector. */
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> HALF = VectorSpecies.of(float.class, VectorShape.forBitSize(D.vectorBitSize() / 2));

    // x: (n)
    /**
     * sum_i x_i^2 in double (a gradient norm): a partial sum per block of 65,536 elements, the
     * blocks spread over the kernel threads, then the partials added in block order. Inside a block
     * the floats are widened to doubles a vector at a time and squared into two vectors of sums
     * (a square of a float is exact in double, so each step rounds once, as {@code s += x * x}
     * does), whose lanes are added in a fixed order at the end: the scalar loop of four running
     * sums this replaces took 2 to 4% of a training step in JFR profiles. The order is fixed, so is
     * the result; {@link ReductionsReference#sumOfSquares} is the plain loop.
     */
    public static double sumOfSquares(float[] x, int off, int n) {
        KernelChecks.nonNegative("sumOfSquares", "n", n);
        KernelChecks.region("sumOfSquares", "x", x, off, n);
        int blocks = (n + SQUARES_CHUNK - 1) / SQUARES_CHUNK;
        double[] partial = new double[blocks];
        KernelPool.parallelFor(blocks, blk -> {
            int from = off + blk * SQUARES_CHUNK;
            partial[blk] = sumOfSquaresBlock(x, from, off + Math.min(n, (blk + 1) * SQUARES_CHUNK));
        });
        double total = 0;
        for (double s : partial) total += s;
        return total;
    }

    private static double sumOfSquaresBlock(float[] x, int from, int end) {
        int lanes = HALF.length();
        DoubleVector s0 = DoubleVector.zero(D);
        DoubleVector s1 = DoubleVector.zero(D);
        int i = from;
        for (; i + 2 * lanes <= end; i += 2 * lanes) {
            DoubleVector a = (DoubleVector) FloatVector.fromArray(HALF, x, i).convertShape(VectorOperators.F2D, D, 0);
            DoubleVector b = (DoubleVector) FloatVector.fromArray(HALF, x, i + lanes).convertShape(VectorOperators.F2D, D, 0);
            s0 = a.fma(a, s0);
            s1 = b.fma(b, s1);
        }
        // lanes in order (reduceLanes leaves the order of a floating-point sum open)
        DoubleVector lanesSum = s0.add(s1);
        double sum = 0;
        for (int l = 0; l < lanesSum.length(); l++) {
            sum += lanesSum.lane(l);
        }
        for (; i < end; i++) {
            sum += (double) x[i] * x[i];
        }
        return sum;
    }

    // a, b: (n)
    /** sum_i a_i b_i (0 for n = 0). */
    public static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        KernelChecks.nonNegative("dot", "n", n);
        KernelChecks.region("dot", "a", a, aOff, n);
        KernelChecks.region("dot", "b", b, bOff, n);
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            acc = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc);
        }
        if (i < n) {
            VectorMask<Float> m = F.indexInRange(i, n);
            acc = FloatVector.fromArray(F, a, aOff + i, m).fma(FloatVector.fromArray(F, b, bOff + i, m), acc);
        }
        return VectorMath.sumLanes(acc);
    }

    // x: (n)
    /** max_i x_i; NaN if any element is NaN; -inf for n = 0. */
    public static float max(float[] x, int off, int n) {
        KernelChecks.nonNegative("max", "n", n);
        KernelChecks.region("max", "x", x, off, n);
        FloatVector acc = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            acc = acc.max(FloatVector.fromArray(F, x, off + i));
        }
        float max = acc.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            max = Math.max(max, x[off + i]);
        }
        return max;
    }

    // x: (rows, cols)   out: (rows)
    /** out[r] = sum_c x[r, c]. */
    public static void rowSums(float[] x, int xOff, int rows, int cols, float[] out, int outOff) {
        checkMatrix("rowSums", x, xOff, rows, cols, out, outOff, rows);
        for (int r = 0; r < rows; r++) {
            out[outOff + r] = sum(x, xOff + r * cols, cols);
        }
    }

    // x: (rows, cols)   out: (cols)
    /** out[c] = sum_r x[r, c], adding whole rows into out (as for a bias gradient). */
    public static void columnSums(float[] x, int xOff, int rows, int cols, float[] out, int outOff) {
        checkMatrix("columnSums", x, xOff, rows, cols, out, outOff, cols);
        addRowsInto(x, xOff, rows, cols, out, outOff);
    }

    // x: (rows, cols)   out: (rows)
    /** out[r] = max_c x[r, c]; cols must be >= 1. */
    public static void rowMax(float[] x, int xOff, int rows, int cols, float[] out, int outOff) {
        checkMatrix("rowMax", x, xOff, rows, cols, out, outOff, rows);
        if (rows > 0 && cols == 0) {
            throw new IllegalArgumentException("rowMax: cols is 0, the maximum of an empty row is undefined (need cols >= 1)");
        }
        for (int r = 0; r < rows; r++) {
            out[outOff + r] = max(x, xOff + r * cols, cols);
        }
    }

    // x: shape   out: shape without the axis (same element order as keeping it with size 1)
    /** Sum along {@code axis} (negative counts from the end) of a row-major tensor. */
    public static void sum(float[] x, int xOff, int[] shape, int axis, float[] out, int outOff) {
        AxisSplit s = AxisSplit.of("sum", shape, axis);
        KernelChecks.region("sum", "x", x, xOff, s.size());
        KernelChecks.region("sum", "out", out, outOff, (long) s.outer() * s.inner());
        reduceAxis(x, xOff, s, out, outOff);
    }

    /** Mean along {@code axis}; an empty axis gives NaN (0 / 0), as in PyTorch. */
    public static void mean(float[] x, int xOff, int[] shape, int axis, float[] out, int outOff) {
        AxisSplit s = AxisSplit.of("mean", shape, axis);
        KernelChecks.region("mean", "x", x, xOff, s.size());
        int n = s.outer() * s.inner();
        KernelChecks.region("mean", "out", out, outOff, n);
        if (s.len() == 0) {
            Arrays.fill(out, outOff, outOff + n, Float.NaN);
            return;
        }
        reduceAxis(x, xOff, s, out, outOff);
        Elementwise.scale(1f / s.len(), out, outOff, out, outOff, n);
    }

    private static void reduceAxis(float[] x, int xOff, AxisSplit s, float[] out, int outOff) {
        if (s.inner() == 1) {
            for (int o = 0; o < s.outer(); o++) {
                out[outOff + o] = sum(x, xOff + o * s.len(), s.len());
            }
        } else {
            for (int o = 0; o < s.outer(); o++) {
                addRowsInto(x, xOff + o * s.len() * s.inner(), s.len(), s.inner(), out, outOff + o * s.inner());
            }
        }
    }

    /** out[0, cols) = sum of the rows of the [rows x cols] block at xOff. */
    private static void addRowsInto(float[] x, int xOff, int rows, int cols, float[] out, int outOff) {
        Arrays.fill(out, outOff, outOff + cols, 0f);
        for (int r = 0; r < rows; r++) {
            int xr = xOff + r * cols;
            int c = 0;
            for (int upper = F.loopBound(cols); c < upper; c += F.length()) {
                FloatVector.fromArray(F, out, outOff + c).add(FloatVector.fromArray(F, x, xr + c)).intoArray(out, outOff + c);
            }
            for (; c < cols; c++) {
                out[outOff + c] += x[xr + c];
            }
        }
    }

    private static void checkMatrix(String op, float[] x, int xOff, int rows, int cols, float[] out, int outOff, int outLength) {
        long size = KernelChecks.matrix(op, rows, cols);
        KernelChecks.region(op, "x", x, xOff, size);
        KernelChecks.region(op, "out", out, outOff, outLength);
    }
}
