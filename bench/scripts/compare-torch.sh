#!/usr/bin/env bash
# moe4j against PyTorch and transformers, side by side in one run, moe4j and the Python side
# alternating (which goes first swaps every round), each measurement in a process of its own, both
# with THREADS threads; prints the CPU model, the date and the load with every Markdown table of
# medians over ROUNDS rounds. Usage:
#   bench/scripts/compare-torch.sh [ROUNDS] [THREADS] [RUN]
#   PARTS=lm,moe PYTHON=/work/V/bin/python bench/scripts/compare-torch.sh 3 2 runs/default-final
# ROUNDS default 3, THREADS default 2, RUN a trained default run (default runs/default-final): its
# weights are decoded by both sides. PARTS (default lm,moe): lm = the default language model
# (training, then decoding at batch 1 and 16, which needs RUN; PARTS=train times training only),
# moe = the MoE layer forward + backward. PYTHON (default /work/V/bin/python when present, else
# /usr/bin/python3): an interpreter with torch (the 2.13 CPU wheel and transformers 5.18 in
# /work/V); with Debian's torch 1.13 (/usr/bin/python3) the script puts the OpenBLAS of
# bench/scripts/install-torch.sh under it (TORCH_BLAS=system: whatever libblas.so.3 the system has).
#
# Per round:
#   moe4j train   ./moe4j train --steps 40 ... --out <tmp>: median of the step times in metrics.jsonl
#                 (2048 / tokens_per_second) over steps 6 to 39 (the first steps warm the JIT up)
#   torch train   torch_lm.py --mode train --warmup 5 --steps 34: median over its 34 timed steps
#   moe4j decode  ./moe4j bench decode RUN --batch-sizes 1,16: 7 rounds of 80 steps, median of the last 5
#   torch decode  torch_lm.py --mode decode --run RUN --batch 1,16: the same protocol
#   moe4j moe     ./moe4j bench moe SHAPE --runs 5: the MoE layer's median tokens/s (forward + backward)
#   transformers  torch_moe_layer.py SHAPE --runs 5, --impl eager and --impl grouped_mm: MixtralSparseMoeBlock
#   MKL products  torch_moe_layer.py SHAPE --runs 5 --impl products: the nine expert products alone through torch.mm
# for two shapes: Mixtral (d 512, f 1408, 8 experts, top-2, 4096 tokens) and fine-grained (d 512,
# f 256, 64 experts, top-6, 2048 tokens).
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-3}
threads=${2:-2}
run=${3:-runs/default-final}
parts=",${PARTS:-lm,moe},"
if [ -z "${PYTHON:-}" ]; then
  if [ -x /work/V/bin/python ]; then PYTHON=/work/V/bin/python; else PYTHON=/usr/bin/python3; fi
fi
py=$PYTHON
tokens_per_step=$((16 * 128))
has() { [[ "$parts" == *",$1,"* ]]; }
want_train=0; want_decode=0; want_moe=0
if has lm; then want_train=1; want_decode=1; fi
if has train; then want_train=1; fi
if has moe; then want_moe=1; fi

if [ "$want_decode" = 1 ] && { [ ! -f "$run/run.json" ] || [ ! -f "$run/checkpoint/model.safetensors" ]; }; then
  echo "compare-torch: $run is not a trained run folder (no run.json or checkpoint); train one with" >&2
  echo "  ./moe4j train --out runs/default-final, pass a run folder as the third argument, or PARTS=train,moe." >&2
  exit 1
fi
if ! torch_version="$("$py" -c 'import torch; print(torch.__version__)' 2>/dev/null)"; then
  echo "compare-torch: $py does not import torch; set PYTHON= to an interpreter with torch (e.g. /work/V/bin/python)." >&2
  exit 1
fi
if [ "$want_moe" = 1 ] && ! "$py" -c 'import transformers' 2>/dev/null; then
  echo "compare-torch: $py does not import transformers (needed for PARTS=moe); set PYTHON= or PARTS=lm." >&2
  exit 1
fi
torch_env=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE)
if [[ "$torch_version" == 1.* ]] && [ "${TORCH_BLAS:-openblas}" = openblas ]; then
  # Debian's torch 1.13 computes float32 products through libblas.so.3, the reference BLAS unless OpenBLAS is put under it
  blas_dir="${MOE4J_CACHE:-$HOME/.cache/moe4j}/openblas-openmp"
  if [ -e "$blas_dir/libblas.so.3" ]; then
    torch_env+=("LD_LIBRARY_PATH=$blas_dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}")
  elif [[ "$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null)" != *openblas* ]]; then
    echo "compare-torch: no OpenBLAS for torch in $blas_dir and the system's libblas.so.3 is not OpenBLAS;" >&2
    echo "  run bench/scripts/install-torch.sh first (or TORCH_BLAS=system to time the system's BLAS)." >&2
    exit 1
  fi
fi
torch_lm() { "${torch_env[@]}" "$py" bench/scripts/torch_lm.py --threads "$threads" "$@"; }

./moe4j --version >/dev/null 2>&1 # builds the jar (and its ahead-of-time cache) if needed, before anything is timed
tmp="$(mktemp -d /tmp/compare-torch.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT

cpu="$(lscpu | sed -n 's/^Model name: *//p') ($(nproc) cores)"
load() { uptime | sed 's/.*load average: *//'; }
stamp() { echo "CPU: $cpu; $(date -u '+%Y-%m-%d %H:%M UTC'); load average $(load)"; }
echo "$(stamp) at start"
echo "moe4j: $(./moe4j --version 2>/dev/null | head -n 1), $threads threads"
echo "PyTorch: $torch_version ($py), $threads threads"
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

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
  ./moe4j bench decode "$run" --batch-sizes 1,16 --threads "$threads" 2>/dev/null \
    | awk -F'|' '$2 ~ /^ *(1|16) *$/ {gsub(/ /, "", $3); printf "%s ", $3} END {print ""}'
}
torch_decode() {
  torch_lm --mode decode --run "$run" --batch 1,16 2>/dev/null | tail -n 1 \
    | "$py" -c 'import json,sys; print(" ".join(str(r["median_step_ms"]) for r in json.load(sys.stdin)["rows"]))'
}
# the MoE layer, SHAPE = "d hidden experts k tokens"; both print tokens/s
moe4j_moe() {
  local d f e k t
  read -r d f e k t <<<"$1"
  # prints "TOKENS/S PERCENT": the layer's tokens/s and its rate as a percentage of its expert products run alone
  ./moe4j bench moe --d-model "$d" --hidden "$f" --experts "$e" --top-k "$k" --tokens "$t" --threads "$threads" --runs 5 2>/dev/null \
    | sed -n -e 's/^moe: \([0-9.]*\) tokens\/s/\1/p' -e 's/^moe layer: .*(\([0-9]*\)%)$/\1/p' | paste -sd' '
}
torch_moe() {
  local d f e k t
  read -r d f e k t <<<"$1"
  "$py" bench/scripts/torch_moe_layer.py --d "$d" --hidden "$f" --experts "$e" --k "$k" --tokens "$t" \
    --threads "$threads" --runs 5 --impl "$2" 2>/dev/null | tail -n 1 \
    | "$py" -c 'import json,sys; print(json.load(sys.stdin)["tokens_per_s"])'
}

if [ "$want_train" = 1 ]; then
  declare -a mt tt md1 md16 td1 td16
  for r in $(seq "$rounds"); do
    if [ $((r % 2)) = 1 ]; then order="moe4j torch"; else order="torch moe4j"; fi
    for side in $order; do
      if [ "$side" = moe4j ]; then mt+=("$(moe4j_train "$r")"); else tt+=("$(torch_train)"); fi
    done
    line="round $r ($order first): train tokens/s moe4j ${mt[-1]}, torch ${tt[-1]}"
    if [ "$want_decode" = 1 ]; then
      for side in $order; do
        if [ "$side" = moe4j ]; then read -r a b <<<"$(moe4j_decode)"; md1+=("$a"); md16+=("$b")
        else read -r a b <<<"$(torch_decode)"; td1+=("$a"); td16+=("$b"); fi
      done
      line="$line; decode ms/step B=1 moe4j ${md1[-1]}, torch ${td1[-1]}; B=16 moe4j ${md16[-1]}, torch ${td16[-1]}"
    fi
    echo "$line; load average $(load)" >&2
  done
  echo
  echo "Language model (moe4j's default, 10,538,752 parameters). $(stamp) at end"
  echo
  echo "| workload | moe4j | PyTorch $torch_version | moe4j / PyTorch speed | rounds (moe4j; PyTorch) |"
  echo "|---|---:|---:|---:|---|"
  m=$(median "${mt[@]}"); t=$(median "${tt[@]}")
  printf '| training, tokens/s (16 x 128 per step) | %.0f | %.0f | %.2f | %s; %s |\n' "$m" "$t" "$(echo "$m / $t" | bc -l)" \
    "${mt[*]}" "${tt[*]}"
  if [ "$want_decode" = 1 ]; then
    for b in 1 16; do
      if [ $b = 1 ]; then ms=("${md1[@]}"); ts=("${td1[@]}"); else ms=("${md16[@]}"); ts=("${td16[@]}"); fi
      m=$(median "${ms[@]}"); t=$(median "${ts[@]}")
      printf '| decode batch %d, ms per step (tokens/s) | %.3f (%.0f) | %.3f (%.0f) | %.2f | %s; %s |\n' "$b" \
        "$m" "$(echo "$b * 1000 / $m" | bc -l)" "$t" "$(echo "$b * 1000 / $t" | bc -l)" "$(echo "$t / $m" | bc -l)" \
        "${ms[*]}" "${ts[*]}"
    done
  fi
  echo
fi

if [ "$want_moe" = 1 ]; then
  shapes=("512 1408 8 2 4096" "512 256 64 6 2048")
  names=("Mixtral (d 512, f 1408, 8 experts, top-2, 4096 tokens)" "fine-grained (d 512, f 256, 64 experts, top-6, 2048 tokens)")
  mm=("" ""); mp=("" ""); te=("" ""); tg=("" ""); tp=("" "")
  for r in $(seq "$rounds"); do
    if [ $((r % 2)) = 1 ]; then order="moe4j eager grouped_mm products"; else order="products grouped_mm eager moe4j"; fi
    for s in 0 1; do
      for side in $order; do
        case $side in
          moe4j) read -r tps pct <<<"$(moe4j_moe "${shapes[s]}")"; mm[s]="${mm[s]} $tps"; mp[s]="${mp[s]} $pct" ;;
          eager) te[s]="${te[s]} $(torch_moe "${shapes[s]}" eager)" ;;
          grouped_mm) tg[s]="${tg[s]} $(torch_moe "${shapes[s]}" grouped_mm)" ;;
          products) tp[s]="${tp[s]} $(torch_moe "${shapes[s]}" products)" ;;
        esac
      done
      echo "round $r ($order first), ${names[s]%% (*}: tokens/s moe4j ${mm[s]##* }, transformers eager ${te[s]##* }," \
        "grouped_mm ${tg[s]##* }, MKL products alone ${tp[s]##* }; load average $(load)" >&2
    done
  done
  echo
  echo "MoE layer forward + backward (transformers' MixtralSparseMoeBlock on PyTorch $torch_version), tokens/s. $(stamp) at end"
  echo
  echo "The last two columns: the same nine expert products through torch.mm (MKL) alone, as tokens/s of a layer"
  echo "that spent nothing else (bench/scripts/torch_moe_layer.py --impl products), and that ceiling over the faster transformers block."
  echo
  echo "| shape | moe4j | transformers eager | transformers grouped_mm | moe4j / faster transformers | moe4j layer / its products alone | rounds (moe4j; eager; grouped_mm) | MKL's products alone | MKL ceiling / faster transformers |"
  echo "|---|---:|---:|---:|---:|---:|---|---:|---:|"
  for s in 0 1; do
    # shellcheck disable=SC2086  # the rounds are space-separated numbers
    m=$(median ${mm[s]}); e=$(median ${te[s]}); g=$(median ${tg[s]}); c=$(median ${tp[s]})
    best=$(printf '%s\n%s\n' "$e" "$g" | sort -g | tail -n 1)
    printf '| %s | %.0f | %.0f | %.0f | %.2f | %s%% | %s;%s;%s | %.0f | %.2f |\n' "${names[s]}" "$m" "$e" "$g" "$(echo "$m / $best" | bc -l)" \
      "$(median ${mp[s]})" "${mm[s]# }" "${te[s]}" "${tg[s]}" "$c" "$(echo "$c / $best" | bc -l)"
  done
fi
