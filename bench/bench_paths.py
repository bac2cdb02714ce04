"""Benchmark of paths, neighbourhoods and views in fresh processes: ``python -m bench.bench_paths``.

Each command runs as a new ``kg`` process (as a user runs it), ``--runs`` times per build;
wall time is measured around the process, peak resident memory (RSS) from the kernel's
accounting of that one child (``os.wait4``). Commands:

* ``kg path hypoxia clonazepam``
* ``kg neighbors clonazepam``
* ``kg viz --focus clonazepam`` (page size too)
* ``kg viz`` (the whole graph; an overview above 400 entities; page size too)

on the curated, HPO-subset and full-HPO builds given (``--curated DIR --subset DIR --full DIR``;
by default ``bench/out/builds/{curated,subset}`` are built if missing, and the full build is
measured only when given, as it takes minutes and gigabytes to build).

Targets (issue 14): at most 1.5 s and 400 MB for ``kg path``, ``kg neighbors`` and
``kg viz --focus`` on the full-HPO build; any ``kg viz`` page in at most 2 s and 3 MB.

Writes ``bench/results/paths.md`` and prints it.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "paths.md"
BUILDS = HERE / "out" / "builds"
KG = [sys.executable, "-m", "kg"]

COMMANDS = [
    ("kg path hypoxia clonazepam", ["path", "hypoxia", "clonazepam"], False),
    ("kg neighbors clonazepam", ["neighbors", "clonazepam"], False),
    ("kg viz --focus clonazepam", ["viz", "--focus", "clonazepam"], True),
    ("kg viz (whole graph)", ["viz"], True),
]
TARGETS = {"kg path hypoxia clonazepam": (1.5, 400), "kg neighbors clonazepam": (1.5, 400),
           "kg viz --focus clonazepam": (1.5, 400), "kg viz (whole graph)": (2.0, None)}
PAGE_LIMIT_MB = 3.0


def run_once(args: list[str]) -> tuple[float, float, int, str, float]:
    """``(wall seconds, peak RSS in MB, exit status, stderr, CPU seconds)`` of one fresh process."""
    start = time.perf_counter()
    proc = subprocess.Popen(KG + args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stderr = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_maxrss / 1024, proc.returncode, stderr, usage.ru_utime + usage.ru_stime


def ensure_build(directory: Path, hpo: str) -> Path:
    if not (directory / "manifest.json").is_file():
        subprocess.run(KG + ["build", "--hpo", hpo, "--out", str(directory)], check=True)
    return directory


def measure(name: str, build: Path, runs: int, out: Path, browser: bool = True) -> list[dict]:
    rows = []
    for label, args, page in COMMANDS:
        walls, rsss, cpus, size = [], [], [], None
        failed = ""
        for i in range(runs):
            extra = ["-o", str(out / f"{name}-{i}.html")] if page else []
            wall, rss, code, stderr, cpu = run_once(args + extra + ["--out", str(build)])
            if code != 0:
                failed = stderr.strip().splitlines()[-1] if stderr.strip() else f"exit {code}"
                break
            walls.append(wall)
            rsss.append(rss)
            cpus.append(cpu)
            if page:
                size = (out / f"{name}-{i}.html").stat().st_size / 1e6
        shown = None
        if page and walls and browser:
            from bench.bench_viz import browser_times

            shown = browser_times(out / f"{name}-{runs - 1}.html", runs)
        rows.append({"build": name, "command": label, "wall": statistics.median(walls) if walls else None,
                     "worst": max(walls) if walls else None, "rss": max(rsss) if rsss else None,
                     "cpu": statistics.median(cpus) if cpus else None,
                     "size": size, "failed": failed, "browser": shown})
    return rows


def verdict(row: dict) -> str:
    if row["failed"]:
        return "failed: " + row["failed"]
    if row["build"] != "full-HPO" and row["command"] != "kg viz (whole graph)":
        return ""
    wall_limit, rss_limit = TARGETS[row["command"]]
    missed = []
    if row["wall"] > wall_limit:
        missed.append(f"wall > {wall_limit} s")
    if rss_limit is not None and row["rss"] > rss_limit:
        missed.append(f"RSS > {rss_limit} MB")
    if row["size"] is not None and row["size"] > PAGE_LIMIT_MB:
        missed.append(f"page > {PAGE_LIMIT_MB} MB")
    if not missed:
        return "met"
    cpu_note = " (CPU time within it: the wall time waited for a core)" if (
        row.get("cpu") is not None and row["cpu"] <= wall_limit and any(m.startswith("wall") for m in missed)) else ""
    return "missed: " + ", ".join(missed) + cpu_note


def report(rows: list[dict], runs: int, load_before: tuple, load_after: tuple) -> str:
    lines = [
        "# Paths, neighbourhoods and views in fresh processes",
        "",
        f"Generated by `python -m bench.bench_paths` on {datetime.date.today().isoformat()}; "
        f"CPython {platform.python_version()}, {os.cpu_count()} CPU(s), {platform.platform()}. "
        f"Load average (1, 5, 15 min) before: {', '.join(f'{x:.2f}' for x in load_before)}; after: "
        f"{', '.join(f'{x:.2f}' for x in load_after)} (the machine is shared: wall times include waiting "
        "for a CPU).",
        "",
        f"Each command is a new `kg` process (`python -m kg ...`), run {runs} times; wall is the median "
        "(worst in brackets), CPU the median user + system time and "
        "peak RSS the largest of the runs, both from `os.wait4` of that child (CPU time does not "
        "count waiting for a core, so it shows what an idle machine's wall time would be, "
        "give or take I/O). "
        "A page's interactive time is `kgView.timings.interactive` (ms since navigation start, "
        "median of the same number of loads in headless Chromium, as `bench_viz` measures it).",
        "",
        "| build | command | wall | CPU | peak RSS | page | page interactive in Chromium | target |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in rows:
        wall = f"{r['wall']:.2f} s ({r['worst']:.2f})" if r["wall"] is not None else "-"
        rss = f"{r['rss']:.0f} MB" if r["rss"] is not None else "-"
        size = f"{r['size']:.2f} MB" if r["size"] is not None else ""
        b = r.get("browser")
        shown = (f"{b['interactive']:.0f} ms ({b['outbound']} requests, {b['errors']} errors)"
                 if isinstance(b, dict) else (b or ""))
        cpu = f"{r['cpu']:.2f} s" if r.get("cpu") is not None else "-"
        lines.append(f"| {r['build']} | `{r['command']}` | {wall} | {cpu} | {rss} | {size} | {shown} | {verdict(r)} |")
    lines += ["", "Targets (issue 14): `kg path`, `kg neighbors`, `kg viz --focus` on the full-HPO build "
              "at most 1.5 s and 400 MB; every `kg viz` page at most 2 s and 3 MB.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--curated", type=Path, default=None)
    parser.add_argument("--subset", type=Path, default=None)
    parser.add_argument("--full", type=Path, default=None)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--no-browser", action="store_true", help="Do not load the pages in Chromium.")
    args = parser.parse_args(argv)
    builds = [("curated", args.curated or ensure_build(BUILDS / "curated", "none")),
              ("HPO subset", args.subset or ensure_build(BUILDS / "subset", "subset"))]
    if args.full:
        builds.append(("full-HPO", args.full))
    load_before = os.getloadavg()
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, build in builds:
            rows += measure(name, build, args.runs, Path(tmp), not args.no_browser)
    text = report(rows, args.runs, load_before, os.getloadavg())
    args.output.write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
