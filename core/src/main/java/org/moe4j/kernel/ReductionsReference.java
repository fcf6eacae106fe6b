package org.moe4j.kernel;

/** Plain loops defining {@link Reductions}, accumulating in double. */
public final class ReductionsReference {
    private ReductionsReference() {}

    /** Sum along {@code axis} of a row-major tensor, by the definition out[o, i] = sum_a x[o, a, i]. */
    public static void sum(float[] x, int xOff, int[] shape, int axis, float[] out, int outOff) {
        AxisSplit s = AxisSplit.of("sum", shape, axis);
        for (int o = 0; o < s.outer(); o++) {
            for (int i = 0; i < s.inner(); i++) {
                double acc = 0;
                for (int a = 0; a < s.len(); a++) {
                    acc += x[xOff + (o * s.len() + a) * s.inner() + i];
                }
                out[outOff + o * s.inner() + i] = (float) acc;
            }
        }
    }

    /** Mean along {@code axis}: the double sum divided by the axis length (NaN for an empty axis). */
    public static void mean(float[] x, int xOff, int[] shape, int axis, float[] out, int outOff) {
        AxisSplit s = AxisSplit.of("mean", shape, axis);
        for (int o = 0; o < s.outer(); o++) {
            for (int i = 0; i < s.inner(); i++) {
                double acc = 0;
                for (int a = 0; a < s.len(); a++) {
                    acc += x[xOff + (o * s.len() + a) * s.inner() + i];
                }
                out[outOff + o * s.inner() + i] = (float) (acc / s.len());
            }
        }
    }

    /** sum_i x_i^2, one running double sum in index order. */
    public static double sumOfSquares(float[] x, int off, int n) {
        double acc = 0;
        for (int i = 0; i < n; i++) {
            acc += (double) x[off + i] * x[off + i];
        }
        return acc;
    }

    public static double dot(float[] a, int aOff, float[] b, int bOff, int n) {
        double acc = 0;
        for (int i = 0; i < n; i++) {
            acc += (double) a[aOff + i] * b[bOff + i];
        }
        return acc;
    }

    /** Maximum of a row; NaN if any element is NaN. */
    public static float max(float[] x, int off, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            if (Float.isNaN(x[off + i])) {
                return Float.NaN;
            }
            max = Math.max(max, x[off + i]);
        }
        return max;
    }
}
