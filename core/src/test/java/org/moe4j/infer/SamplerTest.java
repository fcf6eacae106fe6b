package org.moe4j.infer;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class SamplerTest {
    private static final float[] LOGITS = {1f, 3f, 3f, 0f, 2f};

    @Test
    void greedyTakesTheLowestArgMax() {
        assertEquals(1, new Sampler(SamplingConfig.greedy()).next(LOGITS, 0, 5));
    }

    @Test
    void frequenciesFollowTheTemperedSoftmax() {
        Sampler s = new Sampler(new SamplingConfig(1.0, 0, 1.0, 7));
        int[] counts = new int[5];
        int n = 200_000;
        for (int i = 0; i < n; i++) counts[s.next(LOGITS, 0, 5)]++;
        double z = 0;
        for (float l : LOGITS) z += Math.exp(l);
        for (int i = 0; i < 5; i++) assertEquals(Math.exp(LOGITS[i]) / z, counts[i] / (double) n, 0.005, "token " + i);
    }

    @Test
    void topKAndTopPRestrictTheChoice() {
        Sampler k2 = new Sampler(new SamplingConfig(1.0, 2, 1.0, 1));
        Sampler p = new Sampler(new SamplingConfig(1.0, 0, 0.5, 1));
        for (int i = 0; i < 2000; i++) {
            int t = k2.next(LOGITS, 0, 5);
            assertTrue(t == 1 || t == 2, "top-2 gave " + t);
            int q = p.next(LOGITS, 0, 5);
            assertTrue(q == 1 || q == 2, "nucleus 0.5 gave " + q);
        }
    }

    @Test
    void sameSeedSameTokensAndBadSettingsAreNamed() {
        Sampler a = new Sampler(new SamplingConfig(0.8, 0, 0.9, 3));
        Sampler b = new Sampler(new SamplingConfig(0.8, 0, 0.9, 3));
        for (int i = 0; i < 100; i++) assertEquals(a.next(LOGITS, 0, 5), b.next(LOGITS, 0, 5));
        var e = assertThrows(IllegalArgumentException.class, () -> new SamplingConfig(1, 0, 0, 1));
        assertEquals("top_p is 0.0, must be in (0, 1]", e.getMessage());
        assertThrows(IllegalStateException.class, () -> a.next(new float[] {Float.NaN, 1}, 0, 2));
    }
}
