package org.moe4j.engine;

import java.util.EnumMap;
import java.util.Map;

/**
 * Where each weight of a model lives in its checkpoint: a name template per {@link Weight}, with
 * {@code {L}} for the layer and {@code {E}} for the expert. The defaults are the Llama/Qwen names most
 * families share; a family overrides the few it spells differently.
 */
public final class WeightNames {

    /** Every weight the engine reads. */
    public enum Weight {
        EMBED("model.embed_tokens.weight"),
        FINAL_NORM("model.norm.weight"),
        LM_HEAD("lm_head.weight"),
        INPUT_NORM("model.layers.{L}.input_layernorm.weight"),
        POST_ATTENTION_NORM("model.layers.{L}.post_attention_layernorm.weight"),
        Q("model.layers.{L}.self_attn.q_proj.weight"),
        K("model.layers.{L}.self_attn.k_proj.weight"),
        V("model.layers.{L}.self_attn.v_proj.weight"),
        O("model.layers.{L}.self_attn.o_proj.weight"),
        Q_BIAS("model.layers.{L}.self_attn.q_proj.bias"),
        K_BIAS("model.layers.{L}.self_attn.k_proj.bias"),
        V_BIAS("model.layers.{L}.self_attn.v_proj.bias"),
        O_BIAS("model.layers.{L}.self_attn.o_proj.bias"),
        Q_NORM("model.layers.{L}.self_attn.q_norm.weight"),
        K_NORM("model.layers.{L}.self_attn.k_norm.weight"),
        SINKS("model.layers.{L}.self_attn.sinks"),
        Q_A("model.layers.{L}.self_attn.q_a_proj.weight"),
        Q_A_NORM("model.layers.{L}.self_attn.q_a_layernorm.weight"),
        Q_B("model.layers.{L}.self_attn.q_b_proj.weight"),
        KV_A("model.layers.{L}.self_attn.kv_a_proj_with_mqa.weight"),
        KV_A_NORM("model.layers.{L}.self_attn.kv_a_layernorm.weight"),
        KV_B("model.layers.{L}.self_attn.kv_b_proj.weight"),
        MLP_GATE("model.layers.{L}.mlp.gate_proj.weight"),
        MLP_UP("model.layers.{L}.mlp.up_proj.weight"),
        MLP_DOWN("model.layers.{L}.mlp.down_proj.weight"),
        ROUTER("model.layers.{L}.mlp.gate.weight"),
        ROUTER_BIAS("model.layers.{L}.mlp.gate.bias"),
        SELECTION_BIAS("model.layers.{L}.mlp.gate.e_score_correction_bias"),
        EXPERT_GATE("model.layers.{L}.mlp.experts.{E}.gate_proj.weight"),
        EXPERT_UP("model.layers.{L}.mlp.experts.{E}.up_proj.weight"),
        EXPERT_DOWN("model.layers.{L}.mlp.experts.{E}.down_proj.weight"),
        EXPERT_GATE_UP_BIAS(""),
        EXPERT_GATE_BIAS(""),
        EXPERT_UP_BIAS(""),
        EXPERT_DOWN_BIAS(""),
        SHARED_GATE("model.layers.{L}.mlp.shared_expert.gate_proj.weight"),
        SHARED_UP("model.layers.{L}.mlp.shared_expert.up_proj.weight"),
        SHARED_DOWN("model.layers.{L}.mlp.shared_expert.down_proj.weight"),
        SHARED_EXPERT_GATE("model.layers.{L}.mlp.shared_expert_gate.weight"),
        // a hierarchical mixture: the group router (groups, H), each group's router ({E}: the group) (groupSize, H),
        // and the experts stacked (E, I, H) for gate and up, (E, H, I) for down
        GROUP_ROUTER(""),
        GROUP_EXPERT_ROUTER(""),
        STACKED_EXPERT_GATE(""),
        STACKED_EXPERT_UP(""),
        STACKED_EXPERT_DOWN(""),
        // a fast feedforward tree: nodes (N, H) and (N); leaves stacked (L, l, H), (L, l), (L, H, l), (L, H)
        TREE_NODE(""),
        TREE_NODE_BIAS(""),
        TREE_LEAF_IN(""),
        TREE_LEAF_IN_BIAS(""),
        TREE_LEAF_OUT(""),
        TREE_LEAF_OUT_BIAS("");

        private final String defaultTemplate;

        Weight(String defaultTemplate) {
            this.defaultTemplate = defaultTemplate;
        }
    }

    /**
     * How a layer's experts are stored: one matrix per expert and projection (the Hub's usual names), or
     * fused 3-D tensors as GraniteMoE ([E, 2I, H] gate then up, and [E, H, I]) and gpt-oss
     * ([E, H, 2I] in x.W layout with gate and up interleaved, and [E, I, H]) ship them, or stacked
     * per projection as GGUF files keep them (gate [E, I, H], up [E, I, H], down [E, H, I], with
     * biases [E, I], [E, I], [E, H] where the family has them).
     */
    public enum ExpertLayout { PER_EXPERT, GRANITE_FUSED, GPT_OSS_FUSED, STACKED }

    private final Map<Weight, String> templates = new EnumMap<>(Weight.class);
    private ExpertLayout expertLayout = ExpertLayout.PER_EXPERT;

    public WeightNames() {
        for (Weight w : Weight.values()) templates.put(w, w.defaultTemplate);
    }

    /** Overrides one template (mutating, for a family's static set-up). */
    public WeightNames with(Weight w, String template) {
        templates.put(w, template);
        return this;
    }

    public WeightNames withExpertLayout(ExpertLayout layout) {
        this.expertLayout = layout;
        return this;
    }

    public ExpertLayout expertLayout() {
        return expertLayout;
    }

    public String name(Weight w, int layer) {
        return templates.get(w).replace("{L}", Integer.toString(layer));
    }

    public String name(Weight w, int layer, int expert) {
        return name(w, layer).replace("{E}", Integer.toString(expert));
    }
}
