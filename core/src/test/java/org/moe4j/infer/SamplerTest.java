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

    /**
     * The draws equal those of the plain definition (all ids sorted by logit descending, then id, the
     * top k kept, then the nucleus), over logits with ties, signed zeros and infinities, for top-k
     * small (the bounded-heap path) and large or off (the full sort).
     */
    @Test
    void drawsEqualThePlainSortedDefinition() {
        java.util.Random r = new java.util.Random(5);
        for (int trial = 0; trial < 200; trial++) {
            int vocab = 1 + r.nextInt(300);
            float[] logits = new float[vocab];
            for (int i = 0; i < vocab; i++) {
                int kind = r.nextInt(20);
                logits[i] = kind == 0 ? -0.0f : kind == 1 ? 0.0f : kind == 2 ? Float.NEGATIVE_INFINITY : (r.nextInt(8) - 4) * 0.5f;
            }
            if (java.util.stream.IntStream.range(0, vocab).allMatch(i -> logits[i] == Float.NEGATIVE_INFINITY)) logits[0] = 1f;
            int topK = r.nextInt(3) == 0 ? 0 : 1 + r.nextInt(vocab);
            double topP = r.nextBoolean() ? 1.0 : 0.05 + 0.9 * r.nextDouble();
            SamplingConfig c = new SamplingConfig(0.3 + r.nextDouble(), topK, topP, trial);
            Sampler fast = new Sampler(c);
            org.moe4j.tensor.Rng rng = new org.moe4j.tensor.Rng(trial);
            for (int draw = 0; draw < 5; draw++) {
                assertEquals(plainDraw(logits, c, rng), fast.next(logits, 0, vocab), "trial " + trial + " draw " + draw);
            }
        }
    }

    private static int plainDraw(float[] logits, SamplingConfig c, org.moe4j.tensor.Rng rng) {
        int vocab = logits.length;
        Integer[] order = new Integer[vocab];
        for (int i = 0; i < vocab; i++) order[i] = i;
        java.util.Arrays.sort(order, (a, b) -> {
            int cmp = Float.compare(logits[b], logits[a]);
            return cmp != 0 ? cmp : Integer.compare(a, b);
        });
        int keep = c.topK() > 0 ? Math.min(c.topK(), vocab) : vocab;
        double max = logits[order[0]];
        double[] p = new double[keep];
        double sum = 0;
        for (int i = 0; i < keep; i++) {
            p[i] = Math.exp((logits[order[i]] - max) / c.temperature());
            sum += p[i];
        }
        int nucleus = keep;
        if (c.topP() < 1) {
            double cumulative = 0;
            for (int i = 0; i < keep; i++) {
                cumulative += p[i] / sum;
                if (cumulative >= c.topP()) {
                    nucleus = i + 1;
                    break;
                }
            }
        }
        double total = 0;
        for (int i = 0; i < nucleus; i++) total += p[i];
        double u = rng.nextDouble() * total;
        for (int i = 0; i < nucleus; i++) {
            u -= p[i];
            if (u < 0) return order[i];
        }
        return order[nucleus - 1];
    }
}
