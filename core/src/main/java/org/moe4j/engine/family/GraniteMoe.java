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
 * GraniteMoE (modeling_granitemoe.py): embeddings times embedding_multiplier, attention scaled by
 * attention_multiplier, each residual branch times residual_multiplier, logits divided by
 * logits_scaling; top-k of the router logits then softmax over the k; experts fused per layer.
 */
final class GraniteMoe implements Family {
    @Override
    public List<String> architectures() {
        return List.of("GraniteMoeForCausalLM");
    }

    @Override
    public ModelConfig config(HfConfig c) {
        Common.checkSupported(c);
        int L = c.integer("num_hidden_layers");
        boolean bias = c.bool("attention_bias", false);
        var moe = new ModelConfig.Moe(c.integer("num_local_experts"), c.integer("num_experts_per_tok"), Routing.topKSoftmax(false),
                c.integer("intermediate_size"), ExpertActivation.SWIGLU, false, 0, false);
        var scaling = new ModelConfig.Scaling((float) c.number("embedding_multiplier", 1), (float) c.number("residual_multiplier", 1),
                (float) c.number("logits_scaling", 1));
        return Common.model(c, "GraniteMoeForCausalLM",
                Common.groupedAttention(c, bias, bias, QkNorm.NONE, 0, false, (float) c.number("attention_multiplier", 0)),
                Common.layers(new int[L], l -> moe), scaling);
    }

    @Override
    public WeightNames weightNames(HfConfig c) {
        return new WeightNames()
                .withExpertLayout(ExpertLayout.GRANITE_FUSED)
                .with(Weight.ROUTER, "model.layers.{L}.block_sparse_moe.router.layer.weight")
                .with(Weight.EXPERT_GATE, "model.layers.{L}.block_sparse_moe.input_linear.weight")
                .with(Weight.EXPERT_DOWN, "model.layers.{L}.block_sparse_moe.output_linear.weight");
    }
}
