package org.moe4j.kernel;

import static org.moe4j.kernel.WeightBlocks.FOLD1;
import static org.moe4j.kernel.WeightBlocks.FOLD16;
import static org.moe4j.kernel.WeightBlocks.FOLD2;
import static org.moe4j.kernel.WeightBlocks.FOLD32;
import static org.moe4j.kernel.WeightBlocks.FOLD4;
import static org.moe4j.kernel.WeightBlocks.FOLD8;
import static org.moe4j.kernel.WeightBlocks.PAIR_HI;
import static org.moe4j.kernel.WeightBlocks.PAIR_LO;
import static org.moe4j.kernel.WeightBlocks.QUAD_HI;
import static org.moe4j.kernel.WeightBlocks.QUAD_LO;
import static org.moe4j.kernel.WeightBlocks.store;
import static org.moe4j.kernel.WideningLoads.F;
import static org.moe4j.kernel.WideningLoads.I;
import static org.moe4j.kernel.WideningLoads.VL;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * The register blocks of {@link WeightProduct} for bfloat16 weights; the operation order is
 * {@link WeightBlocks}'. Weights are read 2 VL at a time as VL 32-bit pairs: the even column of a
 * pair is its low half, so shifting left by 16 widens all the even columns and masking off the low
 * halves all the odd ones. x comes permuted to match ({@link #permute}): in each chunk of 2 VL
 * columns, the even columns, then the odd ones.
 */
final class Bf16Blocks {
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final IntVector HIGH_HALVES = IntVector.broadcast(I, 0xFFFF_0000);

    private Bf16Blocks() {}

    // x: (T, cols) rows ldx apart from xOff   dst: (T, cols) dense
    /** x's rows in the blocks' column order: per chunk of 2 VL columns the even ones then the odd ones; the tail as is. */
    static void permute(float[] x, int xOff, int ldx, int T, int cols, float[] dst) {
        permute(x, xOff, ldx, T, cols, dst, 0);
    }

    /** {@link #permute} into dst from dstOff. */
    static void permute(float[] x, int xOff, int ldx, int T, int cols, float[] dst, int dstOff) {
        int upper = cols - cols % (2 * VL);
        for (int t = 0; t < T; t++) {
            int src = xOff + t * ldx, out = dstOff + t * cols;
            for (int c = 0; c < upper; c += 2 * VL) {
                for (int l = 0; l < VL; l++) {
                    dst[out + c + l] = x[src + c + 2 * l];
                    dst[out + c + VL + l] = x[src + c + 2 * l + 1];
                }
            }
            System.arraycopy(x, src + upper, dst, out + upper, cols - upper);
        }
    }

    /**
     * 2 VL bfloat16 values from byte offset {@code off}, as VL pairs (the even column in the low half):
     * the blocks' load. Loaded as ints: loading shorts and reinterpreting them would also compile for
     * a short[] on the heap, but then the 4 x 4 block left the fast path (allocating vectors) as soon
     * as it had seen both mapped and other off-heap memory; int loads compile for any native memory.
     */
    static IntVector pairs(MemorySegment w, long off) {
        return IntVector.fromMemorySegment(I, w, off, LE);
    }

    /** The even columns of the pairs, widened. */
    static FloatVector even(IntVector pairs) {
        return pairs.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /** The odd columns of the pairs, widened. */
    static FloatVector odd(IntVector pairs) {
        return pairs.and(HIGH_HALVES).reinterpretAsFloats();
    }

    /** Rows r..r+3 of W (row r from byte {@code w0}) times tokens t..t+3 of x, into y[t..t+3][r..r+3]. */
    static void rows4Tokens4(MemorySegment w, long w0, int cols, float[] x, int x0, int ldx, float[] y, int y0, int ldy,
                             boolean add) {
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        long rowBytes = 2L * cols, w1 = w0 + rowBytes, w2 = w1 + rowBytes, w3 = w2 + rowBytes;
        int x1 = x0 + ldx, x2 = x1 + ldx, x3 = x2 + ldx;
        int upper = cols - cols % (2 * VL);
        for (int c = 0; c < upper; c += 2 * VL) {
            long o = 2L * c;
            // pairs(w, offset) written out: through that helper the JIT compiled the load apart (the inlined stack too deep)
            IntVector p0 = IntVector.fromMemorySegment(I, w, w0 + o, LE);
            IntVector p1 = IntVector.fromMemorySegment(I, w, w1 + o, LE);
            IntVector p2 = IntVector.fromMemorySegment(I, w, w2 + o, LE);
            IntVector p3 = IntVector.fromMemorySegment(I, w, w3 + o, LE);
            // even columns c, c + 2, ... (the low halves)
            FloatVector v0 = even(p0), v1 = even(p1), v2 = even(p2), v3 = even(p3);
            FloatVector u = FloatVector.fromArray(F, x, x0 + c);
            a00 = u.fma(v0, a00);
            a01 = u.fma(v1, a01);
            a02 = u.fma(v2, a02);
            a03 = u.fma(v3, a03);
            u = FloatVector.fromArray(F, x, x1 + c);
            a10 = u.fma(v0, a10);
            a11 = u.fma(v1, a11);
            a12 = u.fma(v2, a12);
            a13 = u.fma(v3, a13);
            u = FloatVector.fromArray(F, x, x2 + c);
            a20 = u.fma(v0, a20);
            a21 = u.fma(v1, a21);
            a22 = u.fma(v2, a22);
            a23 = u.fma(v3, a23);
            u = FloatVector.fromArray(F, x, x3 + c);
            a30 = u.fma(v0, a30);
            a31 = u.fma(v1, a31);
            a32 = u.fma(v2, a32);
            a33 = u.fma(v3, a33);
            // odd columns c + 1, c + 3, ... (the high halves), against x's odd columns stored VL further on
            v0 = odd(p0);
            v1 = odd(p1);
            v2 = odd(p2);
            v3 = odd(p3);
            u = FloatVector.fromArray(F, x, x0 + c + VL);
            a00 = u.fma(v0, a00);
            a01 = u.fma(v1, a01);
            a02 = u.fma(v2, a02);
            a03 = u.fma(v3, a03);
            u = FloatVector.fromArray(F, x, x1 + c + VL);
            a10 = u.fma(v0, a10);
            a11 = u.fma(v1, a11);
            a12 = u.fma(v2, a12);
            a13 = u.fma(v3, a13);
            u = FloatVector.fromArray(F, x, x2 + c + VL);
            a20 = u.fma(v0, a20);
            a21 = u.fma(v1, a21);
            a22 = u.fma(v2, a22);
            a23 = u.fma(v3, a23);
            u = FloatVector.fromArray(F, x, x3 + c + VL);
            a30 = u.fma(v0, a30);
            a31 = u.fma(v1, a31);
            a32 = u.fma(v2, a32);
            a33 = u.fma(v3, a33);
        }
        long e0 = w0 / 2;
        FloatVector b0, b1, s;
        // token t + 0
        b0 = PAIR_LO.selectFrom(a00, a01).add(PAIR_HI.selectFrom(a00, a01));
        b1 = PAIR_LO.selectFrom(a02, a03).add(PAIR_HI.selectFrom(a02, a03));
        s = QUAD_LO.selectFrom(b0, b1).add(QUAD_HI.selectFrom(b0, b1));
        if (VL >= 64) s = s.add(s.rearrange(FOLD8));
        if (VL >= 32) s = s.add(s.rearrange(FOLD4));
        if (VL >= 16) s = s.add(s.rearrange(FOLD2));
        if (VL >= 8) s = s.add(s.rearrange(FOLD1));
        store(y, y0, tail(s.lane(0), w, e0, cols, upper, x, x0), add);
        store(y, y0 + 1, tail(s.lane(VL / 4), w, e0 + cols, cols, upper, x, x0), add);
        store(y, y0 + 2, tail(s.lane(VL / 2), w, e0 + 2L * cols, cols, upper, x, x0), add);
        store(y, y0 + 3, tail(s.lane(3 * VL / 4), w, e0 + 3L * cols, cols, upper, x, x0), add);
        // token t + 1
        b0 = PAIR_LO.selectFrom(a10, a11).add(PAIR_HI.selectFrom(a10, a11));
        b1 = PAIR_LO.selectFrom(a12, a13).add(PAIR_HI.selectFrom(a12, a13));
        s = QUAD_LO.selectFrom(b0, b1).add(QUAD_HI.selectFrom(b0, b1));
        if (VL >= 64) s = s.add(s.rearrange(FOLD8));
        if (VL >= 32) s = s.add(s.rearrange(FOLD4));
        if (VL >= 16) s = s.add(s.rearrange(FOLD2));
        if (VL >= 8) s = s.add(s.rearrange(FOLD1));
        store(y, y0 + ldy, tail(s.lane(0), w, e0, cols, upper, x, x1), add);
        store(y, y0 + ldy + 1, tail(s.lane(VL / 4), w, e0 + cols, cols, upper, x, x1), add);
        store(y, y0 + ldy + 2, tail(s.lane(VL / 2), w, e0 + 2L * cols, cols, upper, x, x1), add);
        store(y, y0 + ldy + 3, tail(s.lane(3 * VL / 4), w, e0 + 3L * cols, cols, upper, x, x1), add);
        // token t + 2
        b0 = PAIR_LO.selectFrom(a20, a21).add(PAIR_HI.selectFrom(a20, a21));
        b1 = PAIR_LO.selectFrom(a22, a23).add(PAIR_HI.selectFrom(a22, a23));
        s = QUAD_LO.selectFrom(b0, b1).add(QUAD_HI.selectFrom(b0, b1));
        if (VL >= 64) s = s.add(s.rearrange(FOLD8));
        if (VL >= 32) s = s.add(s.rearrange(FOLD4));
        if (VL >= 16) s = s.add(s.rearrange(FOLD2));
        if (VL >= 8) s = s.add(s.rearrange(FOLD1));
        store(y, y0 + 2 * ldy, tail(s.lane(0), w, e0, cols, upper, x, x2), add);
        store(y, y0 + 2 * ldy + 1, tail(s.lane(VL / 4), w, e0 + cols, cols, upper, x, x2), add);
        store(y, y0 + 2 * ldy + 2, tail(s.lane(VL / 2), w, e0 + 2L * cols, cols, upper, x, x2), add);
        store(y, y0 + 2 * ldy + 3, tail(s.lane(3 * VL / 4), w, e0 + 3L * cols, cols, upper, x, x2), add);
        // token t + 3
        b0 = PAIR_LO.selectFrom(a30, a31).add(PAIR_HI.selectFrom(a30, a31));
        b1 = PAIR_LO.selectFrom(a32, a33).add(PAIR_HI.selectFrom(a32, a33));
        s = QUAD_LO.selectFrom(b0, b1).add(QUAD_HI.selectFrom(b0, b1));
        if (VL >= 64) s = s.add(s.rearrange(FOLD8));
        if (VL >= 32) s = s.add(s.rearrange(FOLD4));
        if (VL >= 16) s = s.add(s.rearrange(FOLD2));
        if (VL >= 8) s = s.add(s.rearrange(FOLD1));
        store(y, y0 + 3 * ldy, tail(s.lane(0), w, e0, cols, upper, x, x3), add);
        store(y, y0 + 3 * ldy + 1, tail(s.lane(VL / 4), w, e0 + cols, cols, upper, x, x3), add);
        store(y, y0 + 3 * ldy + 2, tail(s.lane(VL / 2), w, e0 + 2L * cols, cols, upper, x, x3), add);
        store(y, y0 + 3 * ldy + 3, tail(s.lane(3 * VL / 4), w, e0 + 3L * cols, cols, upper, x, x3), add);
    }

    /**
     * Four rows of W, {@code rowStride} bytes apart from byte {@code w0}, times one token of x, into y[y0],
     * y[y0 + yStride], ...: four independent chains, the matrix-vector product of decoding.
     */
    static void rows4Token1(MemorySegment w, long w0, long rowStride, int cols, float[] x, int x0, float[] y, int y0, int yStride,
                            boolean add) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        long w1 = w0 + rowStride, w2 = w1 + rowStride, w3 = w2 + rowStride;
        int upper = cols - cols % (2 * VL);
        for (int c = 0; c < upper; c += 2 * VL) {
            long o = 2L * c;
            // pairs(w, offset) written out: through that helper the JIT compiled the load apart (the inlined stack too deep)
            IntVector p0 = IntVector.fromMemorySegment(I, w, w0 + o, LE);
            IntVector p1 = IntVector.fromMemorySegment(I, w, w1 + o, LE);
            IntVector p2 = IntVector.fromMemorySegment(I, w, w2 + o, LE);
            IntVector p3 = IntVector.fromMemorySegment(I, w, w3 + o, LE);
            FloatVector u = FloatVector.fromArray(F, x, x0 + c);
            a0 = u.fma(even(p0), a0);
            a1 = u.fma(even(p1), a1);
            a2 = u.fma(even(p2), a2);
            a3 = u.fma(even(p3), a3);
            u = FloatVector.fromArray(F, x, x0 + c + VL);
            a0 = u.fma(odd(p0), a0);
            a1 = u.fma(odd(p1), a1);
            a2 = u.fma(odd(p2), a2);
            a3 = u.fma(odd(p3), a3);
        }
        long e0 = w0 / 2, e = rowStride / 2;
        FloatVector b0, b1, s;
        b0 = PAIR_LO.selectFrom(a0, a1).add(PAIR_HI.selectFrom(a0, a1));
        b1 = PAIR_LO.selectFrom(a2, a3).add(PAIR_HI.selectFrom(a2, a3));
        s = QUAD_LO.selectFrom(b0, b1).add(QUAD_HI.selectFrom(b0, b1));
        if (VL >= 64) s = s.add(s.rearrange(FOLD8));
        if (VL >= 32) s = s.add(s.rearrange(FOLD4));
        if (VL >= 16) s = s.add(s.rearrange(FOLD2));
        if (VL >= 8) s = s.add(s.rearrange(FOLD1));
        store(y, y0, tail(s.lane(0), w, e0, cols, upper, x, x0), add);
        store(y, y0 + yStride, tail(s.lane(VL / 4), w, e0 + e, cols, upper, x, x0), add);
        store(y, y0 + 2 * yStride, tail(s.lane(VL / 2), w, e0 + 2 * e, cols, upper, x, x0), add);
        store(y, y0 + 3 * yStride, tail(s.lane(3 * VL / 4), w, e0 + 3 * e, cols, upper, x, x0), add);
    }

    /** One row of W times one token of x. */
    static float row1Token1(MemorySegment w, long w0, int cols, float[] x, int x0) {
        FloatVector s = FloatVector.zero(F);
        int upper = cols - cols % (2 * VL);
        for (int c = 0; c < upper; c += 2 * VL) {
            IntVector p = IntVector.fromMemorySegment(I, w, w0 + 2L * c, LE);
            s = FloatVector.fromArray(F, x, x0 + c).fma(even(p), s);
            s = FloatVector.fromArray(F, x, x0 + c + VL).fma(odd(p), s);
        }
        // the lane sum of the 4-row blocks, one vector at a time: halves, then quarters, ...
        if (VL >= 64) s = s.add(s.rearrange(FOLD32));
        if (VL >= 32) s = s.add(s.rearrange(FOLD16));
        if (VL >= 16) s = s.add(s.rearrange(FOLD8));
        if (VL >= 8) s = s.add(s.rearrange(FOLD4));
        s = s.add(s.rearrange(FOLD2));
        s = s.add(s.rearrange(FOLD1));
        return tail(s.lane(0), w, w0 / 2, cols, upper, x, x0);
    }

    /** The columns past the last whole pair of vectors, one fused multiply-add each, continuing from {@code s}. */
    private static float tail(float s, MemorySegment w, long e0, int cols, int upper, float[] x, int x0) {
        for (int c = upper; c < cols; c++) {
            s = Math.fma(x[x0 + c], WideningLoads.bf16At(w, e0 + c), s);
        }
        return s;
    }

}
