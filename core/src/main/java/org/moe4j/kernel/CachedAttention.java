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
import static org.moe4j.kernel.WideningLoads.F;
import static org.moe4j.kernel.WideningLoads.VL;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * The inner loops of attention over a paged KV cache, for one query row of one head: the scores
 * q . k_j of the visible cached rows, their softmax, and the probability-weighted sum of the values.
 * Cached rows are scattered (a sequence's block table gives each position's row), so both take
 * the list of row indices {@code at[0..n)}; key j starts at {@code at[j] * kStride + kOff} of
 * {@code keys}, value j at {@code at[j] * vStride + vOff} of {@code values}.
 *
 * <p>Each score is the dot product in {@link WeightBlocks}' order (lane-wise fused multiply-adds
 * over whole vectors, the fixed pairwise lane sum, then the tail one element at a time), computed
 * sixteen keys at a time with the sixteen-output lane sum on 16-lane vectors, then four at a time
 * with the four-output lane sum, each adding the same operands in the same order as one key alone:
 * a score depends on its own key only, never on n or the key's position in the list. The weighted sum keeps each vector of the output in a register across all keys and
 * adds key after key with one fused multiply-add per element, in key order: the same roundings
 * as {@code out = 0; for j: out = fma(p_j, v_j, out)} ({@link CachedAttentionReference}), without
 * writing the output back per key.
 */
public final class CachedAttention {
    private CachedAttention() {}

    // q: (hd) from qOff   keys: row at[j] from at[j] * kStride + kOff   scores: (n), overwritten
    /** scores[j] = (q . key j) * scale for j in [0, n). */
    public static void scores(float[] q, int qOff, int hd, float[] keys, int kStride, int kOff, int[] at, int n, float scale,
                              float[] scores) {
        check("scores", q, qOff, hd, at, n, scores);
        int j = 0;
        if (VL == 16 && hd % VL == 0) {
            for (; j + 16 <= n; j += 16) scores16(q, qOff, hd, keys, kStride, kOff, at, j, scale, scores);
        }
        for (; j + 4 <= n; j += 4) {
            scores4(q, qOff, hd, keys, at[j] * kStride + kOff, at[j + 1] * kStride + kOff, at[j + 2] * kStride + kOff,
                    at[j + 3] * kStride + kOff, scale, scores, j);
        }
        for (; j < n; j++) {
            scores[j] = score1(q, qOff, hd, keys, at[j] * kStride + kOff) * scale;
        }
    }

    // scores: (n), overwritten with exp(score - max)
    /**
     * The softmax of scores[0..n) with an optional sink logit (gpt-oss; -inf for none) that joins the
     * normaliser but gets no value: scores become exp(s - m), m the largest of the scores and the sink,
     * and the returned factor 1 / (exp(sink - m) + sum_j exp(s_j - m)) turns them into probabilities.
     * Each exponential is the vector kernel's ({@link VectorMath#exp}, the tail lanes masked, so a
     * score's value does not depend on n); the normaliser is summed in double, in key order.
     */
    public static float softmax(float[] scores, int n, float sink) {
        KernelChecks.region("softmax", "scores", scores, 0, n);
        // the largest by whole vectors, then the tail: max is exact, so any order gives the bits of a scalar loop
        FloatVector m = FloatVector.broadcast(F, sink);
        int j = 0;
        for (; j + VL <= n; j += VL) {
            m = m.max(FloatVector.fromArray(F, scores, j));
        }
        float max = m.reduceLanes(VectorOperators.MAX);
        for (; j < n; j++) {
            max = Math.max(max, scores[j]);
        }
        m = FloatVector.broadcast(F, max);
        for (j = 0; j < n; j += VL) {
            // one call site of exp, every vector masked to [j, n): with a second call for the tail, exp was not inlined
            // and a warm decode step allocated its vectors (DecodeAllocationTest)
            VectorMask<Float> mask = F.indexInRange(j, n);
            VectorMath.exp(FloatVector.fromArray(F, scores, j, mask).sub(m)).intoArray(scores, j, mask);
        }
        double sum = Math.exp(sink - max);
        for (j = 0; j < n; j++) {
            sum += scores[j];
        }
        return (float) (1.0 / sum);
    }

    // p: (n) unnormalised probabilities   values: row at[j] from at[j] * vStride + vOff   out: (vd) from outOff, overwritten
    /** out = sum_j (p[j] * inv) value_j, in key order, one rounding per multiply-add. */
    public static void weightedSum(float[] p, float inv, int n, float[] values, int vStride, int vOff, int[] at, int vd,
                                   float[] out, int outOff) {
        check("weightedSum", out, outOff, vd, at, n, p);
        int c = 0;
        int upper = vd - vd % VL;
        // four vectors of the output at once: four independent chains hide the multiply-add latency, and each
        // value row is read once for all four; every element still adds key after key (the same roundings)
        for (; c + 4 * VL <= upper; c += 4 * VL) {
            FloatVector acc0 = FloatVector.zero(F), acc1 = acc0, acc2 = acc0, acc3 = acc0;
            for (int j = 0; j < n; j++) {
                FloatVector pj = FloatVector.broadcast(F, p[j] * inv);
                int v0 = at[j] * vStride + vOff + c;
                acc0 = FloatVector.fromArray(F, values, v0).fma(pj, acc0);
                acc1 = FloatVector.fromArray(F, values, v0 + VL).fma(pj, acc1);
                acc2 = FloatVector.fromArray(F, values, v0 + 2 * VL).fma(pj, acc2);
                acc3 = FloatVector.fromArray(F, values, v0 + 3 * VL).fma(pj, acc3);
            }
            acc0.intoArray(out, outOff + c);
            acc1.intoArray(out, outOff + c + VL);
            acc2.intoArray(out, outOff + c + 2 * VL);
            acc3.intoArray(out, outOff + c + 3 * VL);
        }
        for (; c < upper; c += VL) {
            FloatVector acc = FloatVector.zero(F);
            for (int j = 0; j < n; j++) {
                acc = FloatVector.fromArray(F, values, at[j] * vStride + vOff + c).fma(FloatVector.broadcast(F, p[j] * inv), acc);
            }
            acc.intoArray(out, outOff + c);
        }
        for (; c < vd; c++) {
            float s = 0f;
            for (int j = 0; j < n; j++) {
                s = Math.fma(p[j] * inv, values[at[j] * vStride + vOff + c], s);
            }
            out[outOff + c] = s;
        }
    }

    /**
     * Two heads' weighted sums over the same cached rows at once: out0 = sum_j (p0[j] inv0) value_j from vOff0, out1 the
     * same with p1, inv1 and vOff1. Each element is computed exactly as {@link #weightedSum} computes it (key after key,
     * one rounding per multiply-add); with a head of 4 vectors, the two heads' 8 independent chains keep both
     * multiply-add units busy where one head's 4 wait on the latency, and each row's two slices are read together.
     */
    public static void weightedSum2(float[] p0, float inv0, float[] p1, float inv1, int n, float[] values, int vStride, int vOff0,
                                    int vOff1, int[] at, int vd, float[] out, int outOff0, int outOff1) {
        if (vd != 4 * VL) {
            weightedSum(p0, inv0, n, values, vStride, vOff0, at, vd, out, outOff0);
            weightedSum(p1, inv1, n, values, vStride, vOff1, at, vd, out, outOff1);
            return;
        }
        check("weightedSum2", out, outOff0, vd, at, n, p0);
        check("weightedSum2", out, outOff1, vd, at, n, p1);
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        for (int j = 0; j < n; j++) {
            FloatVector q0 = FloatVector.broadcast(F, p0[j] * inv0);
            FloatVector q1 = FloatVector.broadcast(F, p1[j] * inv1);
            int r = at[j] * vStride;
            a0 = FloatVector.fromArray(F, values, r + vOff0).fma(q0, a0);
            a1 = FloatVector.fromArray(F, values, r + vOff0 + VL).fma(q0, a1);
            a2 = FloatVector.fromArray(F, values, r + vOff0 + 2 * VL).fma(q0, a2);
            a3 = FloatVector.fromArray(F, values, r + vOff0 + 3 * VL).fma(q0, a3);
            b0 = FloatVector.fromArray(F, values, r + vOff1).fma(q1, b0);
            b1 = FloatVector.fromArray(F, values, r + vOff1 + VL).fma(q1, b1);
            b2 = FloatVector.fromArray(F, values, r + vOff1 + 2 * VL).fma(q1, b2);
            b3 = FloatVector.fromArray(F, values, r + vOff1 + 3 * VL).fma(q1, b3);
        }
        a0.intoArray(out, outOff0);
        a1.intoArray(out, outOff0 + VL);
        a2.intoArray(out, outOff0 + 2 * VL);
        a3.intoArray(out, outOff0 + 3 * VL);
        b0.intoArray(out, outOff1);
        b1.intoArray(out, outOff1 + VL);
        b2.intoArray(out, outOff1 + 2 * VL);
        b3.intoArray(out, outOff1 + 3 * VL);
    }

    private static void check(String op, float[] v, int off, int len, int[] at, int n, float[] perKey) {
        KernelChecks.nonNegative(op, "n", n);
        KernelChecks.region(op, "query/output row", v, off, len);
        KernelChecks.region(op, "rows", at, 0, n);
        KernelChecks.region(op, "per-key buffer", perKey, 0, n);
    }

    /** Keys starting at k0..k3 against q, scaled, into scores[j..j+4). */
    private static void scores4(float[] q, int qOff, int hd, float[] keys, int k0, int k1, int k2, int k3, float scale,
                                float[] scores, int j) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int upper = hd - hd % VL;
        for (int c = 0; c < upper; c += VL) {
            FloatVector u = FloatVector.fromArray(F, q, qOff + c);
            a0 = u.fma(FloatVector.fromArray(F, keys, k0 + c), a0);
            a1 = u.fma(FloatVector.fromArray(F, keys, k1 + c), a1);
            a2 = u.fma(FloatVector.fromArray(F, keys, k2 + c), a2);
            a3 = u.fma(FloatVector.fromArray(F, keys, k3 + c), a3);
        }
        FloatVector b0 = PAIR_LO.selectFrom(a0, a1).add(PAIR_HI.selectFrom(a0, a1));
        FloatVector b1 = PAIR_LO.selectFrom(a2, a3).add(PAIR_HI.selectFrom(a2, a3));
        FloatVector s = QUAD_LO.selectFrom(b0, b1).add(QUAD_HI.selectFrom(b0, b1));
        if (VL >= 64) s = s.add(s.rearrange(FOLD8));
        if (VL >= 32) s = s.add(s.rearrange(FOLD4));
        if (VL >= 16) s = s.add(s.rearrange(FOLD2));
        if (VL >= 8) s = s.add(s.rearrange(FOLD1));
        scores[j] = tail(s.lane(0), q, qOff, keys, k0, upper, hd) * scale;
        scores[j + 1] = tail(s.lane(VL / 4), q, qOff, keys, k1, upper, hd) * scale;
        scores[j + 2] = tail(s.lane(VL / 2), q, qOff, keys, k2, upper, hd) * scale;
        scores[j + 3] = tail(s.lane(3 * VL / 4), q, qOff, keys, k3, upper, hd) * scale;
    }

    /**
     * Keys at[j..j+16) against q, scaled, into scores[j..j+16), on 16-lane vectors and a head size without tail:
     * the sixteen lane sums in one tree of two-vector steps (as {@link F32Blocks#rows4Tokens4Whole}), the scores in key order in
     * one vector (a 64-wide head has only four multiply-adds per key, so the four-key sums cost as much as they).
     */
    private static void scores16(float[] q, int qOff, int hd, float[] keys, int kStride, int kOff, int[] at, int j, float scale,
                                 float[] scores) {
        int k0 = at[j] * kStride + kOff, k1 = at[j + 1] * kStride + kOff, k2 = at[j + 2] * kStride + kOff,
                k3 = at[j + 3] * kStride + kOff, k4 = at[j + 4] * kStride + kOff, k5 = at[j + 5] * kStride + kOff,
                k6 = at[j + 6] * kStride + kOff, k7 = at[j + 7] * kStride + kOff, k8 = at[j + 8] * kStride + kOff,
                k9 = at[j + 9] * kStride + kOff, k10 = at[j + 10] * kStride + kOff, k11 = at[j + 11] * kStride + kOff,
                k12 = at[j + 12] * kStride + kOff, k13 = at[j + 13] * kStride + kOff, k14 = at[j + 14] * kStride + kOff,
                k15 = at[j + 15] * kStride + kOff;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        FloatVector a8 = a0, a9 = a0, a10 = a0, a11 = a0, a12 = a0, a13 = a0, a14 = a0, a15 = a0;
        for (int c = 0; c < hd; c += VL) {
            FloatVector u = FloatVector.fromArray(F, q, qOff + c);
            a0 = u.fma(FloatVector.fromArray(F, keys, k0 + c), a0);
            a1 = u.fma(FloatVector.fromArray(F, keys, k1 + c), a1);
            a2 = u.fma(FloatVector.fromArray(F, keys, k2 + c), a2);
            a3 = u.fma(FloatVector.fromArray(F, keys, k3 + c), a3);
            a4 = u.fma(FloatVector.fromArray(F, keys, k4 + c), a4);
            a5 = u.fma(FloatVector.fromArray(F, keys, k5 + c), a5);
            a6 = u.fma(FloatVector.fromArray(F, keys, k6 + c), a6);
            a7 = u.fma(FloatVector.fromArray(F, keys, k7 + c), a7);
            a8 = u.fma(FloatVector.fromArray(F, keys, k8 + c), a8);
            a9 = u.fma(FloatVector.fromArray(F, keys, k9 + c), a9);
            a10 = u.fma(FloatVector.fromArray(F, keys, k10 + c), a10);
            a11 = u.fma(FloatVector.fromArray(F, keys, k11 + c), a11);
            a12 = u.fma(FloatVector.fromArray(F, keys, k12 + c), a12);
            a13 = u.fma(FloatVector.fromArray(F, keys, k13 + c), a13);
            a14 = u.fma(FloatVector.fromArray(F, keys, k14 + c), a14);
            a15 = u.fma(FloatVector.fromArray(F, keys, k15 + c), a15);
        }
        // the tree written out: behind sixteen loads a call to a helper of ours went over C2's node count for
        // inlining, and its vectors were then allocated (the Vector API's own methods are inlined regardless)
        FloatVector b0 = PAIR_LO.selectFrom(a0, a1).add(PAIR_HI.selectFrom(a0, a1));
        FloatVector b1 = PAIR_LO.selectFrom(a2, a3).add(PAIR_HI.selectFrom(a2, a3));
        FloatVector b2 = PAIR_LO.selectFrom(a4, a5).add(PAIR_HI.selectFrom(a4, a5));
        FloatVector b3 = PAIR_LO.selectFrom(a6, a7).add(PAIR_HI.selectFrom(a6, a7));
        FloatVector b4 = PAIR_LO.selectFrom(a8, a9).add(PAIR_HI.selectFrom(a8, a9));
        FloatVector b5 = PAIR_LO.selectFrom(a10, a11).add(PAIR_HI.selectFrom(a10, a11));
        FloatVector b6 = PAIR_LO.selectFrom(a12, a13).add(PAIR_HI.selectFrom(a12, a13));
        FloatVector b7 = PAIR_LO.selectFrom(a14, a15).add(PAIR_HI.selectFrom(a14, a15));
        FloatVector c0 = QUAD_LO.selectFrom(b0, b1).add(QUAD_HI.selectFrom(b0, b1));
        FloatVector c1 = QUAD_LO.selectFrom(b2, b3).add(QUAD_HI.selectFrom(b2, b3));
        FloatVector c2 = QUAD_LO.selectFrom(b4, b5).add(QUAD_HI.selectFrom(b4, b5));
        FloatVector c3 = QUAD_LO.selectFrom(b6, b7).add(QUAD_HI.selectFrom(b6, b7));
        FloatVector d0 = EIGHTH_LO.selectFrom(c0, c1).add(EIGHTH_HI.selectFrom(c0, c1));
        FloatVector d1 = EIGHTH_LO.selectFrom(c2, c3).add(EIGHTH_HI.selectFrom(c2, c3));
        SIXTEENTH_LO.selectFrom(d0, d1).add(SIXTEENTH_HI.selectFrom(d0, d1)).mul(scale).intoArray(scores, j);
    }

    /** One key starting at k0 against q, unscaled: the single-output lane sum of the same tree. */
    private static float score1(float[] q, int qOff, int hd, float[] keys, int k0) {
        FloatVector s = FloatVector.zero(F);
        int upper = hd - hd % VL;
        for (int c = 0; c < upper; c += VL) {
            s = FloatVector.fromArray(F, q, qOff + c).fma(FloatVector.fromArray(F, keys, k0 + c), s);
        }
        if (VL >= 64) s = s.add(s.rearrange(FOLD32));
        if (VL >= 32) s = s.add(s.rearrange(FOLD16));
        if (VL >= 16) s = s.add(s.rearrange(FOLD8));
        if (VL >= 8) s = s.add(s.rearrange(FOLD4));
        s = s.add(s.rearrange(FOLD2));
        s = s.add(s.rearrange(FOLD1));
        return tail(s.lane(0), q, qOff, keys, k0, upper, hd);
    }

    private static float tail(float s, float[] q, int qOff, float[] keys, int k0, int upper, int hd) {
        for (int c = upper; c < hd; c++) {
            s = Math.fma(q[qOff + c], keys[k0 + c], s);
        }
        return s;
    }
}
