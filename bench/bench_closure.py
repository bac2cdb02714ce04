"""Named queries on the full-HPO build (issue 14, item 2): ``python -m bench.bench_closure --build DIR``.

For every named query, on a ``kg build --hpo full`` directory:

* **warm**: ``graph.named(name)`` in this process after one warm-up run, median of ``--reps``
  (target: at most 100 ms);
* **fresh process**: ``kg query --name NAME --out DIR`` as a new process, wall time and peak
  RSS from ``/usr/bin/time`` (or ``resource`` when it is missing), median of ``--fresh-runs``
  (target: at most 1 s);
* **differential**: the rows of the named query equal those of its reference form
  (``kg/queries/reference/``: ``subtypeOf*`` paths, no closure index), run once on the same
  store, and how long the reference form takes (what the query cost before the index).

Also the build's closure cost: closure triples, and the size of the store and ``kg.nq``.
The report replaces the section between the markers ``<!-- closure:begin -->`` and
``<!-- closure:end -->`` of ``bench/results/query.md`` (``bench_query`` keeps that section).
The build must be up to date (a stale one would make ``kg query`` rebuild it): the script
refuses otherwise. Without ``--build`` (or ``$BENCH_FULL_BUILD``) it says so and does nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "query.md"
BEGIN, END = "<!-- closure:begin -->", "<!-- closure:end -->"
WARM_TARGET_MS, FRESH_TARGET_S = 100.0, 1.0


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def rows(result) -> Counter:
    """The rows as a multiset (a GROUP_CONCAT literal with its "; " parts sorted: no defined order)."""
    import pyoxigraph as ox

    def plain(term):
        if isinstance(term, ox.Literal) and "; " in term.value:
            return "; ".join(sorted(term.value.split("; ")))
        return None if term is None else str(term)

    return Counter(tuple(plain(v) for v in row) for row in result.rows)


def fresh(build: Path, name: str) -> tuple[float, float | None]:
    """Wall seconds and peak RSS (MB) of ``kg query --name NAME`` in a new process."""
    kg = Path(sys.executable).with_name("kg")
    command = [str(kg), "query", "--name", name, "--out", str(build), "--format", "csv"]
    timer = shutil.which("time") or ("/usr/bin/time" if Path("/usr/bin/time").exists() else None)
    if timer:
        start = time.perf_counter()
        done = subprocess.run([timer, "-f", "%M", *command], capture_output=True, text=True)
        wall = time.perf_counter() - start
        if done.returncode != 0:
            raise RuntimeError(f"{name}: {done.stderr.strip()[-300:]}")
        return wall, int(done.stderr.strip().rsplit("\n", 1)[-1]) / 1024
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{name}: {done.stderr.strip()[-300:]}")
    return time.perf_counter() - start, None


def warm(graph, name: str, reps: int) -> tuple[float, object]:
    result = graph.named(name)
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        graph.named(name)
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def reference(graph, nq) -> tuple[float, Counter]:
    bindings = {k: graph._canonical(v) for k, v in nq.bindings(None, resolve=graph.resolve).items()}
    start = time.perf_counter()
    found = rows(graph.engine.query(nq.reference, bindings=bindings))
    return time.perf_counter() - start, found


def size_mb(path: Path) -> float:
    if path.is_file():
        return path.stat().st_size / 1e6
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def linked_mb(path: Path) -> float:
    """The size of the files of ``path`` that are not hard links into another directory."""
    if not path.is_dir():
        return 0.0
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and p.stat().st_nlink == 1) / 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_closure", description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", type=Path, default=os.environ.get("BENCH_FULL_BUILD"),
                        help="a `kg build --hpo full` directory (or $BENCH_FULL_BUILD)")
    parser.add_argument("--reps", type=int, default=5, help="warm repetitions per query (default 5)")
    parser.add_argument("--fresh-runs", type=int, default=3, help="fresh processes per query (default 3)")
    parser.add_argument("--no-reference", action="store_true", help="skip the differential runs")
    parser.add_argument("--out", type=Path, default=RESULTS, help=f"report file (default {RESULTS})")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if args.build is None:
        say("bench_closure: no full-HPO build given (--build DIR or $BENCH_FULL_BUILD); skipped")
        return 0

    from bench.bench_query import machine_info
    from kg.api import KnowledgeGraph
    from kg.build.inputs import input_fingerprint
    from kg.build.directory import read_manifest

    build = Path(args.build)
    manifest = read_manifest(build) or {}
    if manifest.get("hpo") != "full":
        say(f"bench_closure: {build} is not a --hpo full build")
        return 2
    if manifest.get("fingerprint") != input_fingerprint("full"):
        say(f"bench_closure: {build} is stale (its inputs changed): `kg build --hpo full --out {build}` first")
        return 2
    machine = machine_info()
    graph = KnowledgeGraph(build)
    lines = []
    missed_warm, missed_fresh, differ = [], [], []
    for nq in graph.queries():
        say(f"-- {nq.name}")
        warm_s, result = warm(graph, nq.name, args.reps)
        walls, rss = [], []
        for _ in range(args.fresh_runs):
            wall, peak = fresh(build, nq.name)
            walls.append(wall)
            if peak is not None:
                rss.append(peak)
        fresh_s = statistics.median(walls)
        ref = "n/a"
        agree = "no reference form" if nq.reference is None else "not run (--no-reference)"
        if nq.reference is not None and not args.no_reference:
            ref_s, ref_rows = reference(graph, nq)
            ref = f"{ref_s * 1000:,.0f} ms"
            agree = "yes" if ref_rows == rows(result) else "**NO**"
            if agree != "yes":
                differ.append(nq.name)
        if warm_s * 1000 > WARM_TARGET_MS:
            missed_warm.append(nq.name)
        if fresh_s > FRESH_TARGET_S:
            missed_fresh.append(nq.name)
        lines.append(f"| {nq.name} | {len(result.rows) if hasattr(result, 'rows') else 1} | "
                     f"{warm_s * 1000:,.1f} ms | {fresh_s:.2f} s | "
                     f"{max(rss):,.0f} MB | {ref} | {agree} |" if rss else
                     f"| {nq.name} | {len(result.rows) if hasattr(result, 'rows') else 1} | "
                     f"{warm_s * 1000:,.1f} ms | {fresh_s:.2f} s | n/a | {ref} | {agree} |")
    # The fixed cost of a fresh process: the same command on the smallest query.
    counts = manifest.get("counts", {})
    # The store with every graph (the aliases graph in its own store since the two-store builds).
    store_quads = manifest.get("full_store_quads") or manifest.get("store_quads", {})
    closure_quads = {k.rsplit("/", 1)[-1]: v for k, v in store_quads.items()
                     if k.endswith(("/closure", "/aliases"))}
    try:
        load_end = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        load_end = "?"
    text = "\n".join([
        BEGIN,
        "## Named queries on the full-HPO build (closure index)",
        "",
        f"Machine: {machine['nproc']} CPUs, {machine['cpu']}, Python {machine['python']}, pyoxigraph "
        f"{machine['pyoxigraph']}; {machine['date']}; load average (1/5/15 min) {machine['load']} at the start, "
        f"{load_end} at the end (a shared machine: other builds and test suites ran at the same time).",
        "",
        f"Produced by `python -m bench.bench_closure --build DIR` on a `kg build --hpo full` "
        f"({counts.get('triples_imported', 0):,} imported triples). Warm: `graph.named(name)` in one process, "
        f"median of {args.reps} after a warm-up (target <= {WARM_TARGET_MS:.0f} ms). Fresh: `kg query --name NAME "
        f"--out DIR --format csv` as a new process, median wall of {args.fresh_runs}, peak RSS by `/usr/bin/time` "
        f"(target <= {FRESH_TARGET_S:.0f} s). Reference: the query's `subtypeOf*` form "
        "(`kg/queries/reference/`) run once on the same store, warm: what the question cost before the "
        "closure index; rows agree = the same multiset of rows.",
        "",
        "| query | rows | warm | fresh process | peak RSS | reference form | rows agree |",
        "|---|---:|---:|---:|---:|---:|---|",
        *lines,
        "",
        f"Missed warm target ({len(missed_warm)}): {', '.join(missed_warm) or 'none'}. "
        f"Missed fresh-process target ({len(missed_fresh)}): {', '.join(missed_fresh) or 'none'}. "
        ("Rows not compared with the reference forms (--no-reference)." if args.no_reference else
         f"Rows differ from the reference form: {', '.join(differ) or 'none'}."),
        "",
        f"Closure cost in this build: {counts.get('triples_closure', 0):,} closure triples "
        f"({json.dumps(closure_quads)} quads per graph, the aliases graph also holding the alias twins); "
        f"store {size_mb(build / 'store'):,.0f} MB (store-full: {linked_mb(build / 'store-full'):,.0f} MB "
        f"not shared with it by hard links), kg.nq {size_mb(build / 'kg.nq'):,.0f} MB.",
        END,
        "",
    ])
    out = args.out
    old = out.read_text(encoding="utf-8") if out.exists() else ""
    if BEGIN in old and END in old:
        head, _, rest = old.partition(BEGIN)
        _, _, tail = rest.partition(END)
        new = head + text.rstrip("\n") + tail
    else:
        new = old.rstrip("\n") + "\n\n" + text
    out.write_text(new, encoding="utf-8")
    print(text)
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
