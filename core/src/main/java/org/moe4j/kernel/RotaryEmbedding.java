package org.moe4j.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Rotary position embeddings (Su et al. 2021) in Hugging Face's half-split layout
 * ({@code rotate_half}): for a head vector x = [x1, x2] (halves of headDim), position p and
 * frequency w_i = theta^(-2i / headDim),
 * <pre>
 *   y1_i = x1_i cos(p w_i) - x2_i sin(p w_i)
 *   y2_i = x2_i cos(p w_i) + x1_i sin(p w_i)
 * </pre>
 * The inverse rotation (sin negated) is the backward. The cosines and sines are tabulated per
 * position on first use (up to 65,536 positions; farther ones are computed per row, to the same
 * bits), and rows are spread over the kernel threads.
 */
public final class RotaryEmbedding {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Positions whose angles are kept in a table; farther ones are computed row by row. */
    private static final int TABLE_LIMIT = 1 << 16;
    private static final ConcurrentHashMap<String, RotaryEmbedding> SHARED = new ConcurrentHashMap<>();

    private final int headDim;
    private final float[] frequencies;
    /** cos and sin of position * frequency[i], row p at p * headDim / 2; grown on demand. */
    private volatile Tables tables = new Tables(0, new float[0], new float[0]);

    private record Tables(int positions, float[] cos, float[] sin) {}

    public RotaryEmbedding(int headDim, double theta) {
        if (headDim < 2 || headDim % 2 != 0) {
            throw new IllegalArgumentException("rope: headDim is " + headDim + ", must be even and >= 2");
        }
        if (!(theta > 0)) {
            throw new IllegalArgumentException("rope: theta is " + theta + ", must be > 0");
        }
        this.headDim = headDim;
        this.frequencies = new float[headDim / 2];
        for (int i = 0; i < headDim / 2; i++) {
            frequencies[i] = (float) Math.pow(theta, -2.0 * i / headDim);
        }
    }

    /** One instance per (headDim, theta), so that its table of angles is computed once. */
    public static RotaryEmbedding shared(int headDim, double theta) {
        return SHARED.computeIfAbsent(headDim + "/" + Double.doubleToLongBits(theta), k -> new RotaryEmbedding(headDim, theta));
    }

    // x, y: (rows, heads * headDim)   positions: (rows)
    /** Rotates every head of every row by its row's position (inverse: the transposed rotation). y may be x. */
    public void apply(float[] x, int xOff, int rows, int heads, int[] positions, boolean inverse, float[] y, int yOff) {
        apply(x, xOff, heads * headDim, rows, heads, positions, inverse, y, yOff, heads * headDim);
    }

    // x: rows of heads * headDim at xOff + r * ldx   y: the same at yOff + r * ldy
    /**
     * As {@link #apply(float[], int, int, int, int[], boolean, float[], int)} for rows ldx and ldy
     * floats apart (the query or key columns of a row that holds queries, keys and values side by
     * side). y may be x (the same offset and leading dimension).
     */
    public void apply(float[] x, int xOff, int ldx, int rows, int heads, int[] positions, boolean inverse,
                      float[] y, int yOff, int ldy) {
        int cols = heads * headDim;
        if (ldx < cols || ldy < cols) {
            throw new IllegalArgumentException("rope: leading dimensions " + ldx + " (x) and " + ldy + " (y) must be >= heads * headDim = " + cols);
        }
        if (rows > 0) {
            KernelChecks.region("rope", "x", x, xOff, (long) (rows - 1) * ldx + cols);
            KernelChecks.region("rope", "y", y, yOff, (long) (rows - 1) * ldy + cols);
        }
        if (positions.length < rows) {
            throw new IllegalArgumentException("rope: " + positions.length + " positions for " + rows + " rows");
        }
        int maxPosition = -1;
        for (int r = 0; r < rows; r++) {
            int p = positions[r];
            if (p < 0) {
                throw new IllegalArgumentException("rope: position " + p + " of row " + r + " must be >= 0");
            }
            maxPosition = Math.max(maxPosition, p);
        }
        int half = headDim / 2;
        float sign = inverse ? -1f : 1f;
        Tables t = maxPosition < TABLE_LIMIT ? tables(maxPosition + 1) : null;
        KernelPool.forRows(rows, cols, (from, to) -> {
            // beyond the table: this slice's own row of angles
            float[] ownCos = t == null ? new float[half] : null;
            float[] ownSin = t == null ? new float[half] : null;
            for (int r = from; r < to; r++) {
                int p = positions[r];
                float[] cos = ownCos, sin = ownSin;
                int at = 0;
                if (t != null) {
                    cos = t.cos();
                    sin = t.sin();
                    at = p * half;
                } else {
                    angles(p, ownCos, ownSin, 0);
                }
                for (int h = 0; h < heads; h++) {
                    int xb = xOff + r * ldx + h * headDim;
                    int yb = yOff + r * ldy + h * headDim;
                    int i = 0;
                    // a vector of pairs at a time: the scalar loop's operations lane by lane (no fused
                    // multiply-add), so the bits are the same
                    for (int upper = F.loopBound(half); i < upper; i += F.length()) {
                        FloatVector c = FloatVector.fromArray(F, cos, at + i);
                        FloatVector sn = FloatVector.fromArray(F, sin, at + i).mul(sign);
                        FloatVector x1 = FloatVector.fromArray(F, x, xb + i);
                        FloatVector x2 = FloatVector.fromArray(F, x, xb + half + i);
                        x1.mul(c).sub(x2.mul(sn)).intoArray(y, yb + i);
                        x2.mul(c).add(x1.mul(sn)).intoArray(y, yb + half + i);
                    }
                    for (; i < half; i++) {
                        float c = cos[at + i];
                        float sn = sign * sin[at + i];
                        float x1 = x[xb + i];
                        float x2 = x[xb + half + i];
                        y[yb + i] = x1 * c - x2 * sn;
                        y[yb + half + i] = x2 * c + x1 * sn;
                    }
                }
            }
        });
    }

    private void angles(int p, float[] cos, float[] sin, int at) {
        for (int i = 0; i < headDim / 2; i++) {
            double a = (double) p * frequencies[i];
            cos[at + i] = (float) Math.cos(a);
            sin[at + i] = (float) Math.sin(a);
        }
    }

    /** The table for at least {@code positions} positions (a power of two, at most TABLE_LIMIT). */
    private Tables tables(int positions) {
        Tables t = tables;
        if (t.positions() >= positions) return t;
        synchronized (this) {
            t = tables;
            if (t.positions() >= positions) return t;
            int n = Math.min(TABLE_LIMIT, Integer.highestOneBit(Math.max(positions - 1, 1)) << 1);
            int half = headDim / 2;
            float[] cos = java.util.Arrays.copyOf(t.cos(), n * half);
            float[] sin = java.util.Arrays.copyOf(t.sin(), n * half);
            for (int p = t.positions(); p < n; p++) angles(p, cos, sin, p * half);
            tables = t = new Tables(n, cos, sin);
            return t;
        }
    }

    public int headDim() {
        return headDim;
    }
}
