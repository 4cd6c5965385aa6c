#!/usr/bin/env bash
# The project's test command (README "Quick start"; CI runs it through .ci/run).
# Installs what it needs (Postgres included), then: formatting, clippy with warnings
# denied, every test (the storage suite on SQLite and on Postgres),
# the benches compiled, and a smoke run of the hardware profile.
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

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy (warnings denied)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "Postgres for the storage suite (scripts/postgres.sh)"
export "$(scripts/postgres.sh)"
export DOPPIO_REQUIRE_POSTGRES=1

step "cargo test"
cargo test --workspace --locked

step "benches compile"
cargo test --workspace --benches --no-run --locked

step "hardware profile smoke run (hwprofile --quick --json)"
out=$(mktemp)
cargo run --locked -q -p doppio-benches --bin hwprofile -- --quick --json --budget-ms 20 >"$out"
python3 - "$out" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))
assert rows and all({"op", "size", "backend", "ms", "baseline", "baseline_ms"} <= r.keys() for r in rows), rows
ops = {r["op"] for r in rows}
for want in ("msm", "msm_batch_prepared", "qc.verify", "vid.disperse", "vid.recover_payload"):
    assert want in ops, f"profile has no {want} row: {sorted(ops)}"
assert all(r["ms"] > 0 and r["baseline_ms"] > 0 for r in rows), rows
print(len(rows), "profile rows")
PY
rm -f "$out"

echo
echo "all checks passed"
