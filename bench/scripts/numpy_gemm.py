#!/usr/bin/env python3
# Copied from the project's shared benchmarks (shared/bench/numpy_gemm.py) so that the project runs
# without ../shared; --lib torch added by moe4j to time MKL through PyTorch as well.
"""Reference GEMM throughput of OpenBLAS (through numpy) or of PyTorch's CPU BLAS (MKL in the x86
wheels) on this machine, float32.
Prints one line per shape: M N K GFLOP/s (best of R runs).
Usage: numpy_gemm.py [--threads N] [--lib numpy|torch] [--cpu-time] [M,N,K ...]
(--cpu-time: the thread's CPU time instead of the wall clock, for one thread on a shared machine)   (default shapes below)
Run it in the same session as the project's own GEMM benchmark and compare the ratio:
absolute figures drift between runs and machines, ratios measured side by side do not."""
import os, sys, time
args = sys.argv[1:]
threads = None
lib = "numpy"
clock = time.perf_counter
while args[:1] in (["--threads"], ["--lib"], ["--cpu-time"]):
    if args[0] == "--cpu-time":
        # the calling thread's CPU time: fair on a shared machine only with one thread
        clock = time.thread_time
        args = args[1:]
        continue
    if args[0] == "--threads":
        threads = int(args[1])
        os.environ["OPENBLAS_NUM_THREADS"] = args[1]
        os.environ["MKL_NUM_THREADS"] = args[1]
        os.environ["OMP_NUM_THREADS"] = args[1]
    else:
        lib = args[1]
    args = args[2:]
if lib == "torch":
    import torch
    if threads:
        torch.set_num_threads(threads)
    rand = lambda r, c: torch.rand(r, c, dtype=torch.float32)
else:
    import numpy as np
    rand = lambda r, c: np.random.rand(r, c).astype(np.float32)
shapes = [tuple(int(v) for v in a.split(",")) for a in args] or [
    (512, 512, 512), (1024, 1024, 1024), (2048, 2048, 2048),
    (4096, 1408, 512), (512, 1408, 512), (64, 1408, 512), (1, 14336, 4096)]
for m, n, k in shapes:
    a = rand(m, k); b = rand(k, n)
    a @ b
    reps = max(3, int(2e9 / (2 * m * n * k + 1)))
    reps = min(reps, 200)
    best = float("inf")
    for _ in range(5):
        t = clock()
        for _ in range(reps): a @ b
        best = min(best, (clock() - t) / reps)
    print(f"{m} {n} {k} {2 * m * n * k / best / 1e9:.1f}")
