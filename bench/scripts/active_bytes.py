#!/usr/bin/env python3
"""Bytes of weights one decoding token reads from a Hugging Face MoE folder or a GGUF file: the numerator
of the roofline.

Reads config.json and the safetensors headers, or the GGUF header (with gguf-py: run it with /work/V's
python), never the weights. Every tensor is read once per token, except
the routed experts (`.mlp.experts.E.` / `.block_sparse_moe.experts.E.`; in GGUF the stacked `blk.L.ffn_*_exps.*`), of which
num_experts_per_tok of num_experts are read per layer, and the token embedding, of which one row is read
(unless it is also the output projection). Prints one JSON line:
total bytes, bytes per token, per layer, and tokens/s at a given read bandwidth (--gbps, GB/s = 1e9 B/s).

  python3 bench/scripts/active_bytes.py MODEL_DIR [--gbps 27.5]
  /work/V/bin/python bench/scripts/active_bytes.py FILE.gguf [--gbps 27.5]
"""
import argparse
import json
import os
import re
import struct


def headers(folder):
    index = os.path.join(folder, "model.safetensors.index.json")
    files = sorted(set(json.load(open(index))["weight_map"].values())) if os.path.exists(index) else ["model.safetensors"]
    for name in files:
        with open(os.path.join(folder, name), "rb") as f:
            n = struct.unpack("<Q", f.read(8))[0]
            for key, t in json.loads(f.read(n)).items():
                if key != "__metadata__":
                    yield key, t["data_offsets"][1] - t["data_offsets"][0], t["shape"]


def gguf_counts(path):
    """(layers, total bytes, bytes per token) of a GGUF file from its header."""
    import gguf
    r = gguf.GGUFReader(path)
    arch = r.fields["general.architecture"].contents()
    k = r.fields[f"{arch}.expert_used_count"].contents()
    experts = r.fields[f"{arch}.expert_count"].contents()
    tied = not any(t.name == "output.weight" for t in r.tensors)
    total = per_token = 0
    for t in r.tensors:
        size = int(t.n_bytes)
        total += size
        if re.search(r"\.ffn_(gate|up|down|gate_up)_exps\.", t.name):
            per_token += size * k / experts
        elif t.name == "token_embd.weight" and not tied:
            per_token += size / int(t.shape[1])  # shape is ggml's ne: [cols, rows]
        else:
            per_token += size
    return r.fields[f"{arch}.block_count"].contents(), total, per_token


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model_dir")
    p.add_argument("--gbps", type=float, default=None, help="read bandwidth in GB/s, for the tokens/s bound")
    a = p.parse_args()
    if a.model_dir.endswith(".gguf"):
        layers, total, per_token = gguf_counts(a.model_dir)
        report(a, layers, total, per_token)
        return
    config = json.load(open(os.path.join(a.model_dir, "config.json")))
    experts = config.get("num_experts") or config.get("num_local_experts") or config.get("n_routed_experts")
    k = config.get("num_experts_per_tok")
    expert = re.compile(r"\.(mlp|block_sparse_moe)\.experts\.\d+\.")
    total = per_token = 0
    layers = config["num_hidden_layers"]
    for name, size, shape in headers(a.model_dir):
        total += size
        if expert.search(name):
            per_token += size * k / experts
        elif name == "model.embed_tokens.weight" and not config.get("tie_word_embeddings"):
            per_token += size / shape[0]
        else:
            per_token += size
    report(a, layers, total, per_token)


def report(a, layers, total, per_token):
    out = {"model": os.path.abspath(a.model_dir), "layers": layers, "total_bytes": total,
           "bytes_per_token": round(per_token), "gb_per_token": round(per_token / 1e9, 4)}
    if a.gbps:
        out["read_gbps"] = a.gbps
        out["roofline_tokens_per_s"] = round(a.gbps * 1e9 / per_token, 2)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
