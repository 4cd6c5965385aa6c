#!/usr/bin/env bash
# Runs ON a GPU host (NVIDIA driver 580 or newer; no Rust toolchain or network needed) the
# binaries scripts/cuda-gpu-bin.sh builds on a development machine, and writes every raw
# output under $OUT (nothing is summarised or edited):
#
#   OUT=/some/dir .gpu-bin/gpu-measure.sh [BIN_DIR]     # BIN_DIR: default, this script's dir
#
#   $OUT/gpu.txt, nvidia-smi.txt       which GPU, driver and memory (every figure names it)
#   $OUT/tests.{stdout,stderr}         accel-cuda-tests cuda:: (every CUDA-vs-CPU comparison)
#   $OUT/<rows>-<backend>.{stdout,stderr,json}
#                                      hwprofile --json for each group of rows, on the CPU
#                                      and on the device: MSM and NTT at 2^16…2^24, batched
#                                      MSM (plain and prepared) and NTT, EC-NTT, VID
#                                      (vid.disperse, …), Plonk (plonk.prove.light_client, …)
#   $OUT/profile-<gpu>.json            all those rows in one array: the crossover table for
#                                      --accel-profile (auto needs both CPU and CUDA rows)
#   $OUT/commands.txt, exit-codes.txt  what ran and how each ended
#
# A failing step is recorded and the next one runs. ROWS restricts the groups (default
# "tests msm ntt batch ec_ntt vid plonk"), BACKENDS the hwprofile backends (default
# "cuda cpu"), BUDGET_MS hwprofile's time budget per measurement (default 300). Runs into
# the same $OUT add up (the profile joins every group's JSON found there), so a session
# with a per-command time limit can run one group at a time.
set -uo pipefail
bin=$(cd "${1:-$(dirname "$0")}" && pwd)
out=${OUT:?set OUT to the directory for the raw results}
rows=${ROWS:-tests msm ntt batch ec_ntt vid plonk}
backends=${BACKENDS:-cuda cpu}
budget=${BUDGET_MS:-300}
mkdir -p "$out"

log() { printf 'gpu-measure.sh: %s\n' "$*" >&2; }

# run NAME CMD...: CMD's stdout and stderr to $OUT/NAME.*, its exit status to exit-codes.txt.
run() {
    local name=$1
    shift
    log "$name: $*"
    printf '%s\t%s\n' "$name" "$*" >>"$out/commands.txt"
    local start=$SECONDS
    "$@" >"$out/$name.stdout" 2>"$out/$name.stderr"
    local rc=$?
    printf '%s\trc=%s\t%ss\n' "$name" "$rc" "$((SECONDS - start))" >>"$out/exit-codes.txt"
    [ "$rc" = 0 ] || log "$name exited with $rc (see $out/$name.stderr)"
}

for exe in accel-cuda-tests hwprofile; do
    [ -x "$bin/$exe" ] || { log "$bin/$exe is missing: run scripts/cuda-gpu-bin.sh first"; exit 1; }
done
command -v nvidia-smi >/dev/null || { log "nvidia-smi not found: is this a GPU host?"; exit 1; }
nvidia-smi >"$out/nvidia-smi.txt" 2>&1
nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv \
    >"$out/gpu.txt" 2>&1
gpu=$(nvidia-smi --query-gpu=name --format=csv,noheader | head -n 1 | tr ' ' '-' |
    tr -cd 'A-Za-z0-9_.-')
gpu=${gpu:-unknown-gpu}
log "GPU: $(head -n 2 "$out/gpu.txt" | tail -n 1)"

# The hwprofile arguments of each group of rows.
rows_args() {
    case $1 in
        msm) echo "--ops msm --logs 16,18,20,22,24" ;;
        ntt) echo "--ops ntt --logs 16,18,20,22,24" ;;
        batch) echo "--ops msm_batch,msm_batch_prepared,ntt_batch" ;;
        ec_ntt) echo "--ops ec_ntt --logs 6,8,10,12,14" ;;
        vid) echo "--ops vid" ;;
        plonk) echo "--ops plonk" ;;
        *) return 1 ;;
    esac
}

for group in $rows; do
    if [ "$group" = tests ]; then
        run tests "$bin/accel-cuda-tests" cuda:: --nocapture --test-threads 1
        continue
    fi
    args=$(rows_args "$group") || { log "unknown group $group"; continue; }
    for backend in $backends; do
        name=$group-$backend
        # shellcheck disable=SC2086 # $args is a list of words
        run "$name" env RUST_LOG=info "$bin/hwprofile" --accel-backend "$backend" --json \
            --budget-ms "$budget" --json-out "$out/$name.json" $args
    done
done

# One array of every row in $OUT (this run's and earlier runs' into the same $OUT, so that
# a long measurement can be split with ROWS): strip each file's brackets and join the
# bodies with commas.
profile=$out/profile-$gpu.json
jsons=()
for f in "$out"/*-cpu.json "$out"/*-cuda.json; do
    [ -s "$f" ] && jsons+=("$f")
done
{
    echo '['
    first=1
    for f in "${jsons[@]}"; do
        body=$(sed -e '1s/^[[:space:]]*\[//' -e '$s/\][[:space:]]*$//' "$f")
        [ -n "${body//[[:space:]]/}" ] || continue
        [ "$first" = 1 ] || echo ','
        printf '%s\n' "$body"
        first=0
    done
    echo ']'
} >"$profile"
log "wrote $profile from ${#jsons[@]} files; raw outputs in $out"
cat "$out/exit-codes.txt" >&2
