#!/usr/bin/env bash
# Aggregate chat throughput of moe4j's server against llama.cpp's parallel decoding on the same GGUF file, the
# same threads and the same load generator, both sides alternating in one run (issue 14).
#
#   bench/scripts/compare-serving.sh FILE.gguf [CLIENTS] [ROUNDS] [THREADS]
#       CLIENTS: comma-separated concurrent client counts (default 16,64); ROUNDS (default 3); THREADS (default 2)
#
# moe4j: `moe4j serve FILE --max-batch MAX --context 512` with THREADS kernel threads (-Dmoe4j.threads).
# llama.cpp: bench/scripts/llama_cpp_chat_server.mjs, node-llama-cpp 3.21.1's prebuilt llama.cpp, one context with as
# many sequences as clients at each level (a server per level), THREADS threads. Both are driven by
# `moe4j bench serve --url ... --chat`: closed-loop clients, each sending its next request when the last is answered,
# greedy non-streamed 32-token answers to one user message (8 English prompts in turn), max(16, 4 C) requests per
# level after a warm-up of max(16, C); a level that takes over LEVEL_TIMEOUT seconds (default 300) counts 0 tokens/s.
# Prints the CPU, the date and the load (uptime) with every measurement.
# node-llama-cpp must be installed in /work/peers/nlc (bench/scripts/build-llama-run.sh does it; NLC_DIR overrides);
# MOE4J names another launcher (e.g. a frozen build, so that editing sources during a run does not rebuild it).
set -euo pipefail
file="${1:?usage: compare-serving.sh FILE.gguf [CLIENTS] [ROUNDS] [THREADS]}"
clients="${2:-16,64}"
rounds="${3:-3}"
threads="${4:-2}"
nlc="${NLC_DIR:-/work/peers/nlc}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
root="$(cd "$here/../.." && pwd -P)"
moe4j="${MOE4J:-$root/moe4j}"   # the launcher (MOE4J: another build of it)
[ -f "$file" ] || { echo "compare-serving: $file is not a file" >&2; exit 2; }
[ -d "$nlc/node_modules/node-llama-cpp" ] || { echo "compare-serving: no node-llama-cpp in $nlc (run bench/scripts/build-llama-run.sh)" >&2; exit 2; }
IFS=, read -r -a levels <<< "$clients"
most=0
for c in "${levels[@]}"; do [ "$c" -gt "$most" ] && most="$c"; done

log="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

wait_up() {  # PORT NAME: waits for GET /v1/models
  for _ in $(seq 1 120); do
    curl -sf "http://127.0.0.1:$1/v1/models" >/dev/null 2>&1 && return 0
    sleep 1
  done
  echo "compare-serving: $2 did not come up on port $1 (logs in $log)" >&2
  exit 1
}

port=$((20000 + RANDOM % 20000))
MOE4J_JAVA_OPTS="-Dmoe4j.threads=$threads" "$moe4j" serve "$file" --port "$port" --max-batch "$most" --max-queue 1024 --context 512 >"$log/moe4j.log" 2>&1 &
pids+=($!)
declare -A llama_port
for c in "${levels[@]}"; do
  llama_port[$c]=$((port + c))
  node "$here/llama_cpp_chat_server.mjs" "$file" "${llama_port[$c]}" "$c" "$threads" "$nlc" >"$log/llama-$c.log" 2>&1 &
  pids+=($!)
done
wait_up "$port" moe4j
for c in "${levels[@]}"; do wait_up "${llama_port[$c]}" "llama.cpp ($c sequences)"; done

# the same conversation on both: the prompts must tokenize alike (the token counts are compared)
body='{"messages":[{"role":"user","content":"Call me Ishmael. Some years ago"}],"max_tokens":4,"temperature":0}'
mp=$(curl -s "http://127.0.0.1:$port/v1/chat/completions" -d "$body" | grep -o '"prompt_tokens":[0-9]*')
lp=$(curl -s "http://127.0.0.1:${llama_port[${levels[0]}]}/v1/chat/completions" -d "$body" | grep -o '"prompt_tokens":[0-9]*')
[ "$mp" = "$lp" ] || { echo "compare-serving: moe4j $mp, llama.cpp $lp: the prompts differ" >&2; exit 1; }

echo "# compare-serving: $(basename "$file"), $threads threads, clients $clients, $rounds rounds"
echo "# date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "# cpu: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores"
echo "# both servers report $mp for the first prompt"
echo
echo "| round | clients | server | tokens/s | p50 (s) | p99 (s) | failed | load before |"
echo "|---:|---:|---|---:|---:|---:|---:|---|"
bench() {  # PORT CLIENTS: the one level row of moe4j bench serve's table (nothing after LEVEL_TIMEOUT seconds)
  timeout "${LEVEL_TIMEOUT:-300}" "$moe4j" bench serve --url "http://127.0.0.1:$1" --chat --clients "$2" --rounds 1 --warmup "$2" 2>/dev/null \
    | awk -F'|' '$2 ~ /^ *[0-9]+ *$/ { gsub(/ /, ""); print $4, $6, $8, $9 }'
}
declare -A sums
for r in $(seq 1 "$rounds"); do
  for c in "${levels[@]}"; do
    # alternate which side goes first, so neither always runs right after the other's load
    if [ $((r % 2)) = 1 ]; then order="moe4j llama.cpp"; else order="llama.cpp moe4j"; fi
    for side in $order; do
      load="$(uptime | sed 's/.*load average: //')"
      if [ "$side" = moe4j ]; then p="$port"; else p="${llama_port[$c]}"; fi
      read -r failed tps p50 p99 < <(bench "$p" "$c" || true) || { failed=-; tps=0; p50="over ${LEVEL_TIMEOUT:-300} s"; p99=-; }
      echo "| $r | $c | $side | $tps | $p50 | $p99 | $failed | $load |"
      sums[$side,$c]="${sums[$side,$c]:-} $tps"
    done
  done
done
echo
echo "| clients | moe4j tokens/s (median) | llama.cpp tokens/s (median) | moe4j / llama.cpp |"
echo "|---:|---:|---:|---:|"
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
for c in "${levels[@]}"; do
  m=$(echo "${sums[moe4j,$c]}" | median)
  l=$(echo "${sums[llama.cpp,$c]}" | median)
  echo "| $c | $m | $l | $(awk -v m="$m" -v l="$l" 'BEGIN { if (l > 0) printf "%.2fx", m / l; else printf "- (a side timed out)" }') |"
done
echo
echo "# load after: $(uptime | sed 's/.*load average: //')"
