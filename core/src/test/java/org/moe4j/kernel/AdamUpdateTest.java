package org.moe4j.kernel;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import org.moe4j.tensor.Rng;

/** The vectorised, multithreaded Adam update gives the bits of the scalar formula, and PyTorch's formula within float rounding. */
class AdamUpdateTest {
    private static final AdamUpdate.Step STEP = new AdamUpdate.Step(0.9f, 0.95f, 0.0021f, 1.37f, 1e-8f, 0.9998f, 0.01f);

    @Test
    void equalsTheScalarFormulaBitForBitOnAnySizeAndThreadCount() {
        Rng rng = new Rng(21);
        int saved = KernelPool.threads();
        try {
            for (int threads = 1; threads <= saved; threads++) {
                KernelPool.setThreads(threads);
                for (int n : new int[] {1, 15, 16, 17, 1000, (1 << 15) + 3, 3 * (1 << 15) - 1}) {
                    float[] p = KernelTesting.normal(rng, n + 5, 1), g = KernelTesting.normal(rng, n + 2, 0.1);
                    float[] m = KernelTesting.normal(rng, n, 0.01), v = KernelTesting.normal(rng, n, 0.001);
                    for (int i = 0; i < n; i++) v[i] = Math.abs(v[i]);
                    float[] p2 = p.clone(), m2 = m.clone(), v2 = v.clone();
                    AdamUpdate.apply(STEP, p, 5, g, 2, m, v, n);
                    AdamUpdate.scalar(STEP, p2, 5, g, 2, m2, v2, 0, n);
                    for (int i = 0; i < n; i++) {
                        String at = threads + " threads, n=" + n + ", element " + i;
                        assertEquals(Float.floatToIntBits(p2[5 + i]), Float.floatToIntBits(p[5 + i]), "p " + at);
                        assertEquals(Float.floatToIntBits(m2[i]), Float.floatToIntBits(m[i]), "m " + at);
                        assertEquals(Float.floatToIntBits(v2[i]), Float.floatToIntBits(v[i]), "v " + at);
                    }
                    assertArrayEquals(java.util.Arrays.copyOf(p2, 5), java.util.Arrays.copyOf(p, 5), "before the offset untouched");
                }
            }
        } finally {
            KernelPool.setThreads(saved);
        }
    }

    @Test
    void aGradScaleGivesTheBitsOfTheScaledGradient() {
        Rng rng = new Rng(22);
        int n = (1 << 15) + 19;
        AdamUpdate.Step folded = new AdamUpdate.Step(STEP.b1(), STEP.b2(), STEP.stepSize(), STEP.invSqrtBias2(), STEP.eps(),
                STEP.decay(), STEP.l2(), 0.3712f);
        float[] p = KernelTesting.normal(rng, n, 1), g = KernelTesting.normal(rng, n, 0.1);
        float[] m = new float[n], v = new float[n];
        float[] p2 = p.clone(), m2 = m.clone(), v2 = v.clone(), gScaled = new float[n];
        for (int i = 0; i < n; i++) gScaled[i] = g[i] * folded.gradScale();
        float[] gBefore = g.clone();
        AdamUpdate.apply(folded, p, 0, g, 0, m, v, n);
        AdamUpdate.apply(STEP, p2, 0, gScaled, 0, m2, v2, n);
        assertArrayEquals(p2, p);
        assertArrayEquals(m2, m);
        assertArrayEquals(v2, v);
        assertArrayEquals(gBefore, g, "the gradient is read, not written");
        float[] p3 = p2.clone(), m3 = m2.clone(), v3 = v2.clone();
        AdamUpdate.scalar(folded, p3, 0, g, 0, m3, v3, 0, n);
        AdamUpdate.apply(folded, p2, 0, g, 0, m2, v2, n);
        assertArrayEquals(p3, p2, "the vector lanes and the scalar formula");
    }

    @Test
    void agreesWithTheFormulaInDouble() {
        float[] p = {0.5f, -1.25f}, g = {0.2f, -3f}, m = {0.01f, 0.3f}, v = {0.004f, 0.5f};
        double[] expected = new double[2];
        for (int i = 0; i < 2; i++) {
            double gi = g[i] + STEP.l2() * (double) p[i];
            double mi = STEP.b1() * (double) m[i] + (1 - (double) STEP.b1()) * gi;
            double vi = STEP.b2() * (double) v[i] + (1 - (double) STEP.b2()) * gi * gi;
            expected[i] = p[i] * (double) STEP.decay() - STEP.stepSize() * mi / (Math.sqrt(vi) * STEP.invSqrtBias2() + STEP.eps());
        }
        AdamUpdate.apply(STEP, p, 0, g, 0, m, v, 2);
        for (int i = 0; i < 2; i++) assertEquals(expected[i], p[i], 1e-6 * Math.abs(expected[i]) + 1e-7, "element " + i);
    }

    @Test
    void shortArraysAreNamed() {
        var e = assertThrows(IndexOutOfBoundsException.class,
                () -> AdamUpdate.apply(STEP, new float[4], 0, new float[4], 0, new float[3], new float[4], 4));
        assertTrue(e.getMessage().contains("m"), e.getMessage());
    }
}
