#!/usr/bin/env bash
# Benchmark (issue 4 §6): `fenv lock` of requests, fastapi, boto3, pydantic and
# httpx, cold and warm cache, against `uv pip compile --generate-hashes` (same
# Python, same platform) and `pip-compile --generate-hashes`, in one hyperfine
# run. Writes the section "fenv lock" of docs/benchmarks.md.
#
#   bench/lock.sh                      # 1 warm-up + 10 runs per command (~12 min)
#   BENCH_RUNS=5 bench/lock.sh         # quicker, noisier
#
# Needs the network (the public index). Why few runs: pip-compile takes about
# 45 s a run here (it downloads and hashes all 355 files every time, see the
# note in the report), and hyperfine cannot vary the number of runs per command
# within one invocation. Every cache is warmed explicitly below, so 1 warm-up
# is enough.
#
# What is compared (host = this machine, linux x86_64, CPython 3.12):
#   - the project in bench/.work/lock/lambda: fenv's default environments
#     (5 platforms x CPython 3.12-3.14) plus `targets = ["lambda"]`, against
#     `uv lock` of the same pyproject.toml in bench/.work/lock/uv (uv
#     resolves universally too); these rows give the goals (issue 12). fenv
#     locks the project in its working folder and hyperfine cannot change
#     folder per command, so these rows run through `env -C DIR` (one extra
#     exec, about 1 ms); uv takes `--directory`;
#   - the project in bench/.work/lock/host narrows `environments` to Linux
#     x86_64 with CPython 3.12, like uv with `--python-platform
#     x86_64-manylinux_2_17 --python-version 3.12` and pip-compile running on
#     CPython 3.12: compared, outside the goals.
#
# Warm vs cold, per tool:
#   - fenv warm: its cache filled by one run first; `--upgrade` makes it
#     re-resolve instead of answering "up to date". Index pages are reused for
#     10 minutes (FENV_INDEX_FRESHNESS) and revalidated after: the warm rows run
#     first, within that window, so they make no request (checked with strace);
#     `--refresh` refetches every page, which is what uv does on every run here.
#   - fenv cold: its cache folder and pylock.toml removed before each run.
#   - uv warm: its cache filled by one run first; it still revalidates every
#     index page each run, because the proxy strips the cache headers
#     (Cache-Control, ETag, Last-Modified). `--offline` shows uv without those
#     requests. The output file is removed before each run, so uv resolves
#     afresh instead of keeping its pins (like fenv's `--upgrade`).
#   - uv cold: its cache folder removed before each run.
#   - pip-compile: pip's HTTP cache cannot fill behind this proxy, so it has no
#     warm state; its own dependency cache is kept warm in bench/.work/cache.

# The CMD_* and PRE_* arrays are used through namerefs (add, conn below).
# shellcheck disable=SC2034
set -euo pipefail
: "${BENCH_RUNS:=10}" "${BENCH_WARMUP:=1}"
export BENCH_RUNS BENCH_WARMUP
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SECTION=lock
bench_setup
bench_ensure_pip_tools
# pip-compile: the globally set find-links folder is not part of the comparison
# (baseline-perf unset it too), and pip's cache stays in the scratch folder.
unset PIP_FIND_LINKS
export PIP_CACHE_DIR="$WORK/cache/lock/pip"

PROJ="$WORK/lock/host"         # this machine's kind only: the uv pip compile comparison
PROJ_LAMBDA="$WORK/lock/lambda" # the default environments + lambda: the uv lock comparison
PROJ_UV="$WORK/lock/uv"         # the same project for uv lock (universal)
PROJ_BIG="$WORK/lock/big"       # apache-airflow, 129 packages, host only
OUT="$WORK/out/$SECTION"
C="$WORK/cache/lock"
C_FENV="$C/fenv" C_FENV_COLD="$C/fenv-cold" C_FENV_LAMBDA_COLD="$C/fenv-lambda-cold"
C_UV="$C/uv" C_UV_COLD="$C/uv-cold" C_PIP_TOOLS="$C/pip-tools"
C_BIG_FENV_COLD="$C/fenv-big-cold" C_BIG_UV_COLD="$C/uv-big-cold" C_UVLOCK_COLD="$C/uv-lock-cold"
mkdir -p "$PROJ" "$PROJ_LAMBDA" "$PROJ_UV" "$PROJ_BIG" "$OUT" "$C"

DEPS='"requests", "fastapi", "boto3", "pydantic", "httpx"'
write_project() { # DIR [EXTRA-TOML]
    cat >"$1/pyproject.toml" <<EOF
[project]
name = "bench-lock"
version = "0"
requires-python = ">=3.12"
dependencies = [$DEPS]
${2:-}
EOF
    echo 3.12 >"$1/.python-version"
}
write_project "$PROJ" "
[tool.fenv]
environments = [\"sys_platform == 'linux' and platform_machine == 'x86_64' and python_version == '3.12'\"]"
write_project "$PROJ_UV"
write_project "$PROJ_LAMBDA" '
[tool.fenv]
targets = ["lambda"]

[tool.fenv.target.lambda]
runtime = "python3.12"
arch = "x86_64"'
printf '%s\n' requests fastapi boto3 pydantic httpx >"$PROJ/req.in"
DEPS='"apache-airflow"' write_project "$PROJ_BIG" "
[tool.fenv]
environments = [\"sys_platform == 'linux' and platform_machine == 'x86_64' and python_version == '3.12'\"]"
echo apache-airflow >"$PROJ_BIG/req.in"
LOCK="$PROJ/pylock.toml" LOCK_LAMBDA="$PROJ_LAMBDA/pylock.toml" LOCK_BIG="$PROJ_BIG/pylock.toml"
UVLOCK="$PROJ_UV/uv.lock"
rm -f "$LOCK" "$LOCK_LAMBDA" "$LOCK_BIG" "$UVLOCK"

# Row names, commands and what runs before each timed run (not timed).
N_FENV="fenv lock --upgrade (warm)"
N_FENV_OFF="fenv lock --upgrade --offline (warm)"
N_FENV_REF="fenv lock --upgrade --refresh (warm)"
N_FENV_UTD="fenv lock (up to date)"
N_FENV_COLD="fenv lock (cold)"
N_LAMBDA="fenv lock --upgrade, environments+lambda (warm)"
N_LAMBDA_COLD="fenv lock, environments+lambda (cold)"
N_UVLOCK="uv lock --upgrade (warm)"
N_UVLOCK_COLD="uv lock (cold)"
N_UV="uv pip compile (warm)"
N_UV_OFF="uv pip compile --offline (warm)"
N_UV_COLD="uv pip compile (cold)"
N_PC="pip-compile"
N_BIG="fenv lock --upgrade, airflow (warm)"
N_BIG_OFF="fenv lock --upgrade --offline, airflow (warm)"
N_BIG_COLD="fenv lock, airflow (cold)"
N_BIG_UV="uv pip compile, airflow (warm)"
N_BIG_UV_OFF="uv pip compile --offline, airflow (warm)"
N_BIG_UV_COLD="uv pip compile, airflow (cold)"

UV_COMMON=(--generate-hashes --python-version 3.12 --python-platform x86_64-manylinux_2_17 -p "$PY")
UV_ARGS=(pip compile -q "${UV_COMMON[@]}")
O_UV="$OUT/uv.txt" O_UV_OFF="$OUT/uv-offline.txt" O_UV_COLD="$OUT/uv-cold.txt" O_PC="$OUT/pip-compile.txt"

CMD_FENV=("$FENV" lock --upgrade --cache-dir "$C_FENV")
CMD_FENV_OFF=("$FENV" lock --upgrade --offline --cache-dir "$C_FENV")
CMD_FENV_REF=("$FENV" lock --upgrade --refresh --cache-dir "$C_FENV")
CMD_FENV_UTD=("$FENV" lock --cache-dir "$C_FENV")
CMD_FENV_COLD=("$FENV" lock --cache-dir "$C_FENV_COLD")
CMD_LAMBDA=(env -C "$PROJ_LAMBDA" "$FENV" lock --upgrade --cache-dir "$C_FENV")
CMD_LAMBDA_COLD=(env -C "$PROJ_LAMBDA" "$FENV" lock --cache-dir "$C_FENV_LAMBDA_COLD")
CMD_UVLOCK=("$UV" lock -q --upgrade -p "$PY" --directory "$PROJ_UV" --cache-dir "$C_UV")
CMD_UVLOCK_COLD=("$UV" lock -q -p "$PY" --directory "$PROJ_UV" --cache-dir "$C_UVLOCK_COLD")
CMD_UV=("$UV" "${UV_ARGS[@]}" --cache-dir "$C_UV" "$PROJ/req.in" -o "$O_UV")
CMD_UV_OFF=("$UV" "${UV_ARGS[@]}" --offline --cache-dir "$C_UV" "$PROJ/req.in" -o "$O_UV_OFF")
CMD_UV_COLD=("$UV" "${UV_ARGS[@]}" --cache-dir "$C_UV_COLD" "$PROJ/req.in" -o "$O_UV_COLD")
CMD_BIG=(env -C "$PROJ_BIG" "$FENV" lock --upgrade --cache-dir "$C_FENV")
CMD_BIG_OFF=(env -C "$PROJ_BIG" "$FENV" lock --upgrade --offline --cache-dir "$C_FENV")
CMD_BIG_COLD=(env -C "$PROJ_BIG" "$FENV" lock --cache-dir "$C_BIG_FENV_COLD")
O_BIG_UV="$OUT/uv-big.txt" O_BIG_UV_OFF="$OUT/uv-big-offline.txt" O_BIG_UV_COLD="$OUT/uv-big-cold.txt"
CMD_BIG_UV=("$UV" "${UV_ARGS[@]}" --cache-dir "$C_UV" "$PROJ_BIG/req.in" -o "$O_BIG_UV")
CMD_BIG_UV_OFF=("$UV" "${UV_ARGS[@]}" --offline --cache-dir "$C_UV" "$PROJ_BIG/req.in" -o "$O_BIG_UV_OFF")
CMD_BIG_UV_COLD=("$UV" "${UV_ARGS[@]}" --cache-dir "$C_BIG_UV_COLD" "$PROJ_BIG/req.in" -o "$O_BIG_UV_COLD")
CMD_PC=("$TOOLS/bin/pip-compile" -q --generate-hashes --cache-dir "$C_PIP_TOOLS" "$PROJ/req.in" -o "$O_PC")

PRE_NONE=(true)
PRE_FENV_COLD=(rm -rf "$C_FENV_COLD" "$LOCK")
PRE_LAMBDA_COLD=(rm -rf "$C_FENV_LAMBDA_COLD" "$LOCK_LAMBDA")
PRE_UVLOCK_COLD=(rm -rf "$C_UVLOCK_COLD" "$UVLOCK")
PRE_UV=(rm -f "$O_UV")
PRE_UV_OFF=(rm -f "$O_UV_OFF")
PRE_UV_COLD=(rm -rf "$C_UV_COLD" "$O_UV_COLD")
PRE_PC=(rm -f "$O_PC")
PRE_BIG_COLD=(rm -rf "$C_BIG_FENV_COLD" "$LOCK_BIG")
PRE_BIG_UV=(rm -f "$O_BIG_UV")
PRE_BIG_UV_OFF=(rm -f "$O_BIG_UV_OFF")
PRE_BIG_UV_COLD=(rm -rf "$C_BIG_UV_COLD" "$O_BIG_UV_COLD")

# Fill the warm caches (online), each tool once with the command it is timed
# with, then check that every tool pins the same 24 packages.
bench_log "warming caches (network)"
"${PRE_UV[@]}"
"${PRE_UV_OFF[@]}"
"${PRE_PC[@]}" # or pip-compile would reuse its earlier pins and hashes
(cd "$PROJ" && "$FENV" lock -v --cache-dir "$C_FENV") 2>&1 | sed 's/^/    /' >&2
(cd "$PROJ_LAMBDA" && "$FENV" lock --cache-dir "$C_FENV") 2>&1 | sed 's/^/    /' >&2
(cd "$PROJ_BIG" && "$FENV" lock --cache-dir "$C_FENV") 2>&1 | sed 's/^/    /' >&2
"${CMD_UVLOCK[@]}"
"${CMD_UV[@]}"
"${CMD_UV_OFF[@]}" || bench_die "\`uv pip compile --offline\` failed even after warming uv's cache"
"${CMD_BIG_UV[@]}"
"${CMD_BIG_UV_OFF[@]}" || bench_die "\`uv pip compile --offline\` of airflow failed even after warming uv's cache"
bench_log "pip-compile once (seconds to a minute)"
rx_bytes() { awk 'NR > 2 && $1 != "lo:" { sub(/^[^:]*:/, ""); s += $1 } END { printf "%.0f\n", s }' /proc/net/dev; }
RX=$(rx_bytes)
"${CMD_PC[@]}"
PC_MB=$((($(rx_bytes) - RX) / 1000000))
bench_log "pip-compile received $PC_MB MB"
cp "$LOCK" "$OUT/fenv-pylock.toml"
cp "$LOCK_LAMBDA" "$OUT/fenv-lambda-pylock.toml"

# What each tool pinned (normalized `name==version`, sorted) and how many
# sha256 hashes its output holds.
pins() { # KIND FILE -> one `name==version` a line, sorted
    "$PY" -B - "$@" <<'EOF'
import re, sys, tomllib
kind, path = sys.argv[1:]
norm = lambda n: re.sub(r"[-_.]+", "-", n).lower()
if kind == "pylock":
    lock = tomllib.load(open(path, "rb"))
    for p in sorted(lock["packages"], key=lambda p: norm(p["name"])):
        print(f"{norm(p['name'])}=={p['version']}")
elif kind == "uvlock":  # uv.lock: every package but the project itself
    lock = tomllib.load(open(path, "rb"))
    for p in sorted(lock["package"], key=lambda p: norm(p["name"])):
        if not {"editable", "virtual"} & set(p.get("source", {})):
            print(f"{norm(p['name'])}=={p['version']}")
else:
    for line in open(path):
        m = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", line)
        if m:
            print(f"{norm(m[1])}=={m[2]}")
EOF
}
# "WHO pin the same N WHAT at the same versions", or how they differ.
same_pins() { # WHO WHAT OURS THEIRS
    if cmp -s "$3" "$4"; then
        echo "$1 pin the same $(wc -l <"$3") $2 at the same versions"
    else
        echo "$1 pin $2 differently: $(diff "$3" "$4" | grep '^[<>]' | paste -sd ' ')"
    fi
}
hashes() { grep -o 'sha256[ =:"]*[0-9a-f]\{64\}' "$1" | wc -l; }
pins pylock "$LOCK_BIG" >"$OUT/pins-fenv-big.txt"
pins req "$O_BIG_UV" >"$OUT/pins-uv-big.txt"
N_BIG_PINS=$(wc -l <"$OUT/pins-fenv-big.txt") N_BIG_UV_PINS=$(wc -l <"$OUT/pins-uv-big.txt")
SAME_BIG=$(same_pins "fenv and uv" "packages of apache-airflow" "$OUT/pins-fenv-big.txt" "$OUT/pins-uv-big.txt")
bench_log "$SAME_BIG"
pins pylock "$LOCK_LAMBDA" >"$OUT/pins-fenv-team.txt"
pins uvlock "$UVLOCK" >"$OUT/pins-uv-lock.txt"
N_UVLOCK_PINS=$(wc -l <"$OUT/pins-uv-lock.txt")
SAME_TEAM=$(same_pins "fenv (default environments + lambda) and uv lock" "entries" "$OUT/pins-fenv-team.txt" "$OUT/pins-uv-lock.txt")
bench_log "$SAME_TEAM"
pins pylock "$LOCK" >"$OUT/pins-fenv.txt"
pins pylock "$LOCK_LAMBDA" >"$OUT/pins-fenv-lambda.txt"
pins req "$O_UV" >"$OUT/pins-uv.txt"
pins req "$O_PC" >"$OUT/pins-pip-compile.txt"
N_PINS=$(wc -l <"$OUT/pins-fenv.txt")
SAME="fenv, fenv environments+lambda, uv and pip-compile pin the same $N_PINS packages at the same versions"
for f in fenv-lambda uv pip-compile; do
    if ! cmp -s "$OUT/pins-fenv.txt" "$OUT/pins-$f.txt"; then
        bench_log "warning: fenv and $f pin different sets:"
        diff "$OUT/pins-fenv.txt" "$OUT/pins-$f.txt" >&2 || true
        SAME="the pinned sets differ (fenv vs $f: $(diff "$OUT/pins-fenv.txt" "$OUT/pins-$f.txt" | grep '^[<>]' | paste -sd ' '))"
    fi
done
bench_log "$SAME"
H_FENV=$(hashes "$LOCK") H_LAMBDA=$(hashes "$LOCK_LAMBDA") H_UV=$(hashes "$O_UV") H_PC=$(hashes "$O_PC")
N_LAMBDA_PINS=$(wc -l <"$OUT/pins-fenv-lambda.txt")
N_UV_PINS=$(wc -l <"$OUT/pins-uv.txt") N_PC_PINS=$(wc -l <"$OUT/pins-pip-compile.txt")

# What each warm command does on the network: TCP connections opened (strace),
# and uv's own count of revalidation requests. The warm fenv rows must not
# touch the network (their pages are fresh).
bench_log "counting network connections (strace)"
declare -A CONN
conn() { # NAME PREPARE-ARRAY-NAME CMD-ARRAY-NAME
    local -n pre=$2 cmd=$3
    "${pre[@]}"
    CONN[$1]=$(cd "$PROJ" && bench_connects "$WORK/results/$SECTION.connect.strace" "${cmd[@]}")
    bench_log "  $1: ${CONN[$1]}"
}
conn "$N_FENV" PRE_NONE CMD_FENV
conn "$N_FENV_OFF" PRE_NONE CMD_FENV_OFF
conn "$N_FENV_REF" PRE_NONE CMD_FENV_REF
conn "$N_FENV_UTD" PRE_NONE CMD_FENV_UTD
conn "$N_FENV_COLD" PRE_FENV_COLD CMD_FENV_COLD
conn "$N_LAMBDA" PRE_NONE CMD_LAMBDA
conn "$N_LAMBDA_COLD" PRE_LAMBDA_COLD CMD_LAMBDA_COLD
conn "$N_UVLOCK" PRE_NONE CMD_UVLOCK
conn "$N_UVLOCK_COLD" PRE_UVLOCK_COLD CMD_UVLOCK_COLD
conn "$N_UV" PRE_UV CMD_UV
conn "$N_UV_OFF" PRE_UV_OFF CMD_UV_OFF
conn "$N_UV_COLD" PRE_UV_COLD CMD_UV_COLD
conn "$N_BIG" PRE_NONE CMD_BIG
conn "$N_BIG_OFF" PRE_NONE CMD_BIG_OFF
conn "$N_BIG_COLD" PRE_BIG_COLD CMD_BIG_COLD
conn "$N_BIG_UV" PRE_BIG_UV CMD_BIG_UV
conn "$N_BIG_UV_OFF" PRE_BIG_UV_OFF CMD_BIG_UV_OFF
conn "$N_BIG_UV_COLD" PRE_BIG_UV_COLD CMD_BIG_UV_COLD
CONN[$N_PC]="not measured"
"${PRE_UV[@]}"
UV_REVALIDATIONS=$("$UV" pip compile -v "${UV_COMMON[@]}" --cache-dir "$C_UV" "$PROJ/req.in" -o "$O_UV" 2>&1 |
    grep -c 'Sending revalidation request' || true)
bench_log "uv pip compile (warm) revalidation requests: $UV_REVALIDATIONS"

# The timed run. The warm fenv rows come first, so their index pages are
# still fresh (fetched seconds ago; the --refresh row renews them again before
# the environments+lambda warm row).
add() { # NAME CMD-ARRAY-NAME PREPARE-ARRAY-NAME
    local -n cmd=$2 pre=$3
    bench_add "$1" "$(bench_cmd "${cmd[@]}")" "$(bench_cmd "${pre[@]}")"
}
add "$N_FENV" CMD_FENV PRE_NONE
add "$N_FENV_OFF" CMD_FENV_OFF PRE_NONE
add "$N_FENV_REF" CMD_FENV_REF PRE_NONE
add "$N_FENV_UTD" CMD_FENV_UTD PRE_NONE
add "$N_FENV_COLD" CMD_FENV_COLD PRE_FENV_COLD
add "$N_LAMBDA" CMD_LAMBDA PRE_NONE
add "$N_LAMBDA_COLD" CMD_LAMBDA_COLD PRE_LAMBDA_COLD
add "$N_UVLOCK" CMD_UVLOCK PRE_NONE
add "$N_UVLOCK_COLD" CMD_UVLOCK_COLD PRE_UVLOCK_COLD
add "$N_UV" CMD_UV PRE_UV
add "$N_UV_OFF" CMD_UV_OFF PRE_UV_OFF
add "$N_UV_COLD" CMD_UV_COLD PRE_UV_COLD
add "$N_BIG" CMD_BIG PRE_NONE
add "$N_BIG_OFF" CMD_BIG_OFF PRE_NONE
add "$N_BIG_COLD" CMD_BIG_COLD PRE_BIG_COLD
add "$N_BIG_UV" CMD_BIG_UV PRE_BIG_UV
add "$N_BIG_UV_OFF" CMD_BIG_UV_OFF PRE_BIG_UV_OFF
add "$N_BIG_UV_COLD" CMD_BIG_UV_COLD PRE_BIG_UV_COLD
add "$N_PC" CMD_PC PRE_PC
BENCH_CWD="$PROJ" bench_run "$SECTION"

# The outputs of the last timed runs must still be complete locks.
[[ $(pins pylock "$LOCK" | wc -l) == "$N_PINS" ]] || bench_die "fenv's cold lock lost packages"
[[ $(pins req "$O_PC" | wc -l) == "$N_PC_PINS" ]] || bench_die "pip-compile's last output lost packages"

BENCH_VERSIONS=(
    "fenv=$("$FENV" --version)$(bench_git_describe)"
    "uv=$("$UV" --version)"
    "pip-tools=pip-tools $("$TOOLS/bin/python" -c 'import importlib.metadata as m; print(m.version("pip-tools"))') (pip $("$TOOLS/bin/python" -c 'import importlib.metadata as m; print(m.version("pip"))'))"
    "python=CPython $PY_VERSION ($PY)"
    "hyperfine=$(hyperfine --version)"
)

args=()
for pair in "$N_FENV=$N_PINS/$H_FENV" "$N_FENV_OFF=$N_PINS/$H_FENV" "$N_FENV_REF=$N_PINS/$H_FENV" \
    "$N_FENV_UTD=$N_PINS/$H_FENV" "$N_FENV_COLD=$N_PINS/$H_FENV" \
    "$N_LAMBDA=$N_LAMBDA_PINS/$H_LAMBDA" "$N_LAMBDA_COLD=$N_LAMBDA_PINS/$H_LAMBDA" \
    "$N_UVLOCK=$N_UVLOCK_PINS/$(hashes "$UVLOCK")" "$N_UVLOCK_COLD=$N_UVLOCK_PINS/$(hashes "$UVLOCK")" \
    "$N_UV=$N_UV_PINS/$H_UV" "$N_UV_OFF=$N_UV_PINS/$H_UV" "$N_UV_COLD=$N_UV_PINS/$H_UV" \
    "$N_BIG=$N_BIG_PINS/$(hashes "$LOCK_BIG")" "$N_BIG_OFF=$N_BIG_PINS/$(hashes "$LOCK_BIG")" \
    "$N_BIG_COLD=$N_BIG_PINS/$(hashes "$LOCK_BIG")" "$N_BIG_UV=$N_BIG_UV_PINS/$(hashes "$O_BIG_UV")" \
    "$N_BIG_UV_OFF=$N_BIG_UV_PINS/$(hashes "$O_BIG_UV")" "$N_BIG_UV_COLD=$N_BIG_UV_PINS/$(hashes "$O_BIG_UV")" \
    "$N_PC=$N_PC_PINS/$H_PC"; do
    name=${pair%%=*}
    args+=(--column "pins/hashes" "$pair" --column "connections" "$name=${CONN[$name]}")
done

bench_report "$SECTION" "fenv lock" \
    --reproduce "bench/lock.sh" \
    --ratio-to "$N_UVLOCK" --ratio-to "$N_UVLOCK_COLD" \
    --goal "$N_LAMBDA" "$N_UVLOCK" 1 \
    --goal "$N_LAMBDA_COLD" "$N_UVLOCK_COLD" 1.5 \
    --limit-ms "$N_FENV_UTD" 10 \
    --compare "$N_FENV" "$N_UV" \
    --compare "$N_FENV_COLD" "$N_UV_COLD" \
    --compare "$N_FENV_OFF" "$N_UV_OFF" \
    --compare "$N_FENV_REF" "$N_UV" \
    --compare "$N_LAMBDA" "$N_FENV" \
    --compare "$N_LAMBDA_COLD" "$N_FENV_COLD" \
    --compare "$N_BIG" "$N_BIG_UV" \
    --compare "$N_BIG_OFF" "$N_BIG_UV_OFF" \
    --compare "$N_BIG_COLD" "$N_BIG_UV_COLD" \
    --env PIP_FIND_LINKS --env FENV_INDEX_FRESHNESS \
    "${args[@]}" \
    --note "The goals (issue 12): the five packages below locked for fenv's default environments (Linux x86_64 and arm64, macOS arm64 and x86_64, Windows x86_64, each with CPython 3.12, 3.13 and 3.14: 15 environments, each resolved with its own markers and wheel tags) plus Lambda python3.12 x86_64, in \`bench/.work/lock/lambda\`, against \`uv lock\` of the same \`pyproject.toml\` in \`bench/.work/lock/uv\` (uv resolves universally: every platform, \`requires-python = \">=3.12\"\`). uv's lock is removed before each cold run; the warm rows re-resolve with \`--upgrade\`. $SAME_TEAM." \
    --note "The locked set: \`requests\`, \`fastapi\`, \`boto3\`, \`pydantic\`, \`httpx\`, for this machine's kind (linux x86_64, CPython $PY_VERSION). fenv reads \`bench/.work/lock/host/pyproject.toml\` (\`requires-python = \">=3.12\"\`, \`.python-version\` \`3.12\`, \`environments\` narrowed to Linux x86_64 with CPython 3.12, no \`targets\`); uv and pip-compile read the same five names from \`req.in\`. $SAME. \`pins/hashes\` counts the pinned packages and sha256 hashes in each output: uv and pip-compile hash every file of each pinned version (all platforms, 140 for pydantic-core alone); fenv records only the files that fit the lock's targets (the host's wheels and the sdist), so its lock is smaller but not the same document." \
    --note "Commands run without a shell (\`hyperfine -N\`), one after the other in the order shown, $BENCH_WARMUP warm-up + $BENCH_RUNS timed runs each, all in \`bench/.work/lock/host\`; the two environments+lambda rows run in \`bench/.work/lock/lambda\` (default environments, \`targets = [\"lambda\"]\`, python3.12, x86_64) through \`env -C\`, one extra exec. **warm**: the cache was filled by one run of the same command first. fenv reuses an index page for 10 minutes and revalidates it after that (it does not rely on cache headers); the warm fenv rows run first, within that window, so \`fenv lock --upgrade\` reads everything from its cache — its \`connections\` are 0 — and \`--upgrade\` makes it resolve again instead of answering \"up to date\". \`--refresh\` refetches every page (metadata stays cached), which is what uv does on every warm run here: the proxy in front of the index strips \`Cache-Control\`, \`ETag\` and \`Last-Modified\`, so uv finds every cached response stale and revalidates it ($UV_REVALIDATIONS revalidation requests a run, \`uv -v\`). The \`uv lock\` rows run in \`bench/.work/lock/uv\` (\`--directory\`). \`uv --offline\` is uv without those requests — and roughly what uv's warm run would be behind a proxy that kept the headers, since the public index normally sends \`Cache-Control: max-age\` with its pages and uv honours it (not checked here: the proxy strips it): on such a network the warm goal compares \`fenv lock --upgrade\` with that row, not with \`uv pip compile (warm)\`. **cold**: hyperfine's \`--prepare\` empties the tool's cache folder (and removes fenv's \`pylock.toml\`) before each run. uv's output file is removed before each run, so uv resolves afresh rather than keeping its earlier pins. \`fenv lock (up to date)\` is \`fenv lock\` on the lock it wrote, which only compares the inputs' hash. \`connections\` counts TCP connections opened in one run of the command in the same state (\`strace -f -e trace=connect\`, DNS not counted)." \
    --note "The airflow rows lock \`apache-airflow\` alone (Linux x86_64 with CPython 3.12 only, in \`bench/.work/lock/big\` through \`env -C\`), a closure of $N_BIG_PINS packages: $SAME_BIG. They run after the small project's rows, with the same caches and the same warm and cold preparations." \
    --note "The index is the public Python Package Index, reached through this machine's egress proxy; it serves the JSON simple API without PEP 658 \`core-metadata\` keys, so fenv and uv read each wheel's \`METADATA\` with HTTP range requests, and pip downloads whole wheels. pip-compile has no warm state here: pip's HTTP cache never stores anything behind this proxy, and without an output file to reuse hashes from it falls back to downloading and hashing every file (its JSON-API hash lookup returns 404 here), so each run fetches all $H_PC files: one untimed run received $PC_MB MB (\`/proc/net/dev\`). Its own cache (\`--cache-dir\`) stays empty with its default (backtracking) resolver. \`PIP_FIND_LINKS\` is unset for this run."
