#!/usr/bin/env python3
"""Where a moe4j training step spends its time, from a JFR recording: the share of execution
samples (jdk.ExecutionSample) per operation, as a Markdown table.

Each sample is assigned by the innermost frame that names a known piece of moe4j (the list
below, first match from the top of the stack wins), so a GEMM's packing counts as packing wherever
it is called from. A second table splits the GEMM samples by the layer that called the product;
samples taken on a kernel-pool worker have no caller on their stack and count as "(pool worker)".

  MOE4J_JAVA_OPTS="-XX:StartFlightRecording=delay=20s,filename=train.jfr,settings=profile,jdk.ExecutionSample#period=2ms" \\
      ./moe4j train --steps 45 --eval-every 1000 --checkpoint-every 0 --sample-tokens 0 --out /tmp/prof
  jfr print --events jdk.ExecutionSample --stack-depth 40 train.jfr > samples.txt
  python3 bench/scripts/jfr_ops.py samples.txt
"""
import collections
import re
import sys

# (operation, frame prefixes); the first operation with a prefix matching a frame, from the top, wins
# (the Vector API's frames only when nothing else matches)
OPS = [
    ("GEMM micro-kernel", ["org.moe4j.kernel.gemm.GemmMicroKernel", "org.moe4j.kernel.gemm.GemmRowsKernel"]),
    ("GEMM packing of A", ["org.moe4j.kernel.gemm.GemmPacking.packA", "org.moe4j.kernel.gemm.GemmPacking.packRows",
                           "org.moe4j.kernel.gemm.GemmPacking.packStepMajor"]),
    ("GEMM packing of B", ["org.moe4j.kernel.gemm.GemmPacking.packB"]),
    ("GEMM edges and scheduling", ["org.moe4j.kernel.gemm.BlockedGemm.", "org.moe4j.kernel.gemm.GemmSchedule.",
                                   "org.moe4j.kernel.gemm.Gemm.", "org.moe4j.kernel.gemm.GroupedGemm."]),
    ("GEMV (products of a few rows)", ["org.moe4j.kernel.gemm.Gemv."]),
    ("attention: causal softmax, dP, dS", ["org.moe4j.autograd.CausalAttention.", "org.moe4j.kernel.Softmax.causal"]),
    ("RoPE", ["org.moe4j.kernel.RotaryEmbedding.", "org.moe4j.autograd.Rope."]),
    ("SwiGLU", ["org.moe4j.kernel.Activations.", "org.moe4j.moe.SwiGluExperts."]),
    ("RMSNorm", ["org.moe4j.kernel.RmsNorm.", "org.moe4j.autograd.Normalization."]),
    ("AdamW update", ["org.moe4j.kernel.AdamUpdate.", "org.moe4j.train.Adam."]),
    ("gradient norm and clipping", ["org.moe4j.train.GradientClipping.", "org.moe4j.kernel.Reductions.lambda$sumOfSquares",
                                    "org.moe4j.kernel.Reductions.sumOfSquares"]),
    ("MoE routing, sort, gather, scatter", ["org.moe4j.moe.", "org.moe4j.kernel.TopK", "org.moe4j.kernel.Gather"]),
    ("cross-entropy, softmax", ["org.moe4j.autograd.CrossEntropy.", "org.moe4j.autograd.SoftmaxOps.",
                                "org.moe4j.kernel.Softmax."]),
    ("zero fill, copies, gradient accumulation", ["org.moe4j.tensor.Tensor.", "org.moe4j.autograd.Variable.accumulateGrad",
                                                  "java.util.Arrays.", "java.lang.System.arraycopy"]),
    ("other elementwise kernels", ["org.moe4j.kernel.Elementwise.", "org.moe4j.kernel.VectorMath.",
                                   "org.moe4j.kernel.Reductions.", "org.moe4j.autograd.Arithmetic."]),
    ("kernel pool hand-off", ["org.moe4j.kernel.KernelPool"]),
    ("Vector API outside compiled kernels", ["jdk.incubator.vector.", "jdk.internal.vm.vector."]),
    ("metrics, diagnostics, batches", ["org.moe4j.train.", "org.moe4j.text.", "org.moe4j.io.", "org.moe4j.cli."]),
]
VECTOR_API = "Vector API outside compiled kernels"
CALLERS = ["org.moe4j.moe.GroupedLinear.forward", "org.moe4j.moe.GroupedLinear.backward",
           "org.moe4j.autograd.MatMul.lambda$linear", "org.moe4j.autograd.MatMul.linear",
           "org.moe4j.autograd.CausalAttention.lambda$apply$0", "org.moe4j.autograd.CausalAttention.lambda$forward",
           "org.moe4j.autograd.CausalAttention.lambda$", "org.moe4j.autograd.ProjectedAttention.lambda$",
           "org.moe4j.autograd.ProjectedAttention.apply", "org.moe4j.moe."]
CALLER_NAMES = {"org.moe4j.moe.GroupedLinear.forward": "experts forward (grouped)",
                "org.moe4j.moe.GroupedLinear.backward": "experts backward (grouped)",
                "org.moe4j.autograd.MatMul.lambda$linear": "linear layers backward",
                "org.moe4j.autograd.MatMul.linear": "linear layers forward",
                "org.moe4j.autograd.CausalAttention.lambda$apply$0": "attention forward",
                "org.moe4j.autograd.CausalAttention.lambda$forward": "attention forward",
                "org.moe4j.autograd.CausalAttention.lambda$": "attention backward",
                "org.moe4j.autograd.ProjectedAttention.lambda$": "q/k/v projection backward",
                "org.moe4j.autograd.ProjectedAttention.apply": "q/k/v projection forward",
                "org.moe4j.moe.": "router"}


def frames(event):
    return re.findall(r"^\s+([\w.$<>]+)\(", event, re.M)


def main(path):
    events = open(path, encoding="utf-8").read().split("jdk.ExecutionSample")[1:]
    ops, gemm_callers, total, gemm = collections.Counter(), collections.Counter(), 0, 0
    for event in events:
        stack = frames(event)
        if not stack:
            continue
        total += 1
        # the Vector API's own frames sit above the kernel that calls them (inlined frames are
        # listed too), so they name the operation only when no moe4j frame below them does; the
        # softmax rows of attention's causal blocks count as attention
        causal = any(f.startswith("org.moe4j.kernel.Softmax.causal") for f in stack)
        op = "attention: causal softmax, dP, dS" if causal else next(
            (name for f in stack for name, prefixes in OPS if name != VECTOR_API
             and any(f.startswith(p) for p in prefixes)), None)
        if op is None:
            vector = dict(OPS)[VECTOR_API]
            op = VECTOR_API if any(f.startswith(p) for f in stack for p in vector) else "other"
        ops[op] += 1
        if op.startswith("GEMM"):
            gemm += 1
            caller = next((c for f in stack for c in CALLERS if f.startswith(c)), None)
            gemm_callers[CALLER_NAMES[caller] if caller else "(pool worker)"] += 1
    print(f"{total} execution samples\n")
    print("| operation | samples | share |")
    print("|---|---:|---:|")
    for name, count in ops.most_common():
        print(f"| {name} | {count} | {100 * count / total:.1f}% |")
    print(f"\nGEMM samples ({gemm}, {100 * gemm / total:.1f}% of all) by the layer calling the product:\n")
    print("| caller | samples | share of GEMM |")
    print("|---|---:|---:|")
    for name, count in gemm_callers.most_common():
        print(f"| {name} | {count} | {100 * count / gemm:.1f}% |")


if __name__ == "__main__":
    main(sys.argv[1])
