#!/usr/bin/env bash
# Installs what bench/scripts/torch_lm.py and compare-torch.sh need, and nothing when it is there:
#  1. PyTorch for the system interpreter /usr/bin/python3: Debian's python3-torch (apt-get, as
#     root or through sudo). Skipped when /usr/bin/python3 already imports torch.
#  2. An optimised BLAS for that PyTorch. Debian's python3-torch does its float32 matrix products
#     through libblas.so.3, which is the unoptimised reference BLAS unless an optimised one is
#     installed (about 8 GFLOP/s here against about 400 with OpenBLAS). To leave the system's BLAS
#     as it is, this fetches Debian's libopenblas0-openmp package with `apt-get download` (no
#     root needed, nothing installed) and unpacks its libblas.so.3 and liblapack.so.3 into
#     $MOE4J_CACHE/openblas-openmp (default ~/.cache/moe4j); compare-torch.sh puts that folder on
#     torch's LD_LIBRARY_PATH. The OpenMP build, because torch itself runs on OpenMP: with the pthread
#     build the two thread pools fight over the cores (a training step took 420 ms instead of 300).
#     Skipped when the folder is there or libblas.so.3 already is OpenBLAS.
# Usage: bench/scripts/install-torch.sh
set -euo pipefail

py=/usr/bin/python3
cache="${MOE4J_CACHE:-$HOME/.cache/moe4j}"
blas_dir="$cache/openblas-openmp"

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else echo "install-torch: '$*' needs root and there is no sudo; run this script as root." >&2; exit 1
  fi
}

if [ ! -x "$py" ]; then
  echo "install-torch: $py is missing; this script installs Debian's python3-torch for the system Python." >&2
  exit 1
fi

if "$py" -c 'import torch' 2>/dev/null; then
  echo "install-torch: PyTorch $("$py" -c 'import torch; print(torch.__version__)') already imports in $py; nothing to install."
else
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-torch: no apt-get here; install PyTorch for $py by other means." >&2
    exit 1
  fi
  echo "install-torch: installing Debian's python3-torch for $py (apt-get install -y python3-torch)..."
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y python3-torch
  "$py" -c 'import torch; print("install-torch: PyTorch", torch.__version__, "installed")'
fi

system_blas="$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null || true)"
if [[ "$system_blas" == *openblas* ]]; then
  echo "install-torch: the system's libblas.so.3 is already OpenBLAS ($system_blas); torch uses it as it is."
elif [ -e "$blas_dir/libblas.so.3" ]; then
  echo "install-torch: OpenBLAS for torch is already in $blas_dir."
else
  echo "install-torch: the system's libblas.so.3 is ${system_blas:-missing} (not OpenBLAS); fetching Debian's"
  echo "  libopenblas0-openmp with apt-get download (nothing is installed) into $blas_dir ..."
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && apt-get download libopenblas0-openmp >/dev/null 2>&1) || {
    echo "install-torch: 'apt-get download libopenblas0-openmp' failed (try 'apt-get update' first)." >&2; exit 1; }
  dpkg-deb -x "$tmp"/libopenblas0-openmp_*.deb "$tmp/root"
  src="$(dirname "$(find "$tmp/root" -name libblas.so.3 | head -n 1)")"
  mkdir -p "$cache"
  rm -rf "$blas_dir.partial"
  cp -a "$src" "$blas_dir.partial"
  rm -rf "$blas_dir"
  mv "$blas_dir.partial" "$blas_dir"
  echo "install-torch: $(cd "$blas_dir" && ls libopenblas*-r*.so) unpacked into $blas_dir"
fi
