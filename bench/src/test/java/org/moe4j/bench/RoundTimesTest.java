package org.moe4j.bench;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class RoundTimesTest {
    @Test
    void warmUpRoundsAreLeftOutOfTheMedianAndTheMinimumOfEachVariant() {
        RoundTimes t = new RoundTimes(2, 2);
        double[][] rounds = {{100, 50}, {0.5, 40}, {3, 7}, {1, 9}, {2, 8}};
        boolean[] warmUp = new boolean[rounds.length];
        for (int r = 0; r < rounds.length; r++) {
            warmUp[r] = t.add(0, rounds[r][0]);
            assertEquals(warmUp[r], t.add(1, rounds[r][1]));
        }
        assertArrayEquals(new boolean[] {true, true, false, false, false}, warmUp);
        assertEquals(3, t.counted(0));
        assertEquals(2, t.median(0));
        assertEquals(1, t.min(0), "0.5 came in a warm-up round");
        assertEquals(8, t.median(1));
        assertEquals(7, t.min(1));
        t.add(1, 10);
        assertEquals(8.5, t.median(1), "an even count averages the middle two");
    }

    @Test
    void aVariantWithOnlyWarmUpRoundsHasNoMedian() {
        RoundTimes t = new RoundTimes(1, 2);
        t.add(0, 1);
        t.add(0, 2);
        assertEquals(0, t.counted(0));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> t.median(0));
        assertTrue(e.getMessage().contains("all of them warm-up"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new RoundTimes(0, 2));
    }
}
