package org.moe4j.kernel;

/**
 * Double-precision definitions of {@link RmsNorm} and {@link LayerNorm}, one row at a time, and
 * matrix loops that apply them to float data. The backward references recompute the statistics
 * from x instead of taking the saved ones, so they also check what the forward saved.
 */
public final class NormReference {
    private NormReference() {}

    /** RMSNorm of one row: y = x * w / sqrt(mean(x^2) + eps). */
    public static double[] rmsNorm(double[] x, double[] w, double eps) {
        double ms = 0;
        for (double v : x) {
            ms += v * v;
        }
        double inv = 1 / Math.sqrt(ms / x.length + eps);
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i] * inv * w[i];
        }
        return y;
    }

    /** RMSNorm backward of one row: returns dx and adds dy * x * r to dw. */
    public static double[] rmsNormBackward(double[] x, double[] w, double eps, double[] dy, double[] dw) {
        int n = x.length;
        double ms = 0;
        for (double v : x) {
            ms += v * v;
        }
        double r = 1 / Math.sqrt(ms / n + eps);
        double gx = 0;
        for (int i = 0; i < n; i++) {
            gx += dy[i] * w[i] * x[i];
        }
        double[] dx = new double[n];
        for (int i = 0; i < n; i++) {
            dx[i] = r * (dy[i] * w[i] - x[i] * r * r * gx / n);
            dw[i] += dy[i] * x[i] * r;
        }
        return dx;
    }

    /** LayerNorm of one row: y = (x - mean) / sqrt(var + eps) * w + b, biased variance; b may be null. */
    public static double[] layerNorm(double[] x, double[] w, double[] b, double eps) {
        int n = x.length;
        double mean = 0;
        for (double v : x) {
            mean += v;
        }
        mean /= n;
        double var = 0;
        for (double v : x) {
            var += (v - mean) * (v - mean);
        }
        double s = 1 / Math.sqrt(var / n + eps);
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            y[i] = (x[i] - mean) * s * w[i] + (b == null ? 0 : b[i]);
        }
        return y;
    }

    /** LayerNorm backward of one row: returns dx, adds dy * xhat to dw and dy to db (db may be null). */
    public static double[] layerNormBackward(double[] x, double[] w, double eps, double[] dy, double[] dw, double[] db) {
        int n = x.length;
        double mean = 0;
        for (double v : x) {
            mean += v;
        }
        mean /= n;
        double var = 0;
        for (double v : x) {
            var += (v - mean) * (v - mean);
        }
        double s = 1 / Math.sqrt(var / n + eps);
        double meanG = 0, meanGXhat = 0;
        for (int i = 0; i < n; i++) {
            meanG += dy[i] * w[i] / n;
            meanGXhat += dy[i] * w[i] * (x[i] - mean) * s / n;
        }
        double[] dx = new double[n];
        for (int i = 0; i < n; i++) {
            double xhat = (x[i] - mean) * s;
            dx[i] = s * (dy[i] * w[i] - meanG - xhat * meanGXhat);
            dw[i] += dy[i] * xhat;
            if (db != null) {
                db[i] += dy[i];
            }
        }
        return dx;
    }

    // x, y: (rows, cols)   w, b: (cols)
    /** Applies the row references to a float matrix, writing float results. */
    public static void forward(boolean layerNorm, float[] x, int rows, int cols, float[] w, float[] b, float eps, float[] y) {
        double[] wd = toDouble(w, 0, cols), bd = b == null ? null : toDouble(b, 0, cols);
        for (int r = 0; r < rows; r++) {
            double[] xr = toDouble(x, r * cols, cols);
            double[] out = layerNorm ? layerNorm(xr, wd, bd, eps) : rmsNorm(xr, wd, eps);
            for (int c = 0; c < cols; c++) {
                y[r * cols + c] = (float) out[c];
            }
        }
    }

    // x, dy, dx: (rows, cols)   w, dw, db: (cols)
    /** Applies the row backward references to a float matrix; dw and db (if not null) accumulate in double. */
    public static void backward(boolean layerNorm, float[] x, int rows, int cols, float[] w, float eps, float[] dy,
                                float[] dx, double[] dw, double[] db) {
        double[] wd = toDouble(w, 0, cols);
        for (int r = 0; r < rows; r++) {
            double[] xr = toDouble(x, r * cols, cols), dyr = toDouble(dy, r * cols, cols);
            double[] out = layerNorm ? layerNormBackward(xr, wd, eps, dyr, dw, db) : rmsNormBackward(xr, wd, eps, dyr, dw);
            for (int c = 0; c < cols; c++) {
                dx[r * cols + c] = (float) out[c];
            }
        }
    }

    private static double[] toDouble(float[] a, int off, int n) {
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            d[i] = a[off + i];
        }
        return d;
    }
}
