package org.moe4j.engine.gguf;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.moe4j.engine.EngineConfigException;
import org.moe4j.engine.HfConfig;
import org.moe4j.io.gguf.GgufFile;
import org.moe4j.io.gguf.GgufMetadata;

/**
 * A GGUF file's metadata as the config.json of the same model, so that the Hugging Face family of
 * its architecture builds the same {@link org.moe4j.engine.ModelConfig} (with the same checks and
 * refusals) as from the Hub's folder. The keys are llama.cpp's ({@code ARCH.block_count},
 * {@code ARCH.embedding_length}, {@code ARCH.expert_count}, ...); where GGUF keeps nothing of a
 * config key, the value is what llama.cpp assumes for that architecture. In particular llama.cpp
 * fixes whether the chosen experts' weights are renormalised for llama (Mixtral: yes), qwen2moe
 * (no), qwen3moe (yes) and olmoe (no), whatever the file says; only deepseek2 reads
 * {@code expert_weights_norm}.
 */
public final class GgufConfig {
    /** GGUF architecture names and the Hugging Face architecture each maps onto. */
    private static final Map<String, String> FAMILIES = Map.of("llama", "MixtralForCausalLM", "qwen2moe", "Qwen2MoeForCausalLM",
            "qwen3moe", "Qwen3MoeForCausalLM", "olmoe", "OlmoeForCausalLM", "deepseek2", "DeepseekV2ForCausalLM",
            "gpt-oss", "GptOssForCausalLM", "granitemoe", "GraniteMoeForCausalLM");
    public static final List<String> ARCHITECTURES = List.of("llama", "qwen2moe", "qwen3moe", "olmoe", "deepseek2", "gpt-oss",
            "granitemoe");

    private GgufConfig() {}

    /** general.architecture, checked to be one moe4j maps. */
    public static String architecture(GgufMetadata m) {
        String arch = m.string("general.architecture");
        if (!FAMILIES.containsKey(arch)) {
            throw new EngineConfigException(m.source() + ": general.architecture is \"" + arch + "\"; supported: "
                    + String.join(", ", ARCHITECTURES));
        }
        return arch;
    }

    /**
     * True for the architectures llama.cpp runs with RoPE on interleaved pairs (its NORM type: llama,
     * granitemoe), whose converter permutes the rows of q and k so that each head's pairs (i, i + d/2)
     * become (2i, 2i + 1): the engine then rotates interleaved pairs instead of undoing the permutation.
     * (deepseek2 is interleaved too, but in the Hub's weights already.)
     */
    public static boolean permutesQk(String architecture) {
        return architecture.equals("llama") || architecture.equals("granitemoe");
    }

    /** The config.json equivalent of the file's metadata. */
    public static HfConfig of(GgufFile f) {
        GgufMetadata m = f.metadata();
        String arch = architecture(m);
        String p = arch + ".";
        if (f.has("rope_freqs.weight")) {
            throw new EngineConfigException(f.location() + ": rope_freqs.weight (per-frequency RoPE factors, as llama.cpp stores llama3 "
                    + "scaling) is not supported; supported RoPE scalings in GGUF: none, linear, yarn");
        }
        Map<String, Object> c = new LinkedHashMap<>();
        int layers = m.integer(p + "block_count");
        int heads = uniform(m, p + "attention.head_count", layers);
        int experts = m.integer(p + "expert_count", 0);
        String family = FAMILIES.get(arch);
        if (arch.equals("llama") && experts == 0) family = "LlamaForCausalLM";
        if (arch.equals("deepseek2") && m.integer(p + "expert_gating_func", 1) == 2) family = "DeepseekV3ForCausalLM";
        c.put("architectures", List.of(family));
        c.put("vocab_size", vocabSize(f, p));
        c.put("hidden_size", m.integer(p + "embedding_length"));
        c.put("num_hidden_layers", layers);
        c.put("num_attention_heads", heads);
        c.put("num_key_value_heads", m.has(p + "attention.head_count_kv") ? uniform(m, p + "attention.head_count_kv", layers) : heads);
        if (m.has(p + "attention.key_length") && !arch.equals("deepseek2")) c.put("head_dim", m.integer(p + "attention.key_length"));
        c.put("rms_norm_eps", m.number(p + "attention.layer_norm_rms_epsilon"));
        c.put("max_position_embeddings", m.integer(p + "context_length", 4096));
        c.put("tie_word_embeddings", !f.has("output.weight"));
        c.put("rope_parameters", rope(m, p, arch));
        int ff = m.has(p + "feed_forward_length") ? uniform(m, p + "feed_forward_length", layers) : 0;
        int expertFf = m.has(p + "expert_feed_forward_length") ? uniform(m, p + "expert_feed_forward_length", layers) : ff;
        int used = m.integer(p + "expert_used_count", 0);
        switch (arch) {
            case "llama" -> {
                c.put("intermediate_size", ff);
                c.put("num_local_experts", experts);
                c.put("num_experts_per_tok", used);
                if (m.has(p + "attention.sliding_window")) c.put("sliding_window", m.integer(p + "attention.sliding_window"));
            }
            case "qwen2moe" -> {
                // llama.cpp's qwen2moe: every layer sparse, a gated shared expert, weights not renormalised
                c.put("num_experts", experts);
                c.put("num_experts_per_tok", used);
                c.put("moe_intermediate_size", expertFf);
                c.put("intermediate_size", ff > 0 ? ff : expertFf);
                c.put("shared_expert_intermediate_size", m.integer(p + "expert_shared_feed_forward_length", 0));
                c.put("norm_topk_prob", false);
                c.put("qkv_bias", f.has("blk.0.attn_q.bias"));
            }
            case "qwen3moe" -> {
                c.put("num_experts", experts);
                c.put("num_experts_per_tok", used);
                c.put("moe_intermediate_size", expertFf);
                c.put("intermediate_size", ff > 0 ? ff : expertFf);
                c.put("norm_topk_prob", true);
                c.put("attention_bias", f.has("blk.0.attn_q.bias"));
            }
            case "olmoe" -> {
                c.put("num_experts", experts);
                c.put("num_experts_per_tok", used);
                c.put("intermediate_size", ff);
                c.put("norm_topk_prob", false);
                if (m.has(p + "attention.clamp_kqv")) c.put("clip_qkv", m.number(p + "attention.clamp_kqv"));
            }
            case "deepseek2" -> deepseek(m, p, c, experts, used, ff, expertFf);
            case "gpt-oss" -> {
                c.put("num_local_experts", experts);
                c.put("num_experts_per_tok", used);
                c.put("intermediate_size", expertFf);
                int window = m.integer(p + "attention.sliding_window");
                int period = m.integer(p + "attention.sliding_window_pattern", 2);
                List<String> types = new ArrayList<>();
                // llama.cpp's swa pattern: layer l slides when l % period < period - 1
                for (int l = 0; l < layers; l++) types.add(l % period < period - 1 ? "sliding_attention" : "full_attention");
                c.put("sliding_window", window);
                c.put("layer_types", types);
            }
            case "granitemoe" -> {
                c.put("num_local_experts", experts);
                c.put("num_experts_per_tok", used);
                c.put("intermediate_size", ff);
                c.put("embedding_multiplier", m.number(p + "embedding_scale", 1));
                c.put("residual_multiplier", m.number(p + "residual_scale", 1));
                c.put("logits_scaling", m.number(p + "logit_scale", 1));
                if (m.has(p + "attention.scale")) c.put("attention_multiplier", m.number(p + "attention.scale"));
            }
            default -> throw new IllegalStateException(arch);
        }
        return new HfConfig(c, f.location());
    }

    private static void deepseek(GgufMetadata m, String p, Map<String, Object> c, int experts, int used, int ff, int expertFf) {
        int rope = m.integer(p + "rope.dimension_count");
        // the MLA-absorbed files (key_length_mla) keep key_length = kv_lora_rank + rope for one shared key head
        int keyLength = m.has(p + "attention.key_length_mla") ? m.integer(p + "attention.key_length_mla") : m.integer(p + "attention.key_length");
        int valueLength = m.has(p + "attention.value_length_mla") ? m.integer(p + "attention.value_length_mla")
                : m.integer(p + "attention.value_length");
        c.put("num_key_value_heads", c.get("num_attention_heads"));
        c.put("qk_rope_head_dim", rope);
        c.put("qk_nope_head_dim", keyLength - rope);
        c.put("v_head_dim", valueLength);
        c.put("kv_lora_rank", m.integer(p + "attention.kv_lora_rank"));
        int qLora = m.integer(p + "attention.q_lora_rank", 0);
        if (qLora > 0) c.put("q_lora_rank", qLora);
        c.put("n_routed_experts", experts);
        c.put("num_experts_per_tok", used);
        c.put("moe_intermediate_size", expertFf);
        c.put("intermediate_size", ff > 0 ? ff : expertFf);
        c.put("n_shared_experts", m.integer(p + "expert_shared_count", 0));
        c.put("first_k_dense_replace", m.integer(p + "leading_dense_block_count", 0));
        c.put("routed_scaling_factor", m.number(p + "expert_weights_scale", 1));
        c.put("norm_topk_prob", m.bool(p + "expert_weights_norm", false));
        int groups = m.integer(p + "expert_group_count", 1);
        c.put("n_group", groups);
        c.put("topk_group", m.integer(p + "expert_group_used_count", groups));
        c.put("topk_method", groups > 1 ? "group_limited_greedy" : "greedy");
    }

    /** An integer that may be stored per layer; the engine needs one value for all layers. */
    private static int uniform(GgufMetadata m, String key, int layers) {
        int[] v = m.perLayer(key, layers);
        for (int x : v) {
            if (x != v[0]) throw new EngineConfigException(m.source() + ": " + key + " differs between layers; moe4j needs one value");
        }
        return v[0];
    }

    private static int vocabSize(GgufFile f, String p) {
        GgufMetadata m = f.metadata();
        if (m.has(p + "vocab_size")) return m.integer(p + "vocab_size");
        if (f.has("token_embd.weight")) return (int) f.shape("token_embd.weight")[0];
        return m.strings("tokenizer.ggml.tokens").length;
    }

    /** rope_parameters from rope.freq_base and rope.scaling.* (none, linear, yarn). */
    private static Map<String, Object> rope(GgufMetadata m, String p, String arch) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("rope_theta", m.number(p + "rope.freq_base", 10000));
        String type = m.string(p + "rope.scaling.type", "none");
        switch (type) {
            case "none" -> r.put("rope_type", "default");
            case "linear" -> {
                r.put("rope_type", "linear");
                r.put("factor", m.number(p + "rope.scaling.factor"));
            }
            case "yarn" -> {
                r.put("rope_type", "yarn");
                r.put("factor", m.number(p + "rope.scaling.factor"));
                r.put("original_max_position_embeddings", m.integer(p + "rope.scaling.original_context_length"));
                r.put("beta_fast", m.number(p + "rope.scaling.yarn_beta_fast", 32));
                r.put("beta_slow", m.number(p + "rope.scaling.yarn_beta_slow", 1));
                // llama.cpp always rounds yarn's correction range outwards; gpt-oss's config says not to (truncate false),
                // which moe4j's own files record under this key (llama.cpp ignores it)
                r.put("truncate", m.bool(p + "rope.scaling.yarn_truncate", true));
                if (m.has(p + "rope.scaling.attn_factor")) r.put("attention_factor", m.number(p + "rope.scaling.attn_factor"));
                if (arch.equals("deepseek2") && m.has(p + "rope.scaling.yarn_log_multiplier")) {
                    // GGUF keeps 0.1 * mscale_all_dim only; DeepSeek's configs have mscale equal to it
                    double mscale = m.number(p + "rope.scaling.yarn_log_multiplier") / 0.1;
                    r.put("mscale_all_dim", mscale);
                    r.put("mscale", mscale);
                }
            }
            default -> throw new EngineConfigException(m.source() + ": " + p + "rope.scaling.type = \"" + type
                    + "\" is not supported (none, linear, yarn)");
        }
        return r;
    }
}
