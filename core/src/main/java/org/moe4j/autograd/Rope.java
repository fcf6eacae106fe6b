package org.moe4j.autograd;

import org.moe4j.tensor.Shape;
import org.moe4j.tensor.Tensor;

/**
 * Rotary position embeddings (Su et al. 2021, "RoFormer"), in the half-split layout of Hugging
 * Face's Llama and Mixtral ({@code rotate_half}): for a head vector x = [x1, x2] (halves of
 * headDim), position p and frequency w_i = theta^(-2i / headDim),
 * <pre>
 *   out1_i = x1_i cos(p w_i) - x2_i sin(p w_i)
 *   out2_i = x2_i cos(p w_i) + x1_i sin(p w_i)
 * </pre>
 * A rotation, so the backward is the inverse rotation of the upstream gradient.
 */
public final class Rope {
    private Rope() {}

    /**
     * Rotates x [B*T, heads*headDim] (rows b-major, position of row r = startPosition + r % T).
     */
    public static Variable apply(Variable x, int seqLen, int heads, int headDim, double theta, int startPosition) {
        Tensor xv = x.value();
        if (headDim % 2 != 0) {
            throw new IllegalArgumentException("rope: headDim is " + headDim + ", must be even");
        }
        if (xv.rank() != 2 || xv.cols() != heads * headDim || seqLen < 1 || xv.rows() % seqLen != 0) {
            throw new IllegalArgumentException("rope: input shape " + Shape.str(xv.shape()) + " must be [B*T, heads*headDim] = [B*"
                    + seqLen + ", " + heads * headDim + "]");
        }
        float[][] cs = table(seqLen, headDim, theta, startPosition);
        Tensor y = Tensor.zeros(xv.shape());
        rotate(xv, y, cs, seqLen, heads, headDim, false);
        return Variable.result("rope", y, dy -> {
            Tensor dx = Tensor.zeros(xv.shape());
            rotate(dy, dx, cs, seqLen, heads, headDim, true);
            x.accumulateGrad(dx);
        }, x);
    }

    /** cos and sin of p * w_i for p in [start, start + T): {cos[T*half], sin[T*half]}. */
    static float[][] table(int seqLen, int headDim, double theta, int start) {
        int half = headDim / 2;
        float[] cos = new float[seqLen * half];
        float[] sin = new float[seqLen * half];
        for (int i = 0; i < half; i++) {
            double w = Math.pow(theta, -2.0 * i / headDim);
            for (int p = 0; p < seqLen; p++) {
                double a = (start + p) * w;
                cos[p * half + i] = (float) Math.cos(a);
                sin[p * half + i] = (float) Math.sin(a);
            }
        }
        return new float[][] {cos, sin};
    }

    /** out = R(p) in (or R(p)^T in when inverse). */
    static void rotate(Tensor in, Tensor out, float[][] cs, int seqLen, int heads, int headDim, boolean inverse) {
        int half = headDim / 2;
        int cols = heads * headDim;
        float[] x = in.data();
        float[] y = out.data();
        float[] cos = cs[0];
        float[] sin = cs[1];
        float sign = inverse ? -1f : 1f;
        for (int r = 0, rows = in.rows(); r < rows; r++) {
            int p = r % seqLen;
            for (int h = 0; h < heads; h++) {
                int xb = in.offset() + r * cols + h * headDim;
                int yb = out.offset() + r * cols + h * headDim;
                for (int i = 0; i < half; i++) {
                    float c = cos[p * half + i];
                    float s = sign * sin[p * half + i];
                    float x1 = x[xb + i];
                    float x2 = x[xb + half + i];
                    y[yb + i] = x1 * c - x2 * s;
                    y[yb + half + i] = x2 * c + x1 * s;
                }
            }
        }
    }
}
