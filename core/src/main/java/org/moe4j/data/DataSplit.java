package org.moe4j.data;

/**
 * Which tokens train and which validate: the first {@code trainLength} tokens train, the last
 * {@code validationLength} validate, so no window of one part overlaps the other and the split
 * depends on nothing but the token count. (Moby-Dick's last 10% runs from the middle of chapter 124 to the end:
 * the same author and style, text the model has not seen.)
 */
public record DataSplit(long trainStart, long trainLength, long validationStart, long validationLength) {
    public DataSplit {
        if (trainStart < 0 || trainLength < 0 || validationLength < 0 || validationStart != trainStart + trainLength) {
            throw new IllegalArgumentException("DataSplit: train [" + trainStart + ", +" + trainLength + ") and validation ["
                    + validationStart + ", +" + validationLength + ") must be adjacent, non-negative ranges");
        }
    }

    /** Validation is the last {@code ceil(fraction * count)} tokens; {@code fraction} in [0, 1). */
    public static DataSplit lastFraction(long count, double fraction) {
        if (!(fraction >= 0 && fraction < 1)) {
            throw new IllegalArgumentException("DataSplit: validation fraction is " + fraction + ", must be in [0, 1)");
        }
        if (count < 0) {
            throw new IllegalArgumentException("DataSplit: token count is " + count + ", must be >= 0");
        }
        long validation = (long) Math.ceil(fraction * count);
        return new DataSplit(0, count - validation, count - validation, validation);
    }
}
