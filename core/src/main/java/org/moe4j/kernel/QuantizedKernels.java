package org.moe4j.kernel;

import static org.moe4j.kernel.WeightBlocks.FOLD1;
import static org.moe4j.kernel.WeightBlocks.FOLD2;
import static org.moe4j.kernel.WeightBlocks.FOLD4;
import static org.moe4j.kernel.WeightBlocks.FOLD8;
import static org.moe4j.kernel.WeightBlocks.PAIR_HI;
import static org.moe4j.kernel.WeightBlocks.PAIR_LO;
import static org.moe4j.kernel.WeightBlocks.QUAD_HI;
import static org.moe4j.kernel.WeightBlocks.QUAD_LO;
import static org.moe4j.kernel.WideningLoads.F;
import static org.moe4j.kernel.WideningLoads.I;
import static org.moe4j.kernel.WideningLoads.VL;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import org.moe4j.tensor.WeightMatrix.Format;
import org.moe4j.tensor.quant.Dequantizer;

/**
 * The vector decoding of GGUF's block formats for {@link QuantizedProduct}: VL codes are loaded as
 * bytes, widened to int lanes, unpacked with shifts and masks, converted to float32 and scaled by the same float32
 * products and differences as {@link Dequantizer} (so every weight has the reference's bits), either
 * written to a buffer ({@link #decodeRow}) or multiplied straight into four rows' accumulators for
 * one token ({@link #rows4Token1}), visiting the columns in ascending vectors as the float32 kernel
 * does. Works for vectors of 8 or 16 floats (AVX2, AVX-512): a block of 32 columns is then a whole
 * number of vectors, and VL codes are one 64- or 128-bit load. Elsewhere {@link #SUPPORTED} is false
 * and the scalar decoder fills the buffer. As in {@link F32Blocks}, each format has its own
 * loop (the JIT keeps vectors in registers only when every call in a loop is inlined with one type).
 */
final class QuantizedKernels {
    static final boolean SUPPORTED = VL == 8 || VL == 16;
    /** VL bytes: one code per float lane. */
    private static final VectorSpecies<Byte> B = SUPPORTED ? VectorSpecies.of(byte.class, VectorShape.forBitSize(VL * 8)) : null;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final float[] MXFP4_TABLE = new float[32];
    private static final FloatVector MXFP4_LO, MXFP4_HI;

    static {
        for (int i = 0; i < 16; i++) MXFP4_TABLE[i] = Dequantizer.MXFP4_DOUBLED[i];
        MXFP4_LO = FloatVector.fromArray(F, MXFP4_TABLE, 0);
        MXFP4_HI = VL >= 16 ? MXFP4_LO : FloatVector.fromArray(F, MXFP4_TABLE, VL);
    }

    private QuantizedKernels() {}

    private static ByteVector bytes(MemorySegment w, long at) {
        return ByteVector.fromMemorySegment(B, w, at, LE);
    }

    /**
     * VL bytes sign-extended to int lanes. The codes are unpacked with int shifts and masks: x86 has
     * no byte shifts, and the JIT's emulation of them cost more than the unpacking itself.
     */
    private static IntVector ints(MemorySegment w, long at) {
        return (IntVector) bytes(w, at).convertShape(VectorOperators.B2I, I, 0);
    }

    private static FloatVector widen(IntVector v) {
        return (FloatVector) v.convert(VectorOperators.I2F, 0);
    }

    /** The 4-bit codes of VL bytes: low nibbles (shift 0) or high (shift 4), as 0..15. */
    private static IntVector nibbles(MemorySegment w, long at, int shift) {
        return ints(w, at).lanewise(VectorOperators.LSHR, shift).and(0xF);
    }

    /**
     * The 4-bit codes of VL bytes unpacked in byte lanes: Q4_0 keeps to these, which measured four
     * times faster for it than the int-lane unpacking (that the K formats gain from; 2026-12-06).
     */
    private static ByteVector byteNibbles(MemorySegment w, long at, int shift) {
        ByteVector b = bytes(w, at);
        return shift == 0 ? b.and((byte) 0xF) : b.lanewise(VectorOperators.LSHR, 4);
    }

    private static FloatVector widen(ByteVector b) {
        return (FloatVector) b.convertShape(VectorOperators.B2F, F, 0);
    }

    /** The FP4 values (doubled, as ggml keeps them) of 4-bit codes. */
    private static FloatVector mxfp4Values(IntVector codes) {
        FloatVector index = widen(codes);
        return VL >= 16 ? index.selectFrom(MXFP4_LO) : index.selectFrom(MXFP4_LO, MXFP4_HI);
    }

    /** Q5_K's 5-bit codes: the nibbles with bit {@code j} of the high-bit bytes as bit 4. */
    private static IntVector fiveBits(MemorySegment w, long qs, long qh, int shift, int j) {
        return nibbles(w, qs, shift).or(ints(w, qh).lanewise(VectorOperators.LSHR, j).and(1).lanewise(VectorOperators.LSHL, 4));
    }

    /** Q6_K's codes minus 32 for columns 32s + k.. of half h (see {@link Dequantizer}). */
    private static IntVector sixBits(MemorySegment w, long at, int h, int s, int k) {
        IntVector low = nibbles(w, at + 64L * h + k + 32 * (s & 1), 4 * (s >> 1));
        // bits 2s, 2s + 1 of the high-bit bytes rotated to bits 4, 5: one operation fewer than shifting them down
        // and up again, and rotating (not shifting) left by 4 - 2s serves s = 3 too, as a rotation right by 2
        IntVector high = ints(w, at + 128 + 32L * h + k).lanewise(VectorOperators.ROL, 4 - 2 * s & 31).and(0x30);
        return low.or(high).sub(32);
    }

    /**
     * One row of {@code f} from byte {@code at}, decoded into {@code out}: the vector of columns [c, c + VL)
     * at {@code off + c * spread} (1: the row in order; see {@link PanelBlocks#start} for the others).
     */
    static void decodeRow(Format f, MemorySegment w, long at, int cols, MemorySegment out, int off, int spread) {
        switch (f) {
            case Q8_0 -> {
                for (int c = 0; c < cols; c += 32, at += 34) {
                    float d = Dequantizer.half(w, at);
                    for (int k = 0; k < 32; k += VL) widen(ints(w, at + 2 + k)).mul(d).intoMemorySegment(out, 4L * (off + (c + k) * spread), LE);
                }
            }
            case Q4_0 -> {
                for (int c = 0; c < cols; c += 32, at += 18) {
                    float d = Dequantizer.half(w, at);
                    for (int k = 0; k < 32; k += VL) widen(byteNibbles(w, at + 2 + k % 16, k < 16 ? 0 : 4).sub((byte) 8)).mul(d).intoMemorySegment(out, 4L * (off + (c + k) * spread), LE);
                }
            }
            case MXFP4_GGML -> {
                for (int c = 0; c < cols; c += 32, at += 17) {
                    float d = Dequantizer.e8m0Half(w.get(ValueLayout.JAVA_BYTE, at) & 0xFF);
                    for (int k = 0; k < 32; k += VL) mxfp4Values(nibbles(w, at + 1 + k % 16, k < 16 ? 0 : 4)).mul(d).intoMemorySegment(out, 4L * (off + (c + k) * spread), LE);
                }
            }
            case Q4_K, Q5_K -> {
                boolean five = f == Format.Q5_K;
                for (int c = 0; c < cols; c += 256, at += f.blockBytes()) {
                    float d = Dequantizer.half(w, at), dmin = Dequantizer.half(w, at + 2);
                    long qs = at + (five ? 48 : 16);
                    for (int j = 0; j < 8; j++) {
                        float dl = d * Dequantizer.scaleMin(w, at + 4, j, 0), ml = dmin * Dequantizer.scaleMin(w, at + 4, j, 1);
                        for (int k = 0; k < 32; k += VL) {
                            long q = qs + 32L * (j >> 1) + k;
                            IntVector codes = five ? fiveBits(w, q, at + 16 + k, (j & 1) * 4, j) : nibbles(w, q, (j & 1) * 4);
                            widen(codes).mul(dl).sub(ml).intoMemorySegment(out, 4L * (off + (c + 32 * j + k) * spread), LE);
                        }
                    }
                }
            }
            case Q6_K -> {
                for (int c = 0; c < cols; c += 256, at += 210) {
                    float d = Dequantizer.half(w, at + 208);
                    for (int h = 0; h < 2; h++) {
                        for (int s = 0; s < 4; s++) {
                            for (int k = 0; k < 32; k += VL) {
                                int col = 128 * h + 32 * s + k;
                                float dl = d * w.get(ValueLayout.JAVA_BYTE, at + 192 + col / 16);
                                widen(sixBits(w, at, h, s, k)).mul(dl).intoMemorySegment(out, 4L * (off + (c + col) * spread), LE);
                            }
                        }
                    }
                }
            }
            default -> throw new IllegalArgumentException("no block decoder for " + f);
        }
    }

    /**
     * Rows r..r+3 (row r from byte {@code w0}, rows {@code rowBytes} apart) times one token, into
     * y[y0 .. y0+4); {@code scales} (64 floats) holds the K formats' sub-block scales of the
     * super-block at hand, computed by {@link #subBlockScales} outside the vector loop (computed
     * inline, the loop grew past what the JIT inlines and ran ten times slower). Q5_K and Q6_K, whose
     * codes take more unpacking, go two rows at a time for the same reason; each row's lanes are
     * summed by the tree of {@link F32Blocks#row1Token1}, which adds the same
     * operands in the same order as the four-row sum. Q4_K has a kernel of its own ({@link Q4kProduct}).
     */
    static void rows4Token1(Format f, MemorySegment w, long w0, long rowBytes, int cols, float[] x, int x0, float[] y, int y0,
                            float[] scales) {
        switch (f) {
            case Q8_0 -> q8_0(w, w0, rowBytes, cols, x, x0, y, y0);
            case Q4_0 -> q4_0(w, w0, rowBytes, cols, x, x0, y, y0);
            case Q5_K -> {
                q5_k(w, w0, rowBytes, cols, x, x0, y, y0, scales);
                q5_k(w, w0 + 2 * rowBytes, rowBytes, cols, x, x0, y, y0 + 2, scales);
            }
            case Q6_K -> {
                q6_k(w, w0, rowBytes, cols, x, x0, y, y0, scales);
                q6_k(w, w0 + 2 * rowBytes, rowBytes, cols, x, x0, y, y0 + 2, scales);
            }
            case MXFP4_GGML -> {
                mxfp4(w, w0, rowBytes, cols, x, x0, y, y0);
                mxfp4(w, w0 + 2 * rowBytes, rowBytes, cols, x, x0, y, y0 + 2);
            }
            default -> throw new IllegalArgumentException("no block kernel for " + f);
        }
    }

    private static void q8_0(MemorySegment w, long w0, long rowBytes, int cols, float[] x, int x0, float[] y, int y0) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        long w1 = w0 + rowBytes, w2 = w1 + rowBytes, w3 = w2 + rowBytes;
        for (int c = 0, b = 0; c < cols; c += 32, b += 34) {
            float d0 = Dequantizer.half(w, w0 + b), d1 = Dequantizer.half(w, w1 + b);
            float d2 = Dequantizer.half(w, w2 + b), d3 = Dequantizer.half(w, w3 + b);
            for (int k = 0; k < 32; k += VL) {
                FloatVector u = FloatVector.fromArray(F, x, x0 + c + k);
                int o = b + 2 + k;
                a0 = u.fma(widen(ints(w, w0 + o)).mul(d0), a0);
                a1 = u.fma(widen(ints(w, w1 + o)).mul(d1), a1);
                a2 = u.fma(widen(ints(w, w2 + o)).mul(d2), a2);
                a3 = u.fma(widen(ints(w, w3 + o)).mul(d3), a3);
            }
        }
        FloatVector b0 = PAIR_LO.selectFrom(a0, a1).add(PAIR_HI.selectFrom(a0, a1));
        FloatVector b1 = PAIR_LO.selectFrom(a2, a3).add(PAIR_HI.selectFrom(a2, a3));
        FloatVector s = QUAD_LO.selectFrom(b0, b1).add(QUAD_HI.selectFrom(b0, b1));
        if (VL >= 16) s = s.add(s.rearrange(FOLD2));
        if (VL >= 8) s = s.add(s.rearrange(FOLD1));
        y[y0] = s.lane(0);
        y[y0 + 1] = s.lane(VL / 4);
        y[y0 + 2] = s.lane(VL / 2);
        y[y0 + 3] = s.lane(3 * VL / 4);
    }

    private static void q4_0(MemorySegment w, long w0, long rowBytes, int cols, float[] x, int x0, float[] y, int y0) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        long w1 = w0 + rowBytes, w2 = w1 + rowBytes, w3 = w2 + rowBytes;
        for (int c = 0, b = 0; c < cols; c += 32, b += 18) {
            float d0 = Dequantizer.half(w, w0 + b), d1 = Dequantizer.half(w, w1 + b);
            float d2 = Dequantizer.half(w, w2 + b), d3 = Dequantizer.half(w, w3 + b);
            for (int k = 0; k < 32; k += VL) {
                FloatVector u = FloatVector.fromArray(F, x, x0 + c + k);
                int o = b + 2 + k % 16, shift = k < 16 ? 0 : 4;
                a0 = u.fma(widen(byteNibbles(w, w0 + o, shift).sub((byte) 8)).mul(d0), a0);
                a1 = u.fma(widen(byteNibbles(w, w1 + o, shift).sub((byte) 8)).mul(d1), a1);
                a2 = u.fma(widen(byteNibbles(w, w2 + o, shift).sub((byte) 8)).mul(d2), a2);
                a3 = u.fma(widen(byteNibbles(w, w3 + o, shift).sub((byte) 8)).mul(d3), a3);
            }
        }
        FloatVector b0 = PAIR_LO.selectFrom(a0, a1).add(PAIR_HI.selectFrom(a0, a1));
        FloatVector b1 = PAIR_LO.selectFrom(a2, a3).add(PAIR_HI.selectFrom(a2, a3));
        FloatVector s = QUAD_LO.selectFrom(b0, b1).add(QUAD_HI.selectFrom(b0, b1));
        if (VL >= 16) s = s.add(s.rearrange(FOLD2));
        if (VL >= 8) s = s.add(s.rearrange(FOLD1));
        y[y0] = s.lane(0);
        y[y0 + 1] = s.lane(VL / 4);
        y[y0 + 2] = s.lane(VL / 2);
        y[y0 + 3] = s.lane(3 * VL / 4);
    }

    /**
     * MXFP4 blocks, one token: each row's block first gets a table of its 16 weights, the FP4 values times
     * the block's scale (the reference's products, held as int bits), and each code then picks its weight from
     * it with one permute, which takes the index from the low 4 bits of its lane: the low nibble needs no
     * mask, the high one a shift. Against converting every code to float32 and scaling it, that is 3 vector
     * operations per VL weights instead of 6, and one multiply per 32 weights instead of 32/VL. The two
     * halves of a block are separate loops: with one loop choosing the shift by a branch, the JIT lost the
     * vectors' exact types and ran the permute as Java code. Rows r and r+1 only (see rows4Token1): with
     * four, the method passed the JIT's inlining budget (NodeCountInliningCutoff) and the permutes of the
     * last rows ran as Java code.
     */
    private static void mxfp4(MemorySegment w, long w0, long rowBytes, int cols, float[] x, int x0, float[] y, int y0) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        long w1 = w0 + rowBytes;
        for (int c = 0, b = 0; c < cols; c += 32, b += 17) {
            float d0 = Dequantizer.e8m0Half(w.get(ValueLayout.JAVA_BYTE, w0 + b) & 0xFF);
            float d1 = Dequantizer.e8m0Half(w.get(ValueLayout.JAVA_BYTE, w1 + b) & 0xFF);
            IntVector t0 = MXFP4_LO.mul(d0).reinterpretAsInts(), t1 = MXFP4_LO.mul(d1).reinterpretAsInts();
            // the second halves of the tables, for vectors of 8 lanes only
            IntVector h0 = VL >= 16 ? t0 : MXFP4_HI.mul(d0).reinterpretAsInts(), h1 = VL >= 16 ? t1 : MXFP4_HI.mul(d1).reinterpretAsInts();
            // columns 0..15 are the low nibbles of the block's 16 code bytes, 16..31 the high ones
            for (int k = 0; k < 16; k += VL) {
                FloatVector u = FloatVector.fromArray(F, x, x0 + c + k);
                a0 = u.fma(pick(ints(w, w0 + b + 1 + k), t0, h0), a0);
                a1 = u.fma(pick(ints(w, w1 + b + 1 + k), t1, h1), a1);
            }
            for (int k = 0; k < 16; k += VL) {
                FloatVector u = FloatVector.fromArray(F, x, x0 + c + 16 + k);
                a0 = u.fma(pick(highNibbles(w, w0 + b + 1 + k), t0, h0), a0);
                a1 = u.fma(pick(highNibbles(w, w1 + b + 1 + k), t1, h1), a1);
            }
        }
        y[y0] = laneSum(a0);
        y[y0 + 1] = laneSum(a1);
    }

    /** VL bytes as int lanes whose low 4 bits are their high nibbles (the bits above are left for {@link #pick}). */
    private static IntVector highNibbles(MemorySegment w, long at) {
        return ints(w, at).lanewise(VectorOperators.LSHR, 4);
    }

    /**
     * The entries of a 16-entry table (floats as int bits: lanes 0..VL-1 in {@code lo}, the rest in {@code hi}
     * when VL is 8) at the low 4 bits of each lane of {@code codes}: one permute, which wraps the index.
     */
    static FloatVector pick(IntVector codes, IntVector lo, IntVector hi) {
        return (VL >= 16 ? codes.selectFrom(lo) : codes.selectFrom(lo, hi)).reinterpretAsFloats();
    }

    /**
     * The float32 sub-block factors of super-block byte {@code b} of {@code rows} rows from r into {@code s}: for
     * Q4_K and Q5_K, row i's d sc_j at s[16 i + j] and dmin m_j at s[16 i + 8 + j]; for Q6_K, d sc_j
     * of its 16 sub-blocks at s[16 i + j]. The products are the reference's.
     */
    static void subBlockScales(Format f, MemorySegment w, long w0, long rowBytes, long b, int rows, float[] s) {
        for (int i = 0; i < rows; i++) {
            long at = w0 + i * rowBytes + b;
            if (f == Format.Q6_K) {
                // the 16 signed scale bytes widened in vector lanes: one by one, each byte's bounds check was a
                // call the JIT did not inline, a fifth of a Q4_K_M decode step
                float d = Dequantizer.half(w, at + 208);
                for (int k = 0; k < 16; k += VL) widen(ints(w, at + 192 + k)).mul(d).intoArray(s, 16 * i + k);
            } else {
                float d = Dequantizer.half(w, at), dmin = Dequantizer.half(w, at + 2);
                for (int j = 0; j < 8; j++) {
                    s[16 * i + j] = d * Dequantizer.scaleMin(w, at + 4, j, 0);
                    s[16 * i + 8 + j] = dmin * Dequantizer.scaleMin(w, at + 4, j, 1);
                }
            }
        }
    }

    // rows r, r+1 only (see rows4Token1)
    private static void q5_k(MemorySegment w, long w0, long rowBytes, int cols, float[] x, int x0, float[] y, int y0, float[] sc) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        long w1 = w0 + rowBytes;
        for (int c = 0, b = 0; c < cols; c += 256, b += 176) {
            subBlockScales(Format.Q5_K, w, w0, rowBytes, b, 2, sc);
            for (int j = 0; j < 8; j++) {
                float dl0 = sc[j], dl1 = sc[16 + j], ml0 = sc[8 + j], ml1 = sc[24 + j];
                int shift = (j & 1) * 4;
                for (int k = 0; k < 32; k += VL) {
                    FloatVector u = FloatVector.fromArray(F, x, x0 + c + 32 * j + k);
                    long q = b + 48 + 32L * (j >> 1) + k, h = b + 16 + k;
                    a0 = u.fma(widen(fiveBits(w, w0 + q, w0 + h, shift, j)).mul(dl0).sub(ml0), a0);
                    a1 = u.fma(widen(fiveBits(w, w1 + q, w1 + h, shift, j)).mul(dl1).sub(ml1), a1);
                }
            }
        }
        y[y0] = laneSum(a0);
        y[y0 + 1] = laneSum(a1);
    }

    // rows r, r+1 only (see rows4Token1)
    private static void q6_k(MemorySegment w, long w0, long rowBytes, int cols, float[] x, int x0, float[] y, int y0, float[] sc) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        long w1 = w0 + rowBytes;
        for (int c = 0, b = 0; c < cols; c += 256, b += 210) {
            subBlockScales(Format.Q6_K, w, w0, rowBytes, b, 2, sc);
            for (int h = 0; h < 2; h++) {
                for (int s = 0; s < 4; s++) {
                    for (int k = 0; k < 32; k += VL) {
                        int col = 128 * h + 32 * s + k, i = col / 16;
                        FloatVector u = FloatVector.fromArray(F, x, x0 + c + col);
                        a0 = u.fma(widen(sixBits(w, w0 + b, h, s, k)).mul(sc[i]), a0);
                        a1 = u.fma(widen(sixBits(w, w1 + b, h, s, k)).mul(sc[16 + i]), a1);
                    }
                }
            }
        }
        y[y0] = laneSum(a0);
        y[y0 + 1] = laneSum(a1);
    }

    /** The lanes of one accumulator summed by the fixed pairwise tree of {@link F32Blocks#row1Token1}. */
    static float laneSum(FloatVector s) {
        if (VL >= 16) s = s.add(s.rearrange(FOLD8));
        s = s.add(s.rearrange(FOLD4));
        s = s.add(s.rearrange(FOLD2));
        s = s.add(s.rearrange(FOLD1));
        return s.lane(0);
    }
}
