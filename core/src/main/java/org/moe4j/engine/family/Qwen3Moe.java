package org.moe4j.engine.family;

import java.util.List;
import org.moe4j.engine.HfConfig;
import org.moe4j.engine.ModelConfig;
import org.moe4j.engine.ModelConfig.ExpertActivation;
import org.moe4j.engine.ModelConfig.QkNorm;
import org.moe4j.engine.Routing;
import org.moe4j.engine.WeightNames;

/** Qwen3-MoE (modeling_qwen3_moe.py): per-head q/k RMSNorm, head_dim independent of the width, softmax top-k, no shared expert. */
final class Qwen3Moe implements Family {
    @Override
    public List<String> architectures() {
        return List.of("Qwen3MoeForCausalLM");
    }

    @Override
    public ModelConfig config(HfConfig c) {
        Common.checkSupported(c);
        int L = c.integer("num_hidden_layers");
        boolean bias = c.bool("attention_bias", false);
        var moe = new ModelConfig.Moe(c.integerOf("num_experts", "num_local_experts"), c.integer("num_experts_per_tok"),
                Routing.softmaxTopK(c.bool("norm_topk_prob", true)), c.integer("moe_intermediate_size"), ExpertActivation.SWIGLU, false, 0,
                false);
        var dense = new ModelConfig.Dense(c.integer("intermediate_size"));
        return Common.model(c, "Qwen3MoeForCausalLM", Common.groupedAttention(c, bias, bias, QkNorm.PER_HEAD, 0, false, 0),
                Common.layers(Common.qwenWindows(c, L), l -> Common.qwenSparse(c, l) ? moe : dense), ModelConfig.Scaling.NONE);
    }

    @Override
    public WeightNames weightNames(HfConfig c) {
        return new WeightNames();
    }
}
