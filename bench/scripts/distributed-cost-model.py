#!/usr/bin/env python3
"""The cost model of docs/distributed.md: predicted seconds per step and tokens/s of moe4j's
distributed training for N machines, from the compute time of one machine's step, the bytes each
collective moves and the link. Weak scaling: every machine trains on the same per-machine batch.

Usage: distributed-cost-model.py [--step-seconds S] [--link-gbps G] [--latency-us A] [--overlap O]
       [--machines 2,4,...] [--here] ; the defaults are the default `moe4j train` model.
--here predicts this machine's runs instead: N ranks sharing its cores (compute does not divide),
a fixed global batch of 16 sequences, and the link measured by CommBenchmarkMain.
"""
import argparse
from math import comb

p = argparse.ArgumentParser()
p.add_argument("--step-seconds", type=float, default=2.513, help="one machine's step of its batch (measured)")
p.add_argument("--link-gbps", type=float, default=10.0, help="per-machine link, Gbit/s each way")
p.add_argument("--latency-us", type=float, default=20.0, help="per message")
p.add_argument("--overlap", type=float, default=0.0, help="fraction of the all-reduce hidden behind backward (moe4j: 0)")
p.add_argument("--machines", default="2,4,8,16,32,64")
p.add_argument("--here", action="store_true")
p.add_argument("--here-gbytes", type=float, default=0.65, help="--here: the measured 16 MiB bandwidth, GB/s")
a = p.parse_args()

# the default model: 4 layers, d 256, 4 heads, 8 SwiGLU experts of 384, top-2, char vocabulary of 83, untied head
layers, d, hidden, experts, k, vocab = 4, 256, 384, 8, 2, 83
dense = layers * (4 * d * d + 2 * d + experts * d) + 2 * vocab * d + d
expert = layers * experts * 3 * d * hidden
seq, ctx = 16, 128
calls_per_layer = 8  # forward: 2 count exchanges, x, pairs, y; backward: dy, dx, dg


def remote_ranks(x):
    """Expected ranks other than its own holding at least one of a token's k experts (uniform routing)."""
    distinct = x * (1 - comb(experts - experts // x, k) / comb(experts, k))
    return distinct * (x - 1) / x


def ring(n, nbytes, bw, alpha):
    return 0.0 if n == 1 else 2 * (n - 1) / n * nbytes / bw + 2 * (n - 1) * alpha


def step(n, x, tokens_per_rank, compute, bw, alpha):
    dgroups = n // x
    t_ar = ring(n, 4 * dense, bw, alpha) + ring(dgroups, 4 * expert / x, bw, alpha)
    a2a_bytes = layers * (tokens_per_rank * remote_ranks(x) * 4 * d * 4 + tokens_per_rank * k * (x - 1) / x * 4 * 4)
    t_a2a = 0.0 if x == 1 else a2a_bytes / bw + layers * calls_per_layer * (x - 1) * alpha
    return compute + (1 - a.overlap) * t_ar + t_a2a, t_ar, t_a2a, a2a_bytes


alpha = a.latency_us * 1e-6
if a.here:
    bw = a.here_gbytes * 1e9
    print("| ranks | layout | predicted s/step | all-reduce MB | all-to-all MB per rank |")
    print("|---:|---|---:|---:|---:|")
    for n, x in [(2, 1), (2, 2), (4, 1), (4, 2)]:
        # the ranks share this machine's cores: the compute of the global batch stays a.step_seconds
        t, t_ar, t_a2a, a2a = step(n, x, seq * ctx // n, a.step_seconds, bw, alpha)
        print(f"| {n} | {'dp' if x == 1 else f'{n // x} x ep{x}'} | {t:.3f} | {4 * (dense + (expert / x if n // x > 1 else 0)) / 1e6:.1f} | {a2a / 1e6:.1f} |")
else:
    bw = a.link_gbps * 1e9 / 8
    print(f"dense {dense:,} and expert {expert:,} parameters; step {a.step_seconds} s per machine of {seq * ctx} tokens; "
          f"link {a.link_gbps} Gbit/s, {a.latency_us} us, overlap {a.overlap}")
    print("| machines | data parallel tokens/s | comm s | data x expert (X = min(N, 8)) tokens/s | all-reduce s | all-to-all s |")
    print("|---:|---:|---:|---:|---:|---:|")
    for n in map(int, a.machines.split(",")):
        t_dp, ar_dp, _, _ = step(n, 1, seq * ctx, a.step_seconds, bw, alpha)
        x = min(n, experts)
        t_ep, ar_ep, a2a_ep, _ = step(n, x, seq * ctx, a.step_seconds, bw, alpha)
        print(f"| {n} | {n * seq * ctx / t_dp:,.0f} | {ar_dp:.3f} | {n * seq * ctx / t_ep:,.0f} | {ar_ep:.3f} | {a2a_ep:.3f} |")
