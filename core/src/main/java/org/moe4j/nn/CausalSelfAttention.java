package org.moe4j.nn;

import org.moe4j.autograd.ProjectedAttention;
import org.moe4j.autograd.Variable;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.ScratchArrays;

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
    private final Linear q;
    private final Linear k;
    private final Linear v;
    private final Linear o;
    /** The arrays one training pass lends the next (see {@link ProjectedAttention}). */
    private final ScratchArrays scratch = new ScratchArrays();

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
        this.q = addModule("q_proj", new Linear(dModel, heads * headDim, false, rng));
        this.k = addModule("k_proj", new Linear(dModel, kvHeads * headDim, false, rng));
        this.v = addModule("v_proj", new Linear(dModel, kvHeads * headDim, false, rng));
        this.o = addModule("o_proj", new Linear(heads * headDim, dModel, false, rng));
    }

    // x: (B*T, d), rows b-major   y: (B*T, d)
    /**
     * q, k and v as one product of x with the three weights stacked ({@link ProjectedAttention}), then
     * o_proj; the arrays of both, their outputs included, lent from one training pass to the next.
     */
    public Variable forward(Variable x, int seqLen) {
        Variable att = ProjectedAttention.apply(x, q.weight(), k.weight(), v.weight(), seqLen, heads, kvHeads, headDim, ropeTheta, scratch);
        return o.forward(att, scratch);
    }
}
