#!/usr/bin/env bash
# moe4j against PyTorch on the same language model (moe4j's default `./moe4j train` model), side by
# side in one run: training throughput and greedy decoding at batch 1 and 16, moe4j and PyTorch
# alternating (which goes first swaps every round), each measurement in a process of its own, both
# with THREADS threads; prints a Markdown table of the medians over ROUNDS rounds. Usage:
#   bench/scripts/compare-torch.sh [ROUNDS] [THREADS] [RUN]
# ROUNDS default 3, THREADS default 2, RUN a trained default run (default runs/default-final): its
# weights are decoded by both sides. PyTorch is Debian's python3-torch under /usr/bin/python3
# (bench/scripts/install-torch.sh installs it and fetches OpenBLAS for it); TORCH_BLAS=system runs it
# on whatever libblas.so.3 the system has instead of that OpenBLAS.
#
# Per round:
#   moe4j train   ./moe4j train --steps 40 ... --out <tmp>: median of the step times in metrics.jsonl
#                 (2048 / tokens_per_second) over steps 6 to 39 (the first steps warm the JIT up)
#   torch train   torch_lm.py --mode train --warmup 5 --steps 34: median over its 34 timed steps
#   moe4j decode  ./moe4j bench decode RUN --batch 1,16: 7 rounds of 80 steps, median of the last 5
#   torch decode  torch_lm.py --mode decode --run RUN --batch 1,16: the same protocol
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-3}
threads=${2:-2}
run=${3:-runs/default-final}
py=/usr/bin/python3
tokens_per_step=$((16 * 128))

if [ ! -f "$run/run.json" ] || [ ! -f "$run/checkpoint/model.safetensors" ]; then
  echo "compare-torch: $run is not a trained run folder (no run.json or checkpoint); train one with" >&2
  echo "  ./moe4j train --out runs/default-final   or pass a run folder as the third argument." >&2
  exit 1
fi
if ! "$py" -c 'import torch' 2>/dev/null; then
  echo "compare-torch: $py does not import torch; run bench/scripts/install-torch.sh first." >&2
  exit 1
fi
blas_dir="${MOE4J_CACHE:-$HOME/.cache/moe4j}/openblas-openmp"
torch_env=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE)
if [ "${TORCH_BLAS:-openblas}" = openblas ]; then
  if [ -e "$blas_dir/libblas.so.3" ]; then
    torch_env+=("LD_LIBRARY_PATH=$blas_dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}")
  elif [[ "$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null)" != *openblas* ]]; then
    echo "compare-torch: no OpenBLAS for torch in $blas_dir and the system's libblas.so.3 is not OpenBLAS;" >&2
    echo "  run bench/scripts/install-torch.sh first (or TORCH_BLAS=system to time the system's BLAS)." >&2
    exit 1
  fi
fi
torch_lm() { "${torch_env[@]}" "$py" bench/scripts/torch_lm.py --threads "$threads" "$@"; }

./moe4j --version >/dev/null 2>&1 # builds the jar if needed, before anything is timed
tmp="$(mktemp -d /tmp/compare-torch.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT

echo "load at start: $(uptime)"
echo "moe4j: $(./moe4j --version 2>/dev/null | head -n 1), $threads threads"
header="$(torch_lm --mode decode --run "$run" --batch 1 --rounds 3 --decode-steps 1 2>/dev/null)"
echo "PyTorch: ${header%%$'\n'*}"

moe4j_train() {
  local out="$tmp/train-$1"
  MOE4J_JAVA_OPTS="-Dmoe4j.threads=$threads ${MOE4J_JAVA_OPTS:-}" ./moe4j train --steps 40 --eval-every 1000 \
    --checkpoint-every 0 --sample-tokens 0 --out "$out" >"$tmp/train-$1.log" 2>&1 \
    || { cat "$tmp/train-$1.log" >&2; exit 1; }
  "$py" - "$out/metrics.jsonl" "$tokens_per_step" <<'EOF'
import json, statistics, sys
steps = [json.loads(line) for line in open(sys.argv[1])]
times = [int(sys.argv[2]) / s["tokens_per_second"] for s in steps if 6 <= s["step"] <= 39]
print(f"{int(sys.argv[2]) / statistics.median(times):.1f}")
EOF
  rm -rf "$out"
}
torch_train() {
  torch_lm --mode train --warmup 5 --steps 34 2>/dev/null | tail -n 1 \
    | "$py" -c 'import json,sys; print(json.load(sys.stdin)["tokens_per_s"])'
}
# both print "ms_batch1 ms_batch16"
moe4j_decode() {
  ./moe4j bench decode "$run" --batch 1,16 --threads "$threads" 2>/dev/null \
    | awk -F'|' '$2 ~ /^ *(1|16) *$/ {gsub(/ /, "", $3); printf "%s ", $3} END {print ""}'
}
torch_decode() {
  torch_lm --mode decode --run "$run" --batch 1,16 2>/dev/null | tail -n 1 \
    | "$py" -c 'import json,sys; print(" ".join(str(r["median_step_ms"]) for r in json.load(sys.stdin)["rows"]))'
}

declare -a mt tt md1 md16 td1 td16
for r in $(seq "$rounds"); do
  if [ $((r % 2)) = 1 ]; then order="moe4j torch"; else order="torch moe4j"; fi
  for side in $order; do
    if [ "$side" = moe4j ]; then mt+=("$(moe4j_train "$r")"); else tt+=("$(torch_train)"); fi
  done
  for side in $order; do
    if [ "$side" = moe4j ]; then read -r a b <<<"$(moe4j_decode)"; md1+=("$a"); md16+=("$b")
    else read -r a b <<<"$(torch_decode)"; td1+=("$a"); td16+=("$b"); fi
  done
  echo "round $r ($order first): train tokens/s moe4j ${mt[-1]}, torch ${tt[-1]}; decode ms/step B=1 moe4j ${md1[-1]}," \
    "torch ${td1[-1]}; B=16 moe4j ${md16[-1]}, torch ${td16[-1]}; $(uptime | sed 's/.*load/load/')" >&2
done
echo "load at end: $(uptime)"

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
echo
echo "| workload | moe4j | PyTorch | moe4j / PyTorch speed | rounds (moe4j; PyTorch) |"
echo "|---|---:|---:|---:|---|"
m=$(median "${mt[@]}"); t=$(median "${tt[@]}")
printf '| training, tokens/s (16 x 128 per step) | %.0f | %.0f | %.2f | %s; %s |\n' "$m" "$t" "$(echo "$m / $t" | bc -l)" \
  "${mt[*]}" "${tt[*]}"
for b in 1 16; do
  if [ $b = 1 ]; then ms=("${md1[@]}"); ts=("${td1[@]}"); else ms=("${md16[@]}"); ts=("${td16[@]}"); fi
  m=$(median "${ms[@]}"); t=$(median "${ts[@]}")
  printf '| decode batch %d, ms per step (tokens/s) | %.3f (%.0f) | %.3f (%.0f) | %.2f | %s; %s |\n' "$b" \
    "$m" "$(echo "$b * 1000 / $m" | bc -l)" "$t" "$(echo "$b * 1000 / $t" | bc -l)" "$(echo "$t / $m" | bc -l)" "${ms[*]}" "${ts[*]}"
done
