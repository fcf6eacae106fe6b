#!/usr/bin/env python3
"""The cost model of docs/distributed.md: seconds per training step and tokens/s of moe4j's
distributed training, N ranks in D data groups of X expert ranks.

    t_step = t_compute + t_transfer + t_wait

t_compute  one rank's compute of its share of the step, as wall time: s * c, with c its compute
           on the cores it owns and s = ranks per core on its host (max(1, ranks / cores)): ranks
           sharing a core share its time, and Open MPI's waiting ranks poll, so a rank that is
           ahead does not give its core back. On one host of C cores, c is the one-process step of
           the rank's B/N rows on max(1, C/N) threads (measured: --rank-seconds); on a cluster of
           one rank per machine, s = 1 and c is one machine's step of its batch (--step-seconds).
t_transfer bytes per collective / bandwidth + latency per call: the gradient all-reduce (dense
           weights over N ranks, held experts over the D ranks holding the same ones; in pure data
           parallel everything over N), 3 + 3L small all-reduces, and per MoE layer 8 all-to-all
           calls moving the token rows (x out, y back, dy out, dx back) and the pairs. On one host
           the bandwidth and latency are CommBenchmarkMain's for the same rank count; on a cluster
           a ring over the link (2 (n-1)/n bytes / link + 2 (n-1) alpha).
t_wait     waiting for the slowest rank. The step has k segments of compute between
           synchronising collectives: 2 over all N ranks (the loss mean after the forward, the
           gradient all-reduce after the backward) and, with experts split, 4 per MoE layer over
           the X ranks of an expert group (the counts after routing, the outputs back after the
           holders' experts; the output gradients out, the input gradients back). A rank's time
           for a segment of length t varies by a spread that grows as sqrt(t) (independent
           interruptions: scheduler, other processes, uneven expert loads), so the wait at the
           segment's end is the expected maximum over n ranks of that spread:
               t_wait = kappa * sum over segments of e(n_i) * sqrt(t_compute / k)
           with e(n) the expected maximum of n standard normal variables (e(1) = 0, e(2) = 0.564,
           e(4) = 1.029, e(8) = 1.424, e(64) = 2.344) and kappa (seconds^1/2) calibrated once (--calibrate).

Usage:
  --here: this machine's layouts (global batch 16 x 128, ranks sharing its cores), e.g. the
    calibration and validation of docs/distributed.md:
    distributed-cost-model.py --here --step-seconds 0.467 --link 2=24.5:2.867:2.867,4=62.4:0.810:0.810 \
        --calibrate dp2=0.611 --measured dp2=0.611,ep2=0.740,dp4=0.825,dp2ep2=0.979,ep4=1.035
    (--link N=ALPHA_US:ALLREDUCE_GBPS:ALLTOALL_GBPS, CommBenchmarkMain's 16-byte latency and its
    largest all-reduce's and all-to-all's GB/s at N ranks; --rank-seconds N=SECONDS replaces the
    compute derived from --step-seconds by a measured one; --calibrate LAYOUT=SECONDS derives kappa
    from one measured layout, or give --kappa)
  cluster (default): N machines of one rank each, X = min(N, 8) for data x expert:
    distributed-cost-model.py --step-seconds 0.467 --link-gbps 10 --latency-us 20 --kappa 0.236
"""
import argparse
from math import comb, erf, exp, pi, sqrt

p = argparse.ArgumentParser()
p.add_argument("--step-seconds", type=float, default=0.467, help="one machine's step of its batch of 16 x 128 tokens (cluster)")
p.add_argument("--link-gbps", type=float, default=10.0, help="cluster: per-machine link, Gbit/s each way")
p.add_argument("--latency-us", type=float, default=20.0, help="cluster: per message")
p.add_argument("--kappa", type=float, default=None, help="waiting spread, seconds^1/2 (see above)")
p.add_argument("--overlap", type=float, default=0.0, help="fraction of the gradient all-reduce's transfer hidden behind backward (moe4j: 0)")
p.add_argument("--machines", default="2,4,8,16,32,64")
p.add_argument("--here", action="store_true")
p.add_argument("--cores", type=int, default=2)
p.add_argument("--rank-seconds", default="", help="--here: N=SECONDS, one rank's compute (one process of B/N rows on its threads);"
               " default t1 * min(cores, N) / N from --step-seconds (the threads' speed-up taken as linear)")
p.add_argument("--link", default="", help="--here: N=ALPHA_US:ALLREDUCE_GBPS:ALLTOALL_GBPS per rank count")
p.add_argument("--calibrate", default="", help="--here: LAYOUT=SECONDS, the layout kappa is derived from")
p.add_argument("--measured", default="", help="--here: LAYOUT=SECONDS,... to compare with")
a = p.parse_args()

# the default model: 4 layers, d 256, 4 heads, 8 SwiGLU experts of 384, top-2, char vocabulary of 83, untied head
layers, d, hidden, experts, k, vocab = 4, 256, 384, 8, 2, 83
dense = layers * (4 * d * d + 2 * d + experts * d) + 2 * vocab * d + d
expert = layers * experts * 3 * d * hidden
seq, ctx = 16, 128
calls_per_layer = 8  # all-to-alls per MoE layer and step: forward 2 count exchanges, x, pairs, y; backward dy, dx, dg
small_allreduces = 3 + 3 * layers  # loss and lm_loss means, clipping norm; per MoE layer two routed counts and the aux mean
LAYOUTS = {"dp2": (2, 1), "ep2": (2, 2), "dp4": (4, 1), "dp2ep2": (4, 2), "ep4": (4, 4)}


def expected_max(n):
    """E[max of n independent standard normals]: the integral of x n phi(x) Phi(x)^(n-1), trapezoid rule."""
    if n <= 1:
        return 0.0
    h, total = 1e-3, 0.0
    for i in range(-10000, 10001):
        x = i * h
        total += x * n * exp(-x * x / 2) / sqrt(2 * pi) * (0.5 * (1 + erf(x / sqrt(2)))) ** (n - 1) * h
    return total


def remote_ranks(x):
    """Expected ranks other than its own holding at least one of a token's k experts (uniform routing)."""
    distinct = x * (1 - comb(experts - experts // x, k) / comb(experts, k))
    return distinct * (x - 1) / x


def segments(n, x):
    """(rank count the segment synchronises, count) for the step's segments of compute."""
    return [(n, 2)] + ([(x, 4 * layers)] if x > 1 else [])


def wait(n, x, compute, kappa):
    segs = segments(n, x)
    count = sum(c for _, c in segs)
    return kappa * sqrt(compute / count) * sum(c * expected_max(m) for m, c in segs)


def transfer(n, x, tokens_per_rank, allreduce, alltoall):
    """(all-reduce s, all-to-all s, all-to-all bytes per rank); allreduce(m, bytes) and alltoall(m, bytes, calls) time one collective."""
    groups = n // x
    t_ar = allreduce(n, 4 * dense) + allreduce(groups, 4 * expert / x) + small_allreduces * allreduce(n, 8)
    a2a_bytes = layers * (tokens_per_rank * remote_ranks(x) * 4 * d * 4 + tokens_per_rank * k * (x - 1) / x * 4 * 4)
    t_a2a = 0.0 if x == 1 else alltoall(x, a2a_bytes, layers * calls_per_layer)
    return t_ar, t_a2a, a2a_bytes


def pairs(text):
    out = {}
    for item in filter(None, text.split(",")):
        key, value = item.split("=")
        out[key] = value
    return out


if a.here:
    rank_seconds = {int(n): float(s) for n, s in pairs(a.rank_seconds).items()} or {
        n: a.step_seconds * min(a.cores, n) / n for n in (2, 4)}
    links = {int(n): tuple(map(float, v.split(":"))) for n, v in pairs(a.link).items()}

    def allreduce(m, nbytes):
        if m == 1:
            return 0.0
        alpha, gbps, _ = links[m]
        return alpha * 1e-6 + nbytes / (gbps * 1e9)

    def alltoall(m, nbytes, calls):
        alpha, _, gbps = links[m]
        return calls * alpha * 1e-6 + nbytes / (gbps * 1e9)

    def parts(layout, kappa):
        n, x = LAYOUTS[layout]
        compute = max(1.0, n / a.cores) * rank_seconds[n]
        t_ar, t_a2a, a2a = transfer(n, x, seq * ctx // n, allreduce, alltoall)
        return compute, (1 - a.overlap) * t_ar + t_a2a, wait(n, x, compute, kappa), a2a

    kappa = a.kappa
    if a.calibrate:
        layout, seconds = next(iter(pairs(a.calibrate).items()))
        compute, t_transfer, unit, _ = parts(layout, 1.0)
        kappa = (float(seconds) - compute - t_transfer) / unit
        print(f"kappa {kappa:.4f} s^1/2 from {layout} = {seconds} s (compute {compute:.3f}, transfer {t_transfer:.3f}, "
              f"wait {float(seconds) - compute - t_transfer:.3f} s)")
    measured = {key: float(v) for key, v in pairs(a.measured).items()}
    print("| layout | ranks per core | compute s | transfer s | waiting s | predicted s/step | measured | error |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for layout in LAYOUTS:
        n, _ = LAYOUTS[layout]
        if n not in rank_seconds or n not in links:
            continue
        compute, t_transfer, t_wait, _ = parts(layout, kappa)
        t = compute + t_transfer + t_wait
        m = measured.get(layout)
        note = " (calibration)" if a.calibrate.startswith(layout + "=") else ""
        tail = f"{m:.3f}{note} | {(t - m) / m * 100:+.0f}%" if m else " | "
        print(f"| {layout} | {max(1.0, n / a.cores):g} | {compute:.3f} | {t_transfer:.3f} | {t_wait:.3f} | {t:.3f} | {tail} |")
else:
    bw = a.link_gbps * 1e9 / 8
    alpha = a.latency_us * 1e-6
    kappa = a.kappa or 0.0

    def ring(m, nbytes):
        return 0.0 if m == 1 else 2 * (m - 1) / m * nbytes / bw + 2 * (m - 1) * alpha

    def pairwise(m, nbytes, calls):
        return nbytes / bw + calls * (m - 1) * alpha

    print(f"dense {dense:,} and expert {expert:,} parameters; one machine's step {a.step_seconds} s of {seq * ctx} tokens; "
          f"link {a.link_gbps} Gbit/s, {a.latency_us} us per message, kappa {kappa} s^1/2, overlap {a.overlap}")
    print("| machines | data parallel tokens/s | its all-reduce s | its waiting s | data x expert (X = min(N, 8)) tokens/s "
          "| all-reduce s | all-to-all s | waiting s |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in map(int, a.machines.split(",")):
        tokens = seq * ctx
        ar_dp, _, _ = transfer(n, 1, tokens, ring, pairwise)
        w_dp = wait(n, 1, a.step_seconds, kappa)
        t_dp = a.step_seconds + (1 - a.overlap) * ar_dp + w_dp
        x = min(n, experts)
        ar_ep, a2a_ep, _ = transfer(n, x, tokens, ring, pairwise)
        w_ep = wait(n, x, a.step_seconds, kappa)
        t_ep = a.step_seconds + (1 - a.overlap) * ar_ep + a2a_ep + w_ep
        print(f"| {n} | {n * tokens / t_dp:,.0f} | {ar_dp:.3f} | {w_dp:.3f} | {n * tokens / t_ep:,.0f} | {ar_ep:.3f} | "
              f"{a2a_ep:.3f} | {w_ep:.3f} |")
