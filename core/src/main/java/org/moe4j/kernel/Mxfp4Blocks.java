package org.moe4j.kernel;

import static org.moe4j.kernel.QuantizedKernels.pick;
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
import org.moe4j.tensor.quant.Dequantizer;

/**
 * ggml's MXFP4 blocks (the E8M0 scale byte, then 16 bytes of FP4 codes: column j in the low nibble,
 * j + 16 in the high one) times one token, for {@link QuantizedKernels#rows4Token1}: the decoding
 * step's kernel for gpt-oss's experts, which are most of the weights a token reads.
 *
 * <p>Each output is the float32 kernel's dot product with the row as {@link Dequantizer#block}
 * decodes it: weight = e8m0Half(scale) * FP4_DOUBLED[code], one float32 product, then lane-wise fused
 * multiply-adds over the vectors of columns in ascending order and the pairwise lane sum of
 * {@link QuantizedKernels#laneSum}. Only the way each weight is found differs from the decoder:
 *
 * <ul>
 *   <li>{@link #TABLE} holds, for each of the 256 scale bytes, the 16 weights of its block, the
 *       reference's products computed once (16 KiB, resident in L1). A block's weights are then one
 *       load away, where a table built per block took a broadcast and a multiply per row and block
 *       (both on the two vector ports of AVX-512, which every instruction here competes for).</li>
 *   <li>Each code is the index of a permute, which reads the low 4 bits of its lane: the 16 code bytes
 *       of a block are widened to int lanes once, and the permute of those lanes gives the low-nibble
 *       columns, that of the lanes shifted right by 4 the high-nibble ones.</li>
 * </ul>
 *
 * On AVX-512 (16 lanes) a block is two vectors of columns and four rows go at once: with one row's two
 * dependent fused multiply-adds of 4 cycles each per block, two rows left the loop bound by that
 * latency. Per row and block that is a widening load, a shift, two permutes (each with the mask the
 * Vector API's wrapping index adds) and two fused multiply-adds. On AVX2 (8 lanes) a block is four
 * vectors, low nibbles first, and two rows go at a time.
 */
final class Mxfp4Blocks {
    /** TABLE[16 e + i]: the bits of e8m0Half(e) * FP4_DOUBLED[i], exactly the reference's product. */
    private static final int[] TABLE = new int[256 * 16];
    private static final VectorSpecies<Byte> B = QuantizedKernels.SUPPORTED ? VectorSpecies.of(byte.class, VectorShape.forBitSize(VL * 8)) : null;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    static {
        for (int e = 0; e < 256; e++) {
            float d = Dequantizer.e8m0Half(e);
            for (int i = 0; i < 16; i++) TABLE[16 * e + i] = Float.floatToRawIntBits(d * Dequantizer.MXFP4_DOUBLED[i]);
        }
    }

    private Mxfp4Blocks() {}

    /** Rows r..r+3 (row r from byte {@code w0}, rows {@code rowBytes} apart) times one token, into y[y0 .. y0+4). */
    static void rows4Token1(MemorySegment w, long w0, long rowBytes, int cols, float[] x, int x0, float[] y, int y0) {
        if (VL >= 16) {
            wide4(w, w0, rowBytes, cols, x, x0, y, y0);
        } else {
            narrow2(w, w0, rowBytes, cols, x, x0, y, y0);
            narrow2(w, w0 + 2 * rowBytes, rowBytes, cols, x, x0, y, y0 + 2);
        }
    }

    /** The table offset (16 e) of the block at byte {@code at}. */
    private static int table(MemorySegment w, long at) {
        return (w.get(ValueLayout.JAVA_BYTE, at) & 0xFF) << 4;
    }

    /** VL code bytes from {@code at} sign-extended to int lanes (the permute reads only the low 4 bits). */
    private static IntVector codes(MemorySegment w, long at) {
        return (IntVector) ByteVector.fromMemorySegment(B, w, at, LE).convertShape(VectorOperators.B2I, I, 0);
    }

    // 16 lanes: a block's 16 code bytes are one vector, its columns 0..15 and 16..31 one vector each
    private static void wide4(MemorySegment w, long w0, long rowBytes, int cols, float[] x, int x0, float[] y, int y0) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        long w1 = w0 + rowBytes, w2 = w1 + rowBytes, w3 = w2 + rowBytes;
        for (int c = 0, b = 0; c < cols; c += 32, b += 17) {
            IntVector t0 = IntVector.fromArray(I, TABLE, table(w, w0 + b)), t1 = IntVector.fromArray(I, TABLE, table(w, w1 + b));
            IntVector t2 = IntVector.fromArray(I, TABLE, table(w, w2 + b)), t3 = IntVector.fromArray(I, TABLE, table(w, w3 + b));
            FloatVector lo = FloatVector.fromArray(F, x, x0 + c), hi = FloatVector.fromArray(F, x, x0 + c + 16);
            IntVector q0 = codes(w, w0 + b + 1), q1 = codes(w, w1 + b + 1), q2 = codes(w, w2 + b + 1), q3 = codes(w, w3 + b + 1);
            a0 = hi.fma(pick(q0.lanewise(VectorOperators.LSHR, 4), t0, t0), lo.fma(pick(q0, t0, t0), a0));
            a1 = hi.fma(pick(q1.lanewise(VectorOperators.LSHR, 4), t1, t1), lo.fma(pick(q1, t1, t1), a1));
            a2 = hi.fma(pick(q2.lanewise(VectorOperators.LSHR, 4), t2, t2), lo.fma(pick(q2, t2, t2), a2));
            a3 = hi.fma(pick(q3.lanewise(VectorOperators.LSHR, 4), t3, t3), lo.fma(pick(q3, t3, t3), a3));
        }
        y[y0] = QuantizedKernels.laneSum(a0);
        y[y0 + 1] = QuantizedKernels.laneSum(a1);
        y[y0 + 2] = QuantizedKernels.laneSum(a2);
        y[y0 + 3] = QuantizedKernels.laneSum(a3);
    }

    // 8 lanes: columns 0..7 and 8..15 from the low nibbles of bytes 0..7 and 8..15, then 16..23 and 24..31 from the high ones
    private static void narrow2(MemorySegment w, long w0, long rowBytes, int cols, float[] x, int x0, float[] y, int y0) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        long w1 = w0 + rowBytes;
        for (int c = 0, b = 0; c < cols; c += 32, b += 17) {
            int e0 = table(w, w0 + b), e1 = table(w, w1 + b);
            IntVector t0 = IntVector.fromArray(I, TABLE, e0), h0 = IntVector.fromArray(I, TABLE, e0 + VL);
            IntVector t1 = IntVector.fromArray(I, TABLE, e1), h1 = IntVector.fromArray(I, TABLE, e1 + VL);
            for (int k = 0; k < 16; k += VL) {
                FloatVector u = FloatVector.fromArray(F, x, x0 + c + k);
                a0 = u.fma(pick(codes(w, w0 + b + 1 + k), t0, h0), a0);
                a1 = u.fma(pick(codes(w, w1 + b + 1 + k), t1, h1), a1);
            }
            for (int k = 0; k < 16; k += VL) {
                FloatVector u = FloatVector.fromArray(F, x, x0 + c + 16 + k);
                a0 = u.fma(pick(codes(w, w0 + b + 1 + k).lanewise(VectorOperators.LSHR, 4), t0, h0), a0);
                a1 = u.fma(pick(codes(w, w1 + b + 1 + k).lanewise(VectorOperators.LSHR, 4), t1, h1), a1);
            }
        }
        y[y0] = QuantizedKernels.laneSum(a0);
        y[y0 + 1] = QuantizedKernels.laneSum(a1);
    }
}
