#!/usr/bin/env python3
"""PyTorch's side of `moe4j bench weight-product`: y = F.linear(x, W) with W [ROWS, COLS] and x [T, COLS]
both bfloat16 on the CPU, successive calls cycling through distinct weights filling a working set of
--working-set-gib (1 GiB), so at T = 1 weights come from memory as in decoding. Median of --runs timed
runs (each at least 0.3 s) after 3 warm-up runs. Prints the same fields as moe4j:

  torch-linear ROWS COLS bf16 T GB/s GFLOP/s us-per-call best GB/s GFLOP/s us

(the medians, then the fastest single call: on a shared machine, the one nothing interrupted)

  /work/V/bin/python bench/scripts/torch_linear.py ROWS COLS [--tokens T] [--threads 2] [--runs 7]
"""
import argparse
import statistics
import time


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("rows", type=int)
    p.add_argument("cols", type=int)
    p.add_argument("--tokens", type=int, default=1)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--runs", type=int, default=7)
    p.add_argument("--working-set-gib", type=float, default=1.0)
    a = p.parse_args()

    import torch
    import torch.nn.functional as F

    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    matrix_bytes = a.rows * a.cols * 2
    count = max(1, -(-int(a.working_set_gib * 2**30) // matrix_bytes))
    weights = [torch.randn(a.rows, a.cols, dtype=torch.bfloat16) * 0.02 for _ in range(count)]
    x = torch.rand(a.tokens, a.cols, dtype=torch.bfloat16)
    state = {"next": 0}

    def call():
        F.linear(x, weights[state["next"]])
        state["next"] = (state["next"] + 1) % count

    def timed_run():
        start = time.perf_counter()
        calls = 0
        while True:
            call()
            calls += 1
            elapsed = time.perf_counter() - start
            if elapsed >= 0.3:
                return elapsed / calls

    with torch.inference_mode():
        for _ in range(3):
            timed_run()
        seconds = statistics.median(timed_run() for _ in range(a.runs))
        # the fastest single call: on a shared machine, the one no other process interrupted
        best = float("inf")
        end = time.perf_counter() + 0.3 * a.runs
        calls = 0
        while calls < 3 or time.perf_counter() < end:
            start = time.perf_counter()
            call()
            best = min(best, time.perf_counter() - start)
            calls += 1
    flops = 2 * a.tokens * a.rows * a.cols
    print(f"torch-linear {a.rows} {a.cols} bf16 {a.tokens} {matrix_bytes / seconds / 1e9:.1f} "
          f"{flops / seconds / 1e9:.1f} {seconds * 1e6:.1f} best {matrix_bytes / best / 1e9:.1f} {flops / best / 1e9:.1f} "
          f"{best * 1e6:.1f}")


if __name__ == "__main__":
    main()
