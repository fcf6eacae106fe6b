package org.moe4j.kernel;

/**
 * The plain definitions {@link CachedAttention} is tested against, one element at a time. A score
 * is the dot product in {@link WeightBlocks}' order for vectors of {@code lanes} floats: lane l sums
 * the elements l, l + lanes, ... below the last whole vector by fused multiply-adds, the lanes are
 * added pairwise (l + h into l for h = lanes/2, ..., 1), and the tail continues from lane 0.
 */
public final class CachedAttentionReference {
    private CachedAttentionReference() {}

    /** scores[j] = (q . key j) * scale, key j at at[j] * kStride + kOff. */
    public static void scores(float[] q, int qOff, int hd, float[] keys, int kStride, int kOff, int[] at, int n, float scale,
                              float[] scores, int lanes) {
        for (int j = 0; j < n; j++) {
            int k0 = at[j] * kStride + kOff;
            float[] acc = new float[lanes];
            int upper = hd - hd % lanes;
            for (int c = 0; c < upper; c += lanes) {
                for (int l = 0; l < lanes; l++) {
                    acc[l] = Math.fma(q[qOff + c + l], keys[k0 + c + l], acc[l]);
                }
            }
            for (int h = lanes / 2; h >= 1; h /= 2) {
                for (int l = 0; l < h; l++) {
                    acc[l] = acc[l] + acc[l + h];
                }
            }
            float s = acc[0];
            for (int c = upper; c < hd; c++) {
                s = Math.fma(q[qOff + c], keys[k0 + c], s);
            }
            scores[j] = s * scale;
        }
    }

    /** out[c] = sum over j in order of fma(p[j] * inv, value_j[c], .), from 0. */
    public static void weightedSum(float[] p, float inv, int n, float[] values, int vStride, int vOff, int[] at, int vd,
                                   float[] out, int outOff) {
        for (int c = 0; c < vd; c++) {
            float s = 0f;
            for (int j = 0; j < n; j++) {
                s = Math.fma(p[j] * inv, values[at[j] * vStride + vOff + c], s);
            }
            out[outOff + c] = s;
        }
    }
}
