package org.moe4j.fff;

/** The plain loop {@link LeafRows} must agree with: y[r, i] = sum_k x[row(r), k] w[leaf(r), i, k], in double. */
final class LeafRowsReference {
    private LeafRowsReference() {}

    // x: (T, in) at xOff   w: (L, width, in) at wOff   y: (T, width) overwritten, rows leaf by leaf
    static void multiply(float[] x, int xOff, int[] rowOf, int in, LeafGroups groups, float[] w, int wOff, int width,
                         float[] y) {
        for (int g = 0; g < groups.groups(); g++) {
            int leaf = groups.leaf()[g];
            for (int r = groups.start()[g], end = r + groups.rows()[g]; r < end; r++) {
                for (int i = 0; i < width; i++) {
                    double s = 0;
                    for (int k = 0; k < in; k++) s += (double) x[xOff + (rowOf == null ? r : rowOf[r]) * in + k] * w[wOff + (leaf * width + i) * in + k];
                    y[r * width + i] = (float) s;
                }
            }
        }
    }
}
