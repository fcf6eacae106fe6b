package org.moe4j.kernel;

import static org.moe4j.kernel.WeightBlocks.FOLD1;
import static org.moe4j.kernel.WeightBlocks.FOLD2;
import static org.moe4j.kernel.WeightBlocks.PAIR_HI;
import static org.moe4j.kernel.WeightBlocks.PAIR_LO;
import static org.moe4j.kernel.WeightBlocks.QUAD_HI;
import static org.moe4j.kernel.WeightBlocks.QUAD_LO;
import static org.moe4j.kernel.WideningLoads.F;
import static org.moe4j.kernel.WideningLoads.I;
import static org.moe4j.kernel.WideningLoads.VL;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;
import org.moe4j.tensor.WeightMatrix;
import org.moe4j.tensor.WeightMatrix.Format;
import org.moe4j.tensor.quant.Dequantizer;

/**
 * Q4_K rows times tokens for {@link QuantizedProduct}, by the definition of {@link Q4kReference}: the
 * 4-bit codes are multiplied with x first and each sub-block's scale and minimum applied once per 32
 * columns (the minimum through the sub-block's sum of x, computed once per token), instead of
 * decoding every weight to {@code dl q - ml} before its multiply-add. That takes a multiply and a
 * subtraction per weight out of the loop, and each load of 16 code bytes serves two sub-blocks (the
 * low nibbles are sub-block 2i, the high ones 2i + 1): about 4 vector operations per 16 weights
 * instead of 7. Two schedules compute the same sequence of operations, so a token's outputs have the
 * same bits alone or in a batch:
 * <ul>
 *   <li>one token: two rows' codes at a time are unpacked in registers straight from the packed blocks;</li>
 *   <li>several tokens: a block of rows that fits the L2 cache is unpacked once into a per-thread
 *       buffer of codes (as floats) and sub-block factors, and every token runs over it.</li>
 * </ul>
 * Rows left over past the last block of 4 (matrices whose rows are not a multiple of 4) take the
 * reference itself.
 */
final class Q4kProduct {
    /** Floats of unpacked codes per buffer (256 KiB: a fraction of a core's L2). */
    private static final int BUFFER_FLOATS = 1 << 16;
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(VL * 8));
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /*
     * The 12 scale bytes b[0..11] of a super-block hold sc_j and m_j (6 bits each, see Dequantizer.scaleMin):
     * for j < 4, sc_j = b[j] & 63 and m_j = b[j + 4] & 63; for j >= 4, sc_j = (b[j + 4] & 15) | (b[j - 4] >> 6) << 4
     * and m_j = (b[j + 4] >> 4) | (b[j] >> 6) << 4. Lane l of the result is sc_l (l < 8) or m_{l-8}: its low
     * bits come from byte SCALE_LOW[l] shifted right by LOW_SHIFT[l] and masked by LOW_MASK[l], its two high
     * bits (lanes of j >= 4 only) from the top of byte SCALE_HIGH[l].
     */
    private static final IntVector LOW_SHIFT, LOW_MASK, HIGH_MASK;
    private static final VectorShuffle<Integer> SCALE_LOW, SCALE_HIGH;
    private static final VectorMask<Float> MINS;

    static {
        int n = I.length();
        int[] lowIndex = new int[n], highIndex = new int[n], shift = new int[n], mask = new int[n], highMask = new int[n];
        boolean[] mins = new boolean[n];
        for (int l = 0; l < Math.min(n, 16); l++) {
            int j = l % 8;
            boolean min = l >= 8;
            mins[l] = min;
            if (j < 4) {
                lowIndex[l] = min ? j + 4 : j;
                mask[l] = 63;
            } else {
                lowIndex[l] = j + 4;
                shift[l] = min ? 4 : 0;
                mask[l] = 15;
                highIndex[l] = min ? j : j - 4;
                highMask[l] = 0x30;
            }
        }
        SCALE_LOW = VectorShuffle.fromArray(I, lowIndex, 0);
        SCALE_HIGH = VectorShuffle.fromArray(I, highIndex, 0);
        LOW_SHIFT = IntVector.fromArray(I, shift, 0);
        LOW_MASK = IntVector.fromArray(I, mask, 0);
        HIGH_MASK = IntVector.fromArray(I, highMask, 0);
        MINS = VectorMask.fromArray(F, mins, 0);
    }

    private static final ThreadLocal<Buffer> BUFFERS = ThreadLocal.withInitial(Buffer::new);

    private Q4kProduct() {}

    /** Per-thread buffers: unpacked codes, sub-block factors, the tokens' sub-block sums. */
    private static final class Buffer {
        float[] codes = new float[0], dl = new float[0], ml = new float[0], sums = new float[0];
        final float[] scales = new float[64];

        void ensure(int codeFloats, int subBlocks, int sumFloats) {
            if (codes.length < codeFloats) codes = new float[codeFloats];
            if (dl.length < subBlocks) {
                dl = new float[subBlocks];
                ml = new float[subBlocks];
            }
            if (sums.length < sumFloats) sums = new float[Math.max(sumFloats, sums.length * 3 / 2)];
        }
    }

    // x: (T, cols) rows ldx apart   y: (T, rows) rows ldy apart; rows [r0, r1) of w, r0 a multiple of 4
    static void rows(int r0, int r1, float[] x, int xOff, int ldx, int T, WeightMatrix w, float[] y, int yOff, int ldy, boolean add) {
        int cols = w.cols();
        int subs = cols / 32;
        long rowBytes = Format.Q4_K.rowBytes(cols);
        MemorySegment data = w.data();
        Buffer buffer = BUFFERS.get();
        int block = Math.max(4, BUFFER_FLOATS / Math.max(1, cols) & ~3);
        buffer.ensure(T == 1 ? 0 : block * cols, block * subs, T * subs);
        float[] sums = buffer.sums;
        for (int t = 0; t < T; t++) {
            for (int j = 0; j < subs; j++) sums[t * subs + j] = Q4kReference.subBlockSum(x, xOff + t * ldx + 32 * j);
        }
        int quadEnd = r0 + (r1 - r0 & ~3);
        if (T == 1) {
            for (int r = r0; r < quadEnd; r += 4) {
                packed2(data, r * rowBytes, rowBytes, cols, x, xOff, sums, buffer.scales, y, yOff + r, add);
                packed2(data, (r + 2) * rowBytes, rowBytes, cols, x, xOff, sums, buffer.scales, y, yOff + r + 2, add);
            }
        } else {
            for (int b0 = r0; b0 < quadEnd; b0 += block) {
                int b1 = Math.min(quadEnd, b0 + block);
                for (int r = b0; r < b1; r++) unpack(data, r * rowBytes, cols, buffer, r - b0);
                for (int t = 0; t < T; t++) {
                    for (int r = b0; r < b1; r += 4) {
                        buffered4(buffer, r - b0, cols, x, xOff + t * ldx, sums, t * subs, y, yOff + t * ldy + r, add);
                    }
                }
            }
        }
        for (int r = quadEnd; r < r1; r++) {
            for (int t = 0; t < T; t++) {
                WeightBlocks.store(y, yOff + t * ldy + r, Q4kReference.dot(data, r * rowBytes, cols, x, xOff + t * ldx, VL), add);
            }
        }
    }

    /**
     * The sub-block factors of the super-blocks at byte {@code at} of {@code rows} rows {@code rowBytes}
     * apart: row i's d sc_j at s[16 i + j] and dmin m_j at s[16 i + 8 + j], the float32 products of
     * {@link Dequantizer}. With 16 int lanes all 16 six-bit values of a row come out of
     * one load of its 12 packed bytes (two permutes, shifts and masks per lane, see {@link #SCALE_LOW}):
     * decoded one by one they cost more than the products themselves.
     */
    static void subBlockScales(MemorySegment w, long at, long rowBytes, int rows, float[] s) {
        if (VL != 16) {
            QuantizedKernels.subBlockScales(Format.Q4_K, w, at, rowBytes, 0, rows, s);
            return;
        }
        for (int i = 0; i < rows; i++, at += rowBytes) {
            IntVector b = ints(w, at + 4).and(0xFF);
            IntVector low = b.rearrange(SCALE_LOW).lanewise(VectorOperators.LSHR, LOW_SHIFT).and(LOW_MASK);
            IntVector high = b.rearrange(SCALE_HIGH).lanewise(VectorOperators.LSHR, 6).lanewise(VectorOperators.LSHL, 4).and(HIGH_MASK);
            FloatVector f = (FloatVector) low.or(high).convert(VectorOperators.I2F, 0);
            float d = Dequantizer.half(w, at), dmin = Dequantizer.half(w, at + 2);
            f.mul(FloatVector.broadcast(F, d).blend(dmin, MINS)).intoArray(s, 16 * i);
        }
    }

    private static IntVector ints(MemorySegment w, long at) {
        return (IntVector) ByteVector.fromMemorySegment(B, w, at, LE).convertShape(VectorOperators.B2I, I, 0);
    }

    private static FloatVector low(IntVector v) {
        return (FloatVector) v.and(0xF).convert(VectorOperators.I2F, 0);
    }

    private static FloatVector high(IntVector v) {
        return (FloatVector) v.lanewise(VectorOperators.LSHR, 4).and(0xF).convert(VectorOperators.I2F, 0);
    }

    /**
     * Rows r, r+1 (row r from byte {@code w0}) times one token, codes unpacked in registers; {@code sc}
     * (32 floats) takes each super-block's sub-block factors. Two rows, not four: with four rows'
     * two nibbles each, the loop grew past what the JIT inlines and its conversions fell back to the
     * Vector API's Java code (measured 5 times slower than the old kernel).
     */
    private static void packed2(MemorySegment w, long w0, long rowBytes, int cols, float[] x, int x0, float[] sums,
                                float[] sc, float[] y, int y0, boolean add) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        float m0 = 0, m1 = 0;
        long w1 = w0 + rowBytes;
        for (int c = 0, b = 0; c < cols; c += 256, b += 144) {
            subBlockScales(w, w0 + b, rowBytes, 2, sc);
            for (int i = 0; i < 4; i++) {
                int j = 2 * i;
                FloatVector p0 = FloatVector.zero(F), p1 = p0, h0 = p0, h1 = p0;
                for (int k = 0; k < 32; k += VL) {
                    FloatVector u = FloatVector.fromArray(F, x, x0 + c + 32 * j + k);
                    FloatVector v = FloatVector.fromArray(F, x, x0 + c + 32 * j + 32 + k);
                    long o = b + 16 + 32L * i + k;
                    IntVector q0 = ints(w, w0 + o), q1 = ints(w, w1 + o);
                    p0 = u.fma(low(q0), p0);
                    h0 = v.fma(high(q0), h0);
                    p1 = u.fma(low(q1), p1);
                    h1 = v.fma(high(q1), h1);
                }
                a0 = h0.fma(FloatVector.broadcast(F, sc[j + 1]), p0.fma(FloatVector.broadcast(F, sc[j]), a0));
                a1 = h1.fma(FloatVector.broadcast(F, sc[16 + j + 1]), p1.fma(FloatVector.broadcast(F, sc[16 + j]), a1));
            }
            int s0 = c / 32;
            for (int j = 0; j < 8; j++) {
                float s = sums[s0 + j];
                m0 = Math.fma(sc[8 + j], s, m0);
                m1 = Math.fma(sc[24 + j], s, m1);
            }
        }
        WeightBlocks.store(y, y0, QuantizedKernels.laneSum(a0) - m0, add);
        WeightBlocks.store(y, y0 + 1, QuantizedKernels.laneSum(a1) - m1, add);
    }

    /** Row {@code r} of the block (from byte {@code at}) unpacked into the buffer: codes as floats, dl and ml per sub-block. */
    private static void unpack(MemorySegment w, long at, int cols, Buffer buffer, int r) {
        float[] codes = buffer.codes, dl = buffer.dl, ml = buffer.ml, sc = buffer.scales;
        int subs = cols / 32;
        for (int c = 0; c < cols; c += 256, at += 144) {
            subBlockScales(w, at, 0, 1, sc);
            for (int j = 0; j < 8; j++) {
                dl[r * subs + c / 32 + j] = sc[j];
                ml[r * subs + c / 32 + j] = sc[8 + j];
            }
            for (int i = 0; i < 4; i++) {
                for (int k = 0; k < 32; k += VL) {
                    IntVector q = ints(w, at + 16 + 32L * i + k);
                    int to = r * cols + c + 64 * i + k;
                    low(q).intoArray(codes, to);
                    high(q).intoArray(codes, to + 32);
                }
            }
        }
    }

    /** Rows r..r+3 of the buffer (r = {@code r}, relative to the block) times one token; its sub-block sums from {@code s0}. */
    private static void buffered4(Buffer buffer, int r, int cols, float[] x, int x0, float[] sums, int s0, float[] y, int y0,
                                  boolean add) {
        float[] q = buffer.codes, dl = buffer.dl, ml = buffer.ml;
        int subs = cols / 32;
        int q0 = r * cols, q1 = q0 + cols, q2 = q1 + cols, q3 = q2 + cols;
        int d0 = r * subs, d1 = d0 + subs, d2 = d1 + subs, d3 = d2 + subs;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int j = 0; j < subs; j++) {
            FloatVector p0 = FloatVector.zero(F), p1 = p0, p2 = p0, p3 = p0;
            for (int k = 0; k < 32; k += VL) {
                int c = 32 * j + k;
                FloatVector u = FloatVector.fromArray(F, x, x0 + c);
                p0 = u.fma(FloatVector.fromArray(F, q, q0 + c), p0);
                p1 = u.fma(FloatVector.fromArray(F, q, q1 + c), p1);
                p2 = u.fma(FloatVector.fromArray(F, q, q2 + c), p2);
                p3 = u.fma(FloatVector.fromArray(F, q, q3 + c), p3);
            }
            a0 = p0.fma(FloatVector.broadcast(F, dl[d0 + j]), a0);
            a1 = p1.fma(FloatVector.broadcast(F, dl[d1 + j]), a1);
            a2 = p2.fma(FloatVector.broadcast(F, dl[d2 + j]), a2);
            a3 = p3.fma(FloatVector.broadcast(F, dl[d3 + j]), a3);
        }
        float m0 = 0, m1 = 0, m2 = 0, m3 = 0;
        for (int j = 0; j < subs; j++) {
            float s = sums[s0 + j];
            m0 = Math.fma(ml[d0 + j], s, m0);
            m1 = Math.fma(ml[d1 + j], s, m1);
            m2 = Math.fma(ml[d2 + j], s, m2);
            m3 = Math.fma(ml[d3 + j], s, m3);
        }
        store4(a0, a1, a2, a3, m0, m1, m2, m3, y, y0, add);
    }

    /** The four rows' lane sums by the 4-row tree of the float32 kernel, each minus its minimum term. */
    private static void store4(FloatVector a0, FloatVector a1, FloatVector a2, FloatVector a3, float m0, float m1, float m2,
                               float m3, float[] y, int y0, boolean add) {
        FloatVector b0 = PAIR_LO.selectFrom(a0, a1).add(PAIR_HI.selectFrom(a0, a1));
        FloatVector b1 = PAIR_LO.selectFrom(a2, a3).add(PAIR_HI.selectFrom(a2, a3));
        FloatVector s = QUAD_LO.selectFrom(b0, b1).add(QUAD_HI.selectFrom(b0, b1));
        if (VL >= 16) s = s.add(s.rearrange(FOLD2));
        if (VL >= 8) s = s.add(s.rearrange(FOLD1));
        WeightBlocks.store(y, y0, s.lane(0) - m0, add);
        WeightBlocks.store(y, y0 + 1, s.lane(VL / 4) - m1, add);
        WeightBlocks.store(y, y0 + 2, s.lane(VL / 2) - m2, add);
        WeightBlocks.store(y, y0 + 3, s.lane(3 * VL / 4) - m3, add);
    }
}
