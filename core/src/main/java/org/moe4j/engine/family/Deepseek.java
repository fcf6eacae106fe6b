package org.moe4j.engine.family;

import java.util.List;
import org.moe4j.engine.HfConfig;
import org.moe4j.engine.ModelConfig;
import org.moe4j.engine.ModelConfig.AttentionKind;
import org.moe4j.engine.ModelConfig.AttentionSpec;
import org.moe4j.engine.ModelConfig.ExpertActivation;
import org.moe4j.engine.ModelConfig.QkNorm;
import org.moe4j.engine.Rope;
import org.moe4j.engine.Routing;
import org.moe4j.engine.WeightNames;

/**
 * DeepSeek-V2 and V3 (modeling_deepseek_v2.py, modeling_deepseek_v3.py): multi-head latent attention
 * with or without q_lora_rank, RoPE on interleaved pairs, softmax scale times yarn's mscale squared;
 * the first first_k_dense_replace layers dense, then experts with shared experts. V2 routes by softmax
 * (greedy or group_limited_greedy) times routed_scaling_factor; V3 by sigmoid scores, choosing with
 * e_score_correction_bias among the best groups (sum of each group's top 2), weights renormalised if
 * norm_topk_prob, times routed_scaling_factor.
 */
final class Deepseek implements Family {
    @Override
    public List<String> architectures() {
        return List.of("DeepseekV2ForCausalLM", "DeepseekV3ForCausalLM");
    }

    @Override
    public ModelConfig config(HfConfig c) {
        Common.checkSupported(c);
        boolean v3 = List.of("DeepseekV3ForCausalLM").equals(c.list("architectures"));
        int L = c.integer("num_hidden_layers");
        int heads = c.integer("num_attention_heads");
        int nope = c.integer("qk_nope_head_dim");
        int ropeDim = c.integer("qk_rope_head_dim");
        int headDim = nope + ropeDim;
        double scale = 1.0 / Math.sqrt(headDim);
        java.util.Map<String, Object> rp = c.object("rope_parameters") != null ? c.object("rope_parameters") : c.object("rope_scaling");
        if (rp != null) {
            HfConfig p = new HfConfig(rp, c.source());
            String type = p.string("rope_type", p.string("type", "default"));
            if (!type.equals("default") && p.number("mscale_all_dim", 0) != 0) {
                double m = 0.1 * p.number("mscale_all_dim") * Math.log(p.number("factor")) + 1.0;
                if (p.number("factor") > 1) scale *= m * m;
            }
        }
        // both versions rotate interleaved pairs: V2 as complex numbers, V3 with rope_interleave (the Hub layout)
        if (v3 && c.has("rope_interleave") && !c.bool("rope_interleave", true)) {
            throw c.unsupported("rope_interleave", false, "true (the layout of DeepSeek-V3 checkpoints)");
        }
        Rope rope = Rope.fromConfig(c, ropeDim, true);
        int qLora = c.has("q_lora_rank") ? c.integer("q_lora_rank") : 0;
        var attention = new AttentionSpec(AttentionKind.LATENT, heads, heads, headDim, c.integer("v_head_dim"), false, false, QkNorm.NONE,
                0, false, (float) scale, rope, qLora, c.integer("kv_lora_rank"), ropeDim);
        if (c.bool("attention_bias", false)) throw c.unsupported("attention_bias", true, "false");
        int E = c.integerOf("n_routed_experts", "num_local_experts");
        int groups = c.has("n_group") ? c.integer("n_group") : 1;
        int topGroups = c.has("topk_group") ? c.integer("topk_group") : 1;
        float scaling = (float) c.number("routed_scaling_factor", 1.0);
        Routing routing;
        if (v3) {
            routing = new Routing(Routing.Rule.SIGMOID_GROUP_LIMITED, c.bool("norm_topk_prob", true), scaling, groups, topGroups, false, true);
        } else {
            String method = c.string("topk_method", "greedy");
            routing = switch (method) {
                case "greedy" -> new Routing(Routing.Rule.SOFTMAX_THEN_TOPK, false, scaling, 1, 1, false, false);
                case "group_limited_greedy" -> new Routing(Routing.Rule.SOFTMAX_GROUP_LIMITED, false, scaling, groups, topGroups, false, false);
                default -> throw c.unsupported("topk_method", method, "greedy, group_limited_greedy");
            };
        }
        int shared = c.integer("n_shared_experts", 0) * c.integer("moe_intermediate_size");
        var moe = new ModelConfig.Moe(E, c.integer("num_experts_per_tok"), routing, c.integer("moe_intermediate_size"),
                ExpertActivation.SWIGLU, false, shared, false);
        var dense = new ModelConfig.Dense(c.integer("intermediate_size"));
        int firstDense = c.integer("first_k_dense_replace", 0);
        int step = c.integer("moe_layer_freq", 1);
        return Common.model(c, v3 ? "DeepseekV3ForCausalLM" : "DeepseekV2ForCausalLM", attention,
                Common.layers(new int[L], l -> l >= firstDense && l % step == 0 ? moe : dense), ModelConfig.Scaling.NONE);
    }

    @Override
    public WeightNames weightNames(HfConfig c) {
        return new WeightNames()
                .with(WeightNames.Weight.SHARED_GATE, "model.layers.{L}.mlp.shared_experts.gate_proj.weight")
                .with(WeightNames.Weight.SHARED_UP, "model.layers.{L}.mlp.shared_experts.up_proj.weight")
                .with(WeightNames.Weight.SHARED_DOWN, "model.layers.{L}.mlp.shared_experts.down_proj.weight");
    }
}
