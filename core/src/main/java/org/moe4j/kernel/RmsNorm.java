package org.moe4j.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * RMSNorm over each row (Zhang and Sennrich 2019, eq. 4): y = x * r * w with
 * r = 1 / sqrt(mean(x^2) + eps) per row, as in T5, LLaMA and Mixtral. The forward saves r for
 * the backward. Double-precision definitions are in {@link NormReference}.
 */
public final class RmsNorm {
    private RmsNorm() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    // x, y: (rows, cols)   weight: (cols)   invRms: (rows)
    /** y = x * invRms * weight per row, writing invRms[r] = 1 / sqrt(mean_c x[r, c]^2 + eps). y may be x. */
    public static void forward(float[] x, int xOff, int rows, int cols, float[] weight, int wOff, float eps,
                               float[] y, int yOff, float[] invRms, int invRmsOff) {
        KernelChecks.normShapes("rmsNorm", x, xOff, rows, cols, weight, wOff, null, 0, "y", y, yOff);
        KernelChecks.epsilon("rmsNorm", eps);
        KernelChecks.region("rmsNorm", "invRms", invRms, invRmsOff, rows);
        KernelPool.forRows(rows, cols, (from, to) -> {
            for (int r = from; r < to; r++) {
                int xr = xOff + r * cols, yr = yOff + r * cols;
                float sumSquares = Reductions.dot(x, xr, x, xr, cols);
                float inv = (float) (1 / Math.sqrt((double) sumSquares / cols + eps));
                invRms[invRmsOff + r] = inv;
                int c = 0;
                for (int upper = F.loopBound(cols); c < upper; c += F.length()) {
                    FloatVector.fromArray(F, x, xr + c).mul(inv).mul(FloatVector.fromArray(F, weight, wOff + c)).intoArray(y, yr + c);
                }
                for (; c < cols; c++) {
                    y[yr + c] = x[xr + c] * inv * weight[wOff + c];
                }
            }
        });
    }

    // x, dy, dx: (rows, cols)   weight, dWeight: (cols)   invRms: (rows)
    /**
     * With g = dy * w and r the saved invRms:
     * dx = r * (g - x * r^2 * mean(g * x)) (overwritten), dWeight += sum over rows of dy * x * r
     * (accumulated, so several calls add up).
     */
    public static void backward(float[] x, int xOff, int rows, int cols, float[] weight, int wOff, float[] invRms, int invRmsOff,
                                float[] dy, int dyOff, float[] dx, int dxOff, float[] dWeight, int dwOff) {
        backward(x, xOff, rows, cols, weight, wOff, invRms, invRmsOff, dy, dyOff, dx, dxOff, null, 0, dWeight, dwOff);
    }

    // addend: (rows, cols) or null
    /**
     * The backward above with dx = addend + r * (g - x * r^2 * mean(g * x)) when {@code addend} is
     * not null: a gradient that x already has, added as each row is computed instead of in a pass
     * of its own (one float addition of the same two values, so the same bits). addend may be dx
     * itself (accumulating in place) but not dy.
     */
    public static void backward(float[] x, int xOff, int rows, int cols, float[] weight, int wOff, float[] invRms, int invRmsOff,
                                float[] dy, int dyOff, float[] dx, int dxOff, float[] addend, int addOff,
                                float[] dWeight, int dwOff) {
        if (addend != null) {
            KernelChecks.region("rmsNormBackward", "addend", addend, addOff, (long) rows * cols);
        }
        KernelChecks.normShapes("rmsNormBackward", x, xOff, rows, cols, weight, wOff, null, 0, "dx", dx, dxOff);
        KernelChecks.region("rmsNormBackward", "invRms", invRms, invRmsOff, rows);
        KernelChecks.region("rmsNormBackward", "dy", dy, dyOff, (long) rows * cols);
        KernelChecks.region("rmsNormBackward", "dWeight", dWeight, dwOff, cols);
        // dWeight column by column in row order, columns split over the threads, then dx row by row,
        // rows split over the threads: every element is computed exactly as by a single thread (and
        // dWeight has read dy before a dx that is dy's region overwrites it)
        int lanes = F.length();
        int slices = (long) rows * cols < KernelPool.MIN_PARALLEL_ELEMENTS ? 1 : Math.min(KernelPool.threads(), Math.max(1, cols / lanes));
        if (slices == 1) {
            weightGradient(x, xOff, rows, cols, 0, cols, invRms, invRmsOff, dy, dyOff, dWeight, dwOff);
        } else {
            // slice bounds on whole vectors
            int vectors = cols / lanes;
            KernelPool.parallelFor(slices, s -> weightGradient(x, xOff, rows, cols,
                    vectors * s / slices * lanes, s == slices - 1 ? cols : vectors * (s + 1) / slices * lanes,
                    invRms, invRmsOff, dy, dyOff, dWeight, dwOff));
        }
        KernelPool.forRows(rows, cols, (from, to) -> inputGradient(x, xOff, from, to, cols, weight, wOff, invRms, invRmsOff,
                dy, dyOff, dx, dxOff, addend, addOff));
    }

    /** dx = [addend +] r * (g - x * r^2 * mean(g * x)) with g = dy * w for rows [from, to). */
    private static void inputGradient(float[] x, int xOff, int from, int to, int cols, float[] weight, int wOff,
                                      float[] invRms, int invRmsOff, float[] dy, int dyOff, float[] dx, int dxOff,
                                      float[] addend, int addOff) {
        for (int r = from; r < to; r++) {
            int xr = xOff + r * cols, dyr = dyOff + r * cols, dxr = dxOff + r * cols, ar = addOff + r * cols;
            float inv = invRms[invRmsOff + r];
            FloatVector acc = FloatVector.zero(F);
            int c = 0;
            for (int upper = F.loopBound(cols); c < upper; c += F.length()) {
                FloatVector g = FloatVector.fromArray(F, dy, dyr + c).mul(FloatVector.fromArray(F, weight, wOff + c));
                acc = g.fma(FloatVector.fromArray(F, x, xr + c), acc);
            }
            float gx = VectorMath.sumLanes(acc);
            for (; c < cols; c++) {
                gx += dy[dyr + c] * weight[wOff + c] * x[xr + c];
            }
            float coefficient = inv * inv * inv * gx / cols;
            c = 0;
            // the addend test is the same for every element; the JIT takes it out of the loops
            for (int upper = F.loopBound(cols); c < upper; c += F.length()) {
                FloatVector vx = FloatVector.fromArray(F, x, xr + c);
                FloatVector g = FloatVector.fromArray(F, dy, dyr + c).mul(FloatVector.fromArray(F, weight, wOff + c));
                FloatVector d = g.mul(inv).sub(vx.mul(coefficient));
                if (addend != null) d = FloatVector.fromArray(F, addend, ar + c).add(d);
                d.intoArray(dx, dxr + c);
            }
            for (; c < cols; c++) {
                float g = dy[dyr + c] * weight[wOff + c];
                float d = g * inv - x[xr + c] * coefficient;
                dx[dxr + c] = addend != null ? addend[ar + c] + d : d;
            }
        }
    }

    /** dWeight[c] += dy[r, c] * x[r, c] * r_r over every row in order, for columns [c0, c1). */
    private static void weightGradient(float[] x, int xOff, int rows, int cols, int c0, int c1, float[] invRms, int invRmsOff,
                                       float[] dy, int dyOff, float[] dWeight, int dwOff) {
        int vectorEnd = c0 + F.loopBound(c1 - c0);
        for (int r = 0; r < rows; r++) {
            int xr = xOff + r * cols, dyr = dyOff + r * cols;
            float inv = invRms[invRmsOff + r];
            int c = c0;
            for (; c < vectorEnd; c += F.length()) {
                FloatVector vdy = FloatVector.fromArray(F, dy, dyr + c);
                FloatVector.fromArray(F, dWeight, dwOff + c).add(vdy.mul(FloatVector.fromArray(F, x, xr + c)).mul(inv))
                        .intoArray(dWeight, dwOff + c);
            }
            for (; c < c1; c++) {
                dWeight[dwOff + c] += dy[dyr + c] * x[xr + c] * inv;
            }
        }
    }
}
