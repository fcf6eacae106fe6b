package org.moe4j.tensor.quant;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.moe4j.tensor.WeightMatrix.Format;

/**
 * The plain decoding of one block of each of ggml's block formats, bit for bit as gguf-py 0.19's
 * {@code gguf.quants} decodes it: every value is computed in float32 by the same products and
 * differences, in the same order (a scale times a sub-block factor first, then times the code, then
 * minus the sub-block minimum), with no fused multiply-add. This is the reference the vector kernels
 * of {@code kernel.QuantizedProduct} are tested against, and the decoding of {@code WeightMatrix.get}.
 *
 * <p>Layouts (QK_K = 256; d, dmin: IEEE half scales):
 * <pre>
 *   Q8_0   d, q[32] int8                                   x = d q
 *   Q4_0   d, qs[16]: x[j] low nibble, x[j+16] high         x = d (q - 8)
 *   Q4_K   d, dmin, scales[12], qs[128]                     x = (d sc) q - (dmin m), q in 0..15
 *   Q5_K   d, dmin, scales[12], qh[32], qs[128]             as Q4_K with bit i of qh[j] as the fifth bit of sub-block i
 *   Q6_K   ql[128], qh[64], scales[16] int8, d              x = (d sc) (q - 32), q in 0..63
 *   MXFP4  e, qs[16]: x[j] low nibble, x[j+16] high         x = 2^(e-128) (2 v), v the FP4 e2m1 value
 * </pre>
 * Q4_K/Q5_K scales: 8 sub-blocks of 32, each with a 6-bit scale sc and minimum m; sub-block j &lt; 4 has
 * sc = scales[j] &amp; 63, m = scales[j+4] &amp; 63; j &gt;= 4 takes its low 4 bits from scales[j+4] (sc low
 * nibble, m high nibble) and its top 2 bits from the top bits of scales[j-4] (sc) and scales[j] (m).
 * Their codes come 64 columns at a time: 32 bytes whose low nibbles are sub-block 2i and high nibbles
 * sub-block 2i+1. Q6_K: two halves of 128; in half h, column 32s + j (s = 0..3) takes its low 4 bits
 * from ql[64h + j + 32 (s odd)] (low nibble for s &lt; 2, high for s &gt;= 2) and its top 2 bits from bits
 * 2s, 2s+1 of qh[32h + j]; sub-block of 16 i has scale scales[i].
 */
public final class Dequantizer {
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** ggml's MXFP4 values: the FP4 e2m1 values doubled, so the scale is 2^(e - 128). */
    public static final byte[] MXFP4_DOUBLED = {0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12};

    private Dequantizer() {}

    /** Decodes the block of {@code f} at byte {@code at} of {@code data} into {@code out[off .. off + blockSize)}. */
    public static void block(Format f, MemorySegment data, long at, float[] out, int off) {
        switch (f) {
            case Q8_0 -> q8_0(data, at, out, off);
            case Q4_0 -> q4_0(data, at, out, off);
            case Q4_K -> q4_k(data, at, out, off);
            case Q5_K -> q5_k(data, at, out, off);
            case Q6_K -> q6_k(data, at, out, off);
            case MXFP4_GGML -> mxfp4(data, at, out, off);
            default -> throw new IllegalArgumentException("dequantize: " + f + " is not a block format of GGUF");
        }
    }

    static int u8(MemorySegment m, long at) {
        return m.get(ValueLayout.JAVA_BYTE, at) & 0xFF;
    }

    /** The IEEE half at byte {@code at}, widened. */
    public static float half(MemorySegment m, long at) {
        return Float.float16ToFloat(m.get(I16, at));
    }

    static void q8_0(MemorySegment m, long at, float[] out, int off) {
        float d = half(m, at);
        for (int j = 0; j < 32; j++) {
            out[off + j] = d * m.get(ValueLayout.JAVA_BYTE, at + 2 + j);
        }
    }

    static void q4_0(MemorySegment m, long at, float[] out, int off) {
        float d = half(m, at);
        for (int j = 0; j < 16; j++) {
            int q = u8(m, at + 2 + j);
            out[off + j] = d * ((q & 0xF) - 8);
            out[off + j + 16] = d * ((q >>> 4) - 8);
        }
    }

    /** Sub-block j's 6-bit scale (which 0) or minimum (which 1) from the 12 packed bytes at {@code s}. */
    public static int scaleMin(MemorySegment m, long s, int j, int which) {
        if (j < 4) return u8(m, s + j + 4L * which) & 63;
        int low = u8(m, s + j + 4);
        int high = u8(m, s + j - 4 + 4L * which) >>> 6;
        return (which == 0 ? low & 0xF : low >>> 4) | high << 4;
    }

    static void q4_k(MemorySegment m, long at, float[] out, int off) {
        float d = half(m, at);
        float dmin = half(m, at + 2);
        long scales = at + 4, qs = at + 16;
        for (int j = 0; j < 8; j++) {
            float dl = d * scaleMin(m, scales, j, 0);
            float ml = dmin * scaleMin(m, scales, j, 1);
            int shift = (j & 1) * 4;
            long q0 = qs + 32L * (j >> 1);
            for (int i = 0; i < 32; i++) {
                out[off + 32 * j + i] = dl * ((u8(m, q0 + i) >>> shift) & 0xF) - ml;
            }
        }
    }

    static void q5_k(MemorySegment m, long at, float[] out, int off) {
        float d = half(m, at);
        float dmin = half(m, at + 2);
        long scales = at + 4, qh = at + 16, qs = at + 48;
        for (int j = 0; j < 8; j++) {
            float dl = d * scaleMin(m, scales, j, 0);
            float ml = dmin * scaleMin(m, scales, j, 1);
            int shift = (j & 1) * 4;
            long q0 = qs + 32L * (j >> 1);
            for (int i = 0; i < 32; i++) {
                int q = ((u8(m, q0 + i) >>> shift) & 0xF) | ((u8(m, qh + i) >>> j) & 1) << 4;
                out[off + 32 * j + i] = dl * q - ml;
            }
        }
    }

    static void q6_k(MemorySegment m, long at, float[] out, int off) {
        long ql = at, qh = at + 128, scales = at + 192;
        float d = half(m, at + 208);
        for (int h = 0; h < 2; h++) {
            for (int s = 0; s < 4; s++) {
                for (int j = 0; j < 32; j++) {
                    int low = (u8(m, ql + 64L * h + j + 32 * (s & 1)) >>> (4 * (s >> 1))) & 0xF;
                    int high = (u8(m, qh + 32L * h + j) >>> (2 * s)) & 3;
                    int c = 128 * h + 32 * s + j;
                    float dl = d * m.get(ValueLayout.JAVA_BYTE, scales + c / 16);
                    out[off + c] = dl * ((low | high << 4) - 32);
                }
            }
        }
    }

    /** 2^(e - 128) as ggml computes it (ggml_e8m0_to_fp32_half): subnormal for e &lt; 2. */
    public static float e8m0Half(int e) {
        return Float.intBitsToFloat(e < 2 ? 0x0020_0000 << e : (e - 1) << 23);
    }

    static void mxfp4(MemorySegment m, long at, float[] out, int off) {
        float d = e8m0Half(u8(m, at));
        for (int j = 0; j < 16; j++) {
            int q = u8(m, at + 1 + j);
            out[off + j] = d * MXFP4_DOUBLED[q & 0xF];
            out[off + j + 16] = d * MXFP4_DOUBLED[q >>> 4];
        }
    }
}
