package org.moe4j.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.moe4j.autograd.Arithmetic;
import org.moe4j.autograd.CrossEntropy;
import org.moe4j.autograd.MatMul;
import org.moe4j.autograd.Variable;
import org.moe4j.moe.ExpertSlice;
import org.moe4j.moe.Experts;
import org.moe4j.moe.MoeLayer;
import org.moe4j.moe.PerExpertWeights;
import org.moe4j.nn.AuxiliaryLosses;
import org.moe4j.nn.CausalSelfAttention;
import org.moe4j.nn.Embedding;
import org.moe4j.nn.FeedForwardBlock;
import org.moe4j.nn.Linear;
import org.moe4j.nn.Module;
import org.moe4j.nn.ModuleList;
import org.moe4j.nn.RmsNorm;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.ScratchArrays;
import org.moe4j.tensor.Tensor;

/**
 * A decoder-only language model (see {@link TransformerConfig}), with Hugging Face's Mixtral
 * and Llama names: model.embed_tokens, model.layers.N.*, model.norm, lm_head.
 */
public final class TransformerLM extends Module {
    private final TransformerConfig config;
    private final Body body;
    private final Linear head;
    private final ExpertSlice slice;

    /** The "model." part of the names. */
    static final class Body extends Module {
        final Embedding embed;
        final ModuleList<DecoderLayer> layers;
        final RmsNorm norm;

        Body(TransformerConfig c, Rng rng, ExpertSlice slice) {
            embed = addModule("embed_tokens", new Embedding(c.vocabSize(), c.dModel(), 0.02, rng));
            layers = addModule("layers", new ModuleList<>());
            for (FeedForwardSpec spec : c.feedForward()) {
                layers.add(new DecoderLayer(c, spec, rng, slice));
            }
            norm = addModule("norm", new RmsNorm(c.dModel(), c.normEps()));
        }
    }

    public TransformerLM(TransformerConfig config) {
        this(config, ExpertSlice.WHOLE);
    }

    /**
     * A model whose MoE layers hold only {@code slice}'s experts (a rank of an expert-parallel
     * group): every other weight, and every held expert, has the value the whole model of this
     * config gets.
     */
    public TransformerLM(TransformerConfig config, ExpertSlice slice) {
        this.config = config;
        this.slice = slice;
        Rng rng = new Rng(config.seed());
        this.body = addModule("model", new Body(config, rng, slice));
        this.head = config.tieEmbeddings() ? null : addModule("lm_head", new Linear(config.dModel(), config.vocabSize(), false, rng));
    }

    public TransformerConfig config() {
        return config;
    }

    /** The experts of every MoE layer this model holds. */
    public ExpertSlice expertSlice() {
        return slice;
    }

    /**
     * Logits for a batch of token sequences: ids holds B sequences of seqLen tokens, b-major.
     */
    // ids: (B*T)   logits: (B*T, V)
    public Variable logits(int[] ids, int seqLen, AuxiliaryLosses aux) {
        if (seqLen < 1 || seqLen > config.contextLength() || ids.length % seqLen != 0) {
            throw new IllegalArgumentException("logits: " + ids.length + " ids in sequences of " + seqLen
                    + " tokens; the sequence length must divide the id count and lie in [1, " + config.contextLength() + "]");
        }
        Variable h = body.embed.forward(ids);
        for (DecoderLayer layer : body.layers.items()) {
            h = layer.forward(h, seqLen, aux);
        }
        h = body.norm.forward(h);
        return head != null ? head.forward(h) : MatMul.linear(h, body.embed.weight(), null);
    }

    /** Mean next-token cross-entropy (nats per token); the blocks add their auxiliary losses to {@code aux}. */
    // inputs, targets: (B*T)
    public Variable languageModelLoss(int[] inputs, int[] targets, int seqLen, AuxiliaryLosses aux) {
        return CrossEntropy.loss(logits(inputs, seqLen, aux), targets);
    }

    /** The training objective: cross-entropy plus every auxiliary loss times its coefficient. */
    public Variable loss(int[] inputs, int[] targets, int seqLen, AuxiliaryLosses aux) {
        return aux.addTo(languageModelLoss(inputs, targets, seqLen, aux));
    }

    /**
     * Hugging Face's Mixtral layout: experts stored one by one
     * ({@code model.layers.N.block_sparse_moe.experts.E.w1.weight} [out, in]) instead of stacked.
     * A model holding a slice of the experts writes only its own, under the layer's expert indices.
     */
    @Override
    public Map<String, Tensor> checkpointState() {
        Map<String, Tensor> state = new LinkedHashMap<>(stateDict());
        for (var e : stackedExperts().entrySet()) {
            state.keySet().removeIf(k -> k.startsWith(e.getKey() + "."));
            state.putAll(PerExpertWeights.split(e.getValue(), e.getKey(), ((Experts) e.getValue()).firstExpert()));
        }
        return state;
    }

    /** Every tensor of the whole model's checkpoint, held experts or not, in its order. */
    @Override
    public Map<String, int[]> checkpointShapes() {
        if (slice.isWhole()) return super.checkpointShapes();
        Map<String, int[]> shapes = new LinkedHashMap<>();
        stateDict().forEach((k, t) -> shapes.put(k, t.shape()));
        for (var e : stackedExperts().entrySet()) {
            shapes.keySet().removeIf(k -> k.startsWith(e.getKey() + "."));
            int total = ((Experts) e.getValue()).totalExperts();
            for (int x = 0; x < total; x++) {
                for (var p : e.getValue().namedParameters().entrySet()) {
                    int[] stacked = p.getValue().shape();
                    shapes.put(e.getKey() + "." + x + "." + p.getKey(), java.util.Arrays.copyOfRange(stacked, 1, stacked.length));
                }
            }
        }
        return shapes;
    }

    /** Loads the whole model's checkpoint; a model holding a slice of the experts takes only its own. */
    @Override
    public void loadCheckpointState(Map<String, Tensor> state) {
        Map<String, Tensor> own = new LinkedHashMap<>(state);
        Map<String, Tensor> stacked = stateDict();
        for (var e : stackedExperts().entrySet()) {
            PerExpertWeights.load(e.getValue(), state, e.getKey(), ((Experts) e.getValue()).firstExpert());
            own.keySet().removeIf(k -> k.startsWith(e.getKey() + "."));
            stacked.forEach((k, t) -> {
                if (k.startsWith(e.getKey() + ".")) own.put(k, t);
            });
        }
        loadStateDict(own);
    }

    /** The stacked experts of every MoE layer, by the prefix their per-expert names take. */
    public Map<String, Module> stackedExperts() {
        Map<String, Module> out = new LinkedHashMap<>();
        List<FeedForwardBlock> blocks = feedForwardBlocks();
        for (int l = 0; l < blocks.size(); l++) {
            if (blocks.get(l) instanceof MoeLayer moe && moe.experts() instanceof Module experts) {
                out.put("model.layers." + l + "." + config.feedForward().get(l).moduleName() + ".experts", experts);
            }
        }
        return out;
    }

    /** The feed-forward block of every layer, in order. */
    public List<FeedForwardBlock> feedForwardBlocks() {
        return body.layers.items().stream().map(DecoderLayer::feedForward).toList();
    }

    /**
     * One pre-norm decoder layer: h = x + attn(norm1(x)); y = h + ffn(norm2(h)). Names follow
     * Hugging Face: input_layernorm, self_attn, post_attention_layernorm, and the block's own
     * (mlp for dense, block_sparse_moe for mixture of experts).
     */
    static final class DecoderLayer extends Module {
        private final RmsNorm inputNorm;
        private final CausalSelfAttention attention;
        private final RmsNorm postAttentionNorm;
        private final FeedForwardBlock feedForward;
        /** The residual stream's two arrays, lent from one training pass to the next ({@link Arithmetic#add(Variable, Variable, ScratchArrays)}). */
        private final ScratchArrays residual = new ScratchArrays();

        DecoderLayer(TransformerConfig c, FeedForwardSpec spec, Rng rng, ExpertSlice slice) {
            this.inputNorm = addModule("input_layernorm", new RmsNorm(c.dModel(), c.normEps()));
            this.attention = addModule("self_attn", new CausalSelfAttention(c.dModel(), c.heads(), c.kvHeads(), c.ropeTheta(), rng));
            this.postAttentionNorm = addModule("post_attention_layernorm", new RmsNorm(c.dModel(), c.normEps()));
            this.feedForward = addModule(spec.moduleName(), spec.create(c.dModel(), rng, slice));
        }

        // x: (B*T, d)   y: (B*T, d)
        Variable forward(Variable x, int seqLen, AuxiliaryLosses aux) {
            Variable h = Arithmetic.add(x, attention.forward(inputNorm.forward(x), seqLen), residual);
            return Arithmetic.add(h, feedForward.forward(postAttentionNorm.forward(h), aux), residual);
        }

        FeedForwardBlock feedForward() {
            return feedForward;
        }
    }
}
