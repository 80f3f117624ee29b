#!/usr/bin/env bash
# Benchmark (issue 5): `fenv sync` of the reference lock (requests, fastapi,
# boto3, pydantic, httpx: 24 packages for this machine, linux x86_64, CPython
# 3.12) into a fresh environment with a warm cache, against `uv pip sync
# pylock.toml` (the same lock file) and `pip install --require-hashes --no-deps
# -r requirements.txt` (the same pins and hashes), in one hyperfine run; and a
# sync that finds the environment already in step. Writes the section "fenv
# sync" of docs/benchmarks.md.
#
#   bench/sync.sh                      # 1 warm-up + 10 runs per command (~6 min)
#   BENCH_RUNS=5 bench/sync.sh         # quicker, noisier
#
# Needs the network once, to lock and to fill the caches. Why few runs: the
# pip rows take 4–12 s a run, and hyperfine cannot vary the number of runs per
# command within one invocation.
#
# Fair to every tool:
#   - The same lock: fenv locks bench/.work/sync/project once (the project of
#     bench/lock.sh, host only; kept while its inputs do not change, delete
#     bench/.work/sync to lock afresh); uv reads that pylock.toml itself, and
#     pip gets a requirements.txt written from it (`name==version` plus the
#     sha256 of every file the lock lists for the package).
#   - The same fresh, empty environment: before every timed run of a "fresh"
#     row, hyperfine's --prepare deletes the row's environment and makes it
#     again with `$PY -m venv --without-pip` — one neutral tool for all rows,
#     so no tool gets an environment made its own way — and runs `sync`.
#     Creating it is NOT timed, for any row.
#   - Warm caches: each tool's cache (fenv's wheel store, uv's cache, pip's
#     cache) is filled by one untimed run first and kept in bench/.work/cache/
#     sync/. The network is not needed afterwards by fenv or uv (connections
#     are counted with strace and shown). pip's HTTP cache cannot fill behind
#     this machine's proxy (it strips the cache headers), so pip re-downloads
#     every wheel each run; the `--no-index --find-links` rows give it the 24
#     wheels in a local folder instead: its best case, the stand-in for a warm
#     cache. pip has no pip of its own in these environments, so it runs from
#     the tools venv with `--python ENV/bin/python` (baseline-perf §3 did the
#     same; it costs about 0.2 s a run).
#   - Link modes: fenv's default (clone, else hardlink: hardlink on this ext4)
#     and uv's default (hardlink) side by side, and both with copies
#     (`--link-mode copy` for both). pip always copies and, unless
#     `--no-compile`, writes bytecode; fenv and uv do not (by default).
#   - No change: `fenv sync` and `uv pip sync` of the same lock into an
#     environment that already holds it (synced once before timing).
#   - The same result: after the warm-up and again after the timed run, every
#     environment must hold the same 24 `name==version` (read with the
#     environment's own Python, importlib.metadata), or the script fails.

# The CMD_* and PRE_* arrays are used through namerefs (add, conn below).
# shellcheck disable=SC2034
set -euo pipefail
: "${BENCH_RUNS:=10}" "${BENCH_WARMUP:=1}"
export BENCH_RUNS BENCH_WARMUP
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SECTION=sync
bench_setup
# pip: the globally set find-links folder is not part of the comparison, and
# pip's cache stays in the scratch folder.
unset PIP_FIND_LINKS
C="$WORK/cache/$SECTION"
C_FENV="$C/fenv" C_UV="$C/uv"
export PIP_CACHE_DIR="$C/pip"
PIP="$TOOLS/bin/pip"
if [[ ! -e "$TOOLS/.pip-upgraded" ]]; then
    bench_log "upgrading pip in $TOOLS"
    "$PIP" install -q --upgrade pip
    touch "$TOOLS/.pip-upgraded"
fi

S="$WORK/$SECTION"
PROJ="$S/project"
ENVS="$S/envs"
WHEELHOUSE="$S/wheelhouse"
REQ="$S/requirements.txt"
OUT="$WORK/out/$SECTION"
mkdir -p "$PROJ" "$ENVS" "$OUT" "$C"
cat >"$PROJ/pyproject.toml" <<'EOF'
[project]
name = "bench-sync"
version = "0"
requires-python = ">=3.12"
dependencies = ["requests", "fastapi", "boto3", "pydantic", "httpx"]
EOF
echo 3.12 >"$PROJ/.python-version"
LOCK="$PROJ/pylock.toml"

bench_log "locking (network unless the lock is up to date)"
(cd "$PROJ" && "$FENV" lock --cache-dir "$C_FENV") 2>&1 | sed 's/^/    /' >&2

# pip's input: the lock's pins and hashes as a requirements file.
"$PY" -B - "$LOCK" "$REQ" <<'EOF'
import sys, tomllib
lock = tomllib.load(open(sys.argv[1], "rb"))
with open(sys.argv[2], "w") as out:
    for p in sorted(lock["packages"], key=lambda p: p["name"]):
        files = p.get("wheels", []) + ([p["sdist"]] if "sdist" in p else [])
        hashes = "".join(f" \\\n    --hash=sha256:{f['hashes']['sha256']}" for f in files)
        out.write(f"{p['name']}=={p['version']}{hashes}\n")
EOF

# Row names; one environment per row.
N_FENV="fenv sync"
N_FENV_COPY="fenv sync --link-mode copy"
N_UV="uv pip sync"
N_UV_COPY="uv pip sync --link-mode copy"
N_PIP="pip install (index)"
N_PIP_WH="pip install (local wheels)"
N_PIP_WH_NC="pip install --no-compile (local wheels)"
N_FENV_NOOP="fenv sync (no change)"
N_UV_NOOP="uv pip sync (no change)"
declare -A ENV_OF=(
    [$N_FENV]="$ENVS/fenv" [$N_FENV_COPY]="$ENVS/fenv-copy"
    [$N_UV]="$ENVS/uv" [$N_UV_COPY]="$ENVS/uv-copy"
    [$N_PIP]="$ENVS/pip" [$N_PIP_WH]="$ENVS/pip-wheels" [$N_PIP_WH_NC]="$ENVS/pip-wheels-nc"
    [$N_FENV_NOOP]="$ENVS/fenv-noop" [$N_UV_NOOP]="$ENVS/uv-noop"
)

FENV_SYNC=("$FENV" sync --frozen --cache-dir "$C_FENV")
UV_SYNC=("$UV" pip sync -q --cache-dir "$C_UV")
PIP_INSTALL=(install -q --require-hashes --no-deps -r "$REQ")
PIP_LOCAL=(--no-index --find-links "$WHEELHOUSE")

CMD_FENV=("${FENV_SYNC[@]}" -q --env "${ENV_OF[$N_FENV]}")
CMD_FENV_COPY=("${FENV_SYNC[@]}" -q --link-mode copy --env "${ENV_OF[$N_FENV_COPY]}")
CMD_UV=("${UV_SYNC[@]}" -p "${ENV_OF[$N_UV]}/bin/python" "$LOCK")
CMD_UV_COPY=("${UV_SYNC[@]}" --link-mode copy -p "${ENV_OF[$N_UV_COPY]}/bin/python" "$LOCK")
CMD_PIP=("$PIP" --python "${ENV_OF[$N_PIP]}/bin/python" "${PIP_INSTALL[@]}")
CMD_PIP_WH=("$PIP" --python "${ENV_OF[$N_PIP_WH]}/bin/python" "${PIP_INSTALL[@]}" "${PIP_LOCAL[@]}")
CMD_PIP_WH_NC=("$PIP" --python "${ENV_OF[$N_PIP_WH_NC]}/bin/python" "${PIP_INSTALL[@]}" --no-compile "${PIP_LOCAL[@]}")
CMD_FENV_NOOP=("${FENV_SYNC[@]}" -q --env "${ENV_OF[$N_FENV_NOOP]}")
CMD_UV_NOOP=("${UV_SYNC[@]}" -p "${ENV_OF[$N_UV_NOOP]}/bin/python" "$LOCK")

# A fresh, empty environment for one row, made the same way for every tool:
# make_fresh makes it now, fresh prints the same as a --prepare command.
# fresh ends with `sync`: no run starts with the previous runs' copies still
# being written back (the copy rows write about 40 MB a run, and the kernel
# throttles a writer when too much is pending, which made those rows swing
# between 0.15 and 2 s).
make_fresh() { rm -rf "$1" && "$PY" -m venv --without-pip "$1"; }
fresh() { # ENV
    bench_cmd sh -c "rm -rf $(bench_quote "$1") && $(bench_quote "$PY") -m venv --without-pip $(bench_quote "$1") && exec sync"
}
# Fill every cache (network), and the no-change environments.
bench_log "warming caches (network)"
for name in "$N_FENV" "$N_UV" "$N_PIP" "$N_FENV_NOOP" "$N_UV_NOOP"; do
    make_fresh "${ENV_OF[$name]}"
done
(cd "$PROJ" && "${FENV_SYNC[@]}" -v --env "${ENV_OF[$N_FENV]}") 2>&1 | tail -n 3 | sed 's/^/    /' >&2
"${UV_SYNC[@]}" -p "${ENV_OF[$N_UV]}/bin/python" "$LOCK"
"$PIP" --python "${ENV_OF[$N_PIP]}/bin/python" "${PIP_INSTALL[@]}"
(cd "$PROJ" && "${CMD_FENV_NOOP[@]}")
"${CMD_UV_NOOP[@]}"
# pip's local wheels: the very files of the lock, from fenv's wheel store.
rm -rf "$WHEELHOUSE" && mkdir -p "$WHEELHOUSE"
"$PY" -B - "$LOCK" "$C_FENV" "$WHEELHOUSE" <<'EOF'
import os, shutil, sys, tomllib
lock, store, out = sys.argv[1:]
for p in tomllib.load(open(lock, "rb"))["packages"]:
    for w in p.get("wheels", []):
        src = os.path.join(store, "archives", w["hashes"]["sha256"], w["name"])
        if os.path.exists(src):
            shutil.copy(src, out)
EOF

# Every environment holds the same packages: `name==version`, normalized,
# sorted, read by the environment's own Python.
freeze() { # ENV
    "$1/bin/python" -B -c '
import importlib.metadata as m, re
print("\n".join(f"{re.sub(r"[-_.]+", "-", d.metadata["Name"]).lower()}=={d.version}" for d in m.distributions()))' |
        LC_ALL=C sort
}
pins() {
    "$PY" -B -c '
import re, sys, tomllib
for p in tomllib.load(open(sys.argv[1], "rb"))["packages"]:
    print(f"{re.sub(r"[-_.]+", "-", p["name"]).lower()}=={p["version"]}")' "$LOCK" | LC_ALL=C sort
}
pins >"$OUT/pins-lock.txt"
N_PINS=$(wc -l <"$OUT/pins-lock.txt")
verify() { # WHEN NAME...
    local when=$1 name
    shift
    for name in "$@"; do
        freeze "${ENV_OF[$name]}" >"$OUT/freeze.txt"
        if ! cmp -s "$OUT/pins-lock.txt" "$OUT/freeze.txt"; then
            diff "$OUT/pins-lock.txt" "$OUT/freeze.txt" >&2 || true
            bench_die "$when: \`$name\` left ${ENV_OF[$name]} with other packages than the lock's"
        fi
    done
    bench_log "$when: every environment holds the lock's $N_PINS packages, no more"
}

# One untimed run of each fresh row in its state, with its network connections.
bench_log "one run of each row: its network connections (strace), then the check"
declare -A CONN
conn() { # NAME CMD-ARRAY-NAME
    local -n cmd=$2
    [[ $1 == *"(no change)" ]] || make_fresh "${ENV_OF[$1]}"
    CONN[$1]=$(cd "$PROJ" && bench_connects "$WORK/results/$SECTION.connect.strace" "${cmd[@]}")
    bench_log "  $1: ${CONN[$1]}"
}
conn "$N_FENV" CMD_FENV
conn "$N_FENV_COPY" CMD_FENV_COPY
conn "$N_UV" CMD_UV
conn "$N_UV_COPY" CMD_UV_COPY
CONN[$N_PIP]="not measured"
conn "$N_PIP_WH" CMD_PIP_WH
conn "$N_PIP_WH_NC" CMD_PIP_WH_NC
conn "$N_FENV_NOOP" CMD_FENV_NOOP
conn "$N_UV_NOOP" CMD_UV_NOOP
ALL=("$N_FENV" "$N_FENV_COPY" "$N_UV" "$N_UV_COPY" "$N_PIP" "$N_PIP_WH" "$N_PIP_WH_NC" "$N_FENV_NOOP" "$N_UV_NOOP")
verify "before timing" "${ALL[@]}"

# What pip downloads a run from the index (its cache never fills here).
rx_bytes() { awk 'NR > 2 && $1 != "lo:" { sub(/^[^:]*:/, ""); s += $1 } END { printf "%.0f\n", s }' /proc/net/dev; }
make_fresh "${ENV_OF[$N_PIP]}"
RX=$(rx_bytes)
"${CMD_PIP[@]}"
PIP_MB=$((($(rx_bytes) - RX) / 1000000))
bench_log "pip install (index) received $PIP_MB MB"

# The timed run.
add() { # NAME CMD-ARRAY-NAME [fresh]
    local -n cmd=$2
    local pre
    if [[ ${3:-} == fresh ]]; then pre=$(fresh "${ENV_OF[$1]}"); else pre=$(bench_cmd true); fi
    bench_add "$1" "$(bench_cmd "${cmd[@]}")" "$pre"
}
add "$N_FENV" CMD_FENV fresh
add "$N_FENV_COPY" CMD_FENV_COPY fresh
add "$N_UV" CMD_UV fresh
add "$N_UV_COPY" CMD_UV_COPY fresh
add "$N_PIP" CMD_PIP fresh
add "$N_PIP_WH" CMD_PIP_WH fresh
add "$N_PIP_WH_NC" CMD_PIP_WH_NC fresh
add "$N_FENV_NOOP" CMD_FENV_NOOP
add "$N_UV_NOOP" CMD_UV_NOOP
BENCH_CWD="$PROJ" bench_run "$SECTION"
verify "after timing" "${ALL[@]}"

BENCH_VERSIONS=(
    "fenv=$("$FENV" --version)$(bench_git_describe)"
    "uv=$("$UV" --version)"
    "pip=pip $("$PIP" --version | cut -d' ' -f2)"
    "python=CPython $PY_VERSION ($PY)"
    "hyperfine=$(hyperfine --version)"
)

args=()
for name in "${ALL[@]}"; do
    args+=(--files "$name=${ENV_OF[$name]}/lib" --column "connections" "$name=${CONN[$name]}")
done

bench_report "$SECTION" "fenv sync" \
    --reproduce "bench/sync.sh" \
    --ratio-to "$N_UV" --ratio-to "$N_UV_COPY" \
    --goal "$N_FENV" "$N_UV" 1 \
    --goal "$N_FENV_COPY" "$N_UV_COPY" 1 \
    --limit-ms "$N_FENV_NOOP" '<10' \
    --compare "$N_FENV_NOOP" "$N_UV_NOOP" \
    --compare "$N_PIP_WH_NC" "$N_FENV_COPY" \
    --compare "$N_PIP_WH" "$N_FENV" \
    --compare "$N_PIP" "$N_FENV" \
    --env PIP_FIND_LINKS \
    "${args[@]}" \
    --note "The lock: \`requests\`, \`fastapi\`, \`boto3\`, \`pydantic\`, \`httpx\` locked by \`fenv lock\` for the host (linux x86_64, CPython $PY_VERSION) in \`bench/.work/sync/project\`: $N_PINS packages. fenv syncs that project's \`pylock.toml\` (\`--frozen\`: the lock is checked against the project's inputs, never re-resolved); uv reads the same file (\`uv pip sync pylock.toml\`); pip installs \`bench/.work/sync/requirements.txt\`, written from the lock (each pin with the sha256 of every file the lock lists for it). Before timing and again after it, every row's environment held exactly the lock's $N_PINS packages (\`name==version\` by the environment's own Python), nothing else. All three write an empty \`REQUESTED\` into each \`.dist-info\` (every package is named in their input); fenv's and uv's file lists under \`lib/\` and \`bin/\` are the same (pip adds bytecode unless \`--no-compile\`)." \
    --note "Commands run without a shell (\`hyperfine -N\`), one after the other in the order shown, $BENCH_WARMUP warm-up + $BENCH_RUNS timed runs each, in \`bench/.work/sync/project\`. **Fresh rows:** hyperfine's \`--prepare\` (not timed) deletes the row's environment, makes it again with \`\$PY -m venv --without-pip\`, the same for every tool, and runs \`sync\` (so that no run waits on the write-back of the previous runs' files): env creation is excluded from every row. **No change rows:** the environment was synced before timing and is left as it is. **Warm:** every cache was filled by one untimed run first (fenv's wheel store, uv's cache: neither opens a connection, see \`connections\`, counted with \`strace -f -e trace=connect\` over one run, DNS not counted). pip's HTTP cache never fills behind this machine's proxy (it strips the cache headers), so \`pip install (index)\` downloads every wheel on each run ($PIP_MB MB in one untimed run, \`/proc/net/dev\`); the two \`(local wheels)\` rows give pip the lock's 24 wheels in a local folder (\`--no-index --find-links\`), its best case, as the warm stand-in. pip runs from the tools venv with \`--python ENV/bin/python\` because the environments have no pip (baseline-perf §3 measured that at about 0.2 s a run). **Link modes:** fenv's default tries a copy-on-write clone, then a hardlink (what it uses on this ext4); uv's default is a hardlink; the \`copy\` rows copy every file. pip copies and byte-compiles (\`files\` counts its \`.pyc\`) unless \`--no-compile\`; fenv and uv write no bytecode by default. \`files\` counts the files and symlinks under each environment's \`lib/\` after its last run. The \`copy\` rows swing widely from run to run (see min–max) even with \`sync\` before each run: their time is kernel time (user+sys ≈ wall), allocating and filling about 40 MB of page cache on a shared VM, so compare their medians and expect their ratio to move between runs of this script; the hardlink and no-change rows are steady." \
    --note "No-change: \`fenv sync\` reads the project's manifest and lock (to check the lock's inputs), the lock's hash recorded in \`pyvenv.cfg\` and the environment's \`*.dist-info\` folders, and returns; \`uv pip sync\` reads the lock and the environment and returns."
