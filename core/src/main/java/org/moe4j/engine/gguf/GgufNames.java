package org.moe4j.engine.gguf;

import org.moe4j.engine.WeightNames;
import org.moe4j.engine.WeightNames.ExpertLayout;
import org.moe4j.engine.WeightNames.Weight;

/**
 * Where each weight lives in a GGUF file, as llama.cpp names it ({@code src/llama-arch.cpp}): the
 * same names for every architecture, apart from gpt-oss's post-attention norm. A layer's experts are
 * stacked per projection ({@code blk.N.ffn_gate_exps.weight} [E, I, H]), or gate and up concatenated
 * in one {@code ffn_gate_up_exps} [E, 2I, H] as newer converters may write them. Used both to load a
 * GGUF file and to write one.
 */
public final class GgufNames {
    /** The fused gate-and-up tensor of layer 0, whose presence selects the fused layout. */
    static final String FUSED_GATE_UP = "blk.0.ffn_gate_up_exps.weight";

    private GgufNames() {}

    /** The names of {@code architecture} (a GGUF general.architecture); {@code fusedGateUp} as the file has it. */
    public static WeightNames of(String architecture, boolean fusedGateUp) {
        WeightNames n = new WeightNames()
                .with(Weight.EMBED, "token_embd.weight")
                .with(Weight.FINAL_NORM, "output_norm.weight")
                .with(Weight.LM_HEAD, "output.weight")
                .with(Weight.INPUT_NORM, "blk.{L}.attn_norm.weight")
                .with(Weight.POST_ATTENTION_NORM, architecture.equals("gpt-oss") ? "blk.{L}.post_attention_norm.weight" : "blk.{L}.ffn_norm.weight")
                .with(Weight.Q, "blk.{L}.attn_q.weight")
                .with(Weight.K, "blk.{L}.attn_k.weight")
                .with(Weight.V, "blk.{L}.attn_v.weight")
                .with(Weight.O, "blk.{L}.attn_output.weight")
                .with(Weight.Q_BIAS, "blk.{L}.attn_q.bias")
                .with(Weight.K_BIAS, "blk.{L}.attn_k.bias")
                .with(Weight.V_BIAS, "blk.{L}.attn_v.bias")
                .with(Weight.O_BIAS, "blk.{L}.attn_output.bias")
                .with(Weight.Q_NORM, "blk.{L}.attn_q_norm.weight")
                .with(Weight.K_NORM, "blk.{L}.attn_k_norm.weight")
                .with(Weight.SINKS, "blk.{L}.attn_sinks.weight")
                .with(Weight.Q_A, "blk.{L}.attn_q_a.weight")
                .with(Weight.Q_A_NORM, "blk.{L}.attn_q_a_norm.weight")
                .with(Weight.Q_B, "blk.{L}.attn_q_b.weight")
                .with(Weight.KV_A, "blk.{L}.attn_kv_a_mqa.weight")
                .with(Weight.KV_A_NORM, "blk.{L}.attn_kv_a_norm.weight")
                .with(Weight.KV_B, "blk.{L}.attn_kv_b.weight")
                .with(Weight.MLP_GATE, "blk.{L}.ffn_gate.weight")
                .with(Weight.MLP_UP, "blk.{L}.ffn_up.weight")
                .with(Weight.MLP_DOWN, "blk.{L}.ffn_down.weight")
                .with(Weight.ROUTER, "blk.{L}.ffn_gate_inp.weight")
                .with(Weight.ROUTER_BIAS, "blk.{L}.ffn_gate_inp.bias")
                .with(Weight.SELECTION_BIAS, "blk.{L}.exp_probs_b.bias")
                .with(Weight.EXPERT_GATE, fusedGateUp ? "blk.{L}.ffn_gate_up_exps.weight" : "blk.{L}.ffn_gate_exps.weight")
                .with(Weight.EXPERT_UP, "blk.{L}.ffn_up_exps.weight")
                .with(Weight.EXPERT_DOWN, "blk.{L}.ffn_down_exps.weight")
                .with(Weight.EXPERT_GATE_BIAS, "blk.{L}.ffn_gate_exps.bias")
                .with(Weight.EXPERT_UP_BIAS, "blk.{L}.ffn_up_exps.bias")
                .with(Weight.EXPERT_DOWN_BIAS, "blk.{L}.ffn_down_exps.bias")
                .with(Weight.SHARED_GATE, "blk.{L}.ffn_gate_shexp.weight")
                .with(Weight.SHARED_UP, "blk.{L}.ffn_up_shexp.weight")
                .with(Weight.SHARED_DOWN, "blk.{L}.ffn_down_shexp.weight")
                .with(Weight.SHARED_EXPERT_GATE, "blk.{L}.ffn_gate_inp_shexp.weight");
        return n.withExpertLayout(fusedGateUp ? ExpertLayout.GRANITE_FUSED : ExpertLayout.STACKED);
    }
}
