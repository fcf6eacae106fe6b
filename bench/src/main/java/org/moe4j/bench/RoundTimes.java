package org.moe4j.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Times of several variants measured in interleaved rounds (round 1: every variant, round 2: every
 * variant, ...), so a load change on a shared machine falls on all of them alike. The first
 * {@code warmUpRounds} rounds let the JIT compile and are not counted; the median and the minimum
 * are taken over the rounds after them.
 */
public final class RoundTimes {
    private final int warmUpRounds;
    private final List<List<Double>> times = new ArrayList<>();

    public RoundTimes(int variants, int warmUpRounds) {
        if (variants < 1 || warmUpRounds < 0) {
            throw new IllegalArgumentException("RoundTimes: " + variants + " variants (must be >= 1), " + warmUpRounds
                    + " warm-up rounds (must be >= 0)");
        }
        this.warmUpRounds = warmUpRounds;
        for (int v = 0; v < variants; v++) times.add(new ArrayList<>());
    }

    /** Records the next round's time of {@code variant}; returns whether that round is a warm-up round. */
    public boolean add(int variant, double time) {
        List<Double> t = times.get(variant);
        t.add(time);
        return t.size() <= warmUpRounds;
    }

    /** Rounds of {@code variant} that count (recorded after the warm-up rounds). */
    public int counted(int variant) {
        return Math.max(0, times.get(variant).size() - warmUpRounds);
    }

    /** Median over the counted rounds of {@code variant} (the mean of the middle two for an even count). */
    public double median(int variant) {
        double[] v = countedSorted(variant);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    /** Minimum over the counted rounds of {@code variant}. */
    public double min(int variant) {
        return countedSorted(variant)[0];
    }

    private double[] countedSorted(int variant) {
        List<Double> t = times.get(variant);
        if (t.size() <= warmUpRounds) {
            throw new IllegalStateException("RoundTimes: variant " + variant + " has " + t.size() + " rounds, all of them warm-up ("
                    + warmUpRounds + ")");
        }
        double[] v = t.subList(warmUpRounds, t.size()).stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(v);
        return v;
    }
}
