#!/usr/bin/env bash
# The first answer of a fresh `moe4j serve` against a warm one, with and without the server's
# warm-up (`--warm-up`), side by side in one run: per round and setting (order rotated every round),
# a new server on loopback; the time from starting it to listening; one completion of
# --max-tokens tokens (greedy, not streamed) as its first request, then 8 more the same way, of
# which the median is the warm figure. Prints the load with every line and a Markdown table of the
# medians over the rounds. Usage:
#   bench/scripts/fresh-serve.sh RUN [ROUNDS] [MAX_TOKENS] [WARM_UP_SECONDS]   (defaults 3, 100, 3)
set -euo pipefail
cd "$(dirname "$0")/../.."
run=${1:?usage: bench/scripts/fresh-serve.sh RUN [ROUNDS] [MAX_TOKENS] [WARM_UP_SECONDS]}
rounds=${2:-3}
tokens=${3:-100}
warm_up=${4:-3}
./moe4j --version >/dev/null 2>&1 # builds the jar and the cache before anything is timed
log=$(mktemp)
trap 'rm -f "$log"; [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null || true' EXIT

# prints "seconds-to-listen first-tokens/s warm-tokens/s" for one fresh server with --warm-up $1
one() {
  local port=$((18000 + RANDOM % 2000)) start
  start=$(date +%s.%N)
  ./moe4j serve "$run" --port "$port" --warm-up "$1" 2>"$log" &
  pid=$!
  until grep -q '^serving ' "$log"; do
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
    sleep 0.02
  done
  local listening
  listening=$(echo "$(date +%s.%N) - $start" | bc -l)
  python3 - "$port" "$tokens" "$listening" <<'EOF'
import json, sys, time, urllib.request
port, tokens, listening = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
def rate():
    body = json.dumps({"prompt": "Call me Ishmael.", "max_tokens": tokens, "temperature": 0}).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/completions", body, {"Content-Type": "application/json"})
    t = time.perf_counter()
    answer = json.load(urllib.request.urlopen(req))
    return answer["usage"]["completion_tokens"] / (time.perf_counter() - t)
first = rate()
warm = sorted(rate() for _ in range(8))
print(f"{listening:.2f} {first:.0f} {(warm[3] + warm[4]) / 2:.0f}")
EOF
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
}
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

declare -a l0 f0 w0 l1 f1 w1
echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "load at start: $(uptime | sed 's/.*load/load/')"
for r in $(seq "$rounds"); do
  for k in 0 1; do
    if (( (k + r) % 2 == 0 )); then
      read -r l f w <<<"$(one 0)"; l0+=("$l"); f0+=("$f"); w0+=("$w")
    else
      read -r l f w <<<"$(one "$warm_up")"; l1+=("$l"); f1+=("$f"); w1+=("$w")
    fi
  done
  echo "round $r: --warm-up 0: listening after ${l0[-1]} s, first answer ${f0[-1]} tokens/s, warm ${w0[-1]};" \
    "--warm-up $warm_up: ${l1[-1]} s, ${f1[-1]}, ${w1[-1]}; $(uptime | sed 's/.*load/load/')" >&2
done
echo "load at end: $(uptime | sed 's/.*load/load/')"
echo
echo "| server | listening after (s) | first answer, tokens/s | warm answers, tokens/s | first of warm |"
echo "|---|---:|---:|---:|---:|"
row() {
  local l f w; l=$(median "${@:2:$rounds}"); f=$(median "${@:$((2 + rounds)):$rounds}"); w=$(median "${@:$((2 + 2 * rounds)):$rounds}")
  printf '| %s | %s | %s | %s | %.0f%% |\n' "$1" "$l" "$f" "$w" "$(echo "100 * $f / $w" | bc -l)"
}
row "--warm-up 0" "${l0[@]}" "${f0[@]}" "${w0[@]}"
row "--warm-up $warm_up" "${l1[@]}" "${f1[@]}" "${w1[@]}"
