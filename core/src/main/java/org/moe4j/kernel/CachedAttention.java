package org.moe4j.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Attention of one query row of one head against the keys and values a sequence has cached, the
 * inner step of decoding: for the visible positions j < visible,
 * <pre>
 *   s_j   = scale * sum_d q_d K[j][d]
 *   p     = softmax(s)
 *   out_d = sum_j p_j V[j][d]
 * </pre>
 * <b>Layout.</b> The keys are stored transposed: row d (d &lt; headDim) of Kt starts at
 * {@code kOff + d * ldk} and holds K[0][d], K[1][d], ... contiguously (ldk is the cache capacity).
 * The values are row-major: row j starts at {@code vOff + j * ldv} and holds V[j][0..headDim).
 *
 * <p><b>Scores.</b> The lanes of a vector are positions, so s[j..j+L) accumulates
 * fma(q_d, Kt[d][j..j+L), s) for d = 0, 1, ..., headDim - 1 in turn and is then multiplied by scale:
 * no horizontal sum over lanes. <b>Softmax</b> is {@link Softmax}'s row (maximum subtracted,
 * {@link VectorMath#exp}, the lane sums added in a fixed order, each entry divided by the sum).
 * <b>Output.</b> The lanes are components d, so out[d..d+L) accumulates fma(p_j, V[j][d..d+L), out)
 * for j = 0, 1, ..., visible - 1 in turn.
 *
 * <p><b>Determinism.</b> Every score and output element is one chain of FMAs in the order above,
 * starting from zero, whichever vector, register block or masked tail it falls in. The result for a
 * query therefore depends only on q, headDim, visible and the cached rows, never on how many other
 * sequences or rows are computed alongside it or on which thread runs it: a sequence decodes to
 * the same bits alone or in a batch.
 */
public final class CachedAttention {
    private CachedAttention() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    /** Vectors accumulated in registers at once, for positions (scores) and for components (output). */
    private static final int BLOCK = 4;

    // q: (headDim)   keysT: (headDim, ldk) from kOff   values: (visible, ldv) from vOff   scores: (>= visible)   out: (headDim)
    /**
     * out[outOff, outOff + headDim) = softmax(scale q K^T) V over the first {@code visible} cached
     * positions; {@code scores} is scratch of at least {@code visible} elements (overwritten with
     * the probabilities). visible = 0 gives a zero output.
     */
    public static void attend(float[] q, int qOff, int headDim, float scale,
                              float[] keysT, int kOff, int ldk,
                              float[] values, int vOff, int ldv, int visible,
                              float[] scores, float[] out, int outOff) {
        check(q, qOff, headDim, keysT, kOff, ldk, values, vOff, ldv, visible, scores, out, outOff);
        scores(q, qOff, headDim, scale, keysT, kOff, ldk, visible, scores);
        Softmax.row(scores, 0, visible, scores, 0, false);
        weightedValues(scores, visible, values, vOff, ldv, headDim, out, outOff);
    }

    /** scores[j] = scale * sum_d q[d] Kt[d][j] for j &lt; visible, the sum in order d = 0..headDim-1. */
    private static void scores(float[] q, int qOff, int headDim, float scale, float[] keysT, int kOff, int ldk,
                               int visible, float[] scores) {
        int full = F.loopBound(visible);
        int j = 0;
        for (; j + BLOCK * L <= full; j += BLOCK * L) {
            FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
            for (int d = 0, k = kOff + j; d < headDim; d++, k += ldk) {
                FloatVector qd = FloatVector.broadcast(F, q[qOff + d]);
                s0 = FloatVector.fromArray(F, keysT, k).fma(qd, s0);
                s1 = FloatVector.fromArray(F, keysT, k + L).fma(qd, s1);
                s2 = FloatVector.fromArray(F, keysT, k + 2 * L).fma(qd, s2);
                s3 = FloatVector.fromArray(F, keysT, k + 3 * L).fma(qd, s3);
            }
            s0.mul(scale).intoArray(scores, j);
            s1.mul(scale).intoArray(scores, j + L);
            s2.mul(scale).intoArray(scores, j + 2 * L);
            s3.mul(scale).intoArray(scores, j + 3 * L);
        }
        for (; j < full; j += L) {
            FloatVector s = FloatVector.zero(F);
            for (int d = 0, k = kOff + j; d < headDim; d++, k += ldk) {
                s = FloatVector.fromArray(F, keysT, k).fma(FloatVector.broadcast(F, q[qOff + d]), s);
            }
            s.mul(scale).intoArray(scores, j);
        }
        if (j < visible) {
            VectorMask<Float> m = F.indexInRange(j, visible);
            FloatVector s = FloatVector.zero(F);
            for (int d = 0, k = kOff + j; d < headDim; d++, k += ldk) {
                s = FloatVector.fromArray(F, keysT, k, m).fma(FloatVector.broadcast(F, q[qOff + d]), s);
            }
            s.mul(scale).intoArray(scores, j, m);
        }
    }

    /** out[d] = sum_j p[j] V[j][d] for d &lt; headDim, the sum in order j = 0..visible-1. */
    private static void weightedValues(float[] p, int visible, float[] values, int vOff, int ldv, int headDim,
                                       float[] out, int outOff) {
        int full = F.loopBound(headDim);
        int d = 0;
        for (; d + BLOCK * L <= full; d += BLOCK * L) {
            FloatVector o0 = FloatVector.zero(F), o1 = o0, o2 = o0, o3 = o0;
            for (int j = 0, v = vOff + d; j < visible; j++, v += ldv) {
                FloatVector pj = FloatVector.broadcast(F, p[j]);
                o0 = FloatVector.fromArray(F, values, v).fma(pj, o0);
                o1 = FloatVector.fromArray(F, values, v + L).fma(pj, o1);
                o2 = FloatVector.fromArray(F, values, v + 2 * L).fma(pj, o2);
                o3 = FloatVector.fromArray(F, values, v + 3 * L).fma(pj, o3);
            }
            o0.intoArray(out, outOff + d);
            o1.intoArray(out, outOff + d + L);
            o2.intoArray(out, outOff + d + 2 * L);
            o3.intoArray(out, outOff + d + 3 * L);
        }
        for (; d < full; d += L) {
            FloatVector o = FloatVector.zero(F);
            for (int j = 0, v = vOff + d; j < visible; j++, v += ldv) {
                o = FloatVector.fromArray(F, values, v).fma(FloatVector.broadcast(F, p[j]), o);
            }
            o.intoArray(out, outOff + d);
        }
        if (d < headDim) {
            VectorMask<Float> m = F.indexInRange(d, headDim);
            FloatVector o = FloatVector.zero(F);
            for (int j = 0, v = vOff + d; j < visible; j++, v += ldv) {
                o = FloatVector.fromArray(F, values, v, m).fma(FloatVector.broadcast(F, p[j]), o);
            }
            o.intoArray(out, outOff + d, m);
        }
    }

    private static void check(float[] q, int qOff, int headDim, float[] keysT, int kOff, int ldk,
                              float[] values, int vOff, int ldv, int visible, float[] scores, float[] out, int outOff) {
        String op = "CachedAttention.attend";
        if (headDim < 1) {
            throw new IllegalArgumentException(op + ": headDim is " + headDim + ", must be >= 1");
        }
        KernelChecks.nonNegative(op, "visible", visible);
        if (ldk < visible) {
            throw new IllegalArgumentException(op + ": key row stride ldk is " + ldk + ", must be >= visible " + visible);
        }
        if (ldv < headDim) {
            throw new IllegalArgumentException(op + ": value row stride ldv is " + ldv + ", must be >= headDim " + headDim);
        }
        KernelChecks.region(op, "q", q, qOff, headDim);
        KernelChecks.region(op, "keysT", keysT, kOff, (long) (headDim - 1) * ldk + visible);
        if (visible > 0) {
            KernelChecks.region(op, "values", values, vOff, (long) (visible - 1) * ldv + headDim);
        }
        KernelChecks.region(op, "scores", scores, 0, visible);
        KernelChecks.region(op, "out", out, outOff, headDim);
    }
}
