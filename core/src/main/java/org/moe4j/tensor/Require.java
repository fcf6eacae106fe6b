package org.moe4j.tensor;

/**
 * The one range check of configs and arguments. A failed check throws an
 * {@link IllegalArgumentException} worded "WHERE: FIELD is VALUE, must be ALLOWED" (for example
 * "moe: top_k is 5, must be in [1, 4]"), so every message names what is wrong, its value and what
 * is allowed, in the same words everywhere. Each check returns the value it accepted.
 */
public final class Require {
    private Require() {}

    /** Fails with "where: field is value, must be allowed" unless {@code ok}. */
    public static void that(boolean ok, String where, String field, Object value, String allowed) {
        if (!ok) throw new IllegalArgumentException(where + ": " + field + " is " + value + ", must be " + allowed);
    }

    /** value >= min. */
    public static int atLeast(String where, String field, int value, int min) {
        that(value >= min, where, field, value, ">= " + min);
        return value;
    }

    /** value >= min. */
    public static long atLeast(String where, String field, long value, long min) {
        that(value >= min, where, field, value, ">= " + min);
        return value;
    }

    /** lo <= value <= hi. */
    public static int inRange(String where, String field, int value, int lo, int hi) {
        that(value >= lo && value <= hi, where, field, value, "in [" + lo + ", " + hi + "]");
        return value;
    }

    /** value >= 0; NaN fails too. */
    public static double nonNegative(String where, String field, double value) {
        that(value >= 0, where, field, value, ">= 0");
        return value;
    }
}
