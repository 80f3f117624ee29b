"""Turn a hyperfine JSON export into one section of docs/benchmarks.md.

Only the section named by --section (between its <!-- bench:NAME:start/end -->
markers) is replaced; the rest of the page is kept. Standard library only.
Usually called through bench_report in bench/lib.sh.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

PAGE_HEADER = """\
# Benchmarks

fenv is timed against its peers on the same machine, in one `hyperfine` run per
table, by the scripts in [`bench/`](../bench/README.md). Each section below is
rewritten by the script named in it; text outside the `bench:` markers is kept.
Machines here are noisy: compare the ratios within a table, not absolute times
across tables.
"""


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--section", required=True, help="marker name, e.g. create-without-pip")
    p.add_argument("--title", required=True, help="the section's heading")
    p.add_argument("--json", required=True, type=Path, help="hyperfine --export-json file")
    p.add_argument("--commands", type=Path, help="TSV of name<TAB>command, as timed")
    p.add_argument("--docs", type=Path, default=REPO_ROOT / "docs" / "benchmarks.md")
    p.add_argument("--python", help="interpreter path, shown as $PY in commands")
    p.add_argument("--reproduce", help="the command that reproduces this section")
    p.add_argument("--ratio-to", action="append", default=[], metavar="NAME",
                   help="add a column: each median divided by NAME's median")
    p.add_argument("--goal", nargs=3, action="append", default=[],
                   metavar=("SUBJECT", "PEER", "MAX"),
                   help="state whether median(SUBJECT)/median(PEER) <= MAX "
                        "(a MAX written '<N' means strictly below N)")
    p.add_argument("--limit-ms", nargs=2, action="append", default=[],
                   metavar=("SUBJECT", "MAX"),
                   help="state whether median(SUBJECT) <= MAX milliseconds "
                        "(a MAX written '<N' means strictly below N)")
    p.add_argument("--compare", nargs=2, action="append", default=[],
                   metavar=("SUBJECT", "PEER"),
                   help="state median(SUBJECT)/median(PEER), without a goal")
    p.add_argument("--files", action="append", default=[], metavar="NAME=PATH",
                   help="add a column: entries (files and symlinks) under PATH")
    p.add_argument("--column", nargs=2, action="append", default=[],
                   metavar=("HEADER", "NAME=TEXT"),
                   help="add a column HEADER (after the others) with TEXT in NAME's row")
    p.add_argument("--version", action="append", default=[], metavar="TOOL=TEXT")
    p.add_argument("--env", action="append", default=[], metavar="VAR",
                   help="record this environment variable's value")
    p.add_argument("--note", action="append", default=[])
    p.add_argument("--load", help="how busy the machine was during the timed run, as text")
    return p.parse_args(argv)


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f", {int(line.split()[1]) / 1024 / 1024:.0f} GiB RAM"
                break
    except (OSError, ValueError):
        pass
    u = platform.uname()
    return f"{os.cpu_count()} CPUs, {cpu}{mem}, {u.system} {u.release} ({u.machine})"


def count_entries(path: str) -> int:
    n = 0
    for dirpath, dirnames, filenames in os.walk(path):
        n += len(filenames)
        n += sum(1 for d in dirnames if os.path.islink(os.path.join(dirpath, d)))
    return n


def ms(seconds: float) -> str:
    v = seconds * 1000
    return f"{v:.1f}" if v < 100 else f"{v:.0f}"


def ratio(value: float) -> str:
    """A ratio with two decimals, or two significant digits below 0.1."""
    if value >= 0.1 or value == 0:
        return f"{value:.2f}×"
    return f"{value:.2g}×"


def parse_goal(limit: str) -> tuple[str, float]:
    """'0.5' means at most 0.5; '<0.01' means strictly below 0.01."""
    limit = limit.strip()
    if limit.startswith("<"):
        return "<", float(limit[1:])
    return "≤", float(limit)


def shorten(cmd: str, python: str | None) -> str:
    if python:
        cmd = cmd.replace(python, "$PY")
    return cmd.replace(f"{REPO_ROOT}/", "")


def render(a: argparse.Namespace) -> str:
    results = json.loads(a.json.read_text())["results"]
    by_name = {r["command"]: r for r in results}
    names = a.ratio_to + [g[0] for g in a.goal] + [g[1] for g in a.goal]
    names += [n for c in a.compare for n in c]
    names += [g[0] for g in a.limit_ms]
    names += [c[1].partition("=")[0] for c in a.column]
    for name in names:
        if name not in by_name:
            sys.exit(f"error: no result named {name!r} in {a.json}")
    files = dict(f.split("=", 1) for f in a.files)
    commands: dict[str, str] = {}
    if a.commands:
        for line in a.commands.read_text().splitlines():
            name, _, cmd = line.partition("\t")
            commands[name] = cmd

    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    runs = sorted({len(r["times"]) for r in results})
    out = [f"## {a.title}", ""]
    out.append(f"Measured {now}; {'/'.join(map(str, runs))} timed runs per command.")
    out.append("")

    for subject, peer, limit in a.goal:
        value = by_name[subject]["median"] / by_name[peer]["median"]
        op, bound = parse_goal(limit)
        met = value < bound if op == "<" else value <= bound
        verdict = "met" if met else "NOT met"
        out.append(f"**Goal:** `{subject}` {op} {bound:g}× `{peer}` (medians) — "
                   f"**{verdict}: {value:.3g}×**.")
        out.append("")

    for subject, limit in a.limit_ms:
        value = by_name[subject]["median"] * 1000
        op, bound = parse_goal(limit)
        met = value < bound if op == "<" else value <= bound
        verdict = "met" if met else "NOT met"
        out.append(f"**Goal:** `{subject}` {op} {bound:g} ms (median) — "
                   f"**{verdict}: {ms(by_name[subject]['median'])} ms**.")
        out.append("")

    if a.compare:
        for subject, peer in a.compare:
            value = by_name[subject]["median"] / by_name[peer]["median"]
            out.append(f"- `{subject}` ÷ `{peer}` (medians): {value:.3g}×")
        out.append("")

    head = ["command", "median ms", "min–max ms", "user+sys ms"]
    head += [f"× {n}" for n in a.ratio_to]
    if files:
        head.append("files")
    columns: dict[str, dict[str, str]] = {}
    for header, cell in a.column:
        name, _, text = cell.partition("=")
        columns.setdefault(header, {})[name] = text
    head += list(columns)
    out.append("| " + " | ".join(head) + " |")
    align = ["---"] + ["---:"] * (len(head) - 1 - len(columns)) + ["---"] * len(columns)
    out.append("|" + "|".join(align) + "|")
    for r in results:
        row = [
            f"`{r['command']}`",
            ms(r["median"]),
            f"{ms(r['min'])}–{ms(r['max'])}",
            ms(r["user"] + r["system"]),
        ]
        row += [ratio(r["median"] / by_name[n]["median"]) for n in a.ratio_to]
        if files:
            path = files.get(r["command"])
            row.append(str(count_entries(path)) if path and os.path.isdir(path) else "")
        row += [cells.get(r["command"], "") for cells in columns.values()]
        out.append("| " + " | ".join(row) + " |")
    out.append("")

    if commands:
        out.append("Exactly what was timed"
                   + (f" (`$PY` = `{a.python}`)" if a.python else "") + ":")
        out.append("")
        out.append("```sh")
        out += [shorten(commands[r["command"]], a.python)
                for r in results if r["command"] in commands]
        out.append("```")
        out.append("")
    for n in a.note:  # one paragraph each
        out += [n, ""]
    out.append(f"- Machine: {machine()}")
    if a.load:
        out.append(f"- Machine load during the timed run: {a.load}")
    if a.version:
        out.append("- Versions: " + "; ".join(v.split("=", 1)[1] for v in a.version))
    if a.env:
        env = ", ".join(f"`{v}={os.environ[v]}`" if v in os.environ else f"`{v}` unset"
                        for v in a.env)
        out.append(f"- Environment: {env}")
    if a.reproduce:
        out.append(f"- Reproduce: `{a.reproduce}`")
    return "\n".join(out).rstrip() + "\n"


def update(page: str, section: str, body: str) -> str:
    start, end = f"<!-- bench:{section}:start -->", f"<!-- bench:{section}:end -->"
    block = f"{start}\n{body}{end}\n"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end) + r"\n?", re.S)
    if pattern.search(page):
        return pattern.sub(lambda _: block, page, count=1)
    return page.rstrip("\n") + "\n\n" + block


def main(argv: list[str]) -> None:
    a = parse_args(argv)
    body = render(a)
    page = a.docs.read_text() if a.docs.exists() else PAGE_HEADER
    a.docs.parent.mkdir(parents=True, exist_ok=True)
    a.docs.write_text(update(page, a.section, body))
    sys.stdout.write(body)
    print(f"wrote section {a.section!r} of {a.docs}", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
