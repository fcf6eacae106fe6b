#!/usr/bin/env python3
"""The nine expert products of a SwiGLU MoE layer's forward and backward, alone, through PyTorch's
matrix product (MKL on the CPU wheels): the counterpart of the "products alone" column of
`moe4j bench moe` (bench/MoeProducts.java), on the same shapes and rows per expert.

With R_e rows routed to expert e (here T k / E each, the uniform split random routers approach),
weights W1, W3 (h x d) and W2 (d x h) per expert:

  forward   G = X W1^T, U = X W3^T (R_e x h), Y = H W2^T (R_e x d)
  backward  dH = dY W2, dW2 = dY^T H, dX = dG W1 + dU W3, dW1 = dG^T X, dW3 = dU^T X

18 R d h floating-point operations per call (R = T k routed rows), every output preallocated
(torch.mm(..., out=)), so only the products are timed. It prints their GFLOP/s and the tokens/s a
layer would reach if everything else in it (routing, SwiGLU, gathers, scatters) were free: the
ceiling a layer built on this GEMM can approach, against which a target of "N x transformers' block"
can be checked.

Timing as torch_moe_layer.py: warm-up of at least 4 calls and 4 s, then --runs timed runs of at
least 0.3 s each; median.

  /work/V/bin/python bench/scripts/torch_moe_products.py --d 512 --hidden 1408 --experts 8 --k 2 --tokens 4096
  /work/V/bin/python bench/scripts/torch_moe_products.py --d 512 --hidden 256 --experts 64 --k 6 --tokens 2048
"""
import argparse
import json
import os
import statistics
import time

p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
p.add_argument("--d", type=int, default=512)
p.add_argument("--hidden", type=int, default=1408)
p.add_argument("--experts", type=int, default=8)
p.add_argument("--k", type=int, default=2)
p.add_argument("--tokens", type=int, default=4096)
p.add_argument("--runs", type=int, default=7)
p.add_argument("--threads", type=int, default=2)
p.add_argument("--seed", type=int, default=1)
args = p.parse_args()
os.environ["OMP_NUM_THREADS"] = str(args.threads)

import torch  # noqa: E402  (after the thread variable)

torch.set_num_threads(args.threads)
torch.manual_seed(args.seed)
routed = args.tokens * args.k
if routed % args.experts:
    raise SystemExit(f"tokens x k = {routed} must divide by experts = {args.experts} for the uniform split")
r, d, h, e = routed // args.experts, args.d, args.hidden, args.experts


def rand(*shape):
    return torch.randn(*shape) * 0.02


w1, w3, w2 = rand(e, h, d), rand(e, h, d), rand(e, d, h)
x, hid, dy = rand(e, r, d), rand(e, r, h), rand(e, r, d)
gate, up, y = torch.empty(e, r, h), torch.empty(e, r, h), torch.empty(e, r, d)
dh, dx, dx2 = torch.empty(e, r, h), torch.empty(e, r, d), torch.empty(e, r, d)
dw1, dw3, dw2 = torch.empty(e, h, d), torch.empty(e, h, d), torch.empty(e, d, h)


def call():
    for g in range(e):
        torch.mm(x[g], w1[g].t(), out=gate[g])
        torch.mm(x[g], w3[g].t(), out=up[g])
        torch.mm(hid[g], w2[g].t(), out=y[g])
        torch.mm(dy[g], w2[g], out=dh[g])
        torch.mm(dy[g].t(), hid[g], out=dw2[g])
        torch.mm(dh[g], w1[g], out=dx[g])
        torch.addmm(dx[g], dh[g], w3[g], out=dx2[g])
        torch.mm(dh[g].t(), x[g], out=dw1[g])
        torch.mm(dh[g].t(), x[g], out=dw3[g])


flops = 18.0 * routed * d * h


def run(min_seconds):
    calls, start = 0, time.perf_counter()
    while True:
        call()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            return calls * flops / elapsed / 1e9


with torch.no_grad():
    start, calls = time.perf_counter(), 0
    while calls < 4 or time.perf_counter() - start < 4.0:
        call()
        calls += 1
    rates = [run(0.3) for _ in range(args.runs)]
gflops = statistics.median(rates)
ceiling = args.tokens / (flops / (gflops * 1e9))
print(f"torch {torch.__version__} ({torch.backends.mkl.is_available() and 'MKL' or 'no MKL'}), "
      f"{torch.get_num_threads()} threads")
print(f"d={d} hidden={h} experts={e} k={args.k} tokens={args.tokens}, {r} rows per expert: nine products "
      f"{gflops:.1f} GFLOP/s; a layer at that rate with nothing else: {ceiling:.0f} tokens/s")
print(json.dumps({"gflops": round(gflops, 1), "ceiling_tokens_per_s": round(ceiling, 1),
                  "runs": [round(v, 1) for v in rates], "torch": torch.__version__}))
