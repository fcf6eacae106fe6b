package org.moe4j.server;

import java.util.Arrays;

/**
 * A Prometheus histogram: counts of observations at or below each upper bound (cumulative when
 * written), their sum and count. Thread-safe.
 */
final class Histogram {
    private final double[] bounds;
    private final long[] counts;
    private double sum;
    private long count;

    Histogram(double... bounds) {
        for (int i = 1; i < bounds.length; i++) {
            if (!(bounds[i] > bounds[i - 1])) throw new IllegalArgumentException("histogram: bounds must increase, got " + Arrays.toString(bounds));
        }
        this.bounds = bounds.clone();
        this.counts = new long[bounds.length];
    }

    synchronized void observe(double value) {
        for (int i = 0; i < bounds.length; i++) {
            if (value <= bounds[i]) {
                counts[i]++;
                break;
            }
        }
        sum += value;
        count++;
    }

    /** The histogram in the text exposition format, without HELP and TYPE lines. */
    synchronized void write(StringBuilder out, String name) {
        long cumulative = 0;
        for (int i = 0; i < bounds.length; i++) {
            cumulative += counts[i];
            out.append(name).append("_bucket{le=\"").append(PrometheusText.number(bounds[i])).append("\"} ").append(cumulative).append('\n');
        }
        out.append(name).append("_bucket{le=\"+Inf\"} ").append(count).append('\n');
        out.append(name).append("_sum ").append(PrometheusText.number(sum)).append('\n');
        out.append(name).append("_count ").append(count).append('\n');
    }
}
