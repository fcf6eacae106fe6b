package org.moe4j.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.moe4j.io.DType;
import org.moe4j.io.ShardedSafeTensorsWriter.Spec;

/**
 * The tensors of a Hugging Face checkpoint of one family, named and shaped as the Hub checkpoints
 * store them (transformers 5 fuses experts into 3-D parameters when it loads, from these per-expert
 * names). Shapes are [out, in] for linear weights. Families:
 * <ul>
 *   <li>{@code OlmoeForCausalLM}: q_norm over the whole query projection [heads * head_dim], k_norm
 *       over the keys [kv_heads * head_dim]; router {@code mlp.gate}, experts {@code mlp.experts.E}.</li>
 *   <li>{@code Qwen3MoeForCausalLM}: q_norm and k_norm per head [head_dim]; a layer is dense
 *       ({@code mlp.gate_proj}, intermediate_size) when listed in mlp_only_layers or when
 *       (layer + 1) is not a multiple of decoder_sparse_step.</li>
 *   <li>{@code MixtralForCausalLM}: no q/k norms; {@code block_sparse_moe.gate} and experts
 *       {@code w1} (gate), {@code w3} (up), {@code w2} (down).</li>
 * </ul>
 */
record CheckpointLayout(String architecture, int layers, int hidden, int heads, int kvHeads, int headDim, int vocab,
                        int experts, int expertWidth, int denseWidth, List<Integer> denseLayers, boolean tied) {
    static final List<String> SUPPORTED = List.of("OlmoeForCausalLM", "Qwen3MoeForCausalLM", "MixtralForCausalLM");

    static CheckpointLayout of(Map<String, Object> c) {
        String arch = architecture(c);
        int layers = positive(c, "num_hidden_layers");
        int hidden = positive(c, "hidden_size");
        int heads = positive(c, "num_attention_heads");
        int kvHeads = c.get("num_key_value_heads") == null ? heads : positive(c, "num_key_value_heads");
        int headDim = c.get("head_dim") == null ? hidden / heads : positive(c, "head_dim");
        int vocab = positive(c, "vocab_size");
        boolean tied = Boolean.TRUE.equals(c.get("tie_word_embeddings"));
        List<Integer> dense = new ArrayList<>();
        int experts, expertWidth, denseWidth = 0;
        switch (arch) {
            case "OlmoeForCausalLM" -> {
                experts = positive(c, "num_experts");
                expertWidth = positive(c, "intermediate_size");
            }
            case "Qwen3MoeForCausalLM" -> {
                experts = positive(c, "num_experts");
                expertWidth = positive(c, "moe_intermediate_size");
                denseWidth = positive(c, "intermediate_size");
                int step = c.get("decoder_sparse_step") == null ? 1 : positive(c, "decoder_sparse_step");
                List<?> mlpOnly = c.get("mlp_only_layers") instanceof List<?> l ? l : List.of();
                for (int layer = 0; layer < layers; layer++) {
                    if (mlpOnly.contains(layer) || mlpOnly.contains((long) layer) || (layer + 1) % step != 0) {
                        dense.add(layer);
                    }
                }
            }
            default -> {
                experts = positive(c, "num_local_experts");
                expertWidth = positive(c, "intermediate_size");
            }
        }
        return new CheckpointLayout(arch, layers, hidden, heads, kvHeads, headDim, vocab, experts, expertWidth, denseWidth,
                List.copyOf(dense), tied);
    }

    private static String architecture(Map<String, Object> c) {
        if (!(c.get("architectures") instanceof List<?> list) || list.size() != 1 || !(list.get(0) instanceof String arch)) {
            throw new IllegalArgumentException("config.json: \"architectures\" must be a list of one name; supported: "
                    + String.join(", ", SUPPORTED));
        }
        if (!SUPPORTED.contains(arch)) {
            throw new IllegalArgumentException("config.json: architecture " + arch + " is not supported by make-random-model;"
                    + " supported: " + String.join(", ", SUPPORTED));
        }
        return arch;
    }

    private static int positive(Map<String, Object> c, String key) {
        if (!(c.get(key) instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()) || n.longValue() < 1
                || n.longValue() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("config.json: " + key + " is " + c.get(key) + ", must be a positive integer");
        }
        return n.intValue();
    }

    /** Norm weights (initialised near 1 rather than 0). */
    boolean isNorm(String name) {
        return name.endsWith("norm.weight");
    }

    /** Every tensor, in the order save_pretrained writes them: embeddings, layer by layer, final norm, head. */
    List<Spec> tensors(DType dtype) {
        List<Spec> out = new ArrayList<>();
        out.add(new Spec("model.embed_tokens.weight", dtype, new long[] {vocab, hidden}));
        boolean mixtral = architecture.equals("MixtralForCausalLM");
        for (int layer = 0; layer < layers; layer++) {
            String p = "model.layers." + layer + ".";
            out.add(new Spec(p + "input_layernorm.weight", dtype, new long[] {hidden}));
            out.add(new Spec(p + "self_attn.q_proj.weight", dtype, new long[] {(long) heads * headDim, hidden}));
            out.add(new Spec(p + "self_attn.k_proj.weight", dtype, new long[] {(long) kvHeads * headDim, hidden}));
            out.add(new Spec(p + "self_attn.v_proj.weight", dtype, new long[] {(long) kvHeads * headDim, hidden}));
            out.add(new Spec(p + "self_attn.o_proj.weight", dtype, new long[] {hidden, (long) heads * headDim}));
            switch (architecture) {
                case "OlmoeForCausalLM" -> {
                    out.add(new Spec(p + "self_attn.q_norm.weight", dtype, new long[] {(long) heads * headDim}));
                    out.add(new Spec(p + "self_attn.k_norm.weight", dtype, new long[] {(long) kvHeads * headDim}));
                }
                case "Qwen3MoeForCausalLM" -> {
                    out.add(new Spec(p + "self_attn.q_norm.weight", dtype, new long[] {headDim}));
                    out.add(new Spec(p + "self_attn.k_norm.weight", dtype, new long[] {headDim}));
                }
                default -> { }
            }
            out.add(new Spec(p + "post_attention_layernorm.weight", dtype, new long[] {hidden}));
            if (denseLayers.contains(layer)) {
                out.add(new Spec(p + "mlp.gate_proj.weight", dtype, new long[] {denseWidth, hidden}));
                out.add(new Spec(p + "mlp.up_proj.weight", dtype, new long[] {denseWidth, hidden}));
                out.add(new Spec(p + "mlp.down_proj.weight", dtype, new long[] {hidden, denseWidth}));
                continue;
            }
            String moe = p + (mixtral ? "block_sparse_moe." : "mlp.");
            out.add(new Spec(moe + "gate.weight", dtype, new long[] {experts, hidden}));
            for (int e = 0; e < experts; e++) {
                String ex = moe + "experts." + e + ".";
                out.add(new Spec(ex + (mixtral ? "w1" : "gate_proj") + ".weight", dtype, new long[] {expertWidth, hidden}));
                out.add(new Spec(ex + (mixtral ? "w3" : "up_proj") + ".weight", dtype, new long[] {expertWidth, hidden}));
                out.add(new Spec(ex + (mixtral ? "w2" : "down_proj") + ".weight", dtype, new long[] {hidden, expertWidth}));
            }
        }
        out.add(new Spec("model.norm.weight", dtype, new long[] {hidden}));
        if (!tied) {
            out.add(new Spec("lm_head.weight", dtype, new long[] {vocab, hidden}));
        }
        return out;
    }
}
