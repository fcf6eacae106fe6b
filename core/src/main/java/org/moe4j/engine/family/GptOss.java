package org.moe4j.engine.family;

import java.util.List;
import org.moe4j.engine.HfConfig;
import org.moe4j.engine.ModelConfig;
import org.moe4j.engine.ModelConfig.ExpertActivation;
import org.moe4j.engine.ModelConfig.QkNorm;
import org.moe4j.engine.Routing;
import org.moe4j.engine.WeightNames;
import org.moe4j.engine.WeightNames.ExpertLayout;
import org.moe4j.engine.WeightNames.Weight;

/**
 * gpt-oss (modeling_gpt_oss.py): attention with biases and a learned sink per head, sliding and full
 * layers alternating by layer_types, yarn RoPE; router with bias, top-k of the logits then softmax;
 * experts fused with biases and the clamped SwiGLU ((up + 1) * gate * sigmoid(1.702 gate), limit 7),
 * unquantised or in the Hub's MXFP4 blocks and scales (quantization_config mxfp4), read as they are.
 */
final class GptOss implements Family {
    @Override
    public List<String> architectures() {
        return List.of("GptOssForCausalLM");
    }

    @Override
    public ModelConfig config(HfConfig c) {
        Common.checkSupported(c, java.util.Set.of("mxfp4"));
        if (c.has("swiglu_limit") && c.number("swiglu_limit") != 7.0) throw c.unsupported("swiglu_limit", c.raw("swiglu_limit"), "7.0");
        int L = c.integer("num_hidden_layers");
        boolean bias = c.bool("attention_bias", true);
        var moe = new ModelConfig.Moe(c.integer("num_local_experts"), c.integer("num_experts_per_tok"), Routing.topKSoftmax(true),
                c.integer("intermediate_size"), ExpertActivation.CLAMPED_SWIGLU, true, 0, false);
        return Common.model(c, "GptOssForCausalLM", Common.groupedAttention(c, bias, bias, QkNorm.NONE, 0, true, 0),
                Common.layers(Common.windows(c, L, 0), l -> moe), ModelConfig.Scaling.NONE);
    }

    @Override
    public WeightNames weightNames(HfConfig c) {
        return new WeightNames()
                .withExpertLayout(ExpertLayout.GPT_OSS_FUSED)
                .with(Weight.ROUTER, "model.layers.{L}.mlp.router.weight")
                .with(Weight.ROUTER_BIAS, "model.layers.{L}.mlp.router.bias")
                .with(Weight.EXPERT_GATE, "model.layers.{L}.mlp.experts.gate_up_proj")
                .with(Weight.EXPERT_GATE_UP_BIAS, "model.layers.{L}.mlp.experts.gate_up_proj_bias")
                .with(Weight.EXPERT_DOWN, "model.layers.{L}.mlp.experts.down_proj")
                .with(Weight.EXPERT_DOWN_BIAS, "model.layers.{L}.mlp.experts.down_proj_bias");
    }
}
