#!/usr/bin/env python3
"""Extra whole-model conformance cases for moe4j's engine, made with the real transformers library.

Each case is a tiny random-weight model saved by `save_pretrained` (optionally sharded) plus
`expected.safetensors` (input_ids, logits, loss, greedy_ids) and `case.json` (what it covers, the
greedy margin). It covers configurations the shared cases do not: sliding windows shorter than the
prompt, llama3/linear/yarn RoPE scaling, DeepSeek-V2 group-limited routing with yarn mscale, dense
layers inside Qwen2-MoE, OLMoE's clip_qkv, the dense Llama/Mistral/Qwen3 models, transformers'
own sharding with an index, and a transformers-4-style config (rope_theta + rope_scaling, torch_dtype).

Run with the offline venv (torch 2.13.0+cpu, transformers 5.18.0):
    V/bin/python scripts/make_model_cases.py core/src/test/resources/models-extra
"""
import json
import os
import sys

import torch
import transformers
from safetensors.torch import save_file

torch.set_num_threads(1)
B, S, G = 2, 20, 8

BASE = dict(vocab_size=320, hidden_size=64, intermediate_size=96, num_hidden_layers=2, num_attention_heads=4,
            num_key_value_heads=2, max_position_embeddings=4096, bos_token_id=1, eos_token_id=2, pad_token_id=0,
            rms_norm_eps=1e-5)

CASES = [
    ("mixtral_window", "MixtralConfig", "MixtralForCausalLM",
     "Mixtral with sliding_window 6 < prompt, linear RoPE scaling",
     dict(num_local_experts=4, num_experts_per_tok=2, sliding_window=6,
          rope_parameters={"rope_type": "linear", "factor": 2.0, "rope_theta": 10000.0}), {}),
    ("llama3_tied", "LlamaConfig", "LlamaForCausalLM", "dense Llama with llama3 RoPE scaling and tied embeddings",
     dict(tie_word_embeddings=True, rope_parameters={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
          "high_freq_factor": 4.0, "original_max_position_embeddings": 8, "rope_theta": 500000.0}), {}),
    ("mistral_window", "MistralConfig", "MistralForCausalLM", "dense Mistral with sliding_window 5", dict(sliding_window=5), {}),
    ("qwen3_dense", "Qwen3Config", "Qwen3ForCausalLM", "dense Qwen3 with per-head q/k norm, head_dim 32", dict(head_dim=32), {}),
    ("qwen2_moe_dense_layer", "Qwen2MoeConfig", "Qwen2MoeForCausalLM",
     "Qwen2-MoE with layer 1 dense (mlp_only_layers), 3 layers, norm_topk_prob",
     dict(num_hidden_layers=3, num_experts=6, num_experts_per_tok=2, moe_intermediate_size=32,
          shared_expert_intermediate_size=48, mlp_only_layers=[1], norm_topk_prob=True), {}),
    ("olmoe_clip", "OlmoeConfig", "OlmoeForCausalLM", "OLMoE with clip_qkv 0.05 (clipping active)",
     dict(num_experts=8, num_experts_per_tok=2, clip_qkv=0.05, num_key_value_heads=4), {}),
    ("deepseek_v2_group_yarn", "DeepseekV2Config", "DeepseekV2ForCausalLM",
     "DeepSeek-V2 group_limited_greedy (4 groups, 2 kept), q_lora_rank 24, yarn RoPE with mscale_all_dim, routed_scaling_factor 1.5",
     dict(num_hidden_layers=2, num_key_value_heads=4, q_lora_rank=24, kv_lora_rank=16, qk_nope_head_dim=16, qk_rope_head_dim=8,
          v_head_dim=16, n_routed_experts=8, num_experts_per_tok=2, n_shared_experts=1, moe_intermediate_size=24,
          first_k_dense_replace=1, topk_method="group_limited_greedy", n_group=4, topk_group=2, routed_scaling_factor=1.5,
          rope_parameters={"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 512, "beta_fast": 32.0,
                           "beta_slow": 1.0, "mscale": 0.707, "mscale_all_dim": 0.707, "rope_theta": 10000.0}), {}),
    ("qwen3_moe_sharded", "Qwen3MoeConfig", "Qwen3MoeForCausalLM", "Qwen3-MoE saved in shards by transformers (max_shard_size 100KB)",
     dict(num_experts=8, num_experts_per_tok=2, moe_intermediate_size=32, head_dim=16), {"max_shard_size": "100KB"}),
]


def margin_ok(model, ids):
    """Greedy continuation by full forwards (argmax of the last logits, no stopping at eos); None if a step's top two are within 1e-3."""
    seq = ids
    margin = float("inf")
    with torch.no_grad():
        for _ in range(G):
            last = model(seq, use_cache=False).logits[:, -1, :]
            top = last.topk(2, dim=-1).values
            margin = min(margin, float((top[:, 0] - top[:, 1]).min()))
            if margin < 1e-3:
                return None, 0.0
            seq = torch.cat([seq, last.argmax(dim=-1, keepdim=True)], dim=1)
    return seq, margin


def make(out_root, name, config_class, arch, description, overrides, save_kwargs):
    cfg = getattr(transformers, config_class)(**{**BASE, **overrides})
    cfg.architectures = [arch]
    for seed in range(100, 140):
        torch.manual_seed(seed)
        model = getattr(transformers, arch)(cfg).eval()
        with torch.no_grad():
            for p in model.parameters():
                p.normal_(0, 0.15)
            for n, p in model.named_parameters():
                if "norm" in n:
                    p.copy_(1 + 0.1 * torch.randn_like(p))
        ids = torch.randint(3, cfg.vocab_size, (B, S), generator=torch.Generator().manual_seed(seed * 7))
        greedy, margin = margin_ok(model, ids)
        if greedy is not None:
            break
    else:
        raise SystemExit(f"{name}: no seed gave greedy margins above 1e-3")
    folder = os.path.join(out_root, name)
    model.save_pretrained(folder, **save_kwargs)
    with torch.no_grad():
        out = model(ids, labels=ids, use_cache=False)
    save_file({"input_ids": ids.contiguous(), "logits": out.logits.float().contiguous(), "loss": out.loss.float().reshape(()),
               "greedy_ids": greedy.contiguous()}, os.path.join(folder, "expected.safetensors"))
    with open(os.path.join(folder, "case.json"), "w") as f:
        json.dump({"case": name, "description": description, "architecture": arch, "seed": seed,
                   "transformers": transformers.__version__, "torch": torch.__version__, "greedy_margin": margin,
                   "tolerance": {"logits": {"atol": 1e-4, "rtol": 1e-4}, "loss": {"atol": 1e-5, "rtol": 1e-5}}}, f, indent=1)
    print(name, "seed", seed, "margin", round(margin, 4), "files", sorted(os.listdir(folder)))


def legacy_config(out_root):
    """The mixtral_window case again with a transformers-4 style config.json (rope_theta + rope_scaling, torch_dtype)."""
    src = os.path.join(out_root, "mixtral_window")
    dst = os.path.join(out_root, "mixtral_window_v4_config")
    os.makedirs(dst, exist_ok=True)
    for f in os.listdir(src):
        with open(os.path.join(src, f), "rb") as a, open(os.path.join(dst, f), "wb") as b:
            b.write(a.read())
    with open(os.path.join(dst, "config.json")) as f:
        c = json.load(f)
    rp = c.pop("rope_parameters")
    c["rope_theta"] = rp["rope_theta"]
    c["rope_scaling"] = {"type": rp["rope_type"], "factor": rp["factor"]}
    c["torch_dtype"] = c.pop("dtype")
    with open(os.path.join(dst, "config.json"), "w") as f:
        json.dump(c, f, indent=2)
    print("mixtral_window_v4_config", "from mixtral_window")


if __name__ == "__main__":
    root = sys.argv[1]
    os.makedirs(root, exist_ok=True)
    for case in CASES:
        make(root, *case)
    legacy_config(root)
