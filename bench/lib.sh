# shellcheck shell=bash
# Shared setup for the benchmarks in bench/. Source it from a bench script:
#
#   . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#   bench_setup                 # hyperfine, uv + virtualenv, fenv, caches
#   bench_add NAME COMMAND PREPARE   # once per command to compare
#   bench_run SECTION           # one hyperfine invocation over all of them
#   bench_report SECTION TITLE [report.py options...]
#
# Everything it installs or writes goes into bench/.work/ (gitignored), except
# hyperfine, which comes from Debian's packages. The caches of fenv, uv and
# virtualenv are kept in bench/.work/ too, so a run does not depend on, or
# disturb, the user's own caches.
#
# Settings (environment):
#   BENCH_PYTHON   the interpreter every tool is pointed at
#                  (default: the newest $PYENV_ROOT/versions/3.12.*/bin/python3.12)
#   BENCH_RUNS     counted runs per command (default 30)
#   BENCH_WARMUP   uncounted runs per command (default 3)
#   BENCH_DOCS     the page the tables go into (default docs/benchmarks.md)
#   BENCH_CWD      the folder hyperfine runs the commands in (default bench/.work)

set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$BENCH_DIR/.." && pwd)
WORK="$BENCH_DIR/.work"
BENCH_RUNS="${BENCH_RUNS:-30}"
BENCH_WARMUP="${BENCH_WARMUP:-3}"
BENCH_DOCS="${BENCH_DOCS:-$REPO_ROOT/docs/benchmarks.md}"

bench_log() { printf '==> %s\n' "$*" >&2; }
bench_die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Quote one word for hyperfine's own command splitting (POSIX shell words).
bench_quote() {
    local s=$1
    if [[ $s =~ ^[A-Za-z0-9_./:=@%+,-]+$ ]]; then
        printf '%s' "$s"
    else
        printf "'%s'" "${s//\'/\'\\\'\'}"
    fi
}

# Join words into one command line for hyperfine.
bench_cmd() {
    local out="" w
    for w in "$@"; do out+="${out:+ }$(bench_quote "$w")"; done
    printf '%s' "$out"
}

bench_ensure_hyperfine() {
    command -v hyperfine >/dev/null && return
    bench_log "installing hyperfine (Debian)"
    local sudo=()
    [[ $(id -u) -eq 0 ]] || sudo=(sudo)
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get update -q
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q hyperfine
}

# The interpreter every tool is pointed at.
bench_find_python() {
    if [[ -n "${BENCH_PYTHON:-}" ]]; then
        PY=$BENCH_PYTHON
    else
        local root="${PYENV_ROOT:-$HOME/.pyenv}" newest=""
        newest=$(printf '%s\n' "$root"/versions/3.12.*/bin/python3.12 | sort -V | tail -n 1)
        [[ -x "$newest" ]] || bench_die "no CPython 3.12 under $root/versions; set BENCH_PYTHON"
        PY=$newest
    fi
    [[ -x "$PY" ]] || bench_die "$PY is not an executable"
    PY_VERSION=$("$PY" -c 'import platform; print(platform.python_version())')
}

# uv and virtualenv from PyPI, in a venv of $PY.
bench_ensure_tools() {
    TOOLS="$WORK/tools"
    if [[ -x "$TOOLS/bin/uv" && -x "$TOOLS/bin/virtualenv" ]]; then
        return
    fi
    bench_log "installing uv and virtualenv into $TOOLS"
    rm -rf "$TOOLS"
    "$PY" -m venv "$TOOLS"
    "$TOOLS/bin/pip" install -q uv virtualenv
}

# pip-tools (pip-compile) from PyPI, in the same tools venv, with the newest pip
# (the venv's own pip is the one ensurepip bundles). Only the benchmarks that
# time pip-compile call this.
bench_ensure_pip_tools() {
    [[ -x "$TOOLS/bin/pip-compile" ]] && return
    bench_log "installing pip-tools into $TOOLS"
    "$TOOLS/bin/pip" install -q --upgrade pip
    "$TOOLS/bin/pip" install -q pip-tools
}

bench_build_fenv() {
    bench_log "cargo build --release"
    (cd "$REPO_ROOT" && cargo build --release -q)
    FENV="${CARGO_TARGET_DIR:-$REPO_ROOT/target}/release/fenv"
    [[ -x "$FENV" ]] || bench_die "cargo build did not produce $FENV"
}

# " (commit abc1234)" or " (commit abc1234 + uncommitted changes)": what was built.
bench_git_describe() {
    local sha
    sha=$(git -C "$REPO_ROOT" rev-parse --short HEAD 2>/dev/null) || return 0
    if [[ -n $(git -C "$REPO_ROOT" status --porcelain --untracked-files=no -- src Cargo.toml Cargo.lock 2>/dev/null) ]]; then
        printf ' (commit %s + uncommitted changes)' "$sha"
    else
        printf ' (commit %s)' "$sha"
    fi
}

# One benchmark at a time in this checkout: two scripts timing at once on the
# same machine would each measure the other's load. The lock is held until the
# script exits; a second script waits for it.
bench_lock() {
    local fd
    exec {fd}>"$WORK/.bench.lock"
    if ! flock -n "$fd"; then
        bench_log "another benchmark is running in $WORK; waiting for it to finish"
        flock "$fd"
    fi
}

bench_setup() {
    mkdir -p "$WORK/out" "$WORK/results"
    bench_lock
    bench_ensure_hyperfine
    bench_find_python
    bench_ensure_tools
    bench_build_fenv
    # Each tool's cache lives in the scratch folder.
    export FENV_CACHE_DIR="$WORK/cache/fenv"
    export UV_CACHE_DIR="$WORK/cache/uv"
    export VIRTUALENV_OVERRIDE_APP_DATA="$WORK/cache/virtualenv"
    UV="$TOOLS/bin/uv"
    VIRTUALENV="$TOOLS/bin/virtualenv"
    BENCH_VERSIONS=(
        "fenv=$("$FENV" --version)$(bench_git_describe)"
        "uv=$("$UV" --version)"
        "virtualenv=$("$VIRTUALENV" --version | head -n 1 | cut -d' ' -f1-2)"
        "python=CPython $PY_VERSION ($PY)"
        "hyperfine=$(hyperfine --version)"
    )
    BENCH_NAMES=()
    BENCH_CMDS=()
    BENCH_PREPARES=()
}

# bench_execs TRACE COMMAND...: run COMMAND under `strace -f -e trace=execve`
# (output to TRACE) and print how many processes it started besides itself,
# then the programs they ran, e.g. `0` or `2 /usr/bin/python3.12 /bin/sh`.
# Prints "not measured (no strace)" without strace.
bench_execs() {
    local trace=$1
    shift
    if ! command -v strace >/dev/null; then
        printf 'not measured (no strace)'
        return
    fi
    strace -f -qq -e trace=execve -o "$trace" "$@" >/dev/null 2>&1
    local programs
    programs=$(grep 'execve(' "$trace" | grep -v ' = -1 ' | sed -n 's/.*execve("\([^"]*\)".*/\1/p' |
        tail -n +2 | sort -u | paste -sd ' ')
    printf '%s' "$(($(grep 'execve(' "$trace" | grep -cv ' = -1 ') - 1))${programs:+ $programs}"
}

# bench_connects TRACE COMMAND...: run COMMAND under `strace -f -e trace=connect`
# (output to TRACE) and print how many TCP connections it opened, DNS (port 53)
# not counted: `0` means it did not touch the network. Prints "not measured (no
# strace)" without strace.
bench_connects() {
    local trace=$1
    shift
    if ! command -v strace >/dev/null; then
        printf 'not measured (no strace)'
        return
    fi
    strace -f -qq -e trace=connect -o "$trace" "$@" >/dev/null 2>&1 || true
    grep -E 'connect\([0-9]+, \{sa_family=AF_INET6?,' "$trace" | grep -cv 'htons(53)' || true
}

# bench_add NAME COMMAND PREPARE: one command to time, and what to run before
# each of its runs (not timed), both as built by bench_cmd.
bench_add() {
    BENCH_NAMES+=("$1")
    BENCH_CMDS+=("$2")
    BENCH_PREPARES+=("$3")
}

# bench_run SECTION: time every added command in one hyperfine invocation,
# without an intermediate shell (-N). Writes results/SECTION.json and
# results/SECTION.commands.tsv (name, command) for the report.
bench_run() {
    local section=$1 i args=()
    ((${#BENCH_NAMES[@]})) || bench_die "bench_run: no commands added"
    for i in "${!BENCH_NAMES[@]}"; do
        args+=(--command-name "${BENCH_NAMES[$i]}" --prepare "${BENCH_PREPARES[$i]}")
    done
    : >"$WORK/results/$section.commands.tsv"
    for i in "${!BENCH_NAMES[@]}"; do
        printf '%s\t%s\n' "${BENCH_NAMES[$i]}" "${BENCH_CMDS[$i]}" >>"$WORK/results/$section.commands.tsv"
    done
    bench_log "hyperfine: ${#BENCH_NAMES[@]} commands, $BENCH_WARMUP warm-up + $BENCH_RUNS runs each"
    local before
    before=$(bench_cpu_ticks)
    (cd "${BENCH_CWD:-$WORK}" && hyperfine -N --warmup "$BENCH_WARMUP" --runs "$BENCH_RUNS" \
        --export-json "$WORK/results/$section.json" "${args[@]}" "${BENCH_CMDS[@]}")
    # Shared machines are noisy: keep how busy this one was while timing.
    bench_cpu_busy "$before" "$(bench_cpu_ticks)" >"$WORK/results/$section.load"
    bench_log "machine load: $(cat "$WORK/results/$section.load")"
}

# "BUSY TOTAL" jiffies of all CPUs so far (/proc/stat; idle and iowait are not busy).
bench_cpu_ticks() {
    local _cpu user nice system idle iowait irq softirq steal _rest
    read -r _cpu user nice system idle iowait irq softirq steal _rest </proc/stat || return 0
    printf '%s %s' "$((user + nice + system + irq + softirq + steal))" \
        "$((user + nice + system + irq + softirq + steal + idle + iowait))"
}

# bench_cpu_busy "BUSY TOTAL" "BUSY TOTAL": how busy all CPUs were in between.
bench_cpu_busy() {
    local b0 t0 b1 t1
    read -r b0 t0 <<<"$1"
    read -r b1 t1 <<<"$2"
    if [[ -z ${t0:-} || -z ${t1:-} || $t1 -le $t0 ]]; then
        printf 'unknown\n'
        return
    fi
    printf '%s%% of %s CPUs busy, this benchmark included (1-min load average at the end: %s)\n' \
        "$((100 * (b1 - b0) / (t1 - t0)))" "$(nproc)" "$(cut -d' ' -f1 /proc/loadavg)"
}

# bench_report SECTION TITLE [report.py options...]: replace SECTION of the docs page.
bench_report() {
    local section=$1 title=$2 v vargs=()
    shift 2
    for v in "${BENCH_VERSIONS[@]}"; do vargs+=(--version "$v"); done
    "$PY" -B "$BENCH_DIR/report.py" \
        --section "$section" --title "$title" \
        --json "$WORK/results/$section.json" \
        --commands "$WORK/results/$section.commands.tsv" \
        --docs "$BENCH_DOCS" \
        --python "$PY" \
        --env SSL_CERT_DIR --env SSL_CERT_FILE --env PYTHONDONTWRITEBYTECODE \
        --load "$(cat "$WORK/results/$section.load" 2>/dev/null || echo unknown)" \
        "${vargs[@]}" "$@"
}
