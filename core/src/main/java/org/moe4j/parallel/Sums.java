package org.moe4j.parallel;

import org.moe4j.dist.Communicator;

/**
 * Sums of doubles over a float32 transport: each value travels as hi = (float) v and
 * lo = (float) (v - hi), so the sum keeps about 48 bits (exact for counts below 2^24 per rank),
 * and every rank gets the same result because the transport's sums are equal on every rank.
 */
final class Sums {
    private Sums() {}

    static double[] sum(Communicator group, double[] values) {
        int n = values.length;
        float[] buffer = new float[2 * n];
        for (int i = 0; i < n; i++) {
            float hi = (float) values[i];
            buffer[i] = hi;
            buffer[n + i] = (float) (values[i] - hi);
        }
        group.allReduceSum(buffer);
        double[] out = new double[n];
        for (int i = 0; i < n; i++) out[i] = (double) buffer[i] + buffer[n + i];
        return out;
    }

    static double sum(Communicator group, double value) {
        return sum(group, new double[] {value})[0];
    }

    static int[] prefix(int[] counts) {
        int[] start = new int[counts.length + 1];
        for (int i = 0; i < counts.length; i++) start[i + 1] = start[i] + counts[i];
        return start;
    }

    static int[] times(int[] counts, int width) {
        int[] out = new int[counts.length];
        for (int i = 0; i < counts.length; i++) out[i] = counts[i] * width;
        return out;
    }
}
