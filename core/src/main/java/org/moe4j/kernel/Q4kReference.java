package org.moe4j.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.moe4j.tensor.quant.Dequantizer;

/**
 * The definition of a Q4_K row times a token ({@link Q4kProduct}), written out one lane at a time:
 * the plain reference the vector kernels must match bit for bit. A Q4_K weight is
 * {@code dl_j q - ml_j} (sub-block j of 32 columns, code q in 0..15), so a row's dot product with x is
 * {@code sum_c x_c dl_j q_c - sum_j ml_j S_j} with {@code S_j} the sum of x over sub-block j. The
 * minimum is applied once per sub-block through S_j (computed once per token), as llama.cpp does,
 * instead of being subtracted from every weight:
 * <pre>
 *   acc[l] = fma(x[c], dl_j * q[c], acc[l])  over the columns c = l, l + VL, ... of lane l, in order, from 0
 *   s      = acc summed by the fixed pairwise tree of the float32 kernel (lanes l and l + h, h = VL/2, ..., 1)
 *   S_j    = x[32 j] + x[32 j + 1] + ... + x[32 j + 31]   (from 0, in order)
 *   m[l]   = fma(ml_j, S_j, m[l])              for j = 8 g + l of each super-block g in order (8 lanes), from 0
 *   y      = s - (((m[0] + m[4]) + (m[2] + m[6])) + ((m[1] + m[5]) + (m[3] + m[7])))
 * </pre>
 * with {@code dl_j = d * sc_j} and {@code ml_j = dmin * m_j} the float32 products of {@link Dequantizer}.
 * The first part is the float32 kernel's dot product with the row decoded without its minimum, so
 * several tokens can share a block of rows decoded once (the float32 register blocks); VL is the
 * kernels' vector length (8 or 16 floats).
 */
public final class Q4kReference {
    private Q4kReference() {}

    /** The row of {@code cols} columns (whole super-blocks) from byte {@code at} times x[x0 ..]. */
    public static float dot(MemorySegment w, long at, int cols, float[] x, int x0, int vl) {
        float[] acc = new float[vl];
        float[] m = new float[8];
        for (int c = 0; c < cols; c += 256, at += 144) {
            float d = Dequantizer.half(w, at), dmin = Dequantizer.half(w, at + 2);
            for (int j = 0; j < 8; j++) {
                float dl = d * Dequantizer.scaleMin(w, at + 4, j, 0);
                float ml = dmin * Dequantizer.scaleMin(w, at + 4, j, 1);
                long q0 = at + 16 + 32L * (j >> 1);
                int shift = (j & 1) * 4, c0 = x0 + c + 32 * j;
                for (int k = 0; k < 32; k++) {
                    int q = ((w.get(ValueLayout.JAVA_BYTE, q0 + k) & 0xFF) >>> shift) & 0xF;
                    acc[k % vl] = Math.fma(x[c0 + k], dl * q, acc[k % vl]);
                }
                m[j] = Math.fma(ml, subBlockSum(x, c0), m[j]);
            }
        }
        for (int h = vl / 2; h >= 1; h /= 2) {
            for (int l = 0; l < h; l++) acc[l] += acc[l + h];
        }
        return acc[0] - minimum(m);
    }

    /** The 8 lanes of the minimum term summed by the pairwise tree. */
    static float minimum(float[] m) {
        return minimum(m, 0);
    }

    /** The same for the 8 lanes from {@code m[o]}. */
    static float minimum(float[] m, int o) {
        return ((m[o] + m[o + 4]) + (m[o + 2] + m[o + 6])) + ((m[o + 1] + m[o + 5]) + (m[o + 3] + m[o + 7]));
    }

    /** S_j: the 32 values of x from {@code c0}, summed in order from 0. */
    static float subBlockSum(float[] x, int c0) {
        float s = 0;
        for (int k = 0; k < 32; k++) s += x[c0 + k];
        return s;
    }
}
