#!/usr/bin/env bash
# moe4j's tokenizer.json encoder against the Hugging Face `tokenizers` library, side by side in one
# run: each encodes the same text with the same tokenizer.json on one thread (moe4j: the calling
# thread; tokenizers: RAYON_NUM_THREADS=1, TOKENIZERS_PARALLELISM=false), alternating for ROUNDS
# rounds, each measurement in a process of its own; prints the CPU, the load and a Markdown table of
# the medians. Usage:
#   bench/scripts/compare-tokenizer.sh TOKENIZER [TEXT] [ROUNDS]
# TOKENIZER a tokenizer.json (or .json.gz, unpacked to a temporary file for Python), TEXT default the
# bundled Moby-Dick, ROUNDS default 3. PY (default /work/V/bin/python, else python3) must import tokenizers.
# CPU=N pins each process to core N (taskset), so that the JVM's compiler and collector threads
# share the one core with the encoding thread instead of using the second one.
set -euo pipefail
cd "$(dirname "$0")/../.."
tok=${1:?usage: compare-tokenizer.sh TOKENIZER [TEXT] [ROUNDS]}
text=${2:-datasets/src/main/resources/org/moe4j/data/moby-dick.txt}
rounds=${3:-3}
py=${PY:-/work/V/bin/python}
pin=()
if [ -n "${CPU:-}" ]; then pin=(taskset -c "$CPU"); fi
[ -x "$py" ] || py=python3

json="$tok"
if [ -d "$tok" ]; then json="$tok/tokenizer.json"; [ -f "$json" ] || json="$tok/tokenizer.json.gz"; fi
tmp=""
if [[ "$json" == *.gz ]]; then
  tmp="$(mktemp --suffix=.json)"; trap 'rm -f "$tmp"' EXIT
  gunzip -c "$json" > "$tmp"; json="$tmp"
fi

echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "cpu: $(lscpu | sed -n 's/^Model name: *//p')"
echo "load before: $(uptime | sed 's/.*load average: //')"
echo "pinned to core: ${CPU:-no}"
./moe4j --version >/dev/null 2>&1 || true
m=(); p=()
for r in $(seq "$rounds"); do
  a=$(${pin[@]+"${pin[@]}"} ./moe4j bench tokenizer "$json" --text "$text" 2>/dev/null | grep '^tokenizer')
  b=$(${pin[@]+"${pin[@]}"} "$py" bench/scripts/hf_tokenizers_encode.py "$json" "$text" | grep '^tokenizer')
  echo "round $r  moe4j: $a"
  echo "round $r  tokenizers: $b"
  m+=("$a"); p+=("$b")
done
echo "load after: $(uptime | sed 's/.*load average: //')"
median() { sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }
field() { local i=$1; shift; for l in "$@"; do echo "$l" | awk -v i="$i" '{print $i}'; done; }
mf=$(field 3 "${m[@]}" | median); pf=$(field 3 "${p[@]}" | median)
mm=$(field 4 "${m[@]}" | median); pm=$(field 4 "${p[@]}" | median)
echo
echo "| encoder | first call (s) | median call (s) | MB/s | tokens |"
echo "|---|---|---|---|---|"
echo "| moe4j | $mf | $mm | $(awk -v b="$(field 8 "${m[0]}")" -v s="$mm" 'BEGIN{printf "%.2f", b/s/1e6}') | $(field 7 "${m[0]}") |"
echo "| tokenizers $("$py" -c 'import tokenizers; print(tokenizers.__version__)') | $pf | $pm | $(awk -v b="$(field 8 "${p[0]}")" -v s="$pm" 'BEGIN{printf "%.2f", b/s/1e6}') | $(field 7 "${p[0]}") |"
echo
awk -v a="$mm" -v b="$pm" -v c="$mf" -v d="$pf" 'BEGIN{printf "moe4j is %.1fx as fast as tokenizers per call once warm, %.1fx on the first call\n", b/a, d/c}'
