#!/usr/bin/env bash
# Decode and prompt-processing speed of moe4j against llama.cpp on the same GGUF file, the engines'
# runs alternating so that load from other processes on this shared machine falls on both alike;
# `uptime` before each run. Usage:
#   bench/scripts/gguf_speed.sh FILE.gguf ROUNDS [--no-prefill]
# Both engines decode after a prompt of the same length: 512 tokens, or 16 with --no-prefill (decode only,
# and no prompt-processing runs). Decoding after 512 positions costs more attention than after 16.
# Environment: LLAMA_RUN (default /work/peers/harness/llama_run, built from bench/scripts/llama_run.c),
# BASE_JAR (optional: another moe4j jar, e.g. an earlier build, timed the same way after moe4j, with
# BASE_COMPILE_COMMANDS, default this tree's scripts/jvm-compile-commands.txt).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
file="$1"; rounds="${2:-1}"; prefill=1
[ "${3:-}" = "--no-prefill" ] && prefill=0
llama="${LLAMA_RUN:-/work/peers/harness/llama_run}"
. "$root/scripts/find-jdk.sh"; moe4j_find_jdk
engines=("$root/moe4j")
if [ -n "${BASE_JAR:-}" ]; then
  # the launcher's JVM options, compile commands included (without them the one-token Q4_K kernel runs 20x slower)
  engines+=("$JAVA_HOME/bin/java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC -XX:CompileCommandFile=${BASE_COMPILE_COMMANDS:-$root/scripts/jvm-compile-commands.txt} -jar $BASE_JAR")
fi
prompt=$([ "$prefill" = 1 ] && echo 512 || echo 16)
echo "# $(date -u +%FT%TZ) $(lscpu | sed -n 's/^Model name: *//p') file $file, decoding after $prompt prompt tokens"
for r in $(seq "$rounds"); do
  echo "## round $r"
  echo "llama.cpp   $(uptime | sed 's/.*load/load/')"
  "$llama" bench "$file" 2 "$prompt" 64 2>/dev/null | grep -v '^$'
  for e in "${engines[@]}"; do
    echo "moe4j ${e##* }   $(uptime | sed 's/.*load/load/')"
    $e bench decode "$file" --batch-sizes 1 --prompt-tokens "$prompt" --steps 32 --rounds 4 --threads 2 2>/dev/null | grep '^| 1 |'
    if [ "$prefill" = 1 ]; then
      echo "moe4j ${e##* } prefill   $(uptime | sed 's/.*load/load/')"
      $e bench prefill "$file" --prompt-tokens 512 --rounds 2 --threads 2 2>/dev/null | grep -v '^$' | tail -2
    fi
  done
done
