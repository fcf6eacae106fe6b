package org.moe4j.kernel;

/**
 * Rotary position embeddings (Su et al. 2021) in Hugging Face's half-split layout
 * ({@code rotate_half}): for a head vector x = [x1, x2] (halves of headDim), position p and
 * frequency w_i = theta^(-2i / headDim),
 * <pre>
 *   y1_i = x1_i cos(p w_i) - x2_i sin(p w_i)
 *   y2_i = x2_i cos(p w_i) + x1_i sin(p w_i)
 * </pre>
 * The inverse rotation (sin negated) is the backward.
 */
public final class RotaryEmbedding {
    private final int headDim;
    private final float[] frequencies;

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

    // x, y: (rows, heads * headDim)   positions: (rows)
    /** Rotates every head of every row by its row's position (inverse: the transposed rotation). y may be x. */
    public void apply(float[] x, int xOff, int rows, int heads, int[] positions, boolean inverse, float[] y, int yOff) {
        int cols = heads * headDim;
        KernelChecks.region("rope", "x", x, xOff, (long) rows * cols);
        KernelChecks.region("rope", "y", y, yOff, (long) rows * cols);
        if (positions.length < rows) {
            throw new IllegalArgumentException("rope: " + positions.length + " positions for " + rows + " rows");
        }
        int half = headDim / 2;
        float[] cos = new float[half];
        float[] sin = new float[half];
        float sign = inverse ? -1f : 1f;
        int lastPosition = -1;
        for (int r = 0; r < rows; r++) {
            int p = positions[r];
            if (p < 0) {
                throw new IllegalArgumentException("rope: position " + p + " of row " + r + " must be >= 0");
            }
            if (p != lastPosition) {
                for (int i = 0; i < half; i++) {
                    double a = (double) p * frequencies[i];
                    cos[i] = (float) Math.cos(a);
                    sin[i] = sign * (float) Math.sin(a);
                }
                lastPosition = p;
            }
            for (int h = 0; h < heads; h++) {
                int xb = xOff + r * cols + h * headDim;
                int yb = yOff + r * cols + h * headDim;
                for (int i = 0; i < half; i++) {
                    float x1 = x[xb + i];
                    float x2 = x[xb + half + i];
                    y[yb + i] = x1 * cos[i] - x2 * sin[i];
                    y[yb + half + i] = x2 * cos[i] + x1 * sin[i];
                }
            }
        }
    }

    public int headDim() {
        return headDim;
    }
}
