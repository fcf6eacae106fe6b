#!/usr/bin/env python3
"""A gpt-oss conformance case whose experts are stored as the Hub ships them: MXFP4.

Builds the tiny gpt-oss model of the shared `gpt_oss_f32` case's config with seeded random weights,
quantises every expert matrix to MXFP4 (blocks of 32 FP4 e2m1 values, two per byte with the even
column in the low nibble, and one E8M0 scale per block: the layout of openai/gpt-oss-*'s
`*_blocks` [E, rows, cols/32, 16] and `*_scales` [E, rows, cols/32]), writes the folder with
`quantization_config: {"quant_method": "mxfp4"}`, then loads it back with transformers (which
dequantises MXFP4 on CPU), computes in float32 and records logits and greedy ids from that load.

    V/bin/python scripts/make_mxfp4_case.py CONFIG.json OUT_DIR
"""
import json
import os
import sys

import numpy as np
import torch
import transformers
from safetensors.torch import load_file, save_file

FP4 = np.array([0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, -0.0, -0.5, -1.0, -1.5, -2.0, -3.0, -4.0, -6.0], dtype=np.float32)
B, S, G = 2, 20, 8


def quantise(w):
    """w: (rows, cols) float32, cols a multiple of 32 -> blocks (rows, cols/32, 16) uint8, scales (rows, cols/32) uint8, dequantised w."""
    rows, cols = w.shape
    v = w.reshape(rows, cols // 32, 32)
    amax = np.abs(v).max(axis=-1)
    e = np.where(amax > 0, np.ceil(np.log2(np.maximum(amax, 1e-30) / 6.0)), 0).astype(np.int32)
    scaled = v / np.ldexp(1.0, e)[..., None]
    idx = np.abs(scaled[..., None] - FP4[None, None, None, :]).argmin(axis=-1).astype(np.uint8)
    blocks = (idx[..., 0::2] | (idx[..., 1::2] << 4)).astype(np.uint8)
    scales = (e + 127).astype(np.uint8)
    deq = (FP4[idx] * np.ldexp(1.0, e)[..., None]).reshape(rows, cols).astype(np.float32)
    return blocks, scales, deq


def main(config_path, out):
    torch.set_num_threads(1)
    with open(config_path) as f:
        c = json.load(f)
    cfg = transformers.GptOssConfig(**{k: v for k, v in c.items() if k not in ("architectures", "transformers_version", "dtype")})
    torch.manual_seed(7)
    model = transformers.GptOssForCausalLM(cfg).eval()
    packed = {}
    with torch.no_grad():
        for n, p in model.named_parameters():
            p.normal_(0, 0.15) if "norm" not in n else p.copy_(1 + 0.1 * torch.randn_like(p))
        for l, layer in enumerate(model.model.layers):
            ex = layer.mlp.experts
            for name in ("gate_up_proj", "down_proj"):
                param = getattr(ex, name)  # (E, in, out): x @ W
                blocks, scales, deq = [], [], []
                for e in range(param.shape[0]):
                    b, s, d = quantise(param[e].T.contiguous().numpy())  # the Hub stores (out, in)
                    blocks.append(b)
                    scales.append(s)
                    deq.append(d.T)
                param.copy_(torch.from_numpy(np.stack(deq)))
                prefix = f"model.layers.{l}.mlp.experts.{name}"
                packed[prefix + "_blocks"] = torch.from_numpy(np.stack(blocks))
                packed[prefix + "_scales"] = torch.from_numpy(np.stack(scales))
    ids = torch.randint(3, cfg.vocab_size, (B, S), generator=torch.Generator().manual_seed(70))
    model.save_pretrained(out)
    weights = load_file(os.path.join(out, "model.safetensors"))
    for k in [k for k in weights if k.endswith("experts.gate_up_proj") or k.endswith("experts.down_proj")]:
        del weights[k]
    weights.update(packed)
    save_file(weights, os.path.join(out, "model.safetensors"), metadata={"format": "pt"})
    with open(os.path.join(out, "config.json")) as f:
        saved = json.load(f)
    saved["quantization_config"] = {"quant_method": "mxfp4",
                                    "modules_to_not_convert": ["model.layers.*.self_attn", "model.layers.*.mlp.router",
                                                               "model.embed_tokens", "lm_head"]}
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(saved, f, indent=2)

    # transformers dequantises the experts to bfloat16 on CPU; computing in float32 from those exact
    # values (every MXFP4 weight is exact in bfloat16) gives the float32 reference moe4j computes
    loaded = transformers.AutoModelForCausalLM.from_pretrained(out, dtype=torch.float32).float().eval()
    with torch.no_grad():
        ref = model(ids, use_cache=False).logits
        logits = loaded(ids, use_cache=False).logits
        assert torch.allclose(ref, logits, atol=1e-5), float((ref - logits).abs().max())
        seq = ids
        margin = float("inf")
        for _ in range(G):
            last = loaded(seq, use_cache=False).logits[:, -1, :]
            top = last.topk(2, dim=-1).values
            margin = min(margin, float((top[:, 0] - top[:, 1]).min()))
            seq = torch.cat([seq, last.argmax(dim=-1, keepdim=True)], dim=1)
    save_file({"input_ids": ids.contiguous(), "logits": logits.contiguous(), "greedy_ids": seq.contiguous()},
              os.path.join(out, "expected.safetensors"))
    with open(os.path.join(out, "case.json"), "w") as f:
        json.dump({"case": os.path.basename(out), "description": "gpt-oss with MXFP4 experts (the Hub layout), reference from "
                   "transformers' own MXFP4 load", "transformers": transformers.__version__, "greedy_margin": margin,
                   "tolerance": {"logits": {"atol": 2e-4, "rtol": 1e-4}}}, f, indent=1)
    print("margin", margin, "max |in-memory - reloaded|", float((ref - logits).abs().max()))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
