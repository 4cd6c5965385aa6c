#!/usr/bin/env bash
# Builds doppio-accel's test binary with the `cuda` feature on this (GPU-less) machine and
# copies it, stripped, to .gpu-bin/accel-cuda-tests (ignored by git), for a GPU host that has
# the NVIDIA driver (580 or newer) but possibly no Rust toolchain or network. There:
#
#   .gpu-bin/accel-cuda-tests cuda:: --nocapture --test-threads 1
#
# runs every CUDA-vs-CPU comparison (accel/tests/accel/cuda.rs); without a device they skip
# and say why. The CUDA runtime is linked statically; the binary needs glibc and libstdc++.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

log() { printf 'cuda-gpu-bin.sh: %s\n' "$*" >&2; }

cuda_env=$(scripts/cuda-toolchain.sh)
while IFS= read -r line; do export "${line?}"; done <<<"$cuda_env"

log "building the accel tests with --features cuda"
exe=$(CARGO_INCREMENTAL=0 cargo test -p doppio-accel --features cuda --locked --test accel \
    --no-run --message-format=json |
    grep -o '"executable":"[^"]*"' | tail -n 1 | cut -d'"' -f4)
[ -n "$exe" ] && [ -x "$exe" ] || { log "cargo printed no test executable"; exit 1; }

mkdir -p .gpu-bin
cp "$exe" .gpu-bin/accel-cuda-tests
strip .gpu-bin/accel-cuda-tests
log "wrote .gpu-bin/accel-cuda-tests ($(du -h .gpu-bin/accel-cuda-tests | cut -f1)) from $exe"
