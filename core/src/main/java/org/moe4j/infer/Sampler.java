package org.moe4j.infer;

import java.util.Arrays;
import org.moe4j.tensor.Rng;

/**
 * Draws token ids from logits by {@link SamplingConfig}: greedy when the temperature is 0 (ties
 * to the lower id), else softmax(logits / temperature) restricted by top-k and then top-p
 * (nucleus, Holtzman et al. 2020), renormalised, sampled with a seeded generator.
 */
public final class Sampler {
    private final SamplingConfig config;
    private final Rng rng;
    /** Sort keys, kept between calls. */
    private long[] keys = new long[0];

    public Sampler(SamplingConfig config) {
        this.config = config;
        this.rng = new Rng(config.seed());
    }

    /** The next token for one row of logits {@code logits[off, off + vocab)}. */
    public int next(float[] logits, int off, int vocab) {
        for (int i = 0; i < vocab; i++) {
            if (Float.isNaN(logits[off + i])) {
                throw new IllegalStateException("sampling: logit " + i + " is NaN (the model's weights or inputs are broken)");
            }
        }
        if (config.temperature() == 0) {
            int best = 0;
            for (int i = 1; i < vocab; i++) if (logits[off + i] > logits[off + best]) best = i;
            return best;
        }
        int keep = config.topK() > 0 ? Math.min(config.topK(), vocab) : vocab;
        int[] order = ranked(logits, off, vocab, keep);
        double max = logits[off + order[0]];
        double[] p = new double[keep];
        double sum = 0;
        for (int i = 0; i < keep; i++) {
            p[i] = Math.exp((logits[off + order[i]] - max) / config.temperature());
            sum += p[i];
        }
        int nucleus = keep;
        if (config.topP() < 1) {
            double cumulative = 0;
            for (int i = 0; i < keep; i++) {
                cumulative += p[i] / sum;
                if (cumulative >= config.topP()) {
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

    /**
     * The ids of the {@code keep} largest logits, largest first, the lower id first among equals (as a
     * sort by (logit descending, id) gives): each (logit, id) packed into one long whose natural order is
     * that order, so no boxing; a bounded heap when few are kept of many, else one primitive sort.
     */
    private int[] ranked(float[] logits, int off, int vocab, int keep) {
        if (keys.length < vocab) keys = new long[vocab];
        int[] out = new int[keep];
        if (keep <= vocab / 16) {
            // max-heap (by key, i.e. the worst kept first) of the keep best keys seen so far
            long[] heap = new long[keep];
            int size = 0;
            for (int i = 0; i < vocab; i++) {
                long k = key(logits[off + i], i);
                if (size < keep) {
                    heap[size] = k;
                    siftUp(heap, size++);
                } else if (k < heap[0]) {
                    heap[0] = k;
                    siftDown(heap, keep);
                }
            }
            Arrays.sort(heap, 0, size);
            for (int i = 0; i < keep; i++) out[i] = (int) heap[i];
            return out;
        }
        for (int i = 0; i < vocab; i++) keys[i] = key(logits[off + i], i);
        Arrays.sort(keys, 0, vocab);
        for (int i = 0; i < keep; i++) out[i] = (int) keys[i];
        return out;
    }

    /** Ascending keys rank larger logits first, then lower ids: the high half is the logit's order inverted. */
    private static long key(float logit, int id) {
        int bits = Float.floatToIntBits(logit);
        int ascending = bits ^ ((bits >> 31) & 0x7FFFFFFF);
        return ((long) ~ascending << 32) | (id & 0xFFFFFFFFL);
    }

    private static void siftUp(long[] h, int i) {
        while (i > 0) {
            int parent = (i - 1) / 2;
            if (h[parent] >= h[i]) return;
            long t = h[parent];
            h[parent] = h[i];
            h[i] = t;
            i = parent;
        }
    }

    private static void siftDown(long[] h, int n) {
        int i = 0;
        while (true) {
            int l = 2 * i + 1;
            int r = l + 1;
            int largest = i;
            if (l < n && h[l] > h[largest]) largest = l;
            if (r < n && h[r] > h[largest]) largest = r;
            if (largest == i) return;
            long t = h[i];
            h[i] = h[largest];
            h[largest] = t;
            i = largest;
        }
    }
}
