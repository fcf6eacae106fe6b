package org.moe4j.engine.family;

import java.util.List;
import org.moe4j.engine.HfConfig;
import org.moe4j.engine.ModelConfig;
import org.moe4j.engine.ModelConfig.ExpertActivation;
import org.moe4j.engine.ModelConfig.QkNorm;
import org.moe4j.engine.Routing;
import org.moe4j.engine.WeightNames;
import org.moe4j.engine.WeightNames.Weight;

/** Mixtral (modeling_mixtral.py): softmax router, top-k renormalised, SwiGLU experts w1/w3/w2, optional sliding window. */
final class Mixtral implements Family {
    @Override
    public List<String> architectures() {
        return List.of("MixtralForCausalLM");
    }

    @Override
    public ModelConfig config(HfConfig c) {
        Common.checkSupported(c);
        int L = c.integer("num_hidden_layers");
        int window = c.has("sliding_window") ? c.integer("sliding_window") : 0;
        var moe = new ModelConfig.Moe(c.integer("num_local_experts"), c.integer("num_experts_per_tok"), Routing.softmaxTopK(true),
                c.integer("intermediate_size"), ExpertActivation.SWIGLU, false, 0, false);
        return Common.model(c, "MixtralForCausalLM", Common.groupedAttention(c, false, false, QkNorm.NONE, 0, false, 0),
                Common.layers(Common.windows(c, L, window), l -> moe), ModelConfig.Scaling.NONE);
    }

    @Override
    public WeightNames weightNames(HfConfig c) {
        return new WeightNames()
                .with(Weight.ROUTER, "model.layers.{L}.block_sparse_moe.gate.weight")
                .with(Weight.EXPERT_GATE, "model.layers.{L}.block_sparse_moe.experts.{E}.w1.weight")
                .with(Weight.EXPERT_UP, "model.layers.{L}.block_sparse_moe.experts.{E}.w3.weight")
                .with(Weight.EXPERT_DOWN, "model.layers.{L}.block_sparse_moe.experts.{E}.w2.weight");
    }
}
