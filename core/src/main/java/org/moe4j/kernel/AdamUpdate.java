package org.moe4j.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * One Adam / AdamW update of a parameter array in place, element by element:
 * <pre>
 *   g  = grad * gradScale + l2 * p
 *   m  = b1 * m + (1 - b1) * g
 *   v  = b2 * v + (1 - b2) * g * g
 *   p  = p * decay - stepSize * m / (sqrt(v) * invSqrtBias2 + eps)
 * </pre>
 * with every operation in float, in this order and unfused, so the vector lanes, the scalar tail and
 * {@link #scalar} give the same bits (a float's square root is correctly rounded either way).
 * gradScale is gradient clipping's factor, folded in here instead of a pass of its own over the
 * gradients: the product is the one that pass would have stored, so the update keeps its bits. Chunks
 * of a large array are spread over the {@link KernelPool}; each element is written by one task, so
 * the result does not depend on the thread count.
 */
public final class AdamUpdate {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Elements per task: large enough that a task outweighs handing it out. */
    private static final int CHUNK = 1 << 15;

    private AdamUpdate() {}

    /** The hyper-parameters of one step, already combined (bias corrections, decay factor, clipping). */
    public record Step(float b1, float b2, float stepSize, float invSqrtBias2, float eps, float decay, float l2, float gradScale) {
        /** A step on the gradients as they are (gradScale 1). */
        public Step(float b1, float b2, float stepSize, float invSqrtBias2, float eps, float decay, float l2) {
            this(b1, b2, stepSize, invSqrtBias2, eps, decay, l2, 1f);
        }
    }

    // p, g, m, v: n elements from pOff, gOff, 0, 0
    public static void apply(Step s, float[] p, int pOff, float[] g, int gOff, float[] m, float[] v, int n) {
        KernelChecks.region("AdamUpdate", "p", p, pOff, n);
        KernelChecks.region("AdamUpdate", "grad", g, gOff, n);
        KernelChecks.region("AdamUpdate", "m", m, 0, n);
        KernelChecks.region("AdamUpdate", "v", v, 0, n);
        int chunks = (n + CHUNK - 1) / CHUNK;
        KernelPool.parallelFor(chunks, c -> range(s, p, pOff, g, gOff, m, v, c * CHUNK, Math.min(n, (c + 1) * CHUNK)));
    }

    private static void range(Step s, float[] p, int pOff, float[] g, int gOff, float[] m, float[] v, int from, int to) {
        float oneMinusB1 = 1 - s.b1(), oneMinusB2 = 1 - s.b2();
        int i = from;
        for (int end = from + F.loopBound(to - from); i < end; i += F.length()) {
            FloatVector pv = FloatVector.fromArray(F, p, pOff + i);
            FloatVector gv = FloatVector.fromArray(F, g, gOff + i).mul(s.gradScale()).add(pv.mul(s.l2()));
            FloatVector mv = FloatVector.fromArray(F, m, i).mul(s.b1()).add(gv.mul(oneMinusB1));
            FloatVector vv = FloatVector.fromArray(F, v, i).mul(s.b2()).add(gv.mul(oneMinusB2).mul(gv));
            mv.intoArray(m, i);
            vv.intoArray(v, i);
            FloatVector denom = vv.sqrt().mul(s.invSqrtBias2()).add(s.eps());
            pv.mul(s.decay()).sub(mv.mul(s.stepSize()).div(denom)).intoArray(p, pOff + i);
        }
        scalar(s, p, pOff, g, gOff, m, v, i, to);
    }

    /** Elements [from, to) one at a time: the tail of a chunk, and the reference for the tests. */
    static void scalar(Step s, float[] p, int pOff, float[] g, int gOff, float[] m, float[] v, int from, int to) {
        float oneMinusB1 = 1 - s.b1(), oneMinusB2 = 1 - s.b2();
        for (int i = from; i < to; i++) {
            float gi = g[gOff + i] * s.gradScale() + p[pOff + i] * s.l2();
            float mi = m[i] * s.b1() + gi * oneMinusB1;
            float vi = v[i] * s.b2() + gi * oneMinusB2 * gi;
            m[i] = mi;
            v[i] = vi;
            float denom = (float) Math.sqrt(vi) * s.invSqrtBias2() + s.eps();
            p[pOff + i] = p[pOff + i] * s.decay() - mi * s.stepSize() / denom;
        }
    }
}
