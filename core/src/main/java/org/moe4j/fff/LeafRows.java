package org.moe4j.fff;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.moe4j.kernel.ChainedDot;
import org.moe4j.kernel.KernelPool;
import org.moe4j.kernel.VectorMath;

/**
 * The small GEMM of every leaf group in hard inference: rows[r, :] W_j^T for the rows r of the
 * group of leaf j, where W_j is that leaf's (width, in) block of a stacked (L, width, in) weight.
 * A group has only a few rows (a batch of T inputs over 2^D leaves gives T / 2^D each) and the
 * leaf width is small, so a packing GEMM spends more time packing than multiplying; here each row
 * of x is loaded once per four weight rows and multiplied against them with four independent
 * accumulators. Groups are spread over the kernel threads. {@link LeafRowsReference} is the plain loop.
 */
final class LeafRows {
    private LeafRows() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    // x: (T, in) at xOff   w: (L, width, in) at wOff   y: (T, width) overwritten, rows leaf by leaf
    /** y[r, :] = x[row(r), :] W_{leaf(r)}^T with row(r) = rowOf[r], or r itself when rowOf is null. */
    static void multiply(float[] x, int xOff, int[] rowOf, int in, LeafGroups groups, float[] w, int wOff, int width,
                         float[] y) {
        KernelPool.parallelFor(groups.groups(), g -> {
            int leafBase = wOff + groups.leaf()[g] * width * in;
            for (int r = groups.start()[g], end = r + groups.rows()[g]; r < end; r++) {
                int xRow = xOff + (rowOf == null ? r : rowOf[r]) * in;
                int i = 0;
                for (; i + 4 <= width; i += 4) {
                    dot4(x, xRow, w, leafBase + i * in, in, y, r * width + i);
                }
                for (; i < width; i++) {
                    y[r * width + i] = ChainedDot.dot(x, xRow, w, leafBase + i * in, in);
                }
            }
        });
    }

    // x: (n) at xOff   w: four rows (4, n) at wOff with stride n   y: (4) at yOff
    private static void dot4(float[] x, int xOff, float[] w, int wOff, int n, float[] y, int yOff) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        FloatVector a2 = FloatVector.zero(F);
        FloatVector a3 = FloatVector.zero(F);
        int k = 0;
        for (int upper = F.loopBound(n); k < upper; k += F.length()) {
            FloatVector xv = FloatVector.fromArray(F, x, xOff + k);
            a0 = xv.fma(FloatVector.fromArray(F, w, wOff + k), a0);
            a1 = xv.fma(FloatVector.fromArray(F, w, wOff + n + k), a1);
            a2 = xv.fma(FloatVector.fromArray(F, w, wOff + 2 * n + k), a2);
            a3 = xv.fma(FloatVector.fromArray(F, w, wOff + 3 * n + k), a3);
        }
        float s0 = VectorMath.sumLanes(a0);
        float s1 = VectorMath.sumLanes(a1);
        float s2 = VectorMath.sumLanes(a2);
        float s3 = VectorMath.sumLanes(a3);
        for (; k < n; k++) {
            float xk = x[xOff + k];
            s0 += xk * w[wOff + k];
            s1 += xk * w[wOff + n + k];
            s2 += xk * w[wOff + 2 * n + k];
            s3 += xk * w[wOff + 3 * n + k];
        }
        y[yOff] = s0;
        y[yOff + 1] = s1;
        y[yOff + 2] = s2;
        y[yOff + 3] = s3;
    }
}
