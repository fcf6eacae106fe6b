"""Logits of one GGUF file from llama.cpp (node-llama-cpp 3.21.1's prebuilt libllama, through the small
driver llama_run.c next to this script) against moe4j's on the same file and the same ids.

    compare_llama_cpp.py CASE_DIR FILE.gguf [--llama-run PATH] [--moe4j PATH] [--threads N]

CASE_DIR is a whole-model conformance case (expected.safetensors with input_ids and, when
transformers' logits are there, those too; a model folder with only input_ids in expected.safetensors
compares llama.cpp with moe4j alone). moe4j's logits come from `moe4j conformance run CASE_DIR --gguf FILE.gguf --out ...`.
Prints one JSON line: per sequence, the largest |llama.cpp - moe4j| and |llama.cpp - transformers|
over all positions and the vocabulary, and the fraction of positions whose arg-max agree.
"""
import argparse
import json
import subprocess
import tempfile
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file

ap = argparse.ArgumentParser()
ap.add_argument("case")
ap.add_argument("gguf")
ap.add_argument("--llama-run", default="/work/peers/harness/llama_run")
ap.add_argument("--moe4j", default=str(Path(__file__).resolve().parents[2] / "moe4j"))
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--reference", help="an F32 GGUF of the same model: report both engines' errors against moe4j's logits on it")
a = ap.parse_args()

expected = load_file(str(Path(a.case) / "expected.safetensors"))
ids = expected["input_ids"]
B, S = ids.shape
with tempfile.TemporaryDirectory() as tmp:
    ours = Path(tmp) / "moe4j.safetensors"
    subprocess.run([a.moe4j, "conformance", "run", a.case, "--gguf", a.gguf, "--out", str(ours)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    moe4j = load_file(str(ours))["logits"]
    V = moe4j.shape[-1]
    reference = None
    if a.reference:
        ref_out = Path(tmp) / "reference.safetensors"
        subprocess.run([a.moe4j, "conformance", "run", a.case, "--gguf", a.reference, "--out", str(ref_out)], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        reference = load_file(str(ref_out))["logits"].reshape(B, S, V)
    out = {"case": Path(a.case).name, "gguf": Path(a.gguf).name, "sequences": []}
    for b in range(B):
        f = Path(tmp) / f"llama{b}.f32"
        subprocess.run([a.llama_run, "logits", a.gguf, str(a.threads), str(f)] + [str(int(t)) for t in ids[b]], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        llama = np.fromfile(f, dtype=np.float32).reshape(S, -1)[:, :V]
        m = moe4j.reshape(B, S, V)[b]
        top2 = np.sort(m, axis=-1)[:, -2:]
        disagree = llama.argmax(-1) != m.argmax(-1)
        line = {"max_abs_llama_vs_moe4j": float(np.abs(llama - m).max()),
                # moe4j's top-1 minus top-2 logit where the two engines pick different tokens: near-ties
                "margins_where_top1_differs": [round(float(x), 5) for x in (top2[:, 1] - top2[:, 0])[disagree]],
                "max_abs_logit": float(np.abs(m).max()),
                "top1_llama_moe4j": float((llama.argmax(-1) == m.argmax(-1)).mean())}
        if reference is not None:
            r = reference[b]
            line["max_abs_moe4j_vs_f32"] = float(np.abs(m - r).max())
            line["max_abs_llama_vs_f32"] = float(np.abs(llama - r).max())
            line["rms_moe4j_vs_f32"] = float(np.sqrt(((m - r) ** 2).mean()))
            line["rms_llama_vs_f32"] = float(np.sqrt(((llama - r) ** 2).mean()))
            line["top1_moe4j_f32"] = float((m.argmax(-1) == r.argmax(-1)).mean())
            line["top1_llama_f32"] = float((llama.argmax(-1) == r.argmax(-1)).mean())
        if "logits" in expected:
            ref = expected["logits"][b]
            line["max_abs_llama_vs_transformers"] = float(np.abs(llama - ref).max())
            line["max_abs_moe4j_vs_transformers"] = float(np.abs(m - ref).max())
            line["top1_moe4j_transformers"] = float((m.argmax(-1) == ref.argmax(-1)).mean())
        out["sequences"].append(line)
print(json.dumps(out))
