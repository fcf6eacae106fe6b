#!/usr/bin/env bash
# Side by side, in one run: moe4j's `bench gemm`, OpenBLAS through numpy (with OPENBLAS_CORETYPE and
# OPENBLAS_L2_SIZE unset in its command only, so it picks its best kernel for this CPU) and MKL through
# PyTorch (the venv's torch, $PYTHON, default /work/V/bin/python; skipped if it has no torch),
# alternating per shape for ROUNDS rounds; prints the CPU model, the load, the plan moe4j chose and
# why, the median GFLOP/s of each and moe4j's ratio to the faster of the two. Usage:
#   bench/scripts/compare-gemm.sh [ROUNDS] [THREADS]
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-3}
threads=${2:-2}
py=${PYTHON:-/work/V/bin/python}
shapes=${SHAPES:-"1024,1024,1024 4096,1408,512 512,1408,512 1,14336,4096"}
cpu=""
if [ "${CPU_TIME:-0}" = 1 ]; then
  [ "$threads" = 1 ] || { echo "compare-gemm.sh: CPU_TIME=1 needs THREADS 1, got $threads" >&2; exit 2; }
  cpu="--cpu-time"
  echo "timing: the calling thread's CPU time"
fi
./moe4j --version >/dev/null 2>&1
echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "load at start:$(uptime | sed 's/.*load average://')"
(unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE; python3 bench/scripts/openblas_core.py)
have_torch=0
if "$py" -c 'import torch' 2>/dev/null; then
  have_torch=1
  "$py" -c 'import torch; c = torch.__config__.show(); print("torch", torch.__version__, "BLAS:", "MKL" if "BLAS_INFO=mkl" in c else c)'
fi
./moe4j bench gemm 1024 1024 1024 --threads "$threads" --runs 1 2>/dev/null | grep '^#'
declare -A np tc jv
for r in $(seq "$rounds"); do
  for s in $shapes; do
    IFS=, read -r m n k <<<"$s"
    jv[$s]+=" $(./moe4j bench gemm "$m" "$n" "$k" --threads "$threads" $cpu 2>/dev/null | awk '/^gemm /{print $5}')"
    np[$s]+=" $( (unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE; python3 bench/scripts/numpy_gemm.py --threads "$threads" $cpu "$s") | awk '{print $4}')"
    if [ "$have_torch" = 1 ]; then
      tc[$s]+=" $("$py" bench/scripts/numpy_gemm.py --lib torch --threads "$threads" $cpu "$s" | awk '{print $4}')"
    else
      tc[$s]+=" 0"
    fi
  done
done
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
printf '%-18s %10s %10s %10s %8s\n' "M N K" "OpenBLAS" "MKL" "moe4j" "ratio"
for s in $shapes; do
  o=$(echo "${np[$s]}" | median); t=$(echo "${tc[$s]}" | median); j=$(echo "${jv[$s]}" | median)
  best=$(echo "if ($o > $t) $o else $t" | bc -l)
  printf '%-18s %10.1f %10.1f %10.1f %8.2f   (numpy:%s | torch:%s | moe4j:%s)\n' "${s//,/ }" "$o" "$t" "$j" \
    "$(echo "$j / $best" | bc -l)" "${np[$s]}" "${tc[$s]}" "${jv[$s]}"
done
if [ -n "$cpu" ]; then echo "load at end:$(uptime | sed 's/.*load average://')"; exit 0; fi
g=$(for r in $(seq "$rounds"); do ./moe4j bench grouped-gemm 8 4096 1408 512 --threads "$threads" 2>/dev/null | awk '{print $6}'; done | tr '\n' ' ')
d=$(echo "${jv[4096,1408,512]}" | median)
printf 'grouped 8 x 4096 rows 1408x512: %s GFLOP/s (median), %.2f of moe4j single GEMM   (%s)\n' "$(echo "$g" | median)" "$(echo "$(echo "$g" | median) / $d" | bc -l)" "$g"
echo "load at end:$(uptime | sed 's/.*load average://')"
