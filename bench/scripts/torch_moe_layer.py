#!/usr/bin/env python3
"""transformers' MixtralSparseMoeBlock, forward and backward, timed as `moe4j bench moe` times
moe4j's MoE layer (bench/scripts/compare-torch.sh runs both, alternating); or, with --impl products,
the layer's nine expert products alone through torch.mm (MKL), the ceiling of any layer on that GEMM.

The block: router linear d -> E, softmax, top-k, the k weights renormalised (MixtralTopKRouter),
experts w2(silu(w1 x) * w3 x) of hidden f stored as 3D tensors (MixtralExperts), no jitter, no
auxiliary loss. One call: forward of T random tokens (one sequence), then backward of a random
upstream gradient into the input and every weight. Weights normal(0, 0.02), as moe4j's bench.

--impl picks transformers' experts implementation: eager (the default of a model loaded without
options: a Python loop over the experts that were hit, each gathering its rows by index) or
grouped_mm (torch's grouped matrix product over the (token, expert) pairs sorted by expert; transformers'
batched_mm, one product per pair with its own copy of the weights, needs too much memory at these shapes).

--impl products times no block but the counterpart of the "products alone" column of `moe4j bench
moe` (bench/MoeProducts.java), on the same shapes: with R_e = T k / E rows per expert (the uniform
split random routers approach) and weights W1, W3 (h x d), W2 (d x h) per expert,
  forward   G = X W1^T, U = X W3^T (R_e x h), Y = H W2^T (R_e x d)
  backward  dH = dY W2, dW2 = dY^T H, dX = dG W1 + dU W3, dW1 = dG^T X, dW3 = dU^T X
expert by expert through torch.mm with every output preallocated, 18 R d h floating-point operations
per call (R = T k). Its tokens/s is what a layer would reach if routing, SwiGLU, gathers and scatters
were free; it also prints the products' GFLOP/s.

Timing, as moe4j's MoeBench: warm-up of at least 4 calls and 4 s, then --runs timed runs, each
repeating the call for at least 0.3 s; prints the median tokens/s and one JSON line.

  /work/V/bin/python bench/scripts/torch_moe_layer.py --d 512 --hidden 1408 --experts 8 --k 2 --tokens 4096
  /work/V/bin/python bench/scripts/torch_moe_layer.py --d 512 --hidden 256 --experts 64 --k 6 --tokens 2048 --impl products
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
p.add_argument("--impl", choices=["eager", "grouped_mm", "products"], default="eager")
args = p.parse_args()
os.environ["OMP_NUM_THREADS"] = str(args.threads)

import torch  # noqa: E402  (after the thread variable)
import transformers  # noqa: E402
from transformers.models.mixtral.configuration_mixtral import MixtralConfig  # noqa: E402
from transformers.models.mixtral.modeling_mixtral import MixtralSparseMoeBlock  # noqa: E402

torch.set_num_threads(args.threads)
torch.manual_seed(args.seed)


def block_call():
    """One forward and backward of transformers' block."""
    config = MixtralConfig(hidden_size=args.d, intermediate_size=args.hidden, num_local_experts=args.experts,
                           num_experts_per_tok=args.k, router_jitter_noise=0.0, experts_implementation=args.impl)
    block = MixtralSparseMoeBlock(config).train()
    with torch.no_grad():
        for w in block.parameters():
            w.normal_(0.0, 0.02)
    x = torch.randn(1, args.tokens, args.d, requires_grad=True)
    upstream = torch.randn(1, args.tokens, args.d)

    def call():
        for w in block.parameters():
            w.grad = None
        x.grad = None
        out = block(x)
        out.backward(upstream)

    return call


def products_call():
    """The nine expert products of one forward and backward, alone."""
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
        with torch.no_grad():
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

    return call


call = products_call() if args.impl == "products" else block_call()


def run(min_seconds):
    calls, start = 0, time.perf_counter()
    while True:
        call()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            return calls * args.tokens / elapsed


start, calls = time.perf_counter(), 0
while calls < 4 or time.perf_counter() - start < 4.0:
    call()
    calls += 1
rates = [run(0.3) for _ in range(args.runs)]
median = statistics.median(rates)
result = {"tokens_per_s": round(median, 1), "runs": [round(r, 1) for r in rates], "impl": args.impl,
          "torch": torch.__version__, "transformers": transformers.__version__}
if args.impl == "products":
    gflops = median * 18.0 * args.k * args.d * args.hidden / 1e9
    result["gflops"] = round(gflops, 1)
    print(f"torch {torch.__version__} ({'MKL' if torch.backends.mkl.is_available() else 'no MKL'}), nine expert "
          f"products alone through torch.mm, {torch.get_num_threads()} threads")
    print(f"d={args.d} hidden={args.hidden} experts={args.experts} k={args.k} tokens={args.tokens}: {gflops:.1f} "
          f"GFLOP/s; a layer at that rate with nothing else: {median:.0f} tokens/s")
else:
    print(f"torch {torch.__version__}, transformers {transformers.__version__}, MixtralSparseMoeBlock ({args.impl}), "
          f"{torch.get_num_threads()} threads")
    print(f"d={args.d} hidden={args.hidden} experts={args.experts} k={args.k} tokens={args.tokens}: {median:.0f} tokens/s")
print(json.dumps(result))
