package org.moe4j.moe;

/**
 * Top-k per row: the k largest entries of each row in descending order, ties broken towards the
 * lower index (ROUTING.md), so routing is deterministic. A partial selection of O(E k) per row:
 * k is small, and E at most a few hundred.
 */
public final class TopK {
    private TopK() {}

    // scores: (rows, cols)   bias: (cols) or null, added for the choice only   out: (rows, k) column indices
    public static int[] indices(float[] scores, int off, int rows, int cols, int k, float[] bias) {
        if (k < 1 || k > cols) {
            throw new IllegalArgumentException("top-k: k = " + k + " must be in [1, " + cols + "] (the number of columns)");
        }
        int[] out = new int[rows * k];
        boolean[] taken = new boolean[cols];
        for (int r = 0; r < rows; r++) {
            java.util.Arrays.fill(taken, false);
            int base = off + r * cols;
            for (int j = 0; j < k; j++) {
                int best = -1;
                float bestValue = 0f;
                for (int c = 0; c < cols; c++) {
                    if (taken[c]) continue;
                    float v = bias == null ? scores[base + c] : scores[base + c] + bias[c];
                    // strictly greater keeps the lower index on ties
                    if (best < 0 || v > bestValue) {
                        best = c;
                        bestValue = v;
                    }
                }
                taken[best] = true;
                out[r * k + j] = best;
            }
        }
        return out;
    }
}
