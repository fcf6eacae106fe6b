package org.moe4j.tensor.quant;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.moe4j.tensor.WeightMatrix.Format;

/**
 * Float32 rows into ggml's block formats (layouts in {@link Dequantizer}), for writing GGUF files.
 * Q8_0, Q4_0 and MXFP4 follow the rounding of gguf-py 0.19's {@code gguf.quants} (itself bit-exact
 * with ggml's reference quantizers), so the same floats give the same bytes. Q4_K and Q6_K, which
 * gguf-py cannot write, are fitted here by least squares: each sub-block's scale (and for Q4_K its
 * minimum) is the best of a few starting scales, each refined by solving for the scale and offset
 * that minimise the squared error of its codes; then the super-block's f16 scales quantise the
 * sub-block scales to 6 or 8 bits, and the codes are rounded once more against those.
 */
public final class Quantizer {
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Starting scales tried per Q4_K sub-block: its range divided by each of these (15 codes' steps, and around). */
    private static final float[] Q4K_STEPS = {15f, 14f, 14.5f, 15.5f, 16f, 13.5f, 16.5f};

    private Quantizer() {}

    /** Writes {@code cols} floats of {@code x} from {@code off} as one row of {@code f} at byte {@code at} of {@code out}. */
    public static void row(Format f, float[] x, int off, int cols, MemorySegment out, long at) {
        if (cols % f.blockSize() != 0) {
            throw new IllegalArgumentException("quantize: a row of " + cols + " is not a whole number of " + f + " blocks of "
                    + f.blockSize());
        }
        for (int b = 0; b < cols / f.blockSize(); b++) {
            int xo = off + b * f.blockSize();
            long o = at + (long) b * f.blockBytes();
            switch (f) {
                case Q8_0 -> q8_0(x, xo, out, o);
                case Q4_0 -> q4_0(x, xo, out, o);
                case Q4_K -> q4_k(x, xo, out, o);
                case Q6_K -> q6_k(x, xo, out, o);
                case MXFP4_GGML -> mxfp4(x, xo, out, o);
                default -> throw new IllegalArgumentException("quantize: cannot write " + f + " (writes Q8_0, Q4_0, Q4_K, Q6_K, MXFP4_GGML)");
            }
        }
    }

    /** gguf-py's np_roundf: half away from zero, computed as floor(a) + floor(2 (a - floor(a))). */
    static float roundAway(float v) {
        float a = Math.abs(v);
        float floored = (float) Math.floor(a);
        float b = floored + (float) Math.floor(2 * (a - floored));
        return Math.copySign(b, v);
    }

    private static void putHalf(MemorySegment m, long at, float v) {
        m.set(I16, at, Float.floatToFloat16(v));
    }

    static void q8_0(float[] x, int o, MemorySegment m, long at) {
        float amax = 0;
        for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[o + j]));
        float d = amax / 127;
        float id = d == 0 ? 0 : 1 / d;
        putHalf(m, at, d);
        for (int j = 0; j < 32; j++) {
            m.set(ValueLayout.JAVA_BYTE, at + 2 + j, (byte) roundAway(x[o + j] * id));
        }
    }

    static void q4_0(float[] x, int o, MemorySegment m, long at) {
        // the value of largest magnitude (the first such) maps to code 0, i.e. -8 d
        float max = 0;
        for (int j = 0; j < 32; j++) {
            if (Math.abs(x[o + j]) > Math.abs(max)) max = x[o + j];
        }
        float d = max / -8;
        float id = d == 0 ? 0 : 1 / d;
        putHalf(m, at, d);
        for (int j = 0; j < 16; j++) {
            int lo = Math.min(15, (int) (x[o + j] * id + 8.5f));
            int hi = Math.min(15, (int) (x[o + j + 16] * id + 8.5f));
            m.set(ValueLayout.JAVA_BYTE, at + 2 + j, (byte) (lo | hi << 4));
        }
    }

    static void mxfp4(float[] x, int o, MemorySegment m, long at) {
        float amax = 0;
        for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[o + j]));
        // gguf-py: e = floor(log2(amax)) - 2 + 127 with log2 rounded to float32, so that 6 (the largest code) times 2^(e-127) covers amax
        int e = amax > 0 ? ((int) Math.floor((float) (Math.log(amax) / Math.log(2.0))) - 2 + 127) & 0xFF : 0;
        float d = Dequantizer.e8m0Half(e);
        m.set(ValueLayout.JAVA_BYTE, at, (byte) e);
        int[] codes = new int[32];
        for (int j = 0; j < 32; j++) {
            int best = 0;
            float bestErr = Float.POSITIVE_INFINITY;
            for (int k = 0; k < 16; k++) {
                float err = Math.abs(d * Dequantizer.MXFP4_DOUBLED[k] - x[o + j]);
                if (err < bestErr) {
                    bestErr = err;
                    best = k;
                }
            }
            codes[j] = best;
        }
        for (int j = 0; j < 16; j++) {
            m.set(ValueLayout.JAVA_BYTE, at + 1 + j, (byte) (codes[j] | codes[j + 16] << 4));
        }
    }

    // x: (256) from o   ->   d, dmin, scales[12], qs[128]
    static void q4_k(float[] x, int o, MemorySegment m, long at) {
        float[] scale = new float[8];
        float[] min = new float[8];
        for (int j = 0; j < 8; j++) {
            float[] fit = fitAffine(x, o + 32 * j, 32, 15);
            scale[j] = fit[0];
            min[j] = fit[1];
        }
        float maxScale = 0, maxMin = 0;
        for (int j = 0; j < 8; j++) {
            maxScale = Math.max(maxScale, scale[j]);
            maxMin = Math.max(maxMin, min[j]);
        }
        float d = Float.float16ToFloat(Float.floatToFloat16(maxScale / 63));
        float dmin = Float.float16ToFloat(Float.floatToFloat16(maxMin / 63));
        int[] sc = new int[8];
        int[] mn = new int[8];
        for (int j = 0; j < 8; j++) {
            sc[j] = d == 0 ? 0 : Math.clamp(Math.round(scale[j] / d), 0, 63);
            mn[j] = dmin == 0 ? 0 : Math.clamp(Math.round(min[j] / dmin), 0, 63);
        }
        putHalf(m, at, d);
        putHalf(m, at + 2, dmin);
        for (int j = 0; j < 4; j++) {
            m.set(ValueLayout.JAVA_BYTE, at + 4 + j, (byte) (sc[j] | (sc[j + 4] >> 4) << 6));
            m.set(ValueLayout.JAVA_BYTE, at + 8 + j, (byte) (mn[j] | (mn[j + 4] >> 4) << 6));
            m.set(ValueLayout.JAVA_BYTE, at + 12 + j, (byte) ((sc[j + 4] & 0xF) | (mn[j + 4] & 0xF) << 4));
        }
        for (int pair = 0; pair < 4; pair++) {
            for (int l = 0; l < 32; l++) {
                int lo = code(x[o + 64 * pair + l], d * sc[2 * pair], dmin * mn[2 * pair], 15);
                int hi = code(x[o + 64 * pair + 32 + l], d * sc[2 * pair + 1], dmin * mn[2 * pair + 1], 15);
                m.set(ValueLayout.JAVA_BYTE, at + 16 + 32L * pair + l, (byte) (lo | hi << 4));
            }
        }
    }

    /** The code of v under x = s q - mn, q in [0, levels]. */
    private static int code(float v, float s, float mn, int levels) {
        return s == 0 ? 0 : Math.clamp(Math.round((v + mn) / s), 0, levels);
    }

    /**
     * The scale s >= 0 and minimum mn >= 0 of x[o .. o+n) ~ s q - mn with q in [0, levels]: the
     * least-squares refit of each of a few starting scales, the one of smallest squared error.
     */
    static float[] fitAffine(float[] x, int o, int n, int levels) {
        float lo = 0, hi = 0;
        for (int i = 0; i < n; i++) {
            lo = Math.min(lo, x[o + i]);
            hi = Math.max(hi, x[o + i]);
        }
        if (hi == lo) return new float[] {0, -lo};
        float bestS = (hi - lo) / levels, bestM = -lo;
        double bestErr = Double.POSITIVE_INFINITY;
        for (float steps : Q4K_STEPS) {
            float s = (hi - lo) / steps;
            float mn = -lo;
            for (int iter = 0; iter < 2; iter++) {
                double sq = 0, sqq = 0, sx = 0, sqx = 0;
                for (int i = 0; i < n; i++) {
                    int q = code(x[o + i], s, mn, levels);
                    sq += q;
                    sqq += (double) q * q;
                    sx += x[o + i];
                    sqx += q * (double) x[o + i];
                }
                double det = n * sqq - sq * sq;
                if (det <= 0) break;
                double ns = (n * sqx - sq * sx) / det;
                double nm = (ns * sq - sx) / n;
                if (nm < 0) {
                    // the offset must be <= 0: fit the scale alone through zero
                    nm = 0;
                    ns = sqq > 0 ? sqx / sqq : 0;
                }
                if (ns <= 0) break;
                s = (float) ns;
                mn = (float) nm;
            }
            double err = 0;
            for (int i = 0; i < n; i++) {
                double e = s * code(x[o + i], s, mn, levels) - mn - x[o + i];
                err += e * e;
            }
            if (err < bestErr) {
                bestErr = err;
                bestS = s;
                bestM = mn;
            }
        }
        return new float[] {bestS, bestM};
    }

    // x: (256) from o   ->   ql[128], qh[64], scales[16], d
    static void q6_k(float[] x, int o, MemorySegment m, long at) {
        float[] scale = new float[16];
        float maxAbs = 0;
        for (int i = 0; i < 16; i++) {
            scale[i] = fitSymmetric(x, o + 16 * i, 16);
            maxAbs = Math.max(maxAbs, Math.abs(scale[i]));
        }
        float d = Float.float16ToFloat(Float.floatToFloat16(maxAbs / 127));
        int[] sc = new int[16];
        for (int i = 0; i < 16; i++) sc[i] = d == 0 ? 0 : Math.clamp(Math.round(scale[i] / d), -128, 127);
        for (int h = 0; h < 2; h++) {
            for (int s = 0; s < 4; s++) {
                for (int j = 0; j < 32; j++) {
                    int c = 128 * h + 32 * s + j;
                    float step = d * sc[c / 16];
                    int q = (step == 0 ? 0 : Math.clamp(Math.round(x[o + c] / step), -32, 31)) + 32;
                    long lowAt = at + 64L * h + j + 32 * (s & 1);
                    int shift = 4 * (s >> 1);
                    m.set(ValueLayout.JAVA_BYTE, lowAt, (byte) (m.get(ValueLayout.JAVA_BYTE, lowAt) & ~(0xF << shift) | (q & 0xF) << shift));
                    long highAt = at + 128 + 32L * h + j;
                    m.set(ValueLayout.JAVA_BYTE, highAt, (byte) (m.get(ValueLayout.JAVA_BYTE, highAt) & ~(3 << 2 * s) | (q >> 4) << 2 * s));
                }
            }
        }
        for (int i = 0; i < 16; i++) m.set(ValueLayout.JAVA_BYTE, at + 192 + i, (byte) sc[i]);
        putHalf(m, at + 208, d);
    }

    /**
     * The scale s of x[o .. o+n) ~ s q with q in [-32, 31]: s = -v/32 for v the value of largest
     * magnitude (which then takes the code -32), refined twice by least squares s = sum(qx) / sum(q^2).
     */
    static float fitSymmetric(float[] x, int o, int n) {
        float v = 0;
        for (int i = 0; i < n; i++) {
            if (Math.abs(x[o + i]) > Math.abs(v)) v = x[o + i];
        }
        if (v == 0) return 0;
        float s = -v / 32;
        for (int iter = 0; iter < 2; iter++) {
            double sqx = 0, sqq = 0;
            for (int i = 0; i < n; i++) {
                int q = Math.clamp(Math.round(x[o + i] / s), -32, 31);
                sqx += q * (double) x[o + i];
                sqq += (double) q * q;
            }
            if (sqq == 0) break;
            s = (float) (sqx / sqq);
        }
        return s;
    }
}
