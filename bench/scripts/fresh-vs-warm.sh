#!/usr/bin/env bash
# A fresh process's decoding speed against the warm one, side by side in one run: per round, in
# this order (rotated every round), `./moe4j generate RUN --max-tokens 200` in a new JVM without the
# ahead-of-time cache (MOE4J_AOT=0), with the cache but the JIT left to its counters
# (-XX:-AOTCompileEagerly), with the cache as the launcher uses it, and the warm batch-1 step of
# `./moe4j bench decode RUN --batch-sizes 1` (median of its 5 timed rounds). Prints the load with every
# line and a Markdown table of the medians. Usage:
#   bench/scripts/fresh-vs-warm.sh RUN [ROUNDS]       (ROUNDS default 5)
set -euo pipefail
cd "$(dirname "$0")/../.."
run=${1:?usage: bench/scripts/fresh-vs-warm.sh RUN [ROUNDS]}
rounds=${2:-5}
[ -f "$run/run.json" ] || { echo "fresh-vs-warm: $run is not a run folder (no run.json)" >&2; exit 1; }
./moe4j --version >/dev/null 2>&1 # builds the jar and the cache before anything is timed

# prints "decode-tokens/s prefill-seconds"
fresh() {
  env "$@" ./moe4j generate "$run" "Call me Ishmael." --max-tokens 200 --temperature 0 2>&1 >/dev/null \
    | sed -n 's/.*prefill \([0-9.]*\) s.* at \([0-9.]*\) tokens\/s.*/\2 \1/p'
}
warm() {
  ./moe4j bench decode "$run" --batch-sizes 1 2>/dev/null | awk -F'|' '$2 ~ /^ *1 *$/ {gsub(/ /, "", $5); print $5}'
}
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

names=(no-cache cache-lazy cache warm)
declare -a t0 t1 t2 t3 p0 p1 p2
echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "load at start: $(uptime | sed 's/.*load/load/')"
for r in $(seq "$rounds"); do
  for k in 0 1 2 3; do
    i=$(( (k + r) % 4 ))
    case $i in
      0) read -r t p <<<"$(fresh MOE4J_AOT=0)"; t0+=("$t"); p0+=("$p") ;;
      1) read -r t p <<<"$(fresh MOE4J_JAVA_OPTS=-XX:-AOTCompileEagerly)"; t1+=("$t"); p1+=("$p") ;;
      2) read -r t p <<<"$(fresh MOE4J_AOT=1)"; t2+=("$t"); p2+=("$p") ;;
      3) t3+=("$(warm)") ;;
    esac
  done
  echo "round $r: tokens/s no-cache ${t0[-1]}, cache-lazy ${t1[-1]}, cache ${t2[-1]}, warm ${t3[-1]};" \
    "$(uptime | sed 's/.*load/load/')" >&2
done
echo "load at end: $(uptime | sed 's/.*load/load/')"
w=$(median "${t3[@]}")
echo
echo "| process | decode tokens/s (median) | of warm | prefill s (median) | rounds |"
echo "|---|---:|---:|---:|---|"
row() { local m; m=$(median "${@:3}"); printf '| %s | %.0f | %.0f%% | %s | %s |\n' "$1" "$m" "$(echo "100 * $m / $w" | bc -l)" "$2" "${*:3}"; }
row "fresh, no cache (MOE4J_AOT=0)" "$(median "${p0[@]}")" "${t0[@]}"
row "fresh, cache, JIT by counters" "$(median "${p1[@]}")" "${t1[@]}"
row "fresh, cache + eager compiles (default)" "$(median "${p2[@]}")" "${t2[@]}"
row "warm (bench decode, batch 1)" "-" "${t3[@]}"
