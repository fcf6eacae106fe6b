#!/usr/bin/env python3
"""Writes the conformance case switch_top1_bias_B2S16_d16_E4_cap4.safetensors: Switch Transformers'
sparse MLP with router_bias=True, run by transformers' own SwitchTransformersSparseMLP (the project's
venv, transformers 5.x, PyTorch CPU), in the layout of the public switch case
(core/src/test/resources/conformance/README.md), plus the input router.bias and the expected
grad.router.bias.

Usage: /work/V/bin/python scripts/gen_switch_bias_case.py OUT_DIR
Deterministic: seeded, single-threaded; the seed is advanced until every top-1 choice has a
probability margin of at least 1e-4 (so float32 rounding cannot flip a choice).
"""
import json, os, sys

import torch
from safetensors.torch import save_file
import transformers
from transformers import SwitchTransformersConfig
from transformers.models.switch_transformers.modeling_switch_transformers import (
    SwitchTransformersSparseMLP, load_balancing_loss_func, router_z_loss_func)

B, S, D, FF, E, CAP = 2, 16, 16, 32, 4, 4
Z_COEF, AUX_COEF = 0.001, 0.01


def build(seed):
    torch.manual_seed(seed)
    config = SwitchTransformersConfig(d_model=D, d_ff=FF, num_experts=E, expert_capacity=CAP, router_bias=True,
                                      router_jitter_noise=0.0, router_dtype="float32", dense_act_fn="relu",
                                      dropout_rate=0.0, router_z_loss_coef=Z_COEF, router_aux_loss_coef=AUX_COEF)
    mlp = SwitchTransformersSparseMLP(config).eval()
    with torch.no_grad():
        for p in mlp.parameters():
            p.copy_(torch.randn_like(p) * 0.3)
        # a bias large enough to change choices, so a runner that drops it fails
        mlp.router.classifier.bias.copy_(torch.randn(E))
    x = torch.randn(B, S, D, requires_grad=True)
    grad_out = torch.randn(B, S, D)
    return config, mlp, x, grad_out


def main():
    out_dir = sys.argv[1]
    torch.set_num_threads(1)
    seed = 501
    while True:
        config, mlp, x, grad_out = build(seed)
        logits = mlp.router.classifier(x)
        top2 = torch.softmax(logits, -1).topk(2, -1).values
        if (top2[..., 0] - top2[..., 1]).min().item() >= 1e-4:
            break
        seed += 1
    out = mlp(x)
    mask, prob_max, router_logits = mlp.router(x)
    router_probs = torch.softmax(router_logits, -1)
    expert_index = torch.argmax(mask, dim=-1)
    z_loss = router_z_loss_func(router_logits)
    aux_loss = load_balancing_loss_func(router_probs, expert_index)
    objective = (out * grad_out).sum() + Z_COEF * z_loss + AUX_COEF * aux_loss
    objective.backward()
    top1 = torch.argmax(router_probs, -1)
    dropped = (mask.sum(-1) == 0).long()
    wi = torch.stack([mlp.experts[f"expert_{e}"].wi.weight for e in range(E)])
    wo = torch.stack([mlp.experts[f"expert_{e}"].wo.weight for e in range(E)])
    gwi = torch.stack([mlp.experts[f"expert_{e}"].wi.weight.grad if mlp.experts[f"expert_{e}"].wi.weight.grad is not None
                       else torch.zeros_like(wi[e]) for e in range(E)])
    gwo = torch.stack([mlp.experts[f"expert_{e}"].wo.weight.grad if mlp.experts[f"expert_{e}"].wo.weight.grad is not None
                       else torch.zeros_like(wo[e]) for e in range(E)])
    c = lambda t: t.detach().contiguous().clone()
    tensors = {
        "x": c(x), "grad_out": c(grad_out), "router.weight": c(mlp.router.classifier.weight),
        "router.bias": c(mlp.router.classifier.bias), "experts.wi.weight": c(wi), "experts.wo.weight": c(wo),
        "out": c(out), "router_logits": c(router_logits), "router_probs": c(router_probs), "top1_index": c(top1),
        "router_mask": c(mask).long(), "expert_index": c(expert_index), "dropped": c(dropped), "router_prob_max": c(prob_max),
        "z_loss": c(z_loss), "aux_loss": c(aux_loss), "objective": c(objective), "grad.x": c(x.grad),
        "grad.router.weight": c(mlp.router.classifier.weight.grad), "grad.router.bias": c(mlp.router.classifier.bias.grad),
        "grad.experts.wi.weight": c(gwi), "grad.experts.wo.weight": c(gwo),
    }
    inputs = ["x", "grad_out", "router.weight", "router.bias", "experts.wi.weight", "experts.wo.weight"]
    expected = [n for n in tensors if n not in inputs]
    cfg = {"B(num_groups)": B, "S(tokens_per_group)": S, "d_model": D, "d_ff": FF, "num_experts": E, "expert_capacity": CAP,
           "router_bias": True, "router_jitter_noise": 0.0, "router_dtype": "float32", "dense_act_fn": "relu",
           "dropout_rate": 0.0, "router_z_loss_coef": Z_COEF, "router_aux_loss_coef": AUX_COEF,
           "n_dropped": int(dropped.sum())}
    meta = {"format": "moe-conformance/1", "case": "switch_top1_bias_B2S16_d16_E4_cap4", "kind": "switch", "set": "public",
            "peer_repo": "https://github.com/huggingface/transformers",
            "peer_file": "src/transformers/models/switch_transformers/modeling_switch_transformers.py",
            "peer_symbols": "SwitchTransformersSparseMLP, SwitchTransformersTop1Router, router_z_loss_func, load_balancing_loss_func",
            "peer_version": "transformers " + transformers.__version__, "torch_version": torch.__version__,
            "config": json.dumps(cfg), "seed": str(seed),
            "objective": f"sum(out * grad_out) + {Z_COEF} * z_loss + {AUX_COEF} * aux_loss",
            "inputs": json.dumps(inputs), "expected": json.dumps(expected),
            "generator": "scripts/gen_switch_bias_case.py",
            "notes": "As the public switch case, with router_bias=True: router_logits = x @ router.weight^T + router.bias. "
                     "Weights and the bias drawn N(0, 0.3^2) and N(0, 1). z/aux losses as SwitchTransformersForConditionalGeneration "
                     "computes them (softmax of router_logits; expert_index = argmax of the kept mask, dropped tokens count as expert 0)."}
    path = os.path.join(out_dir, "switch_top1_bias_B2S16_d16_E4_cap4.safetensors")
    save_file(tensors, path, metadata=meta)
    print(f"{path}: seed {seed}, {int(dropped.sum())} dropped, objective {objective.item():.6f}")


if __name__ == "__main__":
    main()
