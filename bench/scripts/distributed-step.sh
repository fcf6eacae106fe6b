#!/usr/bin/env bash
# The training step of the default `moe4j train` model in one process and on MPI ranks of this
# machine (docs/distributed.md, "Training step over ranks"). Prints, per configuration, the mean
# seconds per step over steps 3..STEPS (steps 1-2 warm the JIT), tokens/s, and rank 0's
# communication totals. Usage: bench/scripts/distributed-step.sh [STEPS] [configs...]
# where a config is 1 (one process), dp2, ep2, dp4, ep4, dp2ep2, or one process with one kernel thread
# on the global batch (1t1) or on one rank's rows of it (b8t1: 8 sequences, b4t1: 4), the compute
# terms of the cost model. Each rank gets cores / ranks kernel threads (at least 1), so N ranks use
# the cores one process uses, not N times as many threads. Every rank's communication totals are
# printed (their spread is the cost model's waiting).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd -P)"
steps="${1:-8}"; shift || true
[ $# -gt 0 ] && configs=("$@") || configs=(1 dp2 ep2)
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$root/moe4j" --version >/dev/null 2>&1   # build the jar once, before any rank starts
common=(train --steps "$steps" --eval-every 100000 --eval-batches 1 --sample-tokens 0 --checkpoint-every 0)
mpi=(mpirun --allow-run-as-root --oversubscribe)
echo "$(date -u '+%Y-%m-%d %H:%M UTC'); $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
i=0
for c in "${configs[@]}"; do
  i=$((i + 1)); out="$work/$i-$c"   # a config may be repeated in one run
  case "$c" in
    1|1t1|b8t1|b4t1) cmd=("$root/moe4j" "${common[@]}") ;;
    dp2) cmd=("${mpi[@]}" -np 2 "$root/moe4j" "${common[@]}" --distributed) ;;
    ep2) cmd=("${mpi[@]}" -np 2 "$root/moe4j" "${common[@]}" --distributed --expert-parallel 2) ;;
    dp4) cmd=("${mpi[@]}" -np 4 "$root/moe4j" "${common[@]}" --distributed) ;;
    ep4) cmd=("${mpi[@]}" -np 4 "$root/moe4j" "${common[@]}" --distributed --expert-parallel 4) ;;
    dp2ep2) cmd=("${mpi[@]}" -np 4 "$root/moe4j" "${common[@]}" --distributed --expert-parallel 2) ;;
    *) echo "unknown config $c" >&2; exit 2 ;;
  esac
  ranks=1; case "$c" in dp2ep2|dp4|ep4) ranks=4 ;; dp2|ep2) ranks=2 ;; esac
  threads=$(( $(nproc) / ranks )); [ "$threads" -ge 1 ] || threads=1
  case "$c" in *t1) threads=1 ;; esac
  batch=16; case "$c" in b8*) batch=8 ;; b4*) batch=4 ;; esac
  tokens=$(( batch * 128 ))
  MOE4J_JAVA_OPTS="-Dmoe4j.threads=$threads" "${cmd[@]}" --batch-size "$batch" --out "$out" >"$out.log" 2>&1 || { cat "$out.log"; exit 1; }
  comm="$(grep -o 'rank [0-9]* communication: .*' "$out.log" | sort -n -k2 | sed 's/^/    /' || true)"
  python3 - "$out/metrics.jsonl" "$c" "${comm:-    (one process)}" "$tokens" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
tokens = int(sys.argv[4])
secs = [tokens / r["tokens_per_second"] for r in rows[2:]]
mean = sum(secs) / len(secs)
print(f"{sys.argv[2]:>7}: {mean:.3f} s/step over steps 3..{len(rows)}, {tokens / mean:.0f} tokens/s, final loss {rows[-1]['loss']:.4f}\n{sys.argv[3]}")
PY
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
