package org.moe4j.nn;

import java.util.Arrays;
import java.util.function.IntConsumer;
import org.moe4j.autograd.CausalAttention;
import org.moe4j.autograd.MatMul;
import org.moe4j.autograd.Rope;
import org.moe4j.autograd.Variable;
import org.moe4j.kernel.CachedAttention;
import org.moe4j.kernel.KernelPool;
import org.moe4j.kernel.RotaryEmbedding;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.Tensor;

/**
 * Causal multi-head self-attention with rotary position embeddings and grouped-query heads, as
 * Llama and Mixtral have it: q_proj, k_proj, v_proj, o_proj without biases; kvHeads key/value
 * heads shared by groups of heads / kvHeads query heads.
 */
public final class CausalSelfAttention extends Module {
    /**
     * Below this many multiply-adds (scores and weighted values over all heads and rows) the cached
     * attention core runs on the calling thread; see {@link #attendCached}. Chosen on 2 cores with
     * the former ForkJoinPool, whose parked workers took 15-45 us to wake (from 2^18, e.g. 16
     * sequences x 81 positions, two threads won: 52 -> 29 us median); not re-tuned for the spinning
     * KernelPool, where an A/B of the GEMM threshold at 2^15 against 2^17 was inconclusive.
     */
    static final long MIN_PARALLEL_MULTIPLY_ADDS = 1 << 18;

    private final int heads;
    private final int kvHeads;
    private final int headDim;
    private final double ropeTheta;
    private final RotaryEmbedding rope;
    private final Linear q;
    private final Linear k;
    private final Linear v;
    private final Linear o;

    public CausalSelfAttention(int dModel, int heads, int kvHeads, double ropeTheta, Rng rng) {
        if (heads < 1 || dModel % heads != 0) {
            throw new IllegalArgumentException("attention: dModel " + dModel + " must be a multiple of heads " + heads + " (>= 1)");
        }
        if (kvHeads < 1 || heads % kvHeads != 0) {
            throw new IllegalArgumentException("attention: heads " + heads + " must be a multiple of kvHeads " + kvHeads + " (>= 1)");
        }
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.headDim = dModel / heads;
        if (headDim % 2 != 0) {
            throw new IllegalArgumentException("attention: head dimension dModel / heads = " + headDim + " must be even for rotary embeddings");
        }
        this.ropeTheta = ropeTheta;
        this.rope = RotaryEmbedding.shared(headDim, ropeTheta);
        this.q = addModule("q_proj", new Linear(dModel, heads * headDim, false, rng));
        this.k = addModule("k_proj", new Linear(dModel, kvHeads * headDim, false, rng));
        this.v = addModule("v_proj", new Linear(dModel, kvHeads * headDim, false, rng));
        this.o = addModule("o_proj", new Linear(heads * headDim, dModel, false, rng));
    }

    // x: (B*T, d), rows b-major   y: (B*T, d)
    public Variable forward(Variable x, int seqLen) {
        Variable qr = Rope.apply(q.forward(x), seqLen, heads, headDim, ropeTheta, 0);
        Variable kr = Rope.apply(k.forward(x), seqLen, kvHeads, headDim, ropeTheta, 0);
        Variable att = CausalAttention.apply(qr, kr, v.forward(x), seqLen, heads, kvHeads, headDim);
        return o.forward(att);
    }

    /**
     * Inference over a batch of sequences that each bring new tokens (prefill: many, decode: one):
     * rows [rowStart[s], rowStart[s+1]) of x belong to sequence s, at positions following what its
     * cache holds; their keys and values are appended to the cache, and each new query attends to
     * the cached positions and to the new ones up to its own (causal).
     */
    // x: (R, d)   rowStart: (S + 1)   returns (R, d)
    public Tensor forwardCached(Tensor x, int[] rowStart, AttentionCache[] caches) {
        int rows = x.rows();
        Tensor qv = linear(x, q);
        Tensor kv = linear(x, k);
        Tensor vv = linear(x, v);
        int[] positions = new int[rows];
        for (int s = 0; s < caches.length; s++) {
            for (int r = rowStart[s]; r < rowStart[s + 1]; r++) positions[r] = caches[s].length() + r - rowStart[s];
        }
        rope.apply(qv.data(), 0, rows, heads, positions, false, qv.data(), 0);
        rope.apply(kv.data(), 0, rows, kvHeads, positions, false, kv.data(), 0);
        Tensor att = attendCached(qv.data(), kv.data(), vv.data(), rowStart, caches);
        return linear(att, o);
    }

    /**
     * The attention core of {@link #forwardCached}, after RoPE: appends each sequence's new keys and
     * values to its cache, then attends every new query row of every head to the positions it sees,
     * past + j + 1 for the j-th new row of a sequence whose cache held past (causal), with
     * {@link CachedAttention}. Each (sequence, head) pair is one task, and the pairs are spread over
     * the kernel threads when there is enough work; every output element is written by one task in
     * an order fixed by its own sequence alone, so the result does not depend on the other
     * sequences in the batch or on the thread count.
     */
    // q: (R, heads * headDim)   k, v: (R, kvHeads * headDim)   rowStart: (S + 1)   returns (R, heads * headDim)
    Tensor attendCached(float[] q, float[] k, float[] v, int[] rowStart, AttentionCache[] caches) {
        int sequences = caches.length;
        int qCols = heads * headDim;
        int kvCols = kvHeads * headDim;
        int[] past = new int[sequences];
        long positionsSeen = 0; // sum over new rows of the positions each row attends to
        for (int s = 0; s < sequences; s++) {
            int n = rowStart[s + 1] - rowStart[s];
            past[s] = caches[s].length();
            if (n > 0) caches[s].append(k, v, rowStart[s] * kvCols, kvCols, n);
            positionsSeen += (long) n * past[s] + (long) n * (n + 1) / 2;
        }
        Tensor att = Tensor.zeros(rowStart[sequences], qCols);
        float[] out = att.data();
        float scale = (float) (1 / Math.sqrt(headDim));
        int group = heads / kvHeads;
        IntConsumer pair = i -> {
            int s = i / heads;
            int h = i % heads;
            int n = rowStart[s + 1] - rowStart[s];
            if (n == 0) return;
            AttentionCache cache = caches[s];
            int capacity = cache.capacity();
            int g = h / group;
            float[] scores = new float[past[s] + n];
            for (int j = 0; j < n; j++) {
                int qRow = (rowStart[s] + j) * qCols + h * headDim;
                CachedAttention.attend(q, qRow, headDim, scale, cache.transposedKeys(), g * headDim * capacity, capacity,
                        cache.values(), g * headDim, kvCols, past[s] + j + 1, scores, out, qRow);
            }
        };
        int pairs = sequences * heads;
        long multiplyAdds = 2 * positionsSeen * heads * headDim;
        if (pairs >= 2 && multiplyAdds >= MIN_PARALLEL_MULTIPLY_ADDS) {
            KernelPool.parallelFor(pairs, pair);
        } else {
            for (int i = 0; i < pairs; i++) pair.accept(i);
        }
        return att;
    }

    private static Tensor linear(Tensor x, Linear layer) {
        // inside InferenceMode this is the batch-invariant product with the transposed weight
        return MatMul.linear(Variable.constant(x), layer.weight(), null).value();
    }

    /**
     * Context shift: forgets the oldest {@code drop} positions of a cache of this layer and re-rotates
     * the kept keys by -drop positions, so that a key cached at position p carries the rotary
     * embedding of its new position p - drop (RoPE rotates each pair by position times a frequency,
     * so rotating back by drop positions is exact up to float rounding). The values do not depend on
     * the position and only move. drop = 0 changes nothing; drop must be less than the cache length.
     */
    public void shiftCache(AttentionCache cache, int drop) {
        cache.dropOldest(drop);
        if (drop == 0) return;
        int n = cache.length();
        int width = kvHeads * headDim;
        int capacity = cache.capacity();
        float[] transposed = cache.transposedKeys();
        // the RoPE kernel wants one position per row: gather the kept keys, rotate, scatter back
        float[] keys = new float[n * width];
        for (int c = 0; c < width; c++) {
            for (int j = 0; j < n; j++) keys[j * width + c] = transposed[c * capacity + j];
        }
        int[] positions = new int[n];
        Arrays.fill(positions, drop);
        rope.apply(keys, 0, n, kvHeads, positions, true, keys, 0);
        for (int c = 0; c < width; c++) {
            for (int j = 0; j < n; j++) transposed[c * capacity + j] = keys[j * width + c];
        }
    }

    /** A fresh cache for one sequence in this layer. */
    public AttentionCache newCache(int contextLength) {
        return new AttentionCache(kvHeads * headDim, contextLength);
    }
}
