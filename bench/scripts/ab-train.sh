#!/usr/bin/env bash
# Training tokens/s of two builds of moe4j side by side: ROUNDS rounds, each running
# `moe4j train --steps 40` of the default model once with BASE_JAR and once with NEW_JAR (which goes
# first swaps every round), every run in a process of its own with the launcher's JVM options and
# THREADS kernel threads (default 2), under whatever priority the caller gives (chrt -r 10 on a
# shared machine). A run's figure is compare-torch.sh's: 2048 tokens over the median step time of
# steps 6 to 39 in metrics.jsonl; after the slash, over the tenth-percentile step time (the fast
# steps, less moved by other processes). Usage:
#   cp cli/target/moe4j.jar /tmp/base.jar    # before changing anything
#   chrt -r 10 bench/scripts/ab-train.sh /tmp/base.jar cli/target/moe4j.jar 4
set -euo pipefail
if [ $# -lt 3 ]; then
  echo "usage: ab-train.sh BASE_JAR NEW_JAR ROUNDS [THREADS]" >&2
  exit 2
fi
base="$1"; new="$2"; rounds="$3"; threads="${4:-2}"
for jar in "$base" "$new"; do
  [ -f "$jar" ] || { echo "ab-train: no jar at $jar" >&2; exit 1; }
done
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
. "$root/scripts/find-jdk.sh"
moe4j_find_jdk || exit 1
opts=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC
  -XX:CompileCommandFile="$root/scripts/jvm-compile-commands.txt" -Dmoe4j.threads="$threads")
if grep -qs '\[madvise\]' /sys/kernel/mm/transparent_hugepage/enabled; then
  opts+=(-XX:+UseTransparentHugePages) # as the launcher does
fi
tmp="$(mktemp -d /tmp/ab-train.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT

run() {
  local out="$tmp/run"
  rm -rf "$out"
  "$JAVA_HOME/bin/java" "${opts[@]}" -jar "$1" train --steps 40 --eval-every 1000 --checkpoint-every 0 \
    --sample-tokens 0 --out "$out" >"$tmp/log" 2>&1 || { cat "$tmp/log" >&2; exit 1; }
  python3 - "$out/metrics.jsonl" <<'PY'
import json, statistics, sys
steps = [json.loads(line) for line in open(sys.argv[1])]
times = sorted(2048 / s["tokens_per_second"] for s in steps if 6 <= s["step"] <= 39)
print(f"{2048 / statistics.median(times):.0f}/{2048 / times[len(times) // 10]:.0f}")
PY
}
echo "CPU: $(lscpu | sed -n 's/^Model name: *//p') ($(nproc) cores); $(date -u '+%Y-%m-%d %H:%M UTC'); load average $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq 1 "$rounds"); do
  if [ $((r % 2)) = 1 ]; then a="$(run "$base")"; b="$(run "$new")"; else b="$(run "$new")"; a="$(run "$base")"; fi
  echo "round $r: base $a, new $b tokens/s (median/fast steps); load average $(cut -d' ' -f1-3 /proc/loadavg)"
done
