package org.moe4j.engine.family;

import java.util.List;
import org.moe4j.engine.HfConfig;
import org.moe4j.engine.ModelConfig;
import org.moe4j.engine.ModelConfig.ExpertActivation;
import org.moe4j.engine.ModelConfig.QkNorm;
import org.moe4j.engine.Routing;
import org.moe4j.engine.WeightNames;

/** OLMoE (modeling_olmoe.py): q/k RMSNorm over the whole projection, then clip_qkv; softmax top-k, renormalised only if norm_topk_prob. */
final class Olmoe implements Family {
    @Override
    public List<String> architectures() {
        return List.of("OlmoeForCausalLM");
    }

    @Override
    public ModelConfig config(HfConfig c) {
        Common.checkSupported(c);
        int L = c.integer("num_hidden_layers");
        boolean bias = c.bool("attention_bias", false);
        float clip = c.has("clip_qkv") ? (float) c.number("clip_qkv") : 0f;
        var moe = new ModelConfig.Moe(c.integer("num_experts"), c.integer("num_experts_per_tok"),
                Routing.softmaxTopK(c.bool("norm_topk_prob", false)), c.integer("intermediate_size"), ExpertActivation.SWIGLU, false, 0,
                false);
        return Common.model(c, "OlmoeForCausalLM", Common.groupedAttention(c, bias, bias, QkNorm.WHOLE_PROJECTION, clip, false, 0),
                Common.layers(new int[L], l -> moe), ModelConfig.Scaling.NONE);
    }

    @Override
    public WeightNames weightNames(HfConfig c) {
        return new WeightNames();
    }
}
