#!/usr/bin/env bash
# Installs the CUDA 13.0 compiler toolchain from PyPI (nvcc, the NVVM back end, the C++
# runtime headers, cudart_static, CCCL) into a Python venv under target/cuda-toolchain
# (ignored by git), then prints the environment the `cuda` feature of doppio-accel reads,
# one `NAME=value` per line on stdout (and nothing else there), so a caller can export
# each line (scripts/test.sh does):
#
#   NVCC              the nvcc binary accel/build.rs compiles accel/cuda/*.cu with
#   CUDA_PATH         the toolkit root (include/, lib/ with libcudart_static.a)
#
# CUDA 13.0 matches driver 580, the driver of the GPU hosts the project measures on; a
# newer toolkit would build binaries that driver refuses to run. No GPU is needed to build.
# Idempotent and offline once installed: pip runs only when nvcc or cudart is missing or the
# pinned versions changed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dest="${DOPPIO_CUDA_TOOLCHAIN_DIR:-$root/target/cuda-toolchain}"
pins=(nvidia-cuda-nvcc==13.0.88 nvidia-cuda-runtime==13.0.96 nvidia-nvvm==13.0.88
    nvidia-cuda-crt==13.0.88 "nvidia-cuda-cccl>=13.0,<13.1")

log() { printf 'cuda-toolchain.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

[ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] ||
    die "the PyPI CUDA toolchain pinned here is for Linux x86-64, not $(uname -s) $(uname -m)"

toolkit() {
    local base
    for base in "$dest"/venv/lib/python3*/site-packages/nvidia/cu13; do
        [ -d "$base" ] && { echo "$base"; return; }
    done
    echo "$dest/missing"
}

installed() {
    local cu
    cu=$(toolkit)
    [ -x "$cu/bin/nvcc" ] && [ -f "$cu/lib/libcudart_static.a" ] &&
        [ "$(cat "$dest/pins" 2>/dev/null)" = "${pins[*]}" ]
}

if ! installed; then
    command -v python3 >/dev/null || die "python3 is missing: install it (apt-get install python3 python3-venv)"
    log "installing ${pins[*]} into $dest/venv (about 300 MB)"
    mkdir -p "$dest"
    [ -x "$dest/venv/bin/pip" ] || python3 -m venv "$dest/venv" >&2 ||
        die "python3 -m venv failed: install python3-venv"
    "$dest/venv/bin/pip" install --disable-pip-version-check -q "${pins[@]}" >&2 ||
        die "pip could not install the CUDA toolchain (offline? PyPI unreachable?); run again with network access, or set NVCC to an installed nvcc 13.0"
    echo "${pins[*]}" >"$dest/pins"
    installed || die "pip finished but nvcc or libcudart_static.a is missing under $(toolkit)"
fi

cu=$(toolkit)
# nvcc.profile links from $TOP/lib64, the wheels install lib/: without this link nvcc cannot
# link a program (sppark's build links one to probe for a device).
[ -e "$cu/lib64" ] || ln -s lib "$cu/lib64"
# nvcc finds its own include/ and lib/ relative to itself (bin/nvcc.profile), which the
# PyPI wheels lay out like a toolkit; CUDA_PATH is for tools that look for the root.
echo "NVCC=$cu/bin/nvcc"
echo "CUDA_PATH=$cu"
