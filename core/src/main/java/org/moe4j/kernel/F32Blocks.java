package org.moe4j.kernel;

import static org.moe4j.kernel.WeightBlocks.EIGHTH_HI;
import static org.moe4j.kernel.WeightBlocks.EIGHTH_LO;
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
import static org.moe4j.kernel.WeightBlocks.SIXTEENTH_HI;
import static org.moe4j.kernel.WeightBlocks.SIXTEENTH_LO;
import static org.moe4j.kernel.WeightBlocks.store;
import static org.moe4j.kernel.WideningLoads.F;
import static org.moe4j.kernel.WideningLoads.VL;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;

/** The register blocks of {@link WeightProduct} for float32 weights (little-endian); the operation order is {@link WeightBlocks}'. */
final class F32Blocks {
    private F32Blocks() {}

    /**
     * As {@link #rows4Tokens4} on 16-lane vectors when cols is a multiple of 16 (no tail columns): the same
     * outputs, bit for bit, with the sixteen lane sums in one tree of two-vector steps (15 adds and 30 selects,
     * against 20 adds, 32 selects and 16 lane extractions for four four-output sums), token t's four outputs
     * left in lanes [4t, 4t + 4) ({@link #sum16}); {@code sums} is 16 floats of the calling thread's. Each output sees the
     * additions of {@link WeightBlocks}' tree in its order. A method of its own: with both lane sums in one
     * method, C2 compiled it, once both had run, such that every block allocated its vectors.
     *
     * <p>Also the block of the 2 or 3 tokens left over after the groups of 4 ({@code tokens} below 4): the missing
     * tokens repeat the last real row of x and their sums are not stored. An expert's rows of a decoding batch are
     * rarely a multiple of 4; one token at a time, each left-over token re-read the block's 4 rows of weights for 4
     * multiply-adds per 5 loads, where a padded block does 16 per 8.
     */
    static void rows4Tokens4Whole(MemorySegment w, long w0, int cols, float[] x, int x0, int ldx, int tokens, float[] y, int y0,
                                  int ldy, boolean add, float[] sums) {
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        long rowBytes = 4L * cols, w1 = w0 + rowBytes, w2 = w1 + rowBytes, w3 = w2 + rowBytes;
        int x1 = x0 + Math.min(1, tokens - 1) * ldx, x2 = x0 + Math.min(2, tokens - 1) * ldx, x3 = x0 + (tokens - 1) * ldx;
        for (int c = 0; c < cols; c += VL) {
            long o = 4L * c;
            FloatVector v0 = WideningLoads.f32(w, w0 + o);
            FloatVector v1 = WideningLoads.f32(w, w1 + o);
            FloatVector v2 = WideningLoads.f32(w, w2 + o);
            FloatVector v3 = WideningLoads.f32(w, w3 + o);
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
        }
        sum16(a00, a01, a02, a03, a10, a11, a12, a13, a20, a21, a22, a23, a30, a31, a32, a33, tokens, y, y0, ldy, add, sums);
    }

    /**
     * The sixteen lane sums of {@link #rows4Tokens4Whole}, those of the first {@code tokens} tokens stored. Its own
     * method, inlined by the compile commands (scripts/jvm-compile-commands.txt). Written out without helpers of ours:
     * one called behind many loads can go uninlined past C2's node count, and its vectors are then allocated. Lanes are
     * stored through an array, not by masked moves: with those C1 gave up on the block (out of virtual registers), and
     * C2 never compiled it.
     */
    static void sum16(FloatVector a00, FloatVector a01, FloatVector a02, FloatVector a03, FloatVector a10, FloatVector a11,
                      FloatVector a12, FloatVector a13, FloatVector a20, FloatVector a21, FloatVector a22, FloatVector a23,
                      FloatVector a30, FloatVector a31, FloatVector a32, FloatVector a33, int tokens, float[] y, int y0, int ldy,
                      boolean add, float[] sums) {
        // per token the first two steps, then two tokens together, then all four
        FloatVector b0 = PAIR_LO.selectFrom(a00, a01).add(PAIR_HI.selectFrom(a00, a01));
        FloatVector b1 = PAIR_LO.selectFrom(a02, a03).add(PAIR_HI.selectFrom(a02, a03));
        FloatVector c0 = QUAD_LO.selectFrom(b0, b1).add(QUAD_HI.selectFrom(b0, b1));
        b0 = PAIR_LO.selectFrom(a10, a11).add(PAIR_HI.selectFrom(a10, a11));
        b1 = PAIR_LO.selectFrom(a12, a13).add(PAIR_HI.selectFrom(a12, a13));
        FloatVector c1 = QUAD_LO.selectFrom(b0, b1).add(QUAD_HI.selectFrom(b0, b1));
        b0 = PAIR_LO.selectFrom(a20, a21).add(PAIR_HI.selectFrom(a20, a21));
        b1 = PAIR_LO.selectFrom(a22, a23).add(PAIR_HI.selectFrom(a22, a23));
        FloatVector c2 = QUAD_LO.selectFrom(b0, b1).add(QUAD_HI.selectFrom(b0, b1));
        b0 = PAIR_LO.selectFrom(a30, a31).add(PAIR_HI.selectFrom(a30, a31));
        b1 = PAIR_LO.selectFrom(a32, a33).add(PAIR_HI.selectFrom(a32, a33));
        FloatVector c3 = QUAD_LO.selectFrom(b0, b1).add(QUAD_HI.selectFrom(b0, b1));
        FloatVector d0 = EIGHTH_LO.selectFrom(c0, c1).add(EIGHTH_HI.selectFrom(c0, c1));
        FloatVector d1 = EIGHTH_LO.selectFrom(c2, c3).add(EIGHTH_HI.selectFrom(c2, c3));
        FloatVector e = SIXTEENTH_LO.selectFrom(d0, d1).add(SIXTEENTH_HI.selectFrom(d0, d1));
        // lane 4t + r goes to y[y0 + t ldy + r], through the caller's 16 floats (a store and 16 loads, where extracting
        // the lanes would take two shuffles each, on the port the selects need). The stores are written out, one loop
        // per mode: through WeightBlocks.store, C2 (its inlining budget spent on the vector code above) left 16 calls per
        // block, and a 384 x 256 product of 16 tokens ran at 76-82 GFLOP/s against 104 on one thread so (a harness
        // timing this block alone, 2026-12-06).
        e.intoArray(sums, 0);
        if (add) {
            for (int t = 0; t < tokens; t++) {
                int o = y0 + t * ldy;
                y[o] += sums[4 * t];
                y[o + 1] += sums[4 * t + 1];
                y[o + 2] += sums[4 * t + 2];
                y[o + 3] += sums[4 * t + 3];
            }
        } else {
            for (int t = 0; t < tokens; t++) {
                int o = y0 + t * ldy;
                y[o] = sums[4 * t];
                y[o + 1] = sums[4 * t + 1];
                y[o + 2] = sums[4 * t + 2];
                y[o + 3] = sums[4 * t + 3];
            }
        }
    }

    /** Rows r..r+3 of W (row r from byte {@code w0}) times tokens t..t+3 of x, into y[t..t+3][r..r+3]. */
    static void rows4Tokens4(MemorySegment w, long w0, int cols, float[] x, int x0, int ldx, float[] y, int y0, int ldy,
                             boolean add) {
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        long rowBytes = 4L * cols, w1 = w0 + rowBytes, w2 = w1 + rowBytes, w3 = w2 + rowBytes;
        int x1 = x0 + ldx, x2 = x1 + ldx, x3 = x2 + ldx;
        int upper = cols - cols % (VL);
        for (int c = 0; c < upper; c += VL) {
            long o = 4L * c;
            FloatVector v0 = WideningLoads.f32(w, w0 + o);
            FloatVector v1 = WideningLoads.f32(w, w1 + o);
            FloatVector v2 = WideningLoads.f32(w, w2 + o);
            FloatVector v3 = WideningLoads.f32(w, w3 + o);
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
        }
        long e0 = w0 / 4;
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
        int upper = cols - cols % (VL);
        for (int c = 0; c < upper; c += VL) {
            long o = 4L * c;
            FloatVector u = FloatVector.fromArray(F, x, x0 + c);
            a0 = u.fma(WideningLoads.f32(w, w0 + o), a0);
            a1 = u.fma(WideningLoads.f32(w, w1 + o), a1);
            a2 = u.fma(WideningLoads.f32(w, w2 + o), a2);
            a3 = u.fma(WideningLoads.f32(w, w3 + o), a3);
        }
        long e0 = w0 / 4, e = rowStride / 4;
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
        int upper = cols - cols % (VL);
        for (int c = 0; c < upper; c += VL) {
            s = FloatVector.fromArray(F, x, x0 + c).fma(WideningLoads.f32(w, w0 + 4L * c), s);
        }
        // the lane sum of the 4-row blocks, one vector at a time: halves, then quarters, ...
        if (VL >= 64) s = s.add(s.rearrange(FOLD32));
        if (VL >= 32) s = s.add(s.rearrange(FOLD16));
        if (VL >= 16) s = s.add(s.rearrange(FOLD8));
        if (VL >= 8) s = s.add(s.rearrange(FOLD4));
        s = s.add(s.rearrange(FOLD2));
        s = s.add(s.rearrange(FOLD1));
        return tail(s.lane(0), w, w0 / 4, cols, upper, x, x0);
    }

    /** The columns past the last whole vector, one fused multiply-add each, continuing from {@code s}. */
    private static float tail(float s, MemorySegment w, long e0, int cols, int upper, float[] x, int x0) {
        for (int c = upper; c < cols; c++) {
            s = Math.fma(x[x0 + c], WideningLoads.f32At(w, e0 + c), s);
        }
        return s;
    }

}
