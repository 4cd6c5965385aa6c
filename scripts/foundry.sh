#!/usr/bin/env bash
# Installs the Solidity tooling pinned in contracts/tooling/package.json (forge, anvil,
# cast 1.7.1 and the solcjs compiler) under .tools/foundry (ignored by git), then prints
# the environment the tests read, one `NAME=value` per line on stdout (and nothing else
# there), so a caller can export each line (scripts/test.sh and scripts/contracts.sh do):
#
#   DOPPIO_FORGE, DOPPIO_ANVIL, DOPPIO_CAST  the native binaries
#   DOPPIO_SOLCJS                            the solcjs package folder (contracts/tooling/solc reads it)
#
# Idempotent and offline once installed: npm runs only when the pinned versions changed
# or a binary is missing. The packages' install scripts are skipped: npm's platform
# packages already hold the binaries.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
pins="$root/contracts/tooling/package.json"
dest="${DOPPIO_TOOLS_DIR:-$root/.tools}/foundry"

log() { printf 'foundry.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) platform=linux-amd64 ;;
    Linux-aarch64 | Linux-arm64) platform=linux-arm64 ;;
    Darwin-arm64) platform=darwin-arm64 ;;
    Darwin-x86_64) platform=darwin-amd64 ;;
    *) die "no foundry npm package for $(uname -s) $(uname -m)" ;;
esac
binary() { echo "$dest/node_modules/@foundry-rs/$1-$platform/bin/$1"; }

installed() {
    cmp -s "$pins" "$dest/package.json" || return 1
    for tool in forge anvil cast; do [ -x "$(binary "$tool")" ] || return 1; done
    [ -f "$dest/node_modules/solc/soljson.js" ]
}

if ! installed; then
    command -v npm >/dev/null || die "npm is missing: install Node.js 20 or newer (it ships npm)"
    log "installing $(tr -d '\n ' <"$pins" | grep -o '"dependencies":{[^}]*}') into $dest"
    mkdir -p "$dest"
    cp "$pins" "$dest/package.json"
    # No lock file: npm's lock for optional platform packages differs between machines;
    # the versions are exact pins.
    (cd "$dest" && npm install --ignore-scripts --no-package-lock --no-audit --no-fund \
        --loglevel=error >&2) || { rm -f "$dest/package.json"; die "npm install failed"; }
    installed || die "npm finished but a binary is missing under $dest"
fi

echo "DOPPIO_FORGE=$(binary forge)"
echo "DOPPIO_ANVIL=$(binary anvil)"
echo "DOPPIO_CAST=$(binary cast)"
echo "DOPPIO_SOLCJS=$dest/node_modules/solc"
