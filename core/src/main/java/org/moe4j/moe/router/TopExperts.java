package org.moe4j.moe.router;

/**
 * Top-k expert indices per row, in descending order with ties to the lower index (docs/routing.md),
 * through the kernel's {@link org.moe4j.kernel.TopK}; an optional bias is added to the scores for
 * the choice only (DeepSeek-V3's selection bias).
 */
public final class TopExperts {
    private TopExperts() {}

    // scores: (rows, cols)   bias: (cols) or null, added for the choice only   out: (rows, k) column indices
    public static int[] indices(float[] scores, int off, int rows, int cols, int k, float[] bias) {
        if (k < 1 || k > cols) {
            throw new IllegalArgumentException("top-k: k = " + k + " must be in [1, " + cols + "] (the number of columns)");
        }
        float[] x = scores;
        int xOff = off;
        if (bias != null) {
            x = new float[rows * cols];
            xOff = 0;
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < cols; c++) x[r * cols + c] = scores[off + r * cols + c] + bias[c];
        }
        int[] out = new int[rows * k];
        org.moe4j.kernel.TopK.topK(x, xOff, rows, cols, k, new float[rows * k], 0, out, 0);
        return out;
    }
}
