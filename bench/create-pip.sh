#!/usr/bin/env bash
# Benchmark (issue 3 §5): `fenv create` with pip (the default) against
# `uv venv --seed --offline`, `virtualenv` (default seeder, app-data warm) and
# `python -m venv` (pip through ensurepip), all for the same interpreter, in
# one hyperfine run, with every tool's caches warm.
# Writes the section "fenv create (with pip)" of docs/benchmarks.md.
#
#   bench/create-pip.sh                  # 1 warm-up + 20 runs per command (~3 min)
#   BENCH_RUNS=10 bench/create-pip.sh    # quicker, noisier
#
# Why fewer runs than create.sh: `python -m venv` takes about 5-6 s a run
# (ensurepip), and hyperfine cannot vary the number of runs per command within
# one invocation. 20 runs keep the whole table in one run at about 3 minutes;
# 1 warm-up is enough because every cache is warmed explicitly below.
#
# Needs the network once, to warm uv's cache (`uv venv --seed` online); the
# timed uv command is `--offline`.
set -euo pipefail
: "${BENCH_RUNS:=20}" "${BENCH_WARMUP:=1}"
export BENCH_RUNS BENCH_WARMUP
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SECTION=create-pip
bench_setup

OUT="$WORK/out/$SECTION"
mkdir -p "$OUT"
D_FENV="$OUT/fenv" D_UV="$OUT/uv" D_VIRTUALENV="$OUT/virtualenv" D_VENV="$OUT/venv"

N_FENV="fenv create"
N_UV="uv venv --seed --offline"
N_VIRTUALENV="virtualenv"
N_VENV="python -m venv"

CMD_FENV=("$FENV" create -p "$PY" "$D_FENV")
CMD_UV=("$UV" venv --seed --offline -p "$PY" "$D_UV")
CMD_VIRTUALENV=("$VIRTUALENV" -p "$PY" "$D_VIRTUALENV")
CMD_VENV=("$PY" -m venv "$D_VENV")

# Warm each tool's caches: fenv's interpreter query and unpacked-wheel store,
# uv's wheel cache (online once: `--offline` alone cannot fill it),
# virtualenv's app-data. Then check each env has a working pip.
bench_log "warming caches"
for d in "$D_FENV" "$D_UV" "$D_VIRTUALENV" "$D_VENV"; do rm -rf "$d"; done
"${CMD_FENV[@]}" 2>/dev/null
"$UV" venv --seed -p "$PY" "$D_UV" 2>/dev/null ||
    bench_die "\`uv venv --seed\` (online, to warm uv's cache) failed; it needs the network once"
rm -rf "$D_UV"
"${CMD_UV[@]}" 2>/dev/null ||
    bench_die "\`uv venv --seed --offline\` failed even after warming uv's cache"
"${CMD_VIRTUALENV[@]}" >/dev/null
"${CMD_VENV[@]}"

# What each env holds: seeded distributions (from their .dist-info folders),
# the pip it runs, and its .pyc files.
declare -A SEEDED PYC
for pair in "$N_FENV=$D_FENV" "$N_UV=$D_UV" "$N_VIRTUALENV=$D_VIRTUALENV" "$N_VENV=$D_VENV"; do
    name=${pair%%=*} d=${pair#*=}
    "$d/bin/python" -c 'import sys; assert sys.prefix != sys.base_prefix, sys.prefix' ||
        bench_die "$d is not a working virtual environment"
    pip=$("$d/bin/python" -m pip --version) || bench_die "pip does not run in $d"
    bench_log "$name: $pip"
    SEEDED[$name]=$(find "$d"/lib/python*/site-packages -maxdepth 1 -name '*.dist-info' -printf '%f\n' |
        sed 's/\.dist-info$//; s/-/ /' | sort | paste -sd ',' | sed 's/,/, /g')
done
[[ ${SEEDED[$N_FENV]} == "${SEEDED[$N_VENV]}" ]] ||
    bench_log "warning: fenv seeded ${SEEDED[$N_FENV]}, python -m venv ${SEEDED[$N_VENV]}"

# With a warm cache fenv should start no process at all (no Python); record it.
rm -rf "$D_FENV"
CHILDREN=$(bench_execs "$WORK/results/$SECTION.strace" "${CMD_FENV[@]}")
bench_log "processes started by fenv create (warm): $CHILDREN"

bench_add "$N_FENV" "$(bench_cmd "${CMD_FENV[@]}")" "$(bench_cmd rm -rf "$D_FENV")"
bench_add "$N_UV" "$(bench_cmd "${CMD_UV[@]}")" "$(bench_cmd rm -rf "$D_UV")"
bench_add "$N_VIRTUALENV" "$(bench_cmd "${CMD_VIRTUALENV[@]}")" "$(bench_cmd rm -rf "$D_VIRTUALENV")"
bench_add "$N_VENV" "$(bench_cmd "${CMD_VENV[@]}")" "$(bench_cmd rm -rf "$D_VENV")"
bench_run "$SECTION"

# The envs of the last timed run are still there: count their .pyc files.
for pair in "$N_FENV=$D_FENV" "$N_UV=$D_UV" "$N_VIRTUALENV=$D_VIRTUALENV" "$N_VENV=$D_VENV"; do
    name=${pair%%=*} d=${pair#*=}
    PYC[$name]=$(find "$d" -name '*.pyc' | wc -l)
done

args=()
for pair in "$N_FENV=$D_FENV" "$N_UV=$D_UV" "$N_VIRTUALENV=$D_VIRTUALENV" "$N_VENV=$D_VENV"; do
    name=${pair%%=*}
    args+=(--files "$pair" --column ".pyc" "$name=${PYC[$name]}" --column "seeded" "$name=${SEEDED[$name]}")
done

bench_report "$SECTION" "fenv create (with pip)" \
    --reproduce "bench/create-pip.sh" \
    --ratio-to "$N_UV" --ratio-to "$N_VENV" \
    --goal "$N_FENV" "$N_UV" 0.5 \
    --goal "$N_FENV" "$N_VENV" '<0.01' \
    --env PIP_FIND_LINKS \
    "${args[@]}" \
    --note "Each run starts from an empty destination: hyperfine's \`--prepare\` removes the previous env (not timed). Commands run without a shell (\`hyperfine -N\`), one after the other in the order shown, $BENCH_WARMUP warm-up + $BENCH_RUNS timed runs each: \`python -m venv\` takes seconds a run, and hyperfine cannot vary the run count per command within one invocation. Caches were warm and kept in \`bench/.work/cache/\`: fenv's (one \`fenv create\` first), uv's (one online \`uv venv --seed\` first), virtualenv's app-data (default seeder, \`via=copy\`). fenv and \`python -m venv\` install the pip that the interpreter's ensurepip bundles; uv and virtualenv install their own, newer pip, so the file counts differ. \`files\` counts files and symlinks in the env after the last run. Processes started by \`fenv create\` with its warm cache (\`strace -f -e trace=execve\`): $CHILDREN."
