package org.moe4j.kernel;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Softmax and log-softmax over each row of a row-major [rows x cols] matrix, with their backward.
 * Numerically stable: the row maximum m is subtracted before exp, so no finite input overflows.
 * <ul>
 *   <li>softmax(x)_i = exp(x_i - m) / sum_j exp(x_j - m);
 *       log_softmax(x)_i = (x_i - m) - log(sum_j exp(x_j - m)).</li>
 *   <li>-inf entries (masked positions) get probability 0 and log-probability -inf.</li>
 *   <li>A row of only -inf (everything masked) is defined as all zeros for softmax and all -inf
 *       for log-softmax: nothing is attended to, and the softmax backward gives a zero gradient.
 *       (PyTorch returns NaN there.)</li>
 *   <li>A row holding +inf shares the probability equally among its +inf entries (the limit as
 *       those logits grow together); log-softmax gives -log(count) there and -inf elsewhere.</li>
 *   <li>A row holding NaN comes out all NaN.</li>
 * </ul>
 * Rows are independent; large inputs are split over threads by rows, with identical results.
 * Double-precision definitions are in {@link SoftmaxReference}.
 */
public final class Softmax {
    private Softmax() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    // x, y: (rows, cols)
    /** y = softmax(x) per row; y may be x. */
    public static void softmax(float[] x, int xOff, int rows, int cols, float[] y, int yOff) {
        check("softmax", "x", x, xOff, rows, cols, "y", y, yOff);
        KernelPool.forRows(rows, cols, (from, to) -> {
            for (int r = from; r < to; r++) {
                row(x, xOff + r * cols, cols, y, yOff + r * cols, false);
            }
        });
    }

    // x, y: (rows, cols)
    /** y = log_softmax(x) per row; y may be x. */
    public static void logSoftmax(float[] x, int xOff, int rows, int cols, float[] y, int yOff) {
        check("logSoftmax", "x", x, xOff, rows, cols, "y", y, yOff);
        KernelPool.forRows(rows, cols, (from, to) -> {
            for (int r = from; r < to; r++) {
                row(x, xOff + r * cols, cols, y, yOff + r * cols, true);
            }
        });
    }

    // y, dy, dx: (rows, cols)
    /** Softmax backward from the saved output y: dx_i = y_i (dy_i - sum_j y_j dy_j). dx may be dy. */
    public static void softmaxBackward(float[] y, int yOff, float[] dy, int dyOff, int rows, int cols, float[] dx, int dxOff) {
        check("softmaxBackward", "y", y, yOff, rows, cols, "dy", dy, dyOff);
        KernelChecks.region("softmaxBackward", "dx", dx, dxOff, (long) rows * cols);
        KernelPool.forRows(rows, cols, (from, to) -> {
            for (int r = from; r < to; r++) {
                backwardRow(y, yOff + r * cols, dy, dyOff + r * cols, dx, dxOff + r * cols, cols);
            }
        });
    }

    // s: (T, T) at off
    /**
     * Causal softmax of an attention head's [T, T] block of scores, in place: row i becomes the
     * softmax of its columns 0..i (as {@link #softmax} computes a row of i + 1 columns), and its
     * columns after i become 0. The masked scores are never read, so they need no -inf.
     */
    public static void causalInPlace(float[] s, int off, int T) {
        KernelChecks.nonNegative("causalSoftmax", "T", T);
        KernelChecks.region("causalSoftmax", "s", s, off, (long) T * T);
        for (int i = 0; i < T; i++) {
            int r = off + i * T;
            row(s, r, i + 1, s, r, false);
            Arrays.fill(s, r + i + 1, r + T, 0f);
        }
    }

    /**
     * One row of a softmax backward from its output y: dx_j = y_j (dy_j - sum_k dy_k y_k). dx may be dy
     * itself (each element is read before it is written).
     */
    private static void backwardRow(float[] y, int yr, float[] dy, int dyr, float[] dx, int dxr, int cols) {
        float dot = Reductions.dot(y, yr, dy, dyr, cols);
        int c = 0;
        for (int upper = F.loopBound(cols); c < upper; c += F.length()) {
            FloatVector vy = FloatVector.fromArray(F, y, yr + c);
            FloatVector.fromArray(F, dy, dyr + c).sub(dot).mul(vy).intoArray(dx, dxr + c);
        }
        for (; c < cols; c++) {
            dx[dxr + c] = y[yr + c] * (dy[dyr + c] - dot);
        }
    }

    // p, dp: (T, T) at pOff, dpOff
    /**
     * The backward of {@link #causalInPlace} from its output p: dp (dL/dP) becomes dL/dS, row i
     * dS_ij = P_ij (dP_ij - sum_{k <= i} dP_ik P_ik) for j <= i and 0 after i.
     */
    public static void causalBackwardInPlace(float[] p, int pOff, float[] dp, int dpOff, int T) {
        KernelChecks.nonNegative("causalSoftmaxBackward", "T", T);
        KernelChecks.region("causalSoftmaxBackward", "p", p, pOff, (long) T * T);
        KernelChecks.region("causalSoftmaxBackward", "dp", dp, dpOff, (long) T * T);
        for (int i = 0; i < T; i++) {
            int pr = pOff + i * T, dr = dpOff + i * T, cols = i + 1;
            backwardRow(p, pr, dp, dr, dp, dr, cols);
            Arrays.fill(dp, dr + cols, dr + T, 0f);
        }
    }

    // y, dy, dx: (rows, cols)
    /**
     * Log-softmax backward from the saved output y: dx_i = dy_i - exp(y_i) sum_j dy_j. dx may be dy.
     * For a row of only -inf this passes dy through (exp(y) = 0), the same value the formula gives
     * to every masked entry of an ordinary row.
     */
    public static void logSoftmaxBackward(float[] y, int yOff, float[] dy, int dyOff, int rows, int cols, float[] dx, int dxOff) {
        check("logSoftmaxBackward", "y", y, yOff, rows, cols, "dy", dy, dyOff);
        KernelChecks.region("logSoftmaxBackward", "dx", dx, dxOff, (long) rows * cols);
        KernelPool.forRows(rows, cols, (from, to) -> {
            for (int r = from; r < to; r++) {
                int yr = yOff + r * cols, dyr = dyOff + r * cols, dxr = dxOff + r * cols;
                float sum = Reductions.sum(dy, dyr, cols);
                int c = 0;
                for (int upper = F.loopBound(cols); c < upper; c += F.length()) {
                    FloatVector p = VectorMath.exp(FloatVector.fromArray(F, y, yr + c));
                    p.neg().fma(FloatVector.broadcast(F, sum), FloatVector.fromArray(F, dy, dyr + c)).intoArray(dx, dxr + c);
                }
                for (; c < cols; c++) {
                    dx[dxr + c] = dy[dyr + c] - (float) Math.exp(y[yr + c]) * sum;
                }
            }
        });
    }

    /**
     * One row of (log-)softmax, from x[xr, xr + cols) into y[yr, yr + cols) (y may be x), on the
     * calling thread and without argument checks.
     */
    static void row(float[] x, int xr, int cols, float[] y, int yr, boolean log) {
        if (cols == 0) {
            return;
        }
        if (cols <= F.length() && shortRow(x, xr, cols, y, yr, log)) {
            return;
        }
        float max = Reductions.max(x, xr, cols);
        if (Float.isInfinite(max)) {
            infiniteRow(x, xr, cols, y, yr, log, max);
            return;
        }
        // pass 1: e_i = exp(x_i - max), kept in y, and their sum (NaN anywhere makes the sum NaN)
        FloatVector acc = FloatVector.zero(F);
        int c = 0;
        for (int upper = F.loopBound(cols); c < upper; c += F.length()) {
            FloatVector e = VectorMath.exp(FloatVector.fromArray(F, x, xr + c).sub(max));
            if (!log) {
                e.intoArray(y, yr + c);
            }
            acc = acc.add(e);
        }
        if (c < cols) {
            VectorMask<Float> m = F.indexInRange(c, cols);
            FloatVector e = VectorMath.exp(FloatVector.fromArray(F, x, xr + c, m).sub(max));
            if (!log) {
                e.intoArray(y, yr + c, m);
            }
            acc = acc.add(e, m);
        }
        float sum = VectorMath.sumLanes(acc);
        // pass 2: normalise
        if (log) {
            float logSum = (float) Math.log(sum);
            c = 0;
            for (int upper = F.loopBound(cols); c < upper; c += F.length()) {
                FloatVector.fromArray(F, x, xr + c).sub(max).sub(logSum).intoArray(y, yr + c);
            }
            for (; c < cols; c++) {
                y[yr + c] = x[xr + c] - max - logSum;
            }
        } else {
            c = 0;
            for (int upper = F.loopBound(cols); c < upper; c += F.length()) {
                FloatVector.fromArray(F, y, yr + c).div(sum).intoArray(y, yr + c);
            }
            for (; c < cols; c++) {
                y[yr + c] = y[yr + c] / sum;
            }
        }
    }

    /**
     * A row that fits in one vector (a router's E logits, say), done with one masked load and store:
     * the same formula as the long path without its per-pass loops. Returns false, leaving y
     * untouched, for a row whose maximum is infinite, which the long path handles.
     */
    private static boolean shortRow(float[] x, int xr, int cols, float[] y, int yr, boolean log) {
        VectorMask<Float> m = F.indexInRange(0, cols);
        FloatVector v = FloatVector.fromArray(F, x, xr, m);
        float max = v.reduceLanes(VectorOperators.MAX, m);
        if (Float.isInfinite(max)) {
            return false;
        }
        FloatVector shifted = v.sub(max);
        FloatVector e = VectorMath.exp(shifted);
        float sum = VectorMath.sumLanes(FloatVector.zero(F).blend(e, m));
        (log ? shifted.sub((float) Math.log(sum)) : e.div(sum)).intoArray(y, yr, m);
        return true;
    }

    /** A row whose maximum is -inf (all masked) or +inf (probability shared by the +inf entries). */
    private static void infiniteRow(float[] x, int xr, int cols, float[] y, int yr, boolean log, float max) {
        if (max == Float.NEGATIVE_INFINITY) {
            Arrays.fill(y, yr, yr + cols, log ? Float.NEGATIVE_INFINITY : 0f);
            return;
        }
        int count = 0;
        for (int c = 0; c < cols; c++) {
            if (x[xr + c] == Float.POSITIVE_INFINITY) {
                count++;
            }
        }
        float share = log ? (float) Math.log(1.0 / count) : 1f / count;
        float rest = log ? Float.NEGATIVE_INFINITY : 0f;
        for (int c = 0; c < cols; c++) {
            y[yr + c] = x[xr + c] == Float.POSITIVE_INFINITY ? share : rest;
        }
    }

    private static void check(String op, String first, float[] a, int aOff, int rows, int cols,
                              String second, float[] b, int bOff) {
        long size = KernelChecks.matrix(op, rows, cols);
        KernelChecks.region(op, first, a, aOff, size);
        KernelChecks.region(op, second, b, bOff, size);
    }
}
