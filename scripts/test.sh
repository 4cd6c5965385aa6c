#!/usr/bin/env bash
# The project's test command (README "Quick start"; CI runs it through .ci/run).
# Installs what it needs (Postgres, the Solidity tooling from npm, the CUDA compiler from
# PyPI), then: formatting, clippy with warnings denied, the accel `cuda` feature compiled
# (its device tests skip without a GPU), every test (the storage suite on SQLite and on
# Postgres, the anvil round trip), the generated contract files checked for staleness, the
# forge tests (unit, fuzz, Rust-Solidity differential), the benches compiled; the hardware
# profile's smoke run is a test of doppio-benches.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

if ! command -v cargo >/dev/null 2>&1; then
    echo "cargo not found: install Rust with rustup (https://rustup.rs) and retry" >&2
    exit 1
fi
step "toolchain components"
if command -v rustup >/dev/null 2>&1; then
    rustup component add rustfmt clippy >/dev/null 2>&1 ||
        echo "note: rustup could not add rustfmt/clippy (offline?); using what is installed"
fi
for tool in fmt clippy; do
    if ! cargo "$tool" --version >/dev/null 2>&1; then
        echo "cargo $tool is missing: install it with 'rustup component add ${tool/fmt/rustfmt}'" >&2
        exit 1
    fi
done

# Disk: a clean build of the workspace takes several GiB under target/; say so up front
# rather than failing half-way with ENOSPC.
mkdir -p target
avail_kib=$(df -Pk target | awk 'NR==2 {print $4}')
if [ "${avail_kib:-0}" -lt $((8 * 1024 * 1024)) ]; then
    echo "warning: only $((avail_kib / 1024)) MiB free under target/; a clean build needs about 8 GiB" >&2
fi

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy (warnings denied)"
cargo clippy --workspace --all-targets --locked -- -D warnings

# CI has no GPU, but the CUDA backend must not rot: build doppio-accel's `cuda` feature (nvcc
# from PyPI, kernels for sm_90, linked against cudart_static) and lint it. Its device tests
# skip where no driver is present, saying so. About 2 min 10 s on 2 cores (toolchain cached).
step "cuda feature compiles (scripts/cuda-toolchain.sh; accel --features cuda)"
(
    cuda_env=$(scripts/cuda-toolchain.sh)
    while IFS= read -r line; do export "${line?}"; done <<<"$cuda_env"
    cargo build -p doppio-accel --features cuda --tests --locked
    cargo clippy -p doppio-accel --features cuda --all-targets --locked -- -D warnings
    cargo test -p doppio-accel --features cuda --locked --lib --test accel cuda::
)

step "Postgres for the storage suite (scripts/postgres.sh)"
export "$(scripts/postgres.sh)"
export DOPPIO_REQUIRE_POSTGRES=1

step "Solidity tooling: forge, anvil, solcjs from npm (scripts/foundry.sh)"
foundry_env=$(scripts/foundry.sh)
while IFS= read -r line; do export "${line?}"; done <<<"$foundry_env"
export DOPPIO_REQUIRE_ANVIL=1

step "cargo test"
cargo test --workspace --locked

step "contracts: generated key and artifacts up to date (scripts/contracts.sh check)"
scripts/contracts.sh check

step "contracts: forge tests (scripts/contracts.sh test)"
scripts/contracts.sh test

step "benches compile"
cargo test --workspace --benches --no-run --locked


echo
echo "all checks passed"
