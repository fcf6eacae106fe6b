package org.moe4j.tensor;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class InitTest {
    @Test
    void sameSeedSameNumbers() {
        Tensor a = Init.normal(Tensor.zeros(1000), new Rng(42), 0, 1);
        Tensor b = Init.normal(Tensor.zeros(1000), new Rng(42), 0, 1);
        Tensor c = Init.normal(Tensor.zeros(1000), new Rng(43), 0, 1);
        assertArrayEquals(a.toArray(), b.toArray());
        assertFalse(java.util.Arrays.equals(a.toArray(), c.toArray()));
    }

    @Test
    void sequenceIsPinned() {
        // xoshiro256** seeded by SplitMix64 from seed 1: a change to the generator breaks every saved run
        Rng r = new Rng(1);
        long first = r.nextLong();
        Rng again = new Rng(1);
        assertEquals(first, again.nextLong());
        assertEquals(0xb3f2af6d0fc710c5L, first, Long.toHexString(first));
    }

    @Test
    void momentsMatch() {
        int n = 200_000;
        float[] x = Init.normal(Tensor.zeros(n), new Rng(7), 2.0, 3.0).toArray();
        double mean = 0, var = 0;
        for (float v : x) mean += v;
        mean /= n;
        for (float v : x) var += (v - mean) * (v - mean);
        var /= n;
        assertEquals(2.0, mean, 0.03);
        assertEquals(9.0, var, 0.1);

        float[] u = Init.uniform(Tensor.zeros(n), new Rng(8), -1, 3).toArray();
        double um = 0;
        for (float v : u) {
            assertTrue(v >= -1 && v < 3);
            um += v;
        }
        assertEquals(1.0, um / n, 0.02);
    }

    @Test
    void truncatedNormalStaysInside() {
        float[] x = Init.truncatedNormal(Tensor.zeros(50_000), new Rng(3), 0, 1, -2, 2).toArray();
        double var = 0;
        for (float v : x) {
            assertTrue(v >= -2 && v <= 2);
            var += v * v;
        }
        // variance of N(0,1) truncated to [-2, 2] is 0.7737
        assertEquals(0.7737, var / x.length, 0.02);
    }

    @Test
    void kaimingAndXavierBounds() {
        Tensor w = Init.kaimingUniform(Tensor.zeros(64, 300), new Rng(1), Math.sqrt(2));
        double bound = Math.sqrt(2) * Math.sqrt(3.0 / 300);
        double max = 0;
        for (float v : w.toArray()) max = Math.max(max, Math.abs(v));
        assertTrue(max <= bound && max > 0.95 * bound, "max " + max + " bound " + bound);

        Tensor x = Init.xavierNormal(Tensor.zeros(200, 300), new Rng(2), 1);
        double var = 0;
        for (float v : x.toArray()) var += v * v;
        assertEquals(2.0 / 500, var / x.size(), 2.0 / 500 * 0.05);
        var e = assertThrows(IllegalArgumentException.class, () -> Init.kaimingNormal(Tensor.zeros(5), new Rng(1), 1));
        assertTrue(e.getMessage().contains("rank >= 2"));
    }

    @Test
    void rngStateRoundTrips() {
        Rng r = new Rng(5);
        r.nextGaussian();
        long[] s = r.state();
        double expected = r.nextGaussian();
        Rng q = new Rng(99);
        q.restore(s);
        assertEquals(expected, q.nextGaussian());
    }
}
