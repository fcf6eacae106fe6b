package org.moe4j.kernel;

/**
 * The definition of {@link TopK}: k rounds of selection, each taking the largest entry not yet
 * taken, the first (lowest index) among equals. NaN is rejected as in the fast kernel.
 */
public final class TopKReference {
    private TopKReference() {}

    // x: (rows, cols)   values, indices: (rows, k)
    public static void topK(float[] x, int xOff, int rows, int cols, int k, float[] values, int valuesOff,
                            int[] indices, int indicesOff) {
        for (int r = 0; r < rows; r++) {
            boolean[] taken = new boolean[cols];
            for (int j = 0; j < k; j++) {
                int best = -1;
                for (int c = 0; c < cols; c++) {
                    float v = x[xOff + r * cols + c];
                    if (Float.isNaN(v)) {
                        throw new IllegalArgumentException("topK: row " + r + " holds NaN at column " + c);
                    }
                    if (!taken[c] && (best < 0 || v > x[xOff + r * cols + best])) {
                        best = c;
                    }
                }
                taken[best] = true;
                values[valuesOff + r * k + j] = x[xOff + r * cols + best];
                indices[indicesOff + r * k + j] = best;
            }
        }
    }
}
