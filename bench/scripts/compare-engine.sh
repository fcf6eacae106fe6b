#!/usr/bin/env bash
# moe4j's inference engine against transformers on the same Hugging Face model folder, side by side in
# one run: batch-1 decode with its memory roofline (weight bytes per token over the read bandwidth
# measured in the same run), prompt processing, load time and peak RSS.
#
#   bench/scripts/compare-engine.sh MODEL_DIR [PROMPT_TOKENS] [NEW_TOKENS]
#
# PYTHON names an interpreter with torch 2.13 (CPU) and transformers 5.18 (default: python3); the
# project never needs them itself. Random-weight folders of real shapes: moe4j make-random-model.
set -euo pipefail
cd "$(dirname "$0")/../.."
model="$1"
prompt="${2:-512}"
new="${3:-32}"
python="${PYTHON:-python3}"
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); CPU: $(lscpu | sed -n 's/^Model name: *//p'); $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "## moe4j"
./moe4j bench decode "$model" --batch-sizes 1 --prompt-tokens 16 --steps 32 --rounds 4 --roofline --prefill "$prompt" 2>/dev/null
echo
echo "## transformers"
"$python" bench/scripts/transformers_generate.py "$model" --prompt-tokens "$prompt" --new-tokens "$new" --threads "$(nproc)" 2>/dev/null
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
