package org.moe4j.kernel;

import static org.junit.jupiter.api.Assertions.*;

import java.util.function.DoubleUnaryOperator;
import java.util.function.UnaryOperator;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;
import org.moe4j.tensor.Rng;

class VectorMathTest {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    private static float apply(UnaryOperator<FloatVector> f, float x) {
        float[] a = new float[F.length()];
        java.util.Arrays.fill(a, x);
        return f.apply(FloatVector.fromArray(F, a, 0)).lane(0);
    }

    /** Largest error in ulps of the float result against the double-precision function. */
    private static double maxUlps(UnaryOperator<FloatVector> f, DoubleUnaryOperator exact, float lo, float hi, int n, long seed) {
        Rng rng = new Rng(seed);
        double worst = 0;
        float[] x = new float[F.length()];
        for (int i = 0; i < n; i += F.length()) {
            for (int j = 0; j < x.length; j++) x[j] = (float) (lo + (hi - lo) * rng.nextDouble());
            FloatVector y = f.apply(FloatVector.fromArray(F, x, 0));
            for (int j = 0; j < x.length; j++) {
                double e = exact.applyAsDouble(x[j]);
                if (Math.abs(e) > Float.MAX_VALUE || Math.abs(e) < Float.MIN_NORMAL) continue;
                worst = Math.max(worst, Math.abs(y.lane(j) - e) / Math.ulp((float) e));
            }
        }
        return worst;
    }

    @Test
    void expIsWithinTwoUlpsAndHandlesTheEdges() {
        assertTrue(maxUlps(VectorMath::exp, Math::exp, -87f, 88.7f, 200_000, 1) <= 2.0);
        assertTrue(maxUlps(VectorMath::exp, Math::exp, -1f, 1f, 100_000, 2) <= 2.0);
        assertEquals(1f, apply(VectorMath::exp, 0f));
        assertEquals(Float.POSITIVE_INFINITY, apply(VectorMath::exp, 89f));
        assertEquals(Float.POSITIVE_INFINITY, apply(VectorMath::exp, Float.POSITIVE_INFINITY));
        assertEquals(0f, apply(VectorMath::exp, -105f));
        assertEquals(0f, apply(VectorMath::exp, Float.NEGATIVE_INFINITY));
        assertTrue(Float.isNaN(apply(VectorMath::exp, Float.NaN)));
        float sub = apply(VectorMath::exp, -100f);
        assertEquals((float) Math.exp(-100), sub, Math.ulp((float) Math.exp(-100)) * 2, "subnormal results");
    }

    @Test
    void logAndLog1pAreWithinTwoUlpsAndHandleTheEdges() {
        double[] ulps = {maxUlps(VectorMath::log, Math::log, 1e-30f, 1e30f, 100_000, 3),
                maxUlps(VectorMath::log, Math::log, 0.5f, 2f, 100_000, 4), maxUlps(VectorMath::log, Math::log, 1e-3f, 10f, 100_000, 7),
                maxUlps(VectorMath::log1p, Math::log1p, -0.9f, 10f, 100_000, 5),
                maxUlps(VectorMath::log1p, Math::log1p, -1e-6f, 1e-6f, 100_000, 6)};
        for (double u : ulps) assertTrue(u <= 2.0, java.util.Arrays.toString(ulps));
        assertEquals(0f, apply(VectorMath::log, 1f));
        assertEquals(Float.NEGATIVE_INFINITY, apply(VectorMath::log, 0f));
        assertEquals(Float.POSITIVE_INFINITY, apply(VectorMath::log, Float.POSITIVE_INFINITY));
        assertTrue(Float.isNaN(apply(VectorMath::log, -1f)));
        assertEquals((float) Math.log(1e-40), apply(VectorMath::log, 1e-40f), 1e-4f, "subnormal inputs");
        assertEquals(1e-30f, apply(VectorMath::log1p, 1e-30f));
        assertEquals(Float.POSITIVE_INFINITY, apply(VectorMath::log1p, Float.POSITIVE_INFINITY));
    }
}
