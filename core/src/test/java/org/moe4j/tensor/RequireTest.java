package org.moe4j.tensor;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class RequireTest {
    private static String message(Runnable r) {
        return assertThrows(IllegalArgumentException.class, r::run).getMessage();
    }

    @Test
    void eachCheckNamesTheFieldItsValueAndWhatIsAllowed() {
        assertEquals("moe: experts is 0, must be >= 1", message(() -> Require.atLeast("moe", "experts", 0, 1)));
        assertEquals("run: steps is -3, must be >= 0", message(() -> Require.atLeast("run", "steps", -3L, 0L)));
        assertEquals("moe: top_k is 5, must be in [1, 4]", message(() -> Require.inRange("moe", "top_k", 5, 1, 4)));
        assertEquals("moe: top_k is 0, must be in [1, 4]", message(() -> Require.inRange("moe", "top_k", 0, 1, 4)));
        assertEquals("fff: hardening_weight is NaN, must be >= 0", message(() -> Require.nonNegative("fff", "hardening_weight", Double.NaN)));
        assertEquals("fff: hardening_weight is -0.5, must be >= 0", message(() -> Require.nonNegative("fff", "hardening_weight", -0.5)));
        assertEquals("x: y is z, must be w", message(() -> Require.that(false, "x", "y", "z", "w")));
    }

    @Test
    void acceptedValuesComeBack() {
        assertEquals(1, Require.atLeast("moe", "experts", 1, 1));
        assertEquals(7L, Require.atLeast("run", "steps", 7L, 0L));
        assertEquals(4, Require.inRange("moe", "top_k", 4, 1, 4));
        assertEquals(0.0, Require.nonNegative("fff", "hardening_weight", 0.0));
        Require.that(true, "x", "y", "z", "w");
    }
}
