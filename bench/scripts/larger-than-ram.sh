#!/usr/bin/env bash
# A model file larger than the memory moe4j may use, decoding: `moe4j bench decode` runs inside a
# memory cgroup (v1) whose limit counts the page cache of the mapped file as well as the heap, so at
# most LIMIT_GIB of everything can be resident; the hottest experts are copied into RAM (--memory) and
# the others are read from the file when chosen. The page cache is dropped first, so the file starts on
# disk. Needs root (it makes the cgroup and drops the cache). That offloaded experts give the logits of
# resident ones is ExpertResidencyTest's; this script shows the speed and the memory.
#
#   bench/scripts/larger-than-ram.sh FILE.gguf LIMIT_GIB [EXPERT_GIB] [STEPS]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
file="$1"; limit="$2"; experts="${3:-2}"; steps="${4:-16}"
cg=/sys/fs/cgroup/memory/moe4j-larger-than-ram
if [ "$(id -u)" != 0 ] || [ ! -d /sys/fs/cgroup/memory ]; then
  echo "larger-than-ram.sh: needs root and a cgroup v1 memory controller at /sys/fs/cgroup/memory" >&2
  exit 2
fi
file_gib=$(awk -v b="$(stat -c %s "$file")" 'BEGIN { printf "%.1f", b / 2^30 }')
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'); $(lscpu | sed -n 's/^Model name: *//p'); load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# file $file: $file_gib GiB; memory limit $limit GiB (heap, page cache and all); experts kept in RAM: $experts GiB"
"$root/moe4j" --version >/dev/null 2>&1 # builds the jar and its cache outside the limit
mkdir -p "$cg"
trap 'rmdir "$cg" 2>/dev/null || true' EXIT
echo $((limit * 1024 * 1024 * 1024)) > "$cg/memory.limit_in_bytes"
sync
echo 1 > /proc/sys/vm/drop_caches
sh -c 'echo $$ > "$0/tasks"; exec "$@"' "$cg" "$root/moe4j" bench decode "$file" --batch-sizes 1 --prompt-tokens 16 \
  --steps "$steps" --rounds 3 --memory "$experts" --stats 2>&1 | grep -v '^WARNING'
echo "largest use inside the limit: $(awk '{ printf "%.2f GiB", $1 / 2^30 }' "$cg/memory.max_usage_in_bytes")"
