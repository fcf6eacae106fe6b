package org.moe4j.kernel;

/**
 * Double-precision definitions of {@link Softmax}, row by row, with the same conventions for
 * infinite rows: all -inf gives zeros (log: -inf), +inf entries share the probability equally.
 */
public final class SoftmaxReference {
    private SoftmaxReference() {}

    /** softmax of one row, in double. */
    public static double[] softmax(double[] x) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : x) {
            max = Double.isNaN(v) || Double.isNaN(max) ? Double.NaN : Math.max(max, v);
        }
        double[] y = new double[x.length];
        if (max == Double.POSITIVE_INFINITY) {
            int count = 0;
            for (double v : x) {
                count += v == max ? 1 : 0;
            }
            for (int i = 0; i < x.length; i++) {
                y[i] = x[i] == max ? 1.0 / count : 0;
            }
            return y;
        }
        if (max == Double.NEGATIVE_INFINITY) {
            return y;
        }
        double sum = 0;
        for (int i = 0; i < x.length; i++) {
            y[i] = Math.exp(x[i] - max);
            sum += y[i];
        }
        for (int i = 0; i < x.length; i++) {
            y[i] /= sum;
        }
        return y;
    }

    /** log_softmax of one row, in double: log of {@link #softmax(double[])}, computed without the underflow. */
    public static double[] logSoftmax(double[] x) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : x) {
            max = Double.isNaN(v) || Double.isNaN(max) ? Double.NaN : Math.max(max, v);
        }
        double[] y = new double[x.length];
        if (Double.isInfinite(max)) {
            double[] p = softmax(x);
            for (int i = 0; i < x.length; i++) {
                y[i] = Math.log(p[i]);
            }
            return y;
        }
        double sum = 0;
        for (double v : x) {
            sum += Math.exp(v - max);
        }
        double logSum = Math.log(sum);
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i] - max - logSum;
        }
        return y;
    }

    /** dx_i = y_i (dy_i - sum_j y_j dy_j), from the softmax output y. */
    public static double[] softmaxBackward(double[] y, double[] dy) {
        double dot = 0;
        for (int i = 0; i < y.length; i++) {
            dot += y[i] * dy[i];
        }
        double[] dx = new double[y.length];
        for (int i = 0; i < y.length; i++) {
            dx[i] = y[i] * (dy[i] - dot);
        }
        return dx;
    }

    /** dx_i = dy_i - exp(y_i) sum_j dy_j, from the log-softmax output y. */
    public static double[] logSoftmaxBackward(double[] y, double[] dy) {
        double sum = 0;
        for (double v : dy) {
            sum += v;
        }
        double[] dx = new double[y.length];
        for (int i = 0; i < y.length; i++) {
            dx[i] = dy[i] - Math.exp(y[i]) * sum;
        }
        return dx;
    }

    // x, y: (rows, cols)
    /** Applies {@link #softmax(double[])} (or the log form) to each row of a float matrix. */
    public static void rows(float[] x, int xOff, int rows, int cols, float[] y, int yOff, boolean log) {
        for (int r = 0; r < rows; r++) {
            double[] row = new double[cols];
            for (int c = 0; c < cols; c++) {
                row[c] = x[xOff + r * cols + c];
            }
            double[] out = log ? logSoftmax(row) : softmax(row);
            for (int c = 0; c < cols; c++) {
                y[yOff + r * cols + c] = (float) out[c];
            }
        }
    }
}
