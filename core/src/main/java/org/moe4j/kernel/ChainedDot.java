package org.moe4j.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * One dot product with four independent vector accumulators, for chains of dependent dot products
 * such as a fast feedforward tree walk (D dots, each choosing the next row): a single accumulator
 * waits out the fused multiply-add latency on every step, and such a chain has nothing else to
 * overlap it with. {@link Reductions#dot} keeps one accumulator. Its plain reference is
 * {@link ReductionsReference}'s dot.
 */
public final class ChainedDot {
    private ChainedDot() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    // a, b: (n)
    /** sum_k a_k b_k. */
    public static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        int step = F.length();
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        FloatVector a2 = FloatVector.zero(F);
        FloatVector a3 = FloatVector.zero(F);
        int k = 0;
        for (int upper = n - 4 * step; k <= upper; k += 4 * step) {
            a0 = FloatVector.fromArray(F, a, aOff + k).fma(FloatVector.fromArray(F, b, bOff + k), a0);
            a1 = FloatVector.fromArray(F, a, aOff + k + step).fma(FloatVector.fromArray(F, b, bOff + k + step), a1);
            a2 = FloatVector.fromArray(F, a, aOff + k + 2 * step).fma(FloatVector.fromArray(F, b, bOff + k + 2 * step), a2);
            a3 = FloatVector.fromArray(F, a, aOff + k + 3 * step).fma(FloatVector.fromArray(F, b, bOff + k + 3 * step), a3);
        }
        for (int upper = F.loopBound(n); k < upper; k += step) {
            a0 = FloatVector.fromArray(F, a, aOff + k).fma(FloatVector.fromArray(F, b, bOff + k), a0);
        }
        float sum = VectorMath.sumLanes(a0.add(a1).add(a2.add(a3)));
        for (; k < n; k++) {
            sum += a[aOff + k] * b[bOff + k];
        }
        return sum;
    }
}
