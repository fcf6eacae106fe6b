#!/usr/bin/env python3
"""The transformers baseline for decoding a Hugging Face model folder on the CPU.

Loads MODEL_DIR with transformers (bfloat16 by default, CPU, torch.set_num_threads(THREADS)), then runs
one greedy `generate` at batch 1 on a seeded random prompt of --prompt-tokens ids, timing every token
with a streamer: prefill is the time to the first new token, decode is tokens 2..N over their time.
EOS is suppressed (min_new_tokens) so random weights cannot end the run early. Prints one JSON line:
load time, prefill time and tokens/s, decode tokens/s, and the peak resident memory of the process.

  /work/V/bin/python bench/scripts/transformers_generate.py MODEL_DIR [--prompt-tokens 512]
      [--new-tokens 32] [--threads 2] [--dtype bfloat16] [--seed 0]
"""
import argparse
import json
import os
import platform
import resource
import sys
import time


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model_dir")
    p.add_argument("--prompt-tokens", type=int, default=512)
    p.add_argument("--new-tokens", type=int, default=32)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--dtype", default="bfloat16", choices=["bfloat16", "float16", "float32"])
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    if a.prompt_tokens < 1 or a.new_tokens < 2:
        sys.exit("transformers_generate: --prompt-tokens must be >= 1 and --new-tokens >= 2")
    if not os.path.isfile(os.path.join(a.model_dir, "config.json")):
        sys.exit(f"transformers_generate: {a.model_dir} has no config.json")

    import torch
    import transformers
    from transformers import AutoModelForCausalLM
    from transformers.generation.streamers import BaseStreamer

    torch.set_num_threads(a.threads)
    dtype = getattr(torch, a.dtype)

    start = time.perf_counter()
    model = AutoModelForCausalLM.from_pretrained(a.model_dir, dtype=dtype)
    model.eval()
    load_s = time.perf_counter() - start

    class Clock(BaseStreamer):
        """Records the time of each put: the prompt first, then every generated token."""

        def __init__(self):
            self.times = []

        def put(self, value):
            self.times.append(time.perf_counter())

        def end(self):
            pass

    g = torch.Generator().manual_seed(a.seed)
    prompt = torch.randint(0, model.config.vocab_size, (1, a.prompt_tokens), generator=g)
    clock = Clock()
    with torch.inference_mode():
        begin = time.perf_counter()
        out = model.generate(prompt, attention_mask=torch.ones_like(prompt), do_sample=False,
                             max_new_tokens=a.new_tokens, min_new_tokens=a.new_tokens, streamer=clock,
                             pad_token_id=model.config.pad_token_id if model.config.pad_token_id is not None else 0)
    generated = out.shape[1] - a.prompt_tokens
    token_times = clock.times[1:]  # the first put is the prompt
    prefill_s = token_times[0] - begin
    decode_s = token_times[-1] - token_times[0]
    print(json.dumps({
        "model": os.path.abspath(a.model_dir),
        "architecture": model.config.architectures[0] if model.config.architectures else type(model).__name__,
        "dtype": a.dtype,
        "threads": a.threads,
        "prompt_tokens": a.prompt_tokens,
        "new_tokens": generated,
        "load_s": round(load_s, 2),
        "prefill_s": round(prefill_s, 3),
        "prefill_tokens_per_s": round(a.prompt_tokens / prefill_s, 2),
        "decode_tokens_per_s": round((generated - 1) / decode_s, 3),
        "peak_rss_gib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "python": platform.python_version(),
    }))


if __name__ == "__main__":
    main()
