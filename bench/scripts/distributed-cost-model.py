#!/usr/bin/env python3
"""The cost model of docs/distributed.md: predicted seconds per step and tokens/s of moe4j's
distributed training for N machines, from the compute time of one machine's step, the bytes each
collective moves and the link. Weak scaling: every machine trains on the same per-machine batch.

Usage: distributed-cost-model.py [--step-seconds S] [--link-gbps G] [--latency-us A] [--sync-ms W]
       [--overlap O] [--machines 2,4,...] [--here] [--calibrate SECONDS,CALLS,MB] ;
the defaults are the default `moe4j train` model.
--here predicts this machine's runs instead: N ranks sharing its cores (compute does not divide),
a fixed global batch of 16 sequences, and the link measured by CommBenchmarkMain.
--sync-ms is the time a rank waits, at each expert-parallel collective that follows uneven compute
(sync_points below), for the slowest rank to arrive, on top of the per-message latency;
--calibrate derives it from one expert-parallel run's measured step as
(measured - the model's step without waiting) / sync points, prints it and exits.
"""
import argparse
from math import comb

p = argparse.ArgumentParser()
p.add_argument("--step-seconds", type=float, default=2.513, help="one machine's step of its batch (measured)")
p.add_argument("--link-gbps", type=float, default=10.0, help="per-machine link, Gbit/s each way")
p.add_argument("--latency-us", type=float, default=20.0, help="per message")
p.add_argument("--sync-ms", type=float, default=0.0, help="wait per collective call for the slowest rank")
p.add_argument("--calibrate", help="RANKS,X,SECONDS: an expert-parallel run's layout and measured seconds per step (--here);"
               " prints the --sync-ms they imply")
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
calls_per_layer = 8  # all-to-alls per MoE layer and step: forward 2 count exchanges, x, pairs, y; backward dy, dx, dg
# all-reduces per step besides the gradients': loss and lm_loss means, the clipping norm, per MoE layer the
# routed counts of the balancing loss and of the router's update and the aux mean
small_allreduces = 3 + 3 * layers


def sync_points(n, x):
    """Collectives per step where ranks arrive after compute that differs between them, so each waits for the
    slowest: with experts split (X > 1), per MoE layer, the outputs back after the holders' experts and the
    input gradients back after their backward (each holder's work is its experts' share of the routed tokens,
    uneven), the counts exchange after routing and the output gradients out after the layers above (after the
    previous uneven segment). Data-parallel ranks run the same work on equal shards: none counted."""
    return 4 * layers if n > 1 and x > 1 else 0


def remote_ranks(x):
    """Expected ranks other than its own holding at least one of a token's k experts (uniform routing)."""
    distinct = x * (1 - comb(experts - experts // x, k) / comb(experts, k))
    return distinct * (x - 1) / x


def ring(n, nbytes, bw, alpha):
    return 0.0 if n == 1 else 2 * (n - 1) / n * nbytes / bw + 2 * (n - 1) * alpha


def step(n, x, tokens_per_rank, compute, bw, alpha, sync):
    """Seconds per step and its parts; each collective call also waits sync for the slowest rank."""
    dgroups = n // x
    t_ar = ring(n, 4 * dense, bw, alpha) + ring(dgroups, 4 * expert / x, bw, alpha)
    t_ar += 0 if n == 1 else small_allreduces * 2 * (n - 1) * alpha
    a2a_bytes = layers * (tokens_per_rank * remote_ranks(x) * 4 * d * 4 + tokens_per_rank * k * (x - 1) / x * 4 * 4)
    t_a2a = 0.0 if x == 1 else a2a_bytes / bw + layers * calls_per_layer * (x - 1) * alpha
    t_wait = sync_points(n, x) * sync
    return compute + (1 - a.overlap) * t_ar + t_a2a + t_wait, t_ar, t_a2a, a2a_bytes, t_wait


alpha = a.latency_us * 1e-6
sync = a.sync_ms * 1e-3
if a.calibrate:
    ranks, x, measured = a.calibrate.split(",")
    ranks, x, measured = int(ranks), int(x), float(measured)
    bw = a.here_gbytes * 1e9
    without, _, _, _, _ = step(ranks, x, seq * ctx // ranks, a.step_seconds, bw, alpha, 0.0)
    wait = (measured - without) / sync_points(ranks, x)
    print(f"--sync-ms {wait * 1e3:.1f}  (measured {measured} s per step, {without:.3f} s without waiting, "
          f"{sync_points(ranks, x)} sync points per step)")
elif a.here:
    bw = a.here_gbytes * 1e9
    print(f"step {a.step_seconds} s (one process, global batch {seq} x {ctx}); {a.here_gbytes} GB/s, {a.latency_us} us per message, "
          f"{a.sync_ms} ms wait per collective")
    print("| ranks | layout | predicted s/step | all-reduce s | all-to-all s | waiting s | all-reduce MB | all-to-all MB per rank |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|")
    for n, x in [(2, 1), (2, 2), (4, 1), (4, 2), (4, 4)]:
        # the ranks share this machine's cores: the compute of the global batch stays a.step_seconds
        t, t_ar, t_a2a, a2a, t_wait = step(n, x, seq * ctx // n, a.step_seconds, bw, alpha, sync)
        layout = "dp" if x == 1 else f"{n // x} x ep{x}"
        print(f"| {n} | {layout} | {t:.3f} | {t_ar:.3f} | {t_a2a:.3f} | {t_wait:.3f} | "
              f"{4 * (dense + (expert / x if n // x > 1 else 0)) / 1e6:.1f} | {a2a / 1e6:.1f} |")
else:
    bw = a.link_gbps * 1e9 / 8
    print(f"dense {dense:,} and expert {expert:,} parameters; step {a.step_seconds} s per machine of {seq * ctx} tokens; "
          f"link {a.link_gbps} Gbit/s, {a.latency_us} us, {a.sync_ms} ms wait per collective, overlap {a.overlap}")
    print("| machines | data parallel tokens/s | comm s | data x expert (X = min(N, 8)) tokens/s | all-reduce s | all-to-all s |")
    print("|---:|---:|---:|---:|---:|---:|")
    for n in map(int, a.machines.split(",")):
        t_dp, ar_dp, _, _, _ = step(n, 1, seq * ctx, a.step_seconds, bw, alpha, sync)
        x = min(n, experts)
        t_ep, ar_ep, a2a_ep, _, _ = step(n, x, seq * ctx, a.step_seconds, bw, alpha, sync)
        print(f"| {n} | {n * seq * ctx / t_dp:,.0f} | {ar_dp:.3f} | {n * seq * ctx / t_ep:,.0f} | {ar_ep:.3f} | {a2a_ep:.3f} |")
