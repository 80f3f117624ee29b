#!/usr/bin/env bash
# Benchmark: `fenv create --without-pip` against `uv venv`,
# `python -m venv --without-pip` and `virtualenv --no-seed`, all for the same
# interpreter, in one hyperfine run, with every tool's caches warm.
# Writes the section "fenv create --without-pip" of docs/benchmarks.md.
#
#   bench/create.sh                      # 3 warm-ups + 30 runs per command
#   BENCH_RUNS=10 bench/create.sh        # quicker, noisier
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SECTION=create-without-pip
bench_setup

OUT="$WORK/out/$SECTION"
mkdir -p "$OUT"
D_FENV="$OUT/fenv" D_UV="$OUT/uv" D_VENV="$OUT/venv" D_VIRTUALENV="$OUT/virtualenv"

CMD_FENV=("$FENV" create --without-pip -p "$PY" "$D_FENV")
CMD_UV=("$UV" venv -p "$PY" "$D_UV")
CMD_VENV=("$PY" -m venv --without-pip "$D_VENV")
CMD_VIRTUALENV=("$VIRTUALENV" --no-seed -p "$PY" "$D_VIRTUALENV")

# Warm each tool's interpreter cache (fenv's query cache, uv's interpreter
# cache, virtualenv's app-data), and check that each made a working env.
bench_log "warming caches"
for d in "$D_FENV" "$D_UV" "$D_VENV" "$D_VIRTUALENV"; do rm -rf "$d"; done
"${CMD_FENV[@]}" 2>/dev/null
"${CMD_UV[@]}" 2>/dev/null
"${CMD_VENV[@]}"
"${CMD_VIRTUALENV[@]}" >/dev/null
for d in "$D_FENV" "$D_UV" "$D_VENV" "$D_VIRTUALENV"; do
    "$d/bin/python" -c 'import sys; assert sys.prefix != sys.base_prefix, sys.prefix' ||
        bench_die "$d is not a working virtual environment"
done

# With a warm cache fenv should start no process at all; record how many it did.
CHILDREN="not measured (no strace)"
if command -v strace >/dev/null; then
    rm -rf "$D_FENV"
    strace -f -qq -e trace=execve -o "$WORK/results/$SECTION.strace" "${CMD_FENV[@]}" 2>/dev/null
    CHILDREN=$(($(grep -c 'execve(' "$WORK/results/$SECTION.strace") - 1))
fi

bench_add "fenv create --without-pip" "$(bench_cmd "${CMD_FENV[@]}")" "$(bench_cmd rm -rf "$D_FENV")"
bench_add "uv venv" "$(bench_cmd "${CMD_UV[@]}")" "$(bench_cmd rm -rf "$D_UV")"
bench_add "python -m venv --without-pip" "$(bench_cmd "${CMD_VENV[@]}")" "$(bench_cmd rm -rf "$D_VENV")"
bench_add "virtualenv --no-seed" "$(bench_cmd "${CMD_VIRTUALENV[@]}")" "$(bench_cmd rm -rf "$D_VIRTUALENV")"
bench_run "$SECTION"

bench_report "$SECTION" "fenv create --without-pip" \
    --reproduce "bench/create.sh" \
    --ratio-to "uv venv" --ratio-to "python -m venv --without-pip" \
    --goal "fenv create --without-pip" "uv venv" 0.5 \
    --files "fenv create --without-pip=$D_FENV" \
    --files "uv venv=$D_UV" \
    --files "python -m venv --without-pip=$D_VENV" \
    --files "virtualenv --no-seed=$D_VIRTUALENV" \
    --note "Each run starts from an empty destination: hyperfine's \`--prepare\` removes the previous env (not timed). Commands run without a shell (\`hyperfine -N\`). fenv's, uv's and virtualenv's caches were warm (kept in \`bench/.work/cache/\`). Processes started by \`fenv create --without-pip\` with its warm cache (strace): $CHILDREN."
