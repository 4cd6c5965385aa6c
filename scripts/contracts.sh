#!/usr/bin/env bash
# The L1 contracts' commands (contracts/README.md). Installs the Solidity tooling first
# (scripts/foundry.sh), then:
#
#   scripts/contracts.sh gen        regenerate the committed outputs: the verifying key
#                                   library (contracts/src/LightClientStateUpdateVK.sol,
#                                   from Rust) and the artifacts Rust embeds
#                                   (contracts/artifacts/*.json, from forge)
#   scripts/contracts.sh check      fail when any committed output is stale (CI)
#   scripts/contracts.sh test [ARGS]  forge tests (unit, fuzz, differential through the
#                                   Rust diff-test CLI); ARGS go to forge test
#   scripts/contracts.sh gas        forge tests with the gas report, written to
#                                   contracts/gas-report.txt with the command and machine
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

foundry_env=$(scripts/foundry.sh)
while IFS= read -r line; do export "${line?}"; done <<<"$foundry_env"
export DOPPIO_DIFF_TEST="$root/target/debug/diff-test"
# The contracts whose ABI and bytecode Rust embeds (contracts/rust/src/bindings.rs).
artifacts=(LightClient FeeContract)

log() { printf 'contracts.sh: %s\n' "$*" >&2; }

forge() { (cd contracts && "$DOPPIO_FORGE" "$@"); }

# Writes contracts/artifacts/NAME.json ({abi, bytecode, deployedBytecode}) from forge's
# output folder $1 into folder $2.
extract() {
    node - "$1" "$2" "${artifacts[@]}" <<'JS'
const fs = require('node:fs');
const path = require('node:path');
const [out, dest, ...names] = process.argv.slice(2);
fs.mkdirSync(dest, { recursive: true });
for (const name of names) {
  const a = JSON.parse(fs.readFileSync(path.join(out, `${name}.sol`, `${name}.json`), 'utf8'));
  const slim = {
    contractName: name,
    abi: a.abi,
    bytecode: { object: a.bytecode.object },
    deployedBytecode: { object: a.deployedBytecode.object },
  };
  fs.writeFileSync(path.join(dest, `${name}.json`), JSON.stringify(slim, null, 2) + '\n');
}
JS
}

case "${1:-}" in
    gen)
        cargo run --locked -q -p doppio-contracts --bin gen-vk
        forge build --skip test --skip script
        extract contracts/out contracts/artifacts
        log "regenerated; commit contracts/src/LightClientStateUpdateVK.sol and contracts/artifacts/"
        ;;
    check)
        cargo run --locked -q -p doppio-contracts --bin gen-vk -- --check
        tmp=$(mktemp -d)
        trap 'rm -rf "$tmp"' EXIT
        forge build --skip test --skip script --out "$tmp/out" --cache-path "$tmp/cache"
        extract "$tmp/out" "$tmp/artifacts"
        for name in "${artifacts[@]}"; do
            if ! cmp -s "$tmp/artifacts/$name.json" "contracts/artifacts/$name.json"; then
                log "contracts/artifacts/$name.json is stale: run scripts/contracts.sh gen"
                exit 1
            fi
        done
        log "artifacts are up to date"
        ;;
    test)
        shift
        cargo build --locked -q -p doppio-contracts --bin diff-test
        forge test "$@"
        ;;
    gas)
        cargo build --locked -q -p doppio-contracts --bin diff-test
        report=contracts/gas-report.txt
        {
            echo "# forge test --gas-report (scripts/contracts.sh gas)"
            echo "# $(date -u +%Y-%m-%d), $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
            echo "# forge $("$DOPPIO_FORGE" --version | head -1 | cut -d' ' -f2-), solc $(contracts/tooling/solc --version | sed -n 's/^Version: //p')"
            echo
            forge test --gas-report 2>&1 | sed -E 's/\x1b\[[0-9;]*m//g'
        } >"$report"
        log "wrote $report"
        ;;
    *)
        echo "usage: scripts/contracts.sh gen | check | test [forge args] | gas" >&2
        exit 2
        ;;
esac
