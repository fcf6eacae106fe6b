package org.moe4j.engine.family;

import java.util.ArrayList;
import java.util.List;
import org.moe4j.engine.EngineConfigException;
import org.moe4j.engine.HfConfig;
import org.moe4j.engine.ModelConfig;
import org.moe4j.engine.ModelConfig.AttentionKind;
import org.moe4j.engine.ModelConfig.AttentionSpec;
import org.moe4j.engine.ModelConfig.QkNorm;
import org.moe4j.engine.Rope;

/** What the Llama-derived families read alike: sizes, the standard attention, activation and refusals. */
final class Common {
    private Common() {}

    /** Refuses what no family here implements: quantised weights, other activations, tensor-parallel slicing. */
    static void checkSupported(HfConfig c) {
        checkSupported(c, java.util.Set.of());
    }

    /** As {@link #checkSupported(HfConfig)}, accepting the quantisation methods the family reads. */
    static void checkSupported(HfConfig c, java.util.Set<String> quantMethods) {
        if (c.has("quantization_config")) {
            Object method = c.object("quantization_config").get("quant_method");
            if (!quantMethods.contains(String.valueOf(method))) {
                throw c.unsupported("quantization_config.quant_method", method, "weights must be F32, F16 or BF16 safetensors"
                        + (quantMethods.isEmpty() ? "" : " or " + String.join(", ", quantMethods)) + "; quantised models load from GGUF");
            }
        }
        String act = c.string("hidden_act", "silu");
        if (!act.equals("silu")) throw c.unsupported("hidden_act", act, "silu");
        if (c.integer("pretraining_tp", 1) != 1) throw c.unsupported("pretraining_tp", c.raw("pretraining_tp"), "1");
    }

    static int headDim(HfConfig c) {
        return c.has("head_dim") ? c.integer("head_dim") : c.integer("hidden_size") / c.integer("num_attention_heads");
    }

    /** Grouped-query attention with the usual keys; biases, q/k norm and clip as given. */
    static AttentionSpec groupedAttention(HfConfig c, boolean qkvBias, boolean outputBias, QkNorm qkNorm, float clip, boolean sinks,
            float scaleOverride) {
        int heads = c.integer("num_attention_heads");
        int kvHeads = c.integer("num_key_value_heads", heads);
        int hd = headDim(c);
        float scale = scaleOverride > 0 ? scaleOverride : (float) (1.0 / Math.sqrt(hd));
        return new AttentionSpec(AttentionKind.GROUPED, heads, kvHeads, hd, hd, qkvBias, outputBias, qkNorm, clip, sinks, scale,
                Rope.fromConfig(c, hd, false), 0, 0, 0);
    }

    /** Every layer's sliding window from {@code layer_types} (sliding_attention / full_attention), else one window for all. */
    static int[] windows(HfConfig c, int layers, int uniformWindow) {
        int[] w = new int[layers];
        List<?> types = c.list("layer_types");
        if (types == null) {
            java.util.Arrays.fill(w, uniformWindow);
            return w;
        }
        if (types.size() != layers) {
            throw new EngineConfigException(c.source() + ": layer_types has " + types.size() + " entries for " + layers + " layers");
        }
        for (int l = 0; l < layers; l++) {
            String t = String.valueOf(types.get(l));
            switch (t) {
                case "full_attention" -> w[l] = 0;
                case "sliding_attention" -> w[l] = c.integer("sliding_window");
                default -> throw c.unsupported("layer_types[" + l + "]", t, "full_attention, sliding_attention");
            }
        }
        return w;
    }

    static ModelConfig model(HfConfig c, String arch, AttentionSpec attention, List<ModelConfig.LayerSpec> layers,
            ModelConfig.Scaling scaling) {
        return new ModelConfig(arch, c.integer("vocab_size"), c.integer("hidden_size"), (float) c.number("rms_norm_eps", 1e-6),
                attention, layers, c.bool("tie_word_embeddings", false), scaling, c.integer("max_position_embeddings", 4096));
    }

    static List<ModelConfig.LayerSpec> layers(int[] windows, java.util.function.IntFunction<ModelConfig.FeedForwardSpec> ff) {
        List<ModelConfig.LayerSpec> out = new ArrayList<>();
        for (int l = 0; l < windows.length; l++) out.add(new ModelConfig.LayerSpec(windows[l], ff.apply(l)));
        return out;
    }

    /** Qwen's rule for which layers are sparse: not in mlp_only_layers, and (l + 1) % decoder_sparse_step == 0. */
    static boolean qwenSparse(HfConfig c, int layer) {
        List<?> only = c.list("mlp_only_layers");
        if (only != null) {
            for (Object o : only) {
                if (o instanceof Number n && n.intValue() == layer) return false;
            }
        }
        int step = c.integer("decoder_sparse_step", 1);
        return step > 0 && (layer + 1) % step == 0;
    }

    /** Qwen2's sliding window: only with use_sliding_window, in layers from max_window_layers on. */
    static int[] qwenWindows(HfConfig c, int layers) {
        if (c.has("layer_types")) return windows(c, layers, 0);
        int[] w = new int[layers];
        if (c.bool("use_sliding_window", false)) {
            int from = c.integer("max_window_layers", layers);
            for (int l = from; l < layers; l++) w[l] = c.integer("sliding_window");
        }
        return w;
    }
}
