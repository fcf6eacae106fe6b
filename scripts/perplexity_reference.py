#!/usr/bin/env python3
"""Sliding-window perplexity with transformers, the reference for `moe4j eval MODEL --text FILE`.

    V/bin/python scripts/perplexity_reference.py MODEL_DIR TEXT_FILE WINDOW STRIDE
prints: tokens, scored tokens, mean negative log-likelihood per scored token (nats).
"""
import torch, sys
from transformers import AutoModelForCausalLM, AutoTokenizer
m = AutoModelForCausalLM.from_pretrained(sys.argv[1], dtype=torch.float32).eval(); tok = AutoTokenizer.from_pretrained(sys.argv[1])
ids = torch.tensor([tok(open(sys.argv[2]).read(), add_special_tokens=False)["input_ids"]])
W, S = int(sys.argv[3]), int(sys.argv[4]); nll = 0.0; n = 0; prev = 0
L = ids.shape[1]
for begin in range(0, L, S):
    end = min(begin + W, L); trg = end - prev
    x = ids[:, begin:end]; y = x.clone(); y[:, :-trg] = -100
    with torch.no_grad(): out = m(x, labels=y)
    cnt = (y[:, 1:] != -100).sum().item()
    nll += out.loss.item() * cnt; n += cnt; prev = end
    if end == L: break
print(L, n, nll / n)
