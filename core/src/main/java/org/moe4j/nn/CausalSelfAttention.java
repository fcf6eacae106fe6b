package org.moe4j.nn;

import org.moe4j.autograd.CausalAttention;
import org.moe4j.autograd.Rope;
import org.moe4j.autograd.Variable;
import org.moe4j.kernel.Gemm;
import org.moe4j.kernel.MatMul;
import org.moe4j.kernel.RotaryEmbedding;
import org.moe4j.kernel.Softmax;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.Tensor;

/**
 * Causal multi-head self-attention with rotary position embeddings and grouped-query heads, as
 * Llama and Mixtral have it: q_proj, k_proj, v_proj, o_proj without biases; kvHeads key/value
 * heads shared by groups of heads / kvHeads query heads.
 */
public final class CausalSelfAttention extends Module {
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
        this.rope = new RotaryEmbedding(headDim, ropeTheta);
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
        int qCols = heads * headDim;
        int kvCols = kvHeads * headDim;
        Tensor qv = linear(x, q);
        Tensor kv = linear(x, k);
        Tensor vv = linear(x, v);
        int[] positions = new int[rows];
        for (int s = 0; s < caches.length; s++) {
            for (int r = rowStart[s]; r < rowStart[s + 1]; r++) positions[r] = caches[s].length() + r - rowStart[s];
        }
        rope.apply(qv.data(), 0, rows, heads, positions, false, qv.data(), 0);
        rope.apply(kv.data(), 0, rows, kvHeads, positions, false, kv.data(), 0);
        Tensor att = Tensor.zeros(rows, qCols);
        float scale = (float) (1 / Math.sqrt(headDim));
        int group = heads / kvHeads;
        for (int s = 0; s < caches.length; s++) {
            int n = rowStart[s + 1] - rowStart[s];
            if (n == 0) continue;
            AttentionCache cache = caches[s];
            int past = cache.length();
            cache.append(kv.data(), vv.data(), rowStart[s] * kvCols, kvCols, n);
            int total = past + n;
            float[] scores = new float[n * total];
            for (int h = 0; h < heads; h++) {
                int g = h / group;
                Gemm.gemm(false, true, n, total, headDim, scale, qv.data(), rowStart[s] * qCols + h * headDim, qCols,
                        cache.keys(), g * headDim, kvCols, 0f, scores, 0, total);
                for (int j = 0; j < n; j++) {
                    int visible = past + j + 1;
                    int row = j * total;
                    java.util.Arrays.fill(scores, row + visible, row + total, Float.NEGATIVE_INFINITY);
                }
                Softmax.softmax(scores, 0, n, total, scores, 0);
                Gemm.gemm(false, false, n, headDim, total, 1f, scores, 0, total, cache.values(), g * headDim, kvCols,
                        0f, att.data(), rowStart[s] * qCols + h * headDim, qCols);
            }
        }
        return linear(att, o);
    }

    private static Tensor linear(Tensor x, Linear layer) {
        // inside InferenceMode this is the batch-invariant product with the transposed weight
        return org.moe4j.autograd.MatMul.linear(Variable.constant(x), layer.weight(), null).value();
    }

    /** A fresh cache for one sequence in this layer. */
    public AttentionCache newCache(int contextLength) {
        return new AttentionCache(kvHeads * headDim, contextLength);
    }
}
