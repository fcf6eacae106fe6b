package org.moe4j.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.moe4j.autograd.CrossEntropy;
import org.moe4j.autograd.InferenceMode;
import org.moe4j.autograd.MatMul;
import org.moe4j.autograd.Variable;
import org.moe4j.moe.MoeLayer;
import org.moe4j.moe.PerExpertWeights;
import org.moe4j.nn.AttentionCache;
import org.moe4j.nn.AuxiliaryLosses;
import org.moe4j.nn.Embedding;
import org.moe4j.nn.FeedForwardBlock;
import org.moe4j.nn.Linear;
import org.moe4j.nn.Module;
import org.moe4j.nn.ModuleList;
import org.moe4j.nn.RmsNormLayer;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.Tensor;

/**
 * A decoder-only language model (see {@link TransformerConfig}), with Hugging Face's Mixtral
 * and Llama names: model.embed_tokens, model.layers.N.*, model.norm, lm_head.
 */
public final class TransformerLM extends Module {
    private final TransformerConfig config;
    private final Body body;
    private final Linear head;

    /** The "model." part of the names. */
    static final class Body extends Module {
        final Embedding embed;
        final ModuleList<DecoderLayer> layers;
        final RmsNormLayer norm;

        Body(TransformerConfig c, Rng rng) {
            embed = addModule("embed_tokens", new Embedding(c.vocabSize(), c.dModel(), 0.02, rng));
            layers = addModule("layers", new ModuleList<>());
            for (FeedForwardSpec spec : c.feedForward()) {
                layers.add(new DecoderLayer(c, spec, rng));
            }
            norm = addModule("norm", new RmsNormLayer(c.dModel(), c.normEps()));
        }
    }

    public TransformerLM(TransformerConfig config) {
        this.config = config;
        Rng rng = new Rng(config.seed());
        this.body = addModule("model", new Body(config, rng));
        this.head = config.tieEmbeddings() ? null : addModule("lm_head", new Linear(config.dModel(), config.vocabSize(), false, rng));
    }

    public TransformerConfig config() {
        return config;
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
     */
    @Override
    public Map<String, Tensor> checkpointState() {
        Map<String, Tensor> state = new LinkedHashMap<>(stateDict());
        for (var e : stackedExperts().entrySet()) {
            state.keySet().removeIf(k -> k.startsWith(e.getKey() + "."));
            state.putAll(PerExpertWeights.split(e.getValue(), e.getKey()));
        }
        return state;
    }

    @Override
    public void loadCheckpointState(Map<String, Tensor> state) {
        Map<String, Tensor> own = new LinkedHashMap<>(state);
        Map<String, Tensor> stacked = stateDict();
        for (var e : stackedExperts().entrySet()) {
            PerExpertWeights.load(e.getValue(), state, e.getKey());
            own.keySet().removeIf(k -> k.startsWith(e.getKey() + "."));
            stacked.forEach((k, t) -> {
                if (k.startsWith(e.getKey() + ".")) own.put(k, t);
            });
        }
        loadStateDict(own);
    }

    /** The stacked experts of every MoE layer, by the prefix their per-expert names take. */
    private Map<String, Module> stackedExperts() {
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

    /** A new, empty decoding state for one sequence (a KV cache per layer). */
    public SequenceState newSequence() {
        AttentionCache[] caches = new AttentionCache[body.layers.size()];
        for (int i = 0; i < caches.length; i++) {
            caches[i] = body.layers.get(i).attention().newCache(config.contextLength());
        }
        return new SequenceState(caches);
    }

    /**
     * Context shift: forgets the oldest {@code drop} tokens of a sequence in every layer, so that it
     * continues from its last length - drop tokens, now at positions 0, 1, ..., with room for drop
     * more (see {@link org.moe4j.nn.CausalSelfAttention#shiftCache}). The kept positions keep their
     * keys and values, computed while the dropped tokens were still visible (as llama.cpp's context
     * shift does), so the continuation is not exactly that of the kept tokens alone except in the
     * first layer. drop = 0 changes nothing; drop must be less than the sequence's length.
     */
    public void shiftContext(SequenceState sequence, int drop) {
        if (drop < 0 || (drop > 0 && drop >= sequence.length())) {
            throw new IllegalArgumentException("shiftContext: cannot drop " + drop + " of the " + sequence.length()
                    + " tokens the sequence holds; drop must be >= 0 and less than its length (at least one token stays)");
        }
        for (int l = 0; l < body.layers.size(); l++) {
            body.layers.get(l).attention().shiftCache(sequence.cache(l), drop);
        }
    }

    /**
     * One inference step for several sequences at once (continuous batching): sequence s brings
     * {@code tokens[s]} (its whole prompt when prefilling, one token when decoding; may be empty),
     * which extend its cached state. All new tokens go through each layer together, so a mixture of
     * experts groups them by expert. Returns the logits after the last new token of each sequence
     * (a zero row for a sequence that brought none). Records nothing for backward.
     */
    // returns (S, V)
    public Tensor forwardCached(List<SequenceState> sequences, List<int[]> tokens, AuxiliaryLosses aux) {
        int S = sequences.size();
        if (tokens.size() != S) {
            throw new IllegalArgumentException("forwardCached: " + S + " sequences but " + tokens.size() + " token lists");
        }
        int[] rowStart = new int[S + 1];
        for (int s = 0; s < S; s++) {
            int room = config.contextLength() - sequences.get(s).length();
            if (tokens.get(s).length > room) {
                throw new IllegalArgumentException("forwardCached: sequence " + s + " holds " + sequences.get(s).length()
                        + " tokens and brings " + tokens.get(s).length + ", more than the context length " + config.contextLength());
            }
            rowStart[s + 1] = rowStart[s] + tokens.get(s).length;
        }
        int[] ids = new int[rowStart[S]];
        for (int s = 0; s < S; s++) System.arraycopy(tokens.get(s), 0, ids, rowStart[s], tokens.get(s).length);
        Tensor logits = Tensor.zeros(S, config.vocabSize());
        if (ids.length == 0) return logits;
        try (var scope = InferenceMode.enter()) {
            Tensor h = body.embed.forward(ids).value();
            for (int l = 0; l < body.layers.size(); l++) {
                AttentionCache[] caches = new AttentionCache[S];
                for (int s = 0; s < S; s++) caches[s] = sequences.get(s).cache(l);
                h = body.layers.get(l).forwardCached(h, rowStart, caches, aux);
            }
            int d = config.dModel();
            Tensor last = Tensor.zeros(S, d);
            for (int s = 0; s < S; s++) {
                if (rowStart[s + 1] > rowStart[s]) System.arraycopy(h.data(), (rowStart[s + 1] - 1) * d, last.data(), s * d, d);
            }
            Variable normed = body.norm.forward(Variable.constant(last));
            Tensor out = (head != null ? head.forward(normed) : MatMul.linear(normed, body.embed.weight(), null)).value();
            for (int s = 0; s < S; s++) {
                if (rowStart[s + 1] > rowStart[s]) System.arraycopy(out.data(), s * config.vocabSize(), logits.data(), s * config.vocabSize(), config.vocabSize());
            }
        }
        return logits;
    }
}
