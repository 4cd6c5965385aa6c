#!/usr/bin/env bash
# Builds, on this (GPU-less) machine, with the `cuda` feature: doppio-accel's test binary
# and a release `hwprofile`, and copies them stripped to .gpu-bin/ (ignored by git) with
# scripts/gpu-measure.sh, for a GPU host that has the NVIDIA driver (580 or newer) but
# possibly no Rust toolchain or network. Copy .gpu-bin/ there, then either
#
#   OUT=results .gpu-bin/gpu-measure.sh        # tests + every hwprofile row, raw, under results/
#   .gpu-bin/accel-cuda-tests cuda:: --nocapture --test-threads 1    # the tests alone
#
# The tests compare every CUDA operation with the CPU backend (accel/tests/accel/cuda.rs);
# without a device they skip and say why. The CUDA runtime is linked statically; the binaries
# need glibc and libstdc++. SKIP_HWPROFILE=1 builds the tests only (the release build of
# hwprofile takes a while).
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

if [ "${SKIP_HWPROFILE:-0}" != 1 ]; then
    log "building a release hwprofile with --features cuda"
    CARGO_INCREMENTAL=0 cargo build --release --locked -p doppio-benches --features cuda \
        --bin hwprofile
    cp target/release/hwprofile .gpu-bin/hwprofile
    strip .gpu-bin/hwprofile
    log "wrote .gpu-bin/hwprofile ($(du -h .gpu-bin/hwprofile | cut -f1))"
fi
cp scripts/gpu-measure.sh .gpu-bin/gpu-measure.sh
log "wrote .gpu-bin/gpu-measure.sh; on the GPU host: OUT=results .gpu-bin/gpu-measure.sh"
