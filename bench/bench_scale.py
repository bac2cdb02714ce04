"""Every user-facing command in a fresh process, at three build sizes: ``bench/results/scale.md``.

A user meets the tool one command at a time, each a new process, so this benchmark runs each
command as its own child process (the ``kg`` console script next to this Python) and reports its
wall time and peak resident set size (``os.wait4``'s ``ru_maxrss`` of that child, which counts the
Rust store too). Warm, in-process figures live in the other ``bench_*`` modules.

Builds: curated (``--hpo none``), HPO subset and HPO full, made with ``kg build`` into
``--builds DIR`` (kept between runs; an up-to-date build is not rebuilt, so the build rows are
measured only when a build was really made, and say so). Commands:

* ``python -c "import rdflib"`` (the reference of the cold-start target) and ``kg query`` of a
  one-triple-pattern query;
* ``kg query --name NAME`` for every named query (the slowest, the median, and each one over 1 s);
* ``kg path hypoxia clonazepam``, ``kg neighbors clonazepam``;
* ``kg viz --focus myoclonus`` and ``kg viz`` (whole graph): wall, RSS and page size;
* ``kg status``;
* ``kg push`` into a private ``oxigraph serve`` (when the ``oxigraph`` binary is installed and
  ``--push`` is given: a full push takes minutes).

Bytecode caching is on for the children, as for a user (``PYTHONDONTWRITEBYTECODE`` is removed).

Run ``python -m bench.bench_scale [--sizes curated,subset,full] [--runs 3]``; the table is written
to ``bench/results/scale.md`` unless ``--no-write``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "scale.md"
BIN = Path(sys.executable).parent
SIZES = ("curated", "subset", "full")
HPO_OPTION = {"curated": "none", "subset": "subset", "full": "full"}
PATH_QUERY = ("hypoxia", "clonazepam")
ONE_PATTERN = ("PREFIX mkv: <https://w3id.org/myoclonus-kg/vocab/> "
               "SELECT ?drug WHERE { ?drug mkv:treats ?x } LIMIT 5")


@dataclass
class Sample:
    """One fresh-process run: wall seconds, peak RSS in MB, exit status."""

    wall: float
    rss_mb: float
    status: int


def run_fresh(argv: list[str], env: dict[str, str] | None = None, timeout: float = 1800) -> Sample:
    """Run ``argv`` as a child process; its wall time and peak RSS (its own ``ru_maxrss``)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    deadline = start + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            proc.kill()
            pid, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.005)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    if code != 0:
        print(f"  ! exit {code}: {' '.join(argv)}\n    {err.strip()[-400:]}", file=sys.stderr)
    return Sample(wall, usage.ru_maxrss / 1024, code)


def measure(argv: list[str], runs: int, env: dict[str, str] | None = None) -> Sample:
    """Median wall and largest peak RSS over ``runs`` fresh runs (status: the worst)."""
    samples = [run_fresh(argv, env) for _ in range(runs)]
    return Sample(statistics.median(s.wall for s in samples), max(s.rss_mb for s in samples),
                  max((s.status for s in samples), key=abs))


def kg(*args: str) -> list[str]:
    """The command line of the ``kg`` console script next to this Python."""
    return [str(BIN / "kg"), *args]


def ensure_build(size: str, builds: Path) -> tuple[Path, Sample | None]:
    """The build directory of ``size``; builds it (measured) unless an up-to-date one exists."""
    out = builds / size
    status = subprocess.run(kg("status", "--out", str(out), "--json"), capture_output=True, text=True)
    try:
        state = json.loads(status.stdout)
    except ValueError:
        state = {}
    if state.get("state") == "up to date":
        return out, None
    print(f"-- building {size} into {out}", file=sys.stderr, flush=True)
    sample = run_fresh(kg("build", "--hpo", HPO_OPTION[size], "--out", str(out)), timeout=3600)
    if sample.status != 0:
        raise SystemExit(f"kg build --hpo {HPO_OPTION[size]} failed; see above")
    return out, sample


def named_queries() -> list[str]:
    """The names ``kg queries`` lists."""
    listing = subprocess.run(kg("queries"), capture_output=True, text=True, check=True).stdout
    return [line.split()[0] for line in listing.strip().split("\n") if line.strip()]


def free_port() -> int:
    """A free loopback port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def push_sample(out: Path) -> tuple[Sample, float] | None:
    """``kg push`` of ``out`` into a private ``oxigraph serve``; the push and the server's RSS."""
    server = shutil.which("oxigraph") or str(BIN / "oxigraph")
    if not Path(server).exists():
        return None
    with tempfile.TemporaryDirectory(prefix="bench-scale-ox-") as tmp:
        port = free_port()
        proc = subprocess.Popen([server, "serve", "--location", tmp, "--bind", f"127.0.0.1:{port}"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(200):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                    break
                except OSError:
                    time.sleep(0.05)
            sample = run_fresh(kg("push", "--out", str(out), "--endpoint", f"http://127.0.0.1:{port}"),
                               timeout=3600)
        finally:
            proc.terminate()
            _, _, usage = os.wait4(proc.pid, 0)
        return sample, usage.ru_maxrss / 1024


def fmt(sample: Sample | None, extra: str = "") -> str:
    """A table cell: wall / RSS, and the exit status when it failed."""
    if sample is None:
        return "n/a"
    failed = "" if sample.status == 0 else f" **exit {sample.status}**"
    return f"{sample.wall:.2f} s / {sample.rss_mb:.0f} MB{extra}{failed}"


def main(argv: list[str] | None = None) -> int:
    """Measure, print the table and write it to bench/results/scale.md."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="curated,subset,full")
    parser.add_argument("--runs", type=int, default=3, help="fresh runs per command (median)")
    parser.add_argument("--full-runs", type=int, default=1, help="fresh runs per command on full")
    parser.add_argument("--builds", type=Path,
                        default=Path(tempfile.gettempdir()) / "myoclonus-kg-bench-scale")
    parser.add_argument("--push", action="store_true", help="also measure kg push (slow on full)")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    # As a user's Python does: modules compiled once, then read from __pycache__ (a sandbox
    # may set PYTHONDONTWRITEBYTECODE, which would recompile our modules in every process).
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    sizes = [s for s in args.sizes.split(",") if s]
    unknown = set(sizes) - set(SIZES)
    if unknown:
        parser.error(f"unknown size(s) {sorted(unknown)}; have {SIZES}")
    args.builds.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    rows: dict[str, dict[str, str]] = {}
    slow: dict[str, list[str]] = {}
    views = Path(tempfile.mkdtemp(prefix="bench-scale-views-"))

    def put(row: str, size: str, text: str) -> None:
        rows.setdefault(row, {})[size] = text
        print(f"  {size:8} {row}: {text}", file=sys.stderr, flush=True)

    names = named_queries()
    for size in sizes:
        runs = args.full_runs if size == "full" else args.runs
        out, built = ensure_build(size, args.builds)
        put("`kg build` (when it had to build)", size, fmt(built) if built else "up to date, not measured")
        put('`python -c "import rdflib"`', size, fmt(measure([sys.executable, "-c", "import rdflib"], runs)))
        put("`kg query` one pattern", size, fmt(measure(kg("query", "--out", str(out), ONE_PATTERN), runs)))
        timings = {}
        for name in names:
            timings[name] = measure(kg("query", "--out", str(out), "--name", name), runs)
        ordered = sorted(timings.items(), key=lambda kv: kv[1].wall)
        worst_name, worst = ordered[-1]
        put(f"`kg query --name` x{len(names)}: median", size,
            f"{statistics.median(s.wall for _, s in ordered):.2f} s")
        put(f"`kg query --name` x{len(names)}: slowest", size, f"{fmt(worst)} ({worst_name})")
        failed = [n for n, s in ordered if s.status != 0]
        if failed:
            put("`kg query --name`: failed", size, ", ".join(failed))
        slow[size] = [f"{n} {s.wall:.2f} s" for n, s in ordered if s.wall > 1.0]
        put("`kg path hypoxia clonazepam`", size, fmt(measure(kg("path", "--out", str(out), *PATH_QUERY), runs)))
        put("`kg neighbors clonazepam`", size, fmt(measure(kg("neighbors", "--out", str(out), "clonazepam"), runs)))
        for label, extra_args in (("`kg viz --focus myoclonus`", ["--focus", "myoclonus"]),
                                  ("`kg viz` whole graph", [])):
            page = views / f"{size}-{len(extra_args)}.html"
            sample = measure(kg("viz", "--out", str(out), "-o", str(page), *extra_args), runs)
            size_mb = page.stat().st_size / 1e6 if page.exists() else float("nan")
            put(label, size, fmt(sample, f", page {size_mb:.2f} MB"))
        put("`kg status`", size, fmt(measure(kg("status", "--out", str(out)), runs)))
        if args.push:
            pushed = push_sample(out)
            put("`kg push` to `oxigraph serve` (server peak RSS)", size,
                "oxigraph not installed" if pushed is None
                else f"{fmt(pushed[0])} (server {pushed[1]:.0f} MB)")
    shutil.rmtree(views, ignore_errors=True)
    load_after = os.getloadavg()
    commit = subprocess.run(["git", "-C", str(HERE.parent), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip() or "unknown"
    lines = [
        "# Every command in a fresh process, at three build sizes",
        "",
        "Generated by `python -m bench.bench_scale` (see its docstring). Each cell: median wall time "
        "of fresh processes / largest peak RSS of the child (`wait4` `ru_maxrss`).",
        f"Runs per command: {args.runs} (curated, subset), {args.full_runs} (full).",
        "",
        f"- When: {started}; commit {commit}",
        f"- Machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        f"- Load average (1/5/15 min) before: {load_before[0]:.2f}/{load_before[1]:.2f}/{load_before[2]:.2f}, "
        f"after: {load_after[0]:.2f}/{load_after[1]:.2f}/{load_after[2]:.2f} "
        "(the machine is shared; a load above ~1 inflates walls)",
        "",
        "Targets (issue 14): paths and `viz --focus` at most 1.5 s and 400 MB on full; every named query "
        "at most 1 s fresh on full; `kg query` at most 0.6x `import rdflib` on curated; any viz page at most "
        "2 s and 3 MB.",
        "",
        "| command | " + " | ".join(sizes) + " |",
        "|---|" + "---|" * len(sizes),
    ]
    for row, cells in rows.items():
        lines.append(f"| {row} | " + " | ".join(cells.get(s, "") for s in sizes) + " |")
    lines += ["", "Named queries over 1 s in a fresh process:", ""]
    for size in sizes:
        lines.append(f"- {size}: " + ("; ".join(slow.get(size, [])) or "none"))
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_write:
        RESULTS.write_text(text, encoding="utf-8")
        print(f"written {RESULTS}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
