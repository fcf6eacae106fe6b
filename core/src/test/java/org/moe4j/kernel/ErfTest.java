package org.moe4j.kernel;

import static org.junit.jupiter.api.Assertions.*;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

class ErfTest {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    @Test
    void referenceMatchesKnownValuesToDoublePrecision() {
        // values from mpmath at 30 digits
        double[][] cases = {{0.1, 0.1124629160182848922}, {0.5, 0.52049987781304653768}, {1, 0.84270079294971486934},
            {2, 0.99532226501895273416}, {3, 0.99997790950300141456}, {5, 0.99999999999846254021},
            {1e-10, 1.1283791670955125739e-10}};
        for (double[] c : cases) {
            assertEquals(c[1], ErfReference.erf(c[0]), 2e-15 * c[1], "erf(" + c[0] + ")");
            assertEquals(-c[1], ErfReference.erf(-c[0]), 2e-15 * c[1], "erf(-" + c[0] + ")");
        }
        assertEquals(1.0, ErfReference.erf(7));
        assertTrue(Double.isNaN(ErfReference.erf(Double.NaN)));
    }

    /** Dense grid over [-4.5, 4.5] plus tiny arguments, the points where both branches meet, and +-0. */
    private static float[] grid() {
        int dense = 180_001;
        float[] x = new float[dense + 80];
        for (int i = 0; i < dense; i++) {
            x[i] = -4.5f + 9f * i / (dense - 1);
        }
        for (int i = 0; i < 40; i++) {
            x[dense + i] = (float) Math.pow(10, -30 + i * 0.7);
        }
        for (int i = 0; i < 40; i++) {
            x[dense + 40 + i] = Math.nextUp(1f) - 20 * Math.ulp(1f) + i * Math.ulp(1f);
        }
        return x;
    }

    private static double maxRelativeError(float[] x, float[] y) {
        double worst = 0;
        for (int i = 0; i < x.length; i++) {
            double ref = ErfReference.erf(x[i]);
            if (ref != 0) {
                worst = Math.max(worst, Math.abs(y[i] - ref) / Math.abs(ref));
            } else {
                assertEquals(0f, y[i], "erf(" + x[i] + ")");
            }
        }
        return worst;
    }

    @Test
    void scalarErfIsWithinFloatAccuracy() {
        float[] x = grid();
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = Erf.erf(x[i]);
        }
        double worst = maxRelativeError(x, y);
        assertTrue(worst < 1.0e-7, "max relative error " + worst);
    }

    @Test
    void vectorErfIsWithinFloatAccuracyAndCloseToScalar() {
        float[] x = grid();
        float[] y = new float[x.length];
        int i = 0;
        for (; i < F.loopBound(x.length); i += F.length()) {
            Erf.erf(FloatVector.fromArray(F, x, i)).intoArray(y, i);
        }
        for (; i < x.length; i++) {
            y[i] = Erf.erf(x[i]);
        }
        double worst = maxRelativeError(x, y);
        assertTrue(worst < 1.5e-7, "max relative error " + worst);
        for (int j = 0; j < x.length; j++) {
            assertEquals(Erf.erf(x[j]), y[j], 2 * Math.ulp(y[j]), "vector vs scalar at " + x[j]);
        }
    }

    @Test
    void specialValues() {
        assertEquals(1f, Erf.erf(Float.POSITIVE_INFINITY));
        assertEquals(-1f, Erf.erf(Float.NEGATIVE_INFINITY));
        assertEquals(1f, Erf.erf(4f));
        assertTrue(Float.isNaN(Erf.erf(Float.NaN)));
        assertEquals(Float.floatToIntBits(-0f), Float.floatToIntBits(Erf.erf(-0f)));
        float[] special = new float[F.length()];
        special[0] = Float.NaN;
        special[1] = Float.NEGATIVE_INFINITY;
        float[] out = new float[F.length()];
        Erf.erf(FloatVector.fromArray(F, special, 0)).intoArray(out, 0);
        assertTrue(Float.isNaN(out[0]));
        assertEquals(-1f, out[1]);
    }
}
