#!/usr/bin/env python3
"""moe4j's WeightProduct against PyTorch's bf16 F.linear on the same shapes, side by side in one run.

For each shape and T, ROUNDS rounds alternate `moe4j bench weight-product ROWS COLS --dtype bf16 --tokens T`
and `torch_linear.py ROWS COLS --tokens T` (which goes first swaps every round), each in a process of its
own on THREADS threads with the same working set of distinct weights; `moe4j bench memory` runs before,
between and after the shapes. Prints a Markdown table of the medians (GB/s of weights read, GFLOP/s) and
of the fastest single calls (on a shared machine, the calls no other process interrupted), the read
bandwidth, and the machine's load (uptime) at the start and the end.

  /work/V/bin/python bench/scripts/compare_weight_product.py [--rounds 3] [--threads 2]
      [--shapes 1024x2048,2048x1024,2048x2048,50304x2048] [--tokens 1,8,64,512] [--jar cli/target/moe4j.jar]
"""
import argparse
import os
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
JAVA = "/usr/lib/jvm/temurin-25-jdk-amd64/bin/java"


def run(cmd):
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{out.stderr}")
    return [line for line in out.stdout.splitlines() if line.strip()]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--shapes", default="1024x2048,2048x1024,2048x2048,50304x2048")
    p.add_argument("--tokens", default="1,8,64,512")
    p.add_argument("--working-set-gib", default="2")
    p.add_argument("--jar", default=os.path.join(ROOT, "cli", "target", "moe4j.jar"))
    a = p.parse_args()
    moe4j = [JAVA, "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-XX:+UseParallelGC",
             "-jar", a.jar]
    torch = [sys.executable, os.path.join(ROOT, "bench", "scripts", "torch_linear.py")]
    print("load at start:", run(["uptime"])[0].strip(), flush=True)
    bandwidth = {1: [], a.threads: []}

    def memory():
        for line in run(moe4j + ["bench", "memory", "--gib", "4", "--threads", str(a.threads)]):
            f = line.split()
            bandwidth[int(f[2])].append(float(f[3]))

    memory()
    rows_out = []
    for shape in a.shapes.split(","):
        r, c = (int(v) for v in shape.split("x"))
        for t in (int(v) for v in a.tokens.split(",")):
            ours, theirs = [], []
            for k in range(a.rounds):
                jobs = [("moe4j", moe4j + ["bench", "weight-product", str(r), str(c), "--dtype", "bf16", "--tokens", str(t),
                                           "--threads", str(a.threads), "--working-set-gib", a.working_set_gib]),
                        ("torch", torch + [str(r), str(c), "--tokens", str(t), "--threads", str(a.threads),
                                           "--working-set-gib", a.working_set_gib])]
                if k % 2 == 1:
                    jobs.reverse()
                for name, cmd in jobs:
                    f = run(cmd)[-1].split()
                    (ours if name == "moe4j" else theirs).append((float(f[5]), float(f[6]), float(f[9]), float(f[10])))
            # medians of the per-process medians; the best of the per-process fastest calls
            mo = [statistics.median(v) for v in list(zip(*ours))[:2]] + [max(v) for v in list(zip(*ours))[2:]]
            to = [statistics.median(v) for v in list(zip(*theirs))[:2]] + [max(v) for v in list(zip(*theirs))[2:]]
            rows_out.append((r, c, t, mo, to))
            print(f"[{r}, {c}] T={t}: moe4j {mo[0]:.1f} GB/s {mo[1]:.1f} GFLOP/s | torch {to[0]:.1f} GB/s {to[1]:.1f} GFLOP/s",
                  file=sys.stderr, flush=True)
        memory()
    memory()
    print("load at end:", run(["uptime"])[0].strip())
    print()
    print(f"read bandwidth (moe4j bench memory, 4 GiB, median of {len(bandwidth[1])} runs spread over the session): "
          f"1 thread {statistics.median(bandwidth[1]):.1f} GB/s (range {min(bandwidth[1]):.1f}-{max(bandwidth[1]):.1f}), "
          f"{a.threads} threads {statistics.median(bandwidth[a.threads]):.1f} GB/s "
          f"(range {min(bandwidth[a.threads]):.1f}-{max(bandwidth[a.threads]):.1f})")
    print()
    print("Median: median over rounds of each process's median run; best: the fastest single call of all rounds.")
    print()
    print("| W [rows, cols] | T | moe4j GB/s | moe4j GFLOP/s | torch GB/s | torch GFLOP/s | moe4j / torch "
          "| best: moe4j GB/s | moe4j GFLOP/s | torch GB/s | torch GFLOP/s | moe4j / torch |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r, c, t, mo, to in rows_out:
        print(f"| [{r}, {c}] | {t} | {mo[0]:.1f} | {mo[1]:.1f} | {to[0]:.1f} | {to[1]:.1f} | {mo[1] / to[1]:.2f} "
              f"| {mo[2]:.1f} | {mo[3]:.1f} | {to[2]:.1f} | {to[3]:.1f} | {mo[3] / to[3]:.2f} |")


if __name__ == "__main__":
    main()
