package org.moe4j.engine.family;

import java.util.List;
import org.moe4j.engine.HfConfig;
import org.moe4j.engine.ModelConfig;
import org.moe4j.engine.ModelConfig.QkNorm;
import org.moe4j.engine.WeightNames;

/** The dense models that share these blocks: Llama, Mistral (sliding window) and Qwen3 (per-head q/k norm). */
final class DenseLlama implements Family {
    @Override
    public List<String> architectures() {
        return List.of("LlamaForCausalLM", "MistralForCausalLM", "Qwen3ForCausalLM");
    }

    @Override
    public ModelConfig config(HfConfig c) {
        Common.checkSupported(c);
        String arch = String.valueOf(c.list("architectures").get(0));
        if (c.bool("mlp_bias", false)) throw c.unsupported("mlp_bias", true, "false");
        int L = c.integer("num_hidden_layers");
        boolean bias = c.bool("attention_bias", false);
        QkNorm norm = arch.equals("Qwen3ForCausalLM") ? QkNorm.PER_HEAD : QkNorm.NONE;
        int window = arch.equals("MistralForCausalLM") && c.has("sliding_window") ? c.integer("sliding_window") : 0;
        int[] windows = arch.equals("Qwen3ForCausalLM") ? Common.qwenWindows(c, L) : Common.windows(c, L, window);
        var dense = new ModelConfig.Dense(c.integer("intermediate_size"));
        return Common.model(c, arch, Common.groupedAttention(c, bias, bias, norm, 0, false, 0), Common.layers(windows, l -> dense),
                ModelConfig.Scaling.NONE);
    }

    @Override
    public WeightNames weightNames(HfConfig c) {
        return new WeightNames();
    }
}
