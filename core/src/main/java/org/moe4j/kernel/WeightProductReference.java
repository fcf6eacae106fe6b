package org.moe4j.kernel;

import org.moe4j.tensor.WeightMatrix;

/** The plain definition {@link WeightProduct} is tested against: y = x W^T, one sum over c in order. */
public final class WeightProductReference {
    private WeightProductReference() {}

    // x: (T, cols) from xOff   w: (rows, cols)   y: (T, rows) from yOff
    public static void multiply(float[] x, int xOff, int T, WeightMatrix w, float[] y, int yOff) {
        int rows = w.rows();
        int cols = w.cols();
        for (int t = 0; t < T; t++) {
            for (int r = 0; r < rows; r++) {
                float s = 0;
                for (int c = 0; c < cols; c++) {
                    s = Math.fma(x[xOff + t * cols + c], w.get(r, c), s);
                }
                y[yOff + t * rows + r] = s;
            }
        }
    }
}
