package org.moe4j.model;

import org.moe4j.autograd.Arithmetic;
import org.moe4j.autograd.Variable;
import org.moe4j.nn.AuxiliaryLosses;
import org.moe4j.nn.CausalSelfAttention;
import org.moe4j.nn.FeedForwardBlock;
import org.moe4j.nn.Module;
import org.moe4j.nn.RmsNorm;
import org.moe4j.tensor.Rng;

/**
 * One pre-norm decoder layer: h = x + attn(norm1(x)); y = h + ffn(norm2(h)). Names follow
 * Hugging Face: input_layernorm, self_attn, post_attention_layernorm, and the block's own
 * (mlp for dense, block_sparse_moe for mixture of experts).
 */
final class DecoderLayer extends Module {
    private final RmsNorm inputNorm;
    private final CausalSelfAttention attention;
    private final RmsNorm postAttentionNorm;
    private final FeedForwardBlock feedForward;

    DecoderLayer(TransformerConfig c, FeedForwardSpec spec, Rng rng) {
        this.inputNorm = addModule("input_layernorm", new RmsNorm(c.dModel(), c.normEps()));
        this.attention = addModule("self_attn", new CausalSelfAttention(c.dModel(), c.heads(), c.kvHeads(), c.ropeTheta(), rng));
        this.postAttentionNorm = addModule("post_attention_layernorm", new RmsNorm(c.dModel(), c.normEps()));
        this.feedForward = addModule(spec.moduleName(), spec.create(c.dModel(), rng));
    }

    // x: (B*T, d)   y: (B*T, d)
    Variable forward(Variable x, int seqLen, AuxiliaryLosses aux) {
        Variable h = Arithmetic.add(x, attention.forward(inputNorm.forward(x), seqLen));
        return Arithmetic.add(h, feedForward.forward(postAttentionNorm.forward(h), aux));
    }

    FeedForwardBlock feedForward() {
        return feedForward;
    }
}
