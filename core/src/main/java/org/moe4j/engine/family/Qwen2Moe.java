package org.moe4j.engine.family;

import java.util.List;
import org.moe4j.engine.HfConfig;
import org.moe4j.engine.ModelConfig;
import org.moe4j.engine.ModelConfig.ExpertActivation;
import org.moe4j.engine.ModelConfig.QkNorm;
import org.moe4j.engine.Routing;
import org.moe4j.engine.WeightNames;

/**
 * Qwen2-MoE (modeling_qwen2_moe.py): q/k/v biases, softmax top-k (renormalised if norm_topk_prob), a
 * shared expert scaled by sigmoid(shared_expert_gate x); dense MLP layers by mlp_only_layers and
 * decoder_sparse_step.
 */
final class Qwen2Moe implements Family {
    @Override
    public List<String> architectures() {
        return List.of("Qwen2MoeForCausalLM");
    }

    @Override
    public ModelConfig config(HfConfig c) {
        Common.checkSupported(c);
        int L = c.integer("num_hidden_layers");
        boolean qkvBias = c.bool("qkv_bias", true);
        var moe = new ModelConfig.Moe(c.integer("num_experts"), c.integer("num_experts_per_tok"),
                Routing.softmaxTopK(c.bool("norm_topk_prob", false)), c.integer("moe_intermediate_size"), ExpertActivation.SWIGLU, false,
                c.integer("shared_expert_intermediate_size", 0), c.integer("shared_expert_intermediate_size", 0) > 0);
        var dense = new ModelConfig.Dense(c.integer("intermediate_size"));
        return Common.model(c, "Qwen2MoeForCausalLM", Common.groupedAttention(c, qkvBias, false, QkNorm.NONE, 0, false, 0),
                Common.layers(Common.qwenWindows(c, L), l -> Common.qwenSparse(c, l) ? moe : dense), ModelConfig.Scaling.NONE);
    }

    @Override
    public WeightNames weightNames(HfConfig c) {
        return new WeightNames();
    }
}
