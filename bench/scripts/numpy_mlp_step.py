#!/usr/bin/env python3
"""The baseline for moe4j's training-step benchmark: one Linear+ReLU+Linear training step
(batch 256, 784-1024-10 by default) written with numpy matrix multiplies, forward and backward
GEMMs only (no optimizer, no loss), float32. Prints 'numpy-mlp-step B IN HIDDEN OUT ms_per_step'
(median of R timed runs after warm-up). Written for moe4j; run it in the same session as
`./moe4j bench mlp-step` and compare the ratio."""
import os, sys, time
args = sys.argv[1:]
if args[:1] == ["--threads"]:
    os.environ["OPENBLAS_NUM_THREADS"] = args[1]; args = args[2:]
import numpy as np
B, IN, H, OUT = (int(v) for v in (args or ["256", "784", "1024", "10"]))
rng = np.random.default_rng(0)
x = rng.standard_normal((B, IN), dtype=np.float32)
w1 = rng.standard_normal((H, IN), dtype=np.float32) * 0.03
b1 = np.zeros(H, np.float32)
w2 = rng.standard_normal((OUT, H), dtype=np.float32) * 0.03
b2 = np.zeros(OUT, np.float32)
dy = rng.standard_normal((B, OUT), dtype=np.float32)

def step():
    h = x @ w1.T + b1            # forward 1
    a = np.maximum(h, 0)         # ReLU
    y = a @ w2.T + b2            # forward 2
    dw2 = dy.T @ a               # backward: weight grads and data grads
    db2 = dy.sum(0)
    da = dy @ w2
    dh = da * (h > 0)
    dw1 = dh.T @ x
    db1 = dh.sum(0)
    dx = dh @ w1
    return y, dw1, dw2, dx, db1, db2

for _ in range(20): step()
times = []
for _ in range(15):
    t = time.perf_counter()
    for _ in range(10): step()
    times.append((time.perf_counter() - t) / 10)
times.sort()
print(f"numpy-mlp-step {B} {IN} {H} {OUT} {times[len(times) // 2] * 1e3:.3f}")
