package org.moe4j.nn;

import org.moe4j.autograd.EmbeddingLookup;
import org.moe4j.autograd.Variable;
import org.moe4j.tensor.Init;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.Tensor;

/** nn.Embedding: a [vocab, dim] table initialised N(0, std^2) (PyTorch: std 1; GPT-style models: 0.02). */
public final class Embedding extends Module {
    private final Variable weight;

    public Embedding(int vocab, int dim, double std, Rng rng) {
        if (vocab < 1 || dim < 1) {
            throw new IllegalArgumentException("Embedding: vocab " + vocab + " and dim " + dim + " must both be >= 1");
        }
        this.weight = addParameter("weight", Init.normal(Tensor.zeros(vocab, dim), rng, 0, std), ParameterKind.EMBEDDING);
    }

    // ids: (n)   out: (n, dim)
    public Variable forward(int[] ids) {
        return EmbeddingLookup.apply(weight, ids);
    }

    public Variable weight() {
        return weight;
    }
}
