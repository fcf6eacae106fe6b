#!/usr/bin/env python3
"""Bytes of weights one decoding token reads from a Hugging Face MoE folder: the numerator of the roofline.

Reads config.json and the safetensors headers (no weights). Every tensor is read once per token, except
the routed experts (`.mlp.experts.E.` / `.block_sparse_moe.experts.E.`), of which num_experts_per_tok of
num_experts are read per layer, and the token embedding, of which one row is read. Prints one JSON line:
total bytes, bytes per token, per layer, and tokens/s at a given read bandwidth (--gbps, GB/s = 1e9 B/s).

  python3 bench/scripts/active_bytes.py MODEL_DIR [--gbps 27.5]
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


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model_dir")
    p.add_argument("--gbps", type=float, default=None, help="read bandwidth in GB/s, for the tokens/s bound")
    a = p.parse_args()
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
    out = {"model": os.path.abspath(a.model_dir), "layers": layers, "total_bytes": total,
           "bytes_per_token": round(per_token), "gb_per_token": round(per_token / 1e9, 4)}
    if a.gbps:
        out["read_gbps"] = a.gbps
        out["roofline_tokens_per_s"] = round(a.gbps * 1e9 / per_token, 2)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
