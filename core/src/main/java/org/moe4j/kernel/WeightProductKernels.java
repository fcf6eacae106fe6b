package org.moe4j.kernel;

import static org.moe4j.kernel.WideningLoads.F;
import static org.moe4j.kernel.WideningLoads.VL;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;

/**
 * The register blocks of {@link WeightProduct}, one set per stored format. Every output, whichever
 * block computes it, is the same sequence of float32 operations:
 * <pre>
 *   acc[l] = fma(x[c], w[c], acc[l])  for c = l, l + VL, l + 2 VL, ... below the last whole vector, from 0
 *   s[l]   = s[l] + s[l + h]          for h = VL/2, VL/4, ..., 1 (s = acc; a fixed pairwise tree)
 *   y      = fma(x[c], w[c], y)       for each c of the tail in order, from y = s[0]
 * </pre>
 * so an output depends on its own row of x and row of W only, never on the block shape, the other
 * tokens of the batch, or the thread that runs it.
 *
 * <p>The blocks are 4 rows x 4 tokens (each widened weight vector used by 4 tokens, each token
 * vector by 4 rows: 16 accumulators, 8 loads per 16 fused multiply-adds), 4 rows x 1 token (the
 * matrix-vector product of decoding: four independent chains hide the FMA latency, four streams
 * of weights in flight) and 1 x 1 for the rows left over. A 4-row block sums the lanes of its
 * four accumulators together: the first two halving steps take two vectors at once (the halves of
 * one beside the halves of the other, by two-vector selects), so four outputs cost 6 selects, 3
 * adds and the remaining in-vector steps instead of 4 full trees; each output still sees exactly
 * the additions of the tree above, in the same order and with the same operands first. The widening load is written into each
 * format's copy of the blocks rather than chosen by a switch inside the loop: the Vector API keeps
 * values in registers only when every call in the loop is inlined with one known type, and a loop
 * that switched on the format measured 10 times slower once two formats had run. For the same
 * reason no vector crosses a call to a method of this class: the reductions are written out in
 * each block (a vector passed to a method the JIT does not inline is allocated on the heap).
 */
final class WeightProductKernels {
    // lane i + h, for the halving steps within one vector (null where h >= VL); constants, kept in registers
    static final VectorShuffle<Float> FOLD32 = fold(32), FOLD16 = fold(16), FOLD8 = fold(8), FOLD4 = fold(4),
            FOLD2 = fold(2), FOLD1 = fold(1);
    // two-vector selects (index < VL: first vector, else the second) for the first two halving steps of 4 outputs:
    // PAIR_LO = [u's first half, v's first half], PAIR_HI = [u's second half, v's second half]; then, on two
    // vectors that each hold two outputs' halves, QUAD_LO/HI = the first/second quarter of each of the four
    static final FloatVector PAIR_LO = indices(0, 0), PAIR_HI = indices(0, 1), QUAD_LO = indices(1, 0),
            QUAD_HI = indices(1, 1);

    private WeightProductKernels() {}

    private static VectorShuffle<Float> fold(int h) {
        return h < VL ? VectorShuffle.iota(F, h, 1, true) : null;
    }

    /** Select indices of the first (step 0) or second (step 1) two-vector halving step, first or second part. */
    private static FloatVector indices(int step, int part) {
        if (VL < 4) {
            throw new IllegalStateException("WeightProduct needs vectors of at least 4 floats; this machine's are " + VL);
        }
        int group = VL >> (step + 1);
        float[] idx = new float[VL];
        for (int i = 0; i < VL; i++) {
            // output group k (of `group` lanes) is the k-th own group of the inputs, u's before v's (step 0: u has
            // one group, at lane 0; step 1: two, at lanes 0 and 2 * group); `part` picks its first or second half
            int k = i / group, m = i % group;
            idx[i] = (k < 2 ? 0 : VL) + (k % 2) * 2 * group + part * group + m;
        }
        return FloatVector.fromArray(F, idx, 0);
    }

    /** Rows r..r+3 of W (f32, row r from byte {@code w0}) times tokens t..t+3 of x, into y[t..t+3][r..r+3]. */
    static void f32Rows4Tokens4(MemorySegment w, long w0, int cols, float[] x, int x0, int ldx, float[] y, int y0, int ldy) {
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        long rowBytes = 4L * cols, w1 = w0 + rowBytes, w2 = w1 + rowBytes, w3 = w2 + rowBytes;
        int x1 = x0 + ldx, x2 = x1 + ldx, x3 = x2 + ldx;
        int upper = cols - cols % VL;
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
        y[y0] = f32Tail(s.lane(0), w, e0, cols, upper, x, x0);
        y[y0 + 1] = f32Tail(s.lane(VL / 4), w, e0 + cols, cols, upper, x, x0);
        y[y0 + 2] = f32Tail(s.lane(VL / 2), w, e0 + 2L * cols, cols, upper, x, x0);
        y[y0 + 3] = f32Tail(s.lane(3 * VL / 4), w, e0 + 3L * cols, cols, upper, x, x0);
        // token t + 1
        b0 = PAIR_LO.selectFrom(a10, a11).add(PAIR_HI.selectFrom(a10, a11));
        b1 = PAIR_LO.selectFrom(a12, a13).add(PAIR_HI.selectFrom(a12, a13));
        s = QUAD_LO.selectFrom(b0, b1).add(QUAD_HI.selectFrom(b0, b1));
        if (VL >= 64) s = s.add(s.rearrange(FOLD8));
        if (VL >= 32) s = s.add(s.rearrange(FOLD4));
        if (VL >= 16) s = s.add(s.rearrange(FOLD2));
        if (VL >= 8) s = s.add(s.rearrange(FOLD1));
        y[y0 + ldy] = f32Tail(s.lane(0), w, e0, cols, upper, x, x1);
        y[y0 + ldy + 1] = f32Tail(s.lane(VL / 4), w, e0 + cols, cols, upper, x, x1);
        y[y0 + ldy + 2] = f32Tail(s.lane(VL / 2), w, e0 + 2L * cols, cols, upper, x, x1);
        y[y0 + ldy + 3] = f32Tail(s.lane(3 * VL / 4), w, e0 + 3L * cols, cols, upper, x, x1);
        // token t + 2
        b0 = PAIR_LO.selectFrom(a20, a21).add(PAIR_HI.selectFrom(a20, a21));
        b1 = PAIR_LO.selectFrom(a22, a23).add(PAIR_HI.selectFrom(a22, a23));
        s = QUAD_LO.selectFrom(b0, b1).add(QUAD_HI.selectFrom(b0, b1));
        if (VL >= 64) s = s.add(s.rearrange(FOLD8));
        if (VL >= 32) s = s.add(s.rearrange(FOLD4));
        if (VL >= 16) s = s.add(s.rearrange(FOLD2));
        if (VL >= 8) s = s.add(s.rearrange(FOLD1));
        y[y0 + 2 * ldy] = f32Tail(s.lane(0), w, e0, cols, upper, x, x2);
        y[y0 + 2 * ldy + 1] = f32Tail(s.lane(VL / 4), w, e0 + cols, cols, upper, x, x2);
        y[y0 + 2 * ldy + 2] = f32Tail(s.lane(VL / 2), w, e0 + 2L * cols, cols, upper, x, x2);
        y[y0 + 2 * ldy + 3] = f32Tail(s.lane(3 * VL / 4), w, e0 + 3L * cols, cols, upper, x, x2);
        // token t + 3
        b0 = PAIR_LO.selectFrom(a30, a31).add(PAIR_HI.selectFrom(a30, a31));
        b1 = PAIR_LO.selectFrom(a32, a33).add(PAIR_HI.selectFrom(a32, a33));
        s = QUAD_LO.selectFrom(b0, b1).add(QUAD_HI.selectFrom(b0, b1));
        if (VL >= 64) s = s.add(s.rearrange(FOLD8));
        if (VL >= 32) s = s.add(s.rearrange(FOLD4));
        if (VL >= 16) s = s.add(s.rearrange(FOLD2));
        if (VL >= 8) s = s.add(s.rearrange(FOLD1));
        y[y0 + 3 * ldy] = f32Tail(s.lane(0), w, e0, cols, upper, x, x3);
        y[y0 + 3 * ldy + 1] = f32Tail(s.lane(VL / 4), w, e0 + cols, cols, upper, x, x3);
        y[y0 + 3 * ldy + 2] = f32Tail(s.lane(VL / 2), w, e0 + 2L * cols, cols, upper, x, x3);
        y[y0 + 3 * ldy + 3] = f32Tail(s.lane(3 * VL / 4), w, e0 + 3L * cols, cols, upper, x, x3);
    }

    /** Rows r..r+3 of W (f32) times one token of x: four independent chains, the matrix-vector product of decoding. */
    static void f32Rows4Token1(MemorySegment w, long w0, int cols, float[] x, int x0, float[] y, int y0) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        long rowBytes = 4L * cols, w1 = w0 + rowBytes, w2 = w1 + rowBytes, w3 = w2 + rowBytes;
        int upper = cols - cols % VL;
        for (int c = 0; c < upper; c += VL) {
            long o = 4L * c;
            FloatVector u = FloatVector.fromArray(F, x, x0 + c);
            a0 = u.fma(WideningLoads.f32(w, w0 + o), a0);
            a1 = u.fma(WideningLoads.f32(w, w1 + o), a1);
            a2 = u.fma(WideningLoads.f32(w, w2 + o), a2);
            a3 = u.fma(WideningLoads.f32(w, w3 + o), a3);
        }
        long e0 = w0 / 4;
        FloatVector b0, b1, s;
        b0 = PAIR_LO.selectFrom(a0, a1).add(PAIR_HI.selectFrom(a0, a1));
        b1 = PAIR_LO.selectFrom(a2, a3).add(PAIR_HI.selectFrom(a2, a3));
        s = QUAD_LO.selectFrom(b0, b1).add(QUAD_HI.selectFrom(b0, b1));
        if (VL >= 64) s = s.add(s.rearrange(FOLD8));
        if (VL >= 32) s = s.add(s.rearrange(FOLD4));
        if (VL >= 16) s = s.add(s.rearrange(FOLD2));
        if (VL >= 8) s = s.add(s.rearrange(FOLD1));
        y[y0] = f32Tail(s.lane(0), w, e0, cols, upper, x, x0);
        y[y0 + 1] = f32Tail(s.lane(VL / 4), w, e0 + cols, cols, upper, x, x0);
        y[y0 + 2] = f32Tail(s.lane(VL / 2), w, e0 + 2L * cols, cols, upper, x, x0);
        y[y0 + 3] = f32Tail(s.lane(3 * VL / 4), w, e0 + 3L * cols, cols, upper, x, x0);
    }

    /** One row of W (f32) times one token of x. */
    static float f32Row1Token1(MemorySegment w, long w0, int cols, float[] x, int x0) {
        FloatVector s = FloatVector.zero(F);
        int upper = cols - cols % VL;
        for (int c = 0; c < upper; c += VL) {
            s = FloatVector.fromArray(F, x, x0 + c).fma(WideningLoads.f32(w, w0 + 4L * c), s);
        }
        // the lane sum of the blocks above, one vector at a time: halves, then quarters, ... (see the class comment)
        if (VL >= 64) s = s.add(s.rearrange(FOLD32));
        if (VL >= 32) s = s.add(s.rearrange(FOLD16));
        if (VL >= 16) s = s.add(s.rearrange(FOLD8));
        if (VL >= 8) s = s.add(s.rearrange(FOLD4));
        s = s.add(s.rearrange(FOLD2));
        s = s.add(s.rearrange(FOLD1));
        return f32Tail(s.lane(0), w, w0 / 4, cols, upper, x, x0);
    }

    /** The columns past the last whole vector, one fused multiply-add each, continuing from {@code s}. */
    private static float f32Tail(float s, MemorySegment w, long e0, int cols, int upper, float[] x, int x0) {
        for (int c = upper; c < cols; c++) {
            s = Math.fma(x[x0 + c], WideningLoads.f32At(w, e0 + c), s);
        }
        return s;
    }

    /** Rows r..r+3 of W (f16, row r from byte {@code w0}) times tokens t..t+3 of x, into y[t..t+3][r..r+3]. */
    static void f16Rows4Tokens4(MemorySegment w, long w0, int cols, float[] x, int x0, int ldx, float[] y, int y0, int ldy) {
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        long rowBytes = 2L * cols, w1 = w0 + rowBytes, w2 = w1 + rowBytes, w3 = w2 + rowBytes;
        int x1 = x0 + ldx, x2 = x1 + ldx, x3 = x2 + ldx;
        int upper = cols - cols % VL;
        for (int c = 0; c < upper; c += VL) {
            long o = 2L * c;
            FloatVector v0 = WideningLoads.f16(w, w0 + o);
            FloatVector v1 = WideningLoads.f16(w, w1 + o);
            FloatVector v2 = WideningLoads.f16(w, w2 + o);
            FloatVector v3 = WideningLoads.f16(w, w3 + o);
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
        y[y0] = f16Tail(s.lane(0), w, e0, cols, upper, x, x0);
        y[y0 + 1] = f16Tail(s.lane(VL / 4), w, e0 + cols, cols, upper, x, x0);
        y[y0 + 2] = f16Tail(s.lane(VL / 2), w, e0 + 2L * cols, cols, upper, x, x0);
        y[y0 + 3] = f16Tail(s.lane(3 * VL / 4), w, e0 + 3L * cols, cols, upper, x, x0);
        // token t + 1
        b0 = PAIR_LO.selectFrom(a10, a11).add(PAIR_HI.selectFrom(a10, a11));
        b1 = PAIR_LO.selectFrom(a12, a13).add(PAIR_HI.selectFrom(a12, a13));
        s = QUAD_LO.selectFrom(b0, b1).add(QUAD_HI.selectFrom(b0, b1));
        if (VL >= 64) s = s.add(s.rearrange(FOLD8));
        if (VL >= 32) s = s.add(s.rearrange(FOLD4));
        if (VL >= 16) s = s.add(s.rearrange(FOLD2));
        if (VL >= 8) s = s.add(s.rearrange(FOLD1));
        y[y0 + ldy] = f16Tail(s.lane(0), w, e0, cols, upper, x, x1);
        y[y0 + ldy + 1] = f16Tail(s.lane(VL / 4), w, e0 + cols, cols, upper, x, x1);
        y[y0 + ldy + 2] = f16Tail(s.lane(VL / 2), w, e0 + 2L * cols, cols, upper, x, x1);
        y[y0 + ldy + 3] = f16Tail(s.lane(3 * VL / 4), w, e0 + 3L * cols, cols, upper, x, x1);
        // token t + 2
        b0 = PAIR_LO.selectFrom(a20, a21).add(PAIR_HI.selectFrom(a20, a21));
        b1 = PAIR_LO.selectFrom(a22, a23).add(PAIR_HI.selectFrom(a22, a23));
        s = QUAD_LO.selectFrom(b0, b1).add(QUAD_HI.selectFrom(b0, b1));
        if (VL >= 64) s = s.add(s.rearrange(FOLD8));
        if (VL >= 32) s = s.add(s.rearrange(FOLD4));
        if (VL >= 16) s = s.add(s.rearrange(FOLD2));
        if (VL >= 8) s = s.add(s.rearrange(FOLD1));
        y[y0 + 2 * ldy] = f16Tail(s.lane(0), w, e0, cols, upper, x, x2);
        y[y0 + 2 * ldy + 1] = f16Tail(s.lane(VL / 4), w, e0 + cols, cols, upper, x, x2);
        y[y0 + 2 * ldy + 2] = f16Tail(s.lane(VL / 2), w, e0 + 2L * cols, cols, upper, x, x2);
        y[y0 + 2 * ldy + 3] = f16Tail(s.lane(3 * VL / 4), w, e0 + 3L * cols, cols, upper, x, x2);
        // token t + 3
        b0 = PAIR_LO.selectFrom(a30, a31).add(PAIR_HI.selectFrom(a30, a31));
        b1 = PAIR_LO.selectFrom(a32, a33).add(PAIR_HI.selectFrom(a32, a33));
        s = QUAD_LO.selectFrom(b0, b1).add(QUAD_HI.selectFrom(b0, b1));
        if (VL >= 64) s = s.add(s.rearrange(FOLD8));
        if (VL >= 32) s = s.add(s.rearrange(FOLD4));
        if (VL >= 16) s = s.add(s.rearrange(FOLD2));
        if (VL >= 8) s = s.add(s.rearrange(FOLD1));
        y[y0 + 3 * ldy] = f16Tail(s.lane(0), w, e0, cols, upper, x, x3);
        y[y0 + 3 * ldy + 1] = f16Tail(s.lane(VL / 4), w, e0 + cols, cols, upper, x, x3);
        y[y0 + 3 * ldy + 2] = f16Tail(s.lane(VL / 2), w, e0 + 2L * cols, cols, upper, x, x3);
        y[y0 + 3 * ldy + 3] = f16Tail(s.lane(3 * VL / 4), w, e0 + 3L * cols, cols, upper, x, x3);
    }

    /** Rows r..r+3 of W (f16) times one token of x: four independent chains, the matrix-vector product of decoding. */
    static void f16Rows4Token1(MemorySegment w, long w0, int cols, float[] x, int x0, float[] y, int y0) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        long rowBytes = 2L * cols, w1 = w0 + rowBytes, w2 = w1 + rowBytes, w3 = w2 + rowBytes;
        int upper = cols - cols % VL;
        for (int c = 0; c < upper; c += VL) {
            long o = 2L * c;
            FloatVector u = FloatVector.fromArray(F, x, x0 + c);
            a0 = u.fma(WideningLoads.f16(w, w0 + o), a0);
            a1 = u.fma(WideningLoads.f16(w, w1 + o), a1);
            a2 = u.fma(WideningLoads.f16(w, w2 + o), a2);
            a3 = u.fma(WideningLoads.f16(w, w3 + o), a3);
        }
        long e0 = w0 / 2;
        FloatVector b0, b1, s;
        b0 = PAIR_LO.selectFrom(a0, a1).add(PAIR_HI.selectFrom(a0, a1));
        b1 = PAIR_LO.selectFrom(a2, a3).add(PAIR_HI.selectFrom(a2, a3));
        s = QUAD_LO.selectFrom(b0, b1).add(QUAD_HI.selectFrom(b0, b1));
        if (VL >= 64) s = s.add(s.rearrange(FOLD8));
        if (VL >= 32) s = s.add(s.rearrange(FOLD4));
        if (VL >= 16) s = s.add(s.rearrange(FOLD2));
        if (VL >= 8) s = s.add(s.rearrange(FOLD1));
        y[y0] = f16Tail(s.lane(0), w, e0, cols, upper, x, x0);
        y[y0 + 1] = f16Tail(s.lane(VL / 4), w, e0 + cols, cols, upper, x, x0);
        y[y0 + 2] = f16Tail(s.lane(VL / 2), w, e0 + 2L * cols, cols, upper, x, x0);
        y[y0 + 3] = f16Tail(s.lane(3 * VL / 4), w, e0 + 3L * cols, cols, upper, x, x0);
    }

    /** One row of W (f16) times one token of x. */
    static float f16Row1Token1(MemorySegment w, long w0, int cols, float[] x, int x0) {
        FloatVector s = FloatVector.zero(F);
        int upper = cols - cols % VL;
        for (int c = 0; c < upper; c += VL) {
            s = FloatVector.fromArray(F, x, x0 + c).fma(WideningLoads.f16(w, w0 + 2L * c), s);
        }
        // the lane sum of the blocks above, one vector at a time: halves, then quarters, ... (see the class comment)
        if (VL >= 64) s = s.add(s.rearrange(FOLD32));
        if (VL >= 32) s = s.add(s.rearrange(FOLD16));
        if (VL >= 16) s = s.add(s.rearrange(FOLD8));
        if (VL >= 8) s = s.add(s.rearrange(FOLD4));
        s = s.add(s.rearrange(FOLD2));
        s = s.add(s.rearrange(FOLD1));
        return f16Tail(s.lane(0), w, w0 / 2, cols, upper, x, x0);
    }

    /** The columns past the last whole vector, one fused multiply-add each, continuing from {@code s}. */
    private static float f16Tail(float s, MemorySegment w, long e0, int cols, int upper, float[] x, int x0) {
        for (int c = upper; c < cols; c++) {
            s = Math.fma(x[x0 + c], WideningLoads.f16At(w, e0 + c), s);
        }
        return s;
    }

    /** Rows r..r+3 of W (bf16, row r from byte {@code w0}) times tokens t..t+3 of x, into y[t..t+3][r..r+3]. */
    static void bf16Rows4Tokens4(MemorySegment w, long w0, int cols, float[] x, int x0, int ldx, float[] y, int y0, int ldy) {
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        long rowBytes = 2L * cols, w1 = w0 + rowBytes, w2 = w1 + rowBytes, w3 = w2 + rowBytes;
        int x1 = x0 + ldx, x2 = x1 + ldx, x3 = x2 + ldx;
        int upper = cols - cols % VL;
        for (int c = 0; c < upper; c += VL) {
            long o = 2L * c;
            FloatVector v0 = WideningLoads.bf16(w, w0 + o);
            FloatVector v1 = WideningLoads.bf16(w, w1 + o);
            FloatVector v2 = WideningLoads.bf16(w, w2 + o);
            FloatVector v3 = WideningLoads.bf16(w, w3 + o);
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
        y[y0] = bf16Tail(s.lane(0), w, e0, cols, upper, x, x0);
        y[y0 + 1] = bf16Tail(s.lane(VL / 4), w, e0 + cols, cols, upper, x, x0);
        y[y0 + 2] = bf16Tail(s.lane(VL / 2), w, e0 + 2L * cols, cols, upper, x, x0);
        y[y0 + 3] = bf16Tail(s.lane(3 * VL / 4), w, e0 + 3L * cols, cols, upper, x, x0);
        // token t + 1
        b0 = PAIR_LO.selectFrom(a10, a11).add(PAIR_HI.selectFrom(a10, a11));
        b1 = PAIR_LO.selectFrom(a12, a13).add(PAIR_HI.selectFrom(a12, a13));
        s = QUAD_LO.selectFrom(b0, b1).add(QUAD_HI.selectFrom(b0, b1));
        if (VL >= 64) s = s.add(s.rearrange(FOLD8));
        if (VL >= 32) s = s.add(s.rearrange(FOLD4));
        if (VL >= 16) s = s.add(s.rearrange(FOLD2));
        if (VL >= 8) s = s.add(s.rearrange(FOLD1));
        y[y0 + ldy] = bf16Tail(s.lane(0), w, e0, cols, upper, x, x1);
        y[y0 + ldy + 1] = bf16Tail(s.lane(VL / 4), w, e0 + cols, cols, upper, x, x1);
        y[y0 + ldy + 2] = bf16Tail(s.lane(VL / 2), w, e0 + 2L * cols, cols, upper, x, x1);
        y[y0 + ldy + 3] = bf16Tail(s.lane(3 * VL / 4), w, e0 + 3L * cols, cols, upper, x, x1);
        // token t + 2
        b0 = PAIR_LO.selectFrom(a20, a21).add(PAIR_HI.selectFrom(a20, a21));
        b1 = PAIR_LO.selectFrom(a22, a23).add(PAIR_HI.selectFrom(a22, a23));
        s = QUAD_LO.selectFrom(b0, b1).add(QUAD_HI.selectFrom(b0, b1));
        if (VL >= 64) s = s.add(s.rearrange(FOLD8));
        if (VL >= 32) s = s.add(s.rearrange(FOLD4));
        if (VL >= 16) s = s.add(s.rearrange(FOLD2));
        if (VL >= 8) s = s.add(s.rearrange(FOLD1));
        y[y0 + 2 * ldy] = bf16Tail(s.lane(0), w, e0, cols, upper, x, x2);
        y[y0 + 2 * ldy + 1] = bf16Tail(s.lane(VL / 4), w, e0 + cols, cols, upper, x, x2);
        y[y0 + 2 * ldy + 2] = bf16Tail(s.lane(VL / 2), w, e0 + 2L * cols, cols, upper, x, x2);
        y[y0 + 2 * ldy + 3] = bf16Tail(s.lane(3 * VL / 4), w, e0 + 3L * cols, cols, upper, x, x2);
        // token t + 3
        b0 = PAIR_LO.selectFrom(a30, a31).add(PAIR_HI.selectFrom(a30, a31));
        b1 = PAIR_LO.selectFrom(a32, a33).add(PAIR_HI.selectFrom(a32, a33));
        s = QUAD_LO.selectFrom(b0, b1).add(QUAD_HI.selectFrom(b0, b1));
        if (VL >= 64) s = s.add(s.rearrange(FOLD8));
        if (VL >= 32) s = s.add(s.rearrange(FOLD4));
        if (VL >= 16) s = s.add(s.rearrange(FOLD2));
        if (VL >= 8) s = s.add(s.rearrange(FOLD1));
        y[y0 + 3 * ldy] = bf16Tail(s.lane(0), w, e0, cols, upper, x, x3);
        y[y0 + 3 * ldy + 1] = bf16Tail(s.lane(VL / 4), w, e0 + cols, cols, upper, x, x3);
        y[y0 + 3 * ldy + 2] = bf16Tail(s.lane(VL / 2), w, e0 + 2L * cols, cols, upper, x, x3);
        y[y0 + 3 * ldy + 3] = bf16Tail(s.lane(3 * VL / 4), w, e0 + 3L * cols, cols, upper, x, x3);
    }

    /** Rows r..r+3 of W (bf16) times one token of x: four independent chains, the matrix-vector product of decoding. */
    static void bf16Rows4Token1(MemorySegment w, long w0, int cols, float[] x, int x0, float[] y, int y0) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        long rowBytes = 2L * cols, w1 = w0 + rowBytes, w2 = w1 + rowBytes, w3 = w2 + rowBytes;
        int upper = cols - cols % VL;
        for (int c = 0; c < upper; c += VL) {
            long o = 2L * c;
            FloatVector u = FloatVector.fromArray(F, x, x0 + c);
            a0 = u.fma(WideningLoads.bf16(w, w0 + o), a0);
            a1 = u.fma(WideningLoads.bf16(w, w1 + o), a1);
            a2 = u.fma(WideningLoads.bf16(w, w2 + o), a2);
            a3 = u.fma(WideningLoads.bf16(w, w3 + o), a3);
        }
        long e0 = w0 / 2;
        FloatVector b0, b1, s;
        b0 = PAIR_LO.selectFrom(a0, a1).add(PAIR_HI.selectFrom(a0, a1));
        b1 = PAIR_LO.selectFrom(a2, a3).add(PAIR_HI.selectFrom(a2, a3));
        s = QUAD_LO.selectFrom(b0, b1).add(QUAD_HI.selectFrom(b0, b1));
        if (VL >= 64) s = s.add(s.rearrange(FOLD8));
        if (VL >= 32) s = s.add(s.rearrange(FOLD4));
        if (VL >= 16) s = s.add(s.rearrange(FOLD2));
        if (VL >= 8) s = s.add(s.rearrange(FOLD1));
        y[y0] = bf16Tail(s.lane(0), w, e0, cols, upper, x, x0);
        y[y0 + 1] = bf16Tail(s.lane(VL / 4), w, e0 + cols, cols, upper, x, x0);
        y[y0 + 2] = bf16Tail(s.lane(VL / 2), w, e0 + 2L * cols, cols, upper, x, x0);
        y[y0 + 3] = bf16Tail(s.lane(3 * VL / 4), w, e0 + 3L * cols, cols, upper, x, x0);
    }

    /** One row of W (bf16) times one token of x. */
    static float bf16Row1Token1(MemorySegment w, long w0, int cols, float[] x, int x0) {
        FloatVector s = FloatVector.zero(F);
        int upper = cols - cols % VL;
        for (int c = 0; c < upper; c += VL) {
            s = FloatVector.fromArray(F, x, x0 + c).fma(WideningLoads.bf16(w, w0 + 2L * c), s);
        }
        // the lane sum of the blocks above, one vector at a time: halves, then quarters, ... (see the class comment)
        if (VL >= 64) s = s.add(s.rearrange(FOLD32));
        if (VL >= 32) s = s.add(s.rearrange(FOLD16));
        if (VL >= 16) s = s.add(s.rearrange(FOLD8));
        if (VL >= 8) s = s.add(s.rearrange(FOLD4));
        s = s.add(s.rearrange(FOLD2));
        s = s.add(s.rearrange(FOLD1));
        return bf16Tail(s.lane(0), w, w0 / 2, cols, upper, x, x0);
    }

    /** The columns past the last whole vector, one fused multiply-add each, continuing from {@code s}. */
    private static float bf16Tail(float s, MemorySegment w, long e0, int cols, int upper, float[] x, int x0) {
        for (int c = upper; c < cols; c++) {
            s = Math.fma(x[x0 + c], WideningLoads.bf16At(w, e0 + c), s);
        }
        return s;
    }

}
