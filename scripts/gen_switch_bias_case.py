#!/usr/bin/env python3
"""Writes the conformance case switch_top1_bias_B2S16_d16_E4_cap4.safetensors: Switch Transformers'
sparse MLP with router_bias=True, run by transformers' own SwitchTransformersSparseMLP (the project's
venv, transformers 5.x, PyTorch CPU), in the layout of the public switch case
(experiments/src/test/resources/conformance/README.md), plus the input router.bias and the expected
grad.router.bias.

Usage: /work/V/bin/python scripts/gen_switch_bias_case.py OUT_DIR
Deterministic: seeded, single-threaded; the seed is advanced until every top-1 choice has a
probability margin of at least 1e-4 (so float32 rounding cannot flip a choice).
"""
import copy, json, os, sys

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


def run(mlp, x, grad_out):
    """The module's forward, its router's outputs, the losses as SwitchTransformersForConditionalGeneration
    computes them, and the backward of the objective."""
    out = mlp(x)
    mask, prob_max, router_logits = mlp.router(x)
    router_probs = torch.softmax(router_logits, -1)
    expert_index = torch.argmax(mask, dim=-1)
    z_loss = router_z_loss_func(router_logits)
    aux_loss = load_balancing_loss_func(router_probs, expert_index)
    objective = (out * grad_out).sum() + Z_COEF * z_loss + AUX_COEF * aux_loss
    objective.backward()
    return out, mask, prob_max, router_logits, router_probs, expert_index, z_loss, aux_loss, objective


def grads(mlp, x):
    """dObjective/d(x, router weight and bias, stacked expert weights); zero for an expert that kept no token."""
    g = lambda p: p.grad if p.grad is not None else torch.zeros_like(p)
    return {"grad.x": x.grad, "grad.router.weight": g(mlp.router.classifier.weight),
            "grad.router.bias": g(mlp.router.classifier.bias),
            "grad.experts.wi.weight": torch.stack([g(mlp.experts[f"expert_{e}"].wi.weight) for e in range(E)]),
            "grad.experts.wo.weight": torch.stack([g(mlp.experts[f"expert_{e}"].wo.weight) for e in range(E)])}


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
    mlp64 = copy.deepcopy(mlp).double()
    mlp64.router.dtype = torch.float64
    x64 = x.detach().double().requires_grad_()
    ref64 = run(mlp64, x64, grad_out.double())
    out, mask, prob_max, router_logits, router_probs, expert_index, z_loss, aux_loss, objective = run(mlp, x, grad_out)
    top1 = torch.argmax(router_probs, -1)
    dropped = (mask.sum(-1) == 0).long()
    wi = torch.stack([mlp.experts[f"expert_{e}"].wi.weight for e in range(E)])
    wo = torch.stack([mlp.experts[f"expert_{e}"].wo.weight for e in range(E)])
    c = lambda t: t.detach().float().contiguous().clone()
    tensors = {
        "x": c(x), "grad_out": c(grad_out), "router.weight": c(mlp.router.classifier.weight),
        "router.bias": c(mlp.router.classifier.bias), "experts.wi.weight": c(wi), "experts.wo.weight": c(wo),
        "out": c(out), "router_logits": c(router_logits), "router_probs": c(router_probs), "top1_index": top1.contiguous(),
        "router_mask": mask.long().contiguous(), "expert_index": expert_index.contiguous(), "dropped": dropped.contiguous(),
        "router_prob_max": c(prob_max), "z_loss": c(z_loss), "aux_loss": c(aux_loss), "objective": c(objective),
    }
    tensors.update({k: c(v) for k, v in grads(mlp, x).items()})
    # float64 references: the same run in double precision from the exactly upcast inputs, rounded to float32
    out64, _, prob_max64, logits64, probs64, _, z64, aux64, obj64 = ref64
    f64 = {"out": out64, "router_logits": logits64, "router_probs": probs64, "router_prob_max": prob_max64, "z_loss": z64,
           "aux_loss": aux64, "objective": obj64}
    f64.update(grads(mlp64, x64))
    reference = []
    for k, v in f64.items():
        tensors[k + "_f64"] = c(v)
        reference.append(k + "_f64")
    inputs = ["x", "grad_out", "router.weight", "router.bias", "experts.wi.weight", "experts.wo.weight"]
    expected = [n for n in tensors if n not in inputs and not n.endswith("_f64")]
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
            "inputs": json.dumps(inputs), "expected": json.dumps(expected), "reference_f64": json.dumps(reference),
            "generator": "scripts/gen_switch_bias_case.py",
            "notes": "As the public switch case, with router_bias=True: router_logits = x @ router.weight^T + router.bias. "
                     "Weights and the bias drawn N(0, 0.3^2) and N(0, 1). z/aux losses as SwitchTransformersForConditionalGeneration "
                     "computes them (softmax of router_logits; expert_index = argmax of the kept mask, dropped tokens count as expert 0)."}
    path = os.path.join(out_dir, "switch_top1_bias_B2S16_d16_E4_cap4.safetensors")
    save_file(tensors, path, metadata=meta)
    print(f"{path}: seed {seed}, {int(dropped.sum())} dropped, objective {objective.item():.6f}")


if __name__ == "__main__":
    main()
