package org.moe4j.engine;

import org.moe4j.kernel.WeightProduct;
import org.moe4j.tensor.WeightMatrix;

/** The small row operations of a forward pass, written plainly; the heavy products are {@link WeightProduct}'s. */
final class Ops {
    private Ops() {}

    /** y = x W^T + b for T rows (b may be null). */
    // x: (T, in)   y: (T, out)
    static void linear(float[] x, int T, WeightMatrix w, float[] bias, float[] y) {
        WeightProduct.multiply(x, 0, T, w, y, 0);
        addBias(y, 0, T, bias);
    }

    /** y += b on each of T rows (nothing when b is null). */
    // y: (T, b.length) from off
    static void addBias(float[] y, int off, int T, float[] bias) {
        if (bias == null) {
            return;
        }
        int n = bias.length;
        for (int t = 0; t < T; t++) {
            for (int i = 0; i < n; i++) y[off + t * n + i] += bias[i];
        }
    }

    /** RMSNorm of each group of n values: x / sqrt(mean(x^2) + eps) * w (Zhang and Sennrich 2019). */
    // x, y: (rows, n) from offsets; w: (n)
    static void rmsNorm(float[] x, int xOff, float[] w, float eps, float[] y, int yOff, int rows, int n) {
        for (int r = 0; r < rows; r++) {
            int xo = xOff + r * n;
            int yo = yOff + r * n;
            double ss = 0;
            for (int i = 0; i < n; i++) ss += (double) x[xo + i] * x[xo + i];
            float inv = (float) (1.0 / Math.sqrt((float) (ss / n) + eps));
            for (int i = 0; i < n; i++) y[yo + i] = w[i] * (x[xo + i] * inv);
        }
    }

    /** x[i] = clamp(x[i], -limit, limit) for i in [off, off + n). */
    static void clamp(float[] x, int off, int n, float limit) {
        for (int i = off; i < off + n; i++) x[i] = Math.max(-limit, Math.min(limit, x[i]));
    }

    static float silu(float x) {
        return x / (1f + (float) Math.exp(-x));
    }

    static float sigmoid(float x) {
        return 1f / (1f + (float) Math.exp(-x));
    }

    /** Index of the largest value in x[off .. off + n); the first on ties. */
    static int argmax(float[] x, int off, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (x[off + i] > x[off + best]) best = i;
        }
        return best;
    }
}
