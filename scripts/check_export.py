#!/usr/bin/env python3
"""Checks a folder written by `moe4j export RUN --out DIR` with the real transformers library.

Loads DIR with AutoModelForCausalLM and AutoTokenizer (transformers 5.18, torch 2.13 CPU), encodes a
text, and writes DIR/expected.safetensors (input_ids, logits, greedy_ids of 12 greedy steps), the
layout of the whole-model conformance cases; then `moe4j conformance run DIR --out R.safetensors
--check` compares moe4j's engine with it. Also prints whether the two tokenizers agree on the text.

    V/bin/python scripts/check_export.py DIR "Call me Ishmael. Some years ago"
"""
import json
import os
import sys

import torch
from safetensors.torch import save_file
from transformers import AutoModelForCausalLM, AutoTokenizer

folder, text = sys.argv[1], sys.argv[2]
torch.set_num_threads(1)
model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()
tok = AutoTokenizer.from_pretrained(folder)
ids = torch.tensor([tok(text, add_special_tokens=False)["input_ids"]])
with torch.no_grad():
    logits = model(ids, use_cache=False).logits
    seq = ids
    for _ in range(12):
        nxt = model(seq, use_cache=False).logits[:, -1, :].argmax(dim=-1, keepdim=True)
        seq = torch.cat([seq, nxt], dim=1)
save_file({"input_ids": ids.contiguous(), "logits": logits.float().contiguous(), "greedy_ids": seq.contiguous()},
          os.path.join(folder, "expected.safetensors"))
with open(os.path.join(folder, "case.json"), "w") as f:
    json.dump({"case": "export", "tolerance": {"logits": {"atol": 1e-4, "rtol": 1e-4}}}, f)
print(json.dumps({"tokens": ids.shape[1], "decoded_equals_text": tok.decode(ids[0]) == text,
                  "greedy_text": tok.decode(seq[0, ids.shape[1]:])}))
