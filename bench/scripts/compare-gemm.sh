#!/usr/bin/env bash
# Side by side, in one run: OpenBLAS through numpy (with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset
# in its command only, so it picks its best kernel for this CPU) and moe4j, alternating per shape
# for ROUNDS rounds; prints the median GFLOP/s of each and the ratio. Usage:
#   bench/scripts/compare-gemm.sh [ROUNDS] [THREADS]
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-3}
threads=${2:-2}
shapes="1024,1024,1024 4096,1408,512 512,1408,512 1,14336,4096"
./moe4j --version >/dev/null 2>&1
(unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE; python3 bench/scripts/openblas_core.py)
declare -A np jv
for r in $(seq "$rounds"); do
  for s in $shapes; do
    IFS=, read -r m n k <<<"$s"
    np[$s]+=" $( (unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE; python3 bench/scripts/numpy_gemm.py --threads "$threads" "$s") | awk '{print $4}')"
    jv[$s]+=" $(./moe4j bench gemm "$m" "$n" "$k" --threads "$threads" 2>/dev/null | awk '{print $5}')"
  done
done
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
printf '%-18s %12s %12s %8s\n' "M N K" "OpenBLAS" "moe4j" "ratio"
for s in $shapes; do
  o=$(echo "${np[$s]}" | median); j=$(echo "${jv[$s]}" | median)
  printf '%-18s %12.1f %12.1f %8.2f   (numpy:%s | moe4j:%s)\n' "${s//,/ }" "$o" "$j" "$(echo "$j / $o" | bc -l)" "${np[$s]}" "${jv[$s]}"
done
g=$(for r in $(seq "$rounds"); do ./moe4j bench grouped-gemm 8 4096 1408 512 --threads "$threads" 2>/dev/null | awk '{print $6}'; done | tr '\n' ' ')
d=$(echo "${jv[4096,1408,512]}" | median)
printf 'grouped 8 x 4096 rows 1408x512: %s GFLOP/s (median), %.2f of moe4j single GEMM   (%s)\n' "$(echo "$g" | median)" "$(echo "$(echo "$g" | median) / $d" | bc -l)" "$g"
