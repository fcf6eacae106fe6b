#!/usr/bin/env bash
# Builds bench/scripts/llama_run.c against the prebuilt llama.cpp of the npm package node-llama-cpp 3.21.1
# (CPU builds per instruction set; libggml picks the one for this CPU), outside the repository.
#   bench/scripts/build-llama-run.sh [PEERS_DIR]     (default /work/peers; the binary is PEERS_DIR/harness/llama_run)
# The headers come from the llama.cpp source the package carries (llama/gitRelease.bundle, release v0.4.0),
# so they match the libraries.
set -euo pipefail
peers="${1:-/work/peers}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
mkdir -p "$peers/nlc" "$peers/harness"
if [ ! -d "$peers/nlc/node_modules/node-llama-cpp" ]; then
  (cd "$peers/nlc" && npm init -y >/dev/null && npm install node-llama-cpp@3.21.1 --ignore-scripts)
fi
if [ ! -d "$peers/llama.cpp" ]; then
  git clone -q "$peers/nlc/node_modules/node-llama-cpp/llama/gitRelease.bundle" "$peers/llama.cpp"
fi
lib="$peers/nlc/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64"
gcc -O2 -DBACKEND_DIR="\"$lib\"" -o "$peers/harness/llama_run" "$here/llama_run.c" \
  -I"$peers/llama.cpp/include" -I"$peers/llama.cpp/ggml/include" \
  -L"$lib" -l:libllama.v0.4.0.so -l:libggml.v0.4.0.so -l:libggml-base.so -Wl,-rpath,"$lib"
echo "$peers/harness/llama_run"
