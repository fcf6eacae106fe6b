#!/usr/bin/env python3
"""Checks that transformers loads a folder written by `moe4j make-random-model` as the Hub's checkpoints load.

For each MODEL_DIR: AutoModelForCausalLM.from_pretrained(dir, dtype=bfloat16) must report no missing,
unexpected or mismatched keys; one expert's gate/up/down weights read from the safetensors shard must
equal the slices transformers fused into its 3-D expert parameters; and a forward pass over 8 tokens
must give finite logits. Prints one line per folder; exits non-zero on the first failure.

  /work/V/bin/python bench/scripts/check_random_model.py MODEL_DIR [MODEL_DIR ...]
"""
import json
import os
import resource
import sys
import time


def main(dirs):
    import torch
    from transformers import AutoModelForCausalLM

    torch.set_num_threads(2)
    for d in dirs:
        start = time.perf_counter()
        model, info = AutoModelForCausalLM.from_pretrained(d, dtype=torch.bfloat16, output_loading_info=True)
        load_s = time.perf_counter() - start
        problems = {k: v for k, v in info.items() if v}
        if problems:
            sys.exit(f"{d}: loading reported {problems}")
        index_file = os.path.join(d, "model.safetensors.index.json")
        index = json.load(open(index_file))["weight_map"] if os.path.exists(index_file) else None
        layer = min(1, model.config.num_hidden_layers - 1)
        prefix = f"model.layers.{layer}.mlp.experts.3."
        experts = model.model.layers[layer].mlp.experts
        width = experts.down_proj.shape[-1]
        gate, up, down = (read(d, index, prefix + name + ".weight") for name in ("gate_proj", "up_proj", "down_proj"))
        fused_gate_up = experts.gate_up_proj[3]
        if not (torch.equal(fused_gate_up[:width], gate) and torch.equal(fused_gate_up[width:], up)
                and torch.equal(experts.down_proj[3], down)):
            sys.exit(f"{d}: expert 3 of layer {layer} differs between the file and the loaded model")
        with torch.inference_mode():
            logits = model(torch.arange(1, 9).unsqueeze(0)).logits
        if not torch.isfinite(logits).all():
            sys.exit(f"{d}: non-finite logits")
        print(f"{d}: {type(model).__name__}, {model.config.num_hidden_layers} layers, "
              f"{sum(p.numel() for p in model.parameters()):,} parameters, no missing/unexpected/mismatched keys, "
              f"expert 3 of layer {layer} equal to the file, logits finite (std {logits.float().std():.3f}); "
              f"load {load_s:.1f} s, peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.1f} GiB")
        del model


def read(folder, index, name):
    from safetensors import safe_open

    with safe_open(os.path.join(folder, index[name] if index else "model.safetensors"), "pt") as f:
        return f.get_tensor(name)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
