"""Benchmark of the remote backend (one run): push against the bulk loaders, queries remote vs embedded.

* **Push at bulk speed?** (:func:`push_speed`): for the curated build, the HPO subset and the
  full HPO build, on the same ``kg.nq``: ``kg push`` (atomic, and ``--swap none``), each in a
  fresh process against a fresh server, against each engine's own offline bulk loader
  (``oxigraph load``; Virtuoso's ``ld_dir`` + ``rdf_loader_run`` + ``checkpoint`` when
  ``virtuoso-opensource-7`` is installed): seconds, triples per second, the ratio of
  throughputs, and the peak resident memory of the server and of the client;
* every named query, embedded store vs the server (median of ``--repeat`` runs), and whether
  the answers are the same multiset of rows, on the ``--hpo`` build bulk-loaded into
  ``oxigraph serve``;
* a path: the first one on the server includes fetching the graph (once per process).

The Markdown tables go to ``bench/results/remote.md`` and are printed.

Run with ``.venv/bin/python -m bench.bench_remote [--hpo full|subset|none] [--repeat 3]
[--work DIR]``; ``--push-only`` measures only the push section and replaces that section of
the results file. :func:`main` is what ``bench/run.py`` calls.

Examples
--------
>>> import bench.bench_remote as b
>>> b.main(["--hpo", "none", "--push-only", "--out", "/tmp/remote.md"])  # doctest: +SKIP
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

__all__ = ["main"]

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "remote.md"
#: Builds are kept here (git-ignored), under the same names as bench_query's, so both reuse them.
BUILDS = HERE / "out" / "builds"
_BUILD_NAMES = {"none": "curated", "subset": "hpo-subset", "full": "hpo-full"}


def _oxigraph() -> str:
    found = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    if not Path(found).is_file():
        raise SystemExit("the oxigraph server binary is missing: pip install oxigraph==0.5.13")
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _build(mode: str, directory: Path, say) -> tuple[Path, str, str]:
    """Build (or reuse) the graph; fall back to the curated graph if the HPO import fails."""
    from kg.build import build
    from kg.errors import KGError

    note = ""
    for attempt in ([mode, "none"] if mode != "none" else ["none"]):
        out = directory / _BUILD_NAMES[attempt]
        try:
            say(f"building {out} (hpo={attempt})")
            build(out, hpo=attempt, validate=False, progress=say)
            return out, attempt, note
        except (KGError, ImportError, OSError) as exc:
            note = f"the HPO import ({attempt}) failed here ({exc}); measured on the curated graph"
    raise SystemExit("no build")


def _median(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def _plain(result, text: str) -> Counter:
    import pyoxigraph as ox

    from kg.query.results import ResultTable, term_to_python

    concat = {m.group(2): m.group(1) for m in re.finditer(
        r'GROUP_CONCAT\(.*?separator\s*=\s*"([^"]*)"\s*\)\s+AS\s+\?(\w+)', text, re.I | re.S)}

    def value(term, column):
        if isinstance(term, ox.BlankNode):
            return "_:b"
        plain = term_to_python(term)
        if column in concat and isinstance(plain, str):
            return tuple(sorted(plain.split(concat[column])))  # GROUP_CONCAT order is undefined
        return plain

    if isinstance(result, ResultTable):
        return Counter(tuple(value(t, v) for t, v in zip(row, result.variables)) for row in result.rows)
    return Counter([repr(result)])


def _size(path: Path) -> str:
    return f"{path.stat().st_size / 1e6:,.0f} MB"


#: The section of the results file written by :func:`push_speed`.
_SECTION = ("<!-- push-vs-bulk -->", "<!-- /push-vs-bulk -->")


def _load_average() -> str:
    try:
        return ", ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def _peak_kb(pid: int) -> int:
    """A process's peak resident memory so far, in kB (Linux ``VmHWM``), or 0."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().split("\n"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _run(command: list[str], env: dict | None = None) -> tuple[float, int, str]:
    """Run a command; return its wall time, its peak resident memory (kB, polled) and stdout."""
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})})
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _peak_kb(proc.pid))
        time.sleep(0.05)
    out, err = proc.communicate()
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(command[:4])} … failed ({proc.returncode}): {err[-2000:]}")
    return seconds, peak, out


def _kg_push(build: Path, target, swap: str) -> tuple[float, int, dict[str, int]]:
    """``kg push`` in a fresh process (as a user runs it): wall time, peak RSS (kB), graphs."""
    seconds, peak, out = _run([sys.executable, "-m", "kg", "push", *target.push_args, "--out", str(build),
                               "--swap", swap, "--timeout", "3600", "-q"], env=target.env)
    graphs = {}
    for line in out.split("\n"):
        iri, _, count = line.partition("\t")
        if count:
            graphs[iri] = int(count)
    return seconds, peak, graphs


#: Virtuoso's TransactionAfterImageLimit in the benchmark's instances: its default (50 MB)
#: refuses the swap of the full HPO graph (docs/remote.md).
_AFTER_IMAGE = 2_000_000_000


def _gb(kb: int) -> str:
    return f"{kb / 1e6:,.2f} GB" if kb else "?"


def push_speed(builds: list[Path], work: Path, say, *, move_limit: int = 10_000_000,
               shrink: bool = True, full_limit: int | None = None) -> list[str]:
    """Time ``kg push`` against each engine's own bulk loader on the same ``kg.nq``.

    Every push runs as ``kg push`` in a fresh process. Each measurement gets a fresh server
    (Oxigraph: a new store; Virtuoso: a new private instance), so its peak memory
    (``VmHWM``) is its own. For Oxigraph: ``oxigraph load`` (the bulk loader, server stopped),
    the first push (the default ``diff`` swap, to an empty server), the same push again (the
    server already holds it), ``--swap none``, and ``--swap move`` (the design before the
    ``diff`` swap: whole copies and one MOVE; only up to ``move_limit`` triples); between the
    HPO subset and the full HPO build, a push that grows the graph (subset on the server, full
    pushed) and, with ``shrink``, one that shrinks it (the reverse: millions of removals, one
    transaction). For Virtuoso: ``ld_dir`` + ``rdf_loader_run`` + ``checkpoint``, the first
    push (``move``: copies, then DROP + ADD), the same push again, and ``--swap none``.
    Builds of more than ``full_limit`` triples get only ``oxigraph load`` and the ``diff``
    pushes (a time budget on a shared machine). Each row is also printed as it is measured.

    Returns
    -------
    list of str
        The Markdown lines of the section.
    """
    sys.path.insert(0, str(HERE.parent))
    from tests.servers import Oxigraph, Target, Virtuoso

    started_load = _load_average()
    rows: list[tuple] = []  # (engine, build label, what, triples, seconds, bulk seconds, server kB, client kB)
    versions = {"oxigraph": subprocess.run([_oxigraph(), "--version"], capture_output=True, text=True).stdout.strip(),
                "virtuoso": None}
    triples_of = {}
    def row(*values) -> None:
        rows.append(values)
        say("measured: " + " | ".join(str(v) for v in values))

    for build_dir in builds:
        nq = build_dir / "kg.nq"
        triples = sum(1 for _ in ox_quads(nq))
        quick = full_limit is not None and triples > full_limit
        triples_of[build_dir.name] = triples
        label = f"{build_dir.name} ({triples:,} triples, {_size(nq)})"
        # ---------------------------------------------------------------- Oxigraph
        say(f"oxigraph load of {build_dir.name}")
        loaded = work / f"ox-{build_dir.name}-load"
        bulk, bulk_kb, _ = _run([_oxigraph(), "load", "--location", str(loaded), "--file", str(nq)])
        shutil.rmtree(loaded)
        row("Oxigraph", label, "`oxigraph load` (bulk loader, server stopped)", triples, bulk, bulk, bulk_kb, None)
        plans = [("diff", "`kg push` (atomic, `diff`): first push, empty server", True)]
        if not quick:
            plans.append(("none", "`kg push --swap none` (not atomic), empty server", False))
        if triples <= move_limit and not quick:
            plans.append(("move", "`kg push --swap move` (atomic: copies + one MOVE; the design before)", False))
        for swap, what, again in plans:
            location = work / f"ox-{build_dir.name}-{swap}"
            with Oxigraph(location) as server:
                target = Target(server)
                say(f"oxigraph: kg push --swap {swap} of {build_dir.name}")
                seconds, client_kb, graphs = _kg_push(build_dir, target, swap)
                assert sum(graphs.values()) == triples, graphs
                row("Oxigraph", label, what, triples, seconds, bulk, _peak_kb(server.proc.pid), client_kb)
                if again:
                    say(f"oxigraph: kg push of {build_dir.name} again")
                    seconds, client_kb, graphs = _kg_push(build_dir, target, swap)
                    row("Oxigraph", label, "`kg push` again: the server holds it (read back, compare, write nothing)",
                        triples, seconds, bulk, _peak_kb(server.proc.pid), client_kb)
            shutil.rmtree(location, ignore_errors=True)
        # ---------------------------------------------------------------- Virtuoso
        if quick:
            say(f"Virtuoso not measured on {build_dir.name} (more than {full_limit:,} triples)")
            continue
        try:
            virtuoso = Virtuoso(work / f"vt-{build_dir.name}-bulk", max_seconds=3600,
                                after_image_limit=_AFTER_IMAGE)
        except BaseException as exc:  # noqa: BLE001 - pytest.skip when it is not installed
            say(f"Virtuoso not measured: {exc}")
            continue
        try:
            out = virtuoso.sql("SELECT sys_stat ('st_dbms_ver');").split("\n")
            versions["virtuoso"] = next((line.strip() for line in out if line.strip()[:2].isdigit()), "?")
            say(f"virtuoso bulk load of {build_dir.name}")
            vbulk = virtuoso.bulk_load(nq)
            counted = target_counts(Target(virtuoso))
            if sum(counted.values()) != triples:
                raise SystemExit(f"the Virtuoso bulk load holds {counted}, not {triples} triples")
            row("Virtuoso", label, "`ld_dir` + `rdf_loader_run` + `checkpoint` (bulk loader)", triples,
                vbulk, vbulk, _peak_kb(virtuoso.proc.pid), None)
        finally:
            virtuoso.stop()
            shutil.rmtree(work / f"vt-{build_dir.name}-bulk", ignore_errors=True)
        for swap, what, again in (("move", "`kg push` (atomic, `move`: copies, then DROP + ADD), empty server",
                                   True),
                                  ("none", "`kg push --swap none` (not atomic), empty server", False)):
            directory = work / f"vt-{build_dir.name}-{swap}"
            virtuoso = Virtuoso(directory, max_seconds=3600, after_image_limit=_AFTER_IMAGE)
            try:
                target = Target(virtuoso)
                say(f"virtuoso: kg push --swap {swap} of {build_dir.name}")
                seconds, client_kb, graphs = _kg_push(build_dir, target, swap)
                assert sum(graphs.values()) == triples, graphs
                row("Virtuoso", label, what, triples, seconds, vbulk, _peak_kb(virtuoso.proc.pid), client_kb)
                if again:
                    say(f"virtuoso: kg push of {build_dir.name} again")
                    seconds, client_kb, graphs = _kg_push(build_dir, target, swap)
                    row("Virtuoso", label, "`kg push` again (copies, then DROP + ADD)", triples, seconds,
                        vbulk, _peak_kb(virtuoso.proc.pid), client_kb)
            finally:
                virtuoso.stop()
                shutil.rmtree(directory, ignore_errors=True)

    # ------------------------------------------------ Oxigraph: a push that changes a big graph
    by_name = {b.name: b for b in builds}
    changes = []
    if "hpo-subset" in by_name and "hpo-full" in by_name and full_limit is None:
        small, big = by_name["hpo-subset"], by_name["hpo-full"]
        changes.append((small, big, "grows", "HPO subset on the server, full build pushed: "
                        f"{triples_of[big.name] - triples_of[small.name]:,} additions, no removal (one bulk load)"))
        if shrink:
            changes.append((big, small, "shrinks", "full HPO on the server, subset build pushed: "
                            f"{triples_of[big.name] - triples_of[small.name]:,} removals (one transaction)"))
    change_rows = []
    for before, pushed, verb, what in changes:
        location = work / f"ox-{verb}"
        say(f"oxigraph: a push that {verb} the graph")
        with Oxigraph(location, preload=before / "kg.nq") as server:
            seconds, client_kb, graphs = _kg_push(pushed, Target(server), "diff")
            assert sum(graphs.values()) == triples_of[pushed.name], graphs
            change_rows.append((what, triples_of[pushed.name], seconds, _peak_kb(server.proc.pid), client_kb))
        shutil.rmtree(location, ignore_errors=True)

    lines = [_SECTION[0], "## Push at bulk speed? `kg push` against each engine's own bulk loader", "",
             f"Measured on {platform.node() or 'this machine'} ({os.cpu_count()} CPU, "
             f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GB; shared with other "
             f"jobs: load average {started_load} when the section started, {_load_average()} when it ended), "
             f"one run; Oxigraph {versions['oxigraph']}, Virtuoso {versions['virtuoso'] or 'not installed'} "
             "(Debian's virtuoso-opensource-7). Server and client on one machine (loopback). Every push is "
             "`kg push` in a fresh process; every measurement has a fresh server (a new store, a new "
             "Virtuoso instance), whose peak resident memory (`VmHWM` of its process) is its own. "
             "**× loader** = the push's throughput over the bulk loader's, on the same `kg.nq` (the "
             "target: at least 0.3×); the bulk loaders read the file offline (`oxigraph load`; Virtuoso "
             "`ld_dir` + `rdf_loader_run` + `checkpoint`, over its SQL port). Virtuoso runs with "
             f"`TransactionAfterImageLimit = {_AFTER_IMAGE:,}` (its default, 50 MB, refuses the swap of "
             "the full HPO graph) and `NumberOfBuffers = 20000`. A fresh `kg push` process spends about "
             "a second starting (Python, imports, opening the build), which is most of the curated "
             "build's time." + (f" Builds of more than {full_limit:,} triples: only `oxigraph load` and the "
                                "`diff` pushes (a time budget on a shared machine)." if full_limit else ""), "",
             "| engine | build | what | seconds | triples/s | × loader | server peak RSS | client peak RSS |",
             "|---|---|---|---:|---:|---:|---:|---:|"]
    for engine, label, what, triples, seconds, bulk, server_kb, client_kb in rows:
        client = _gb(client_kb) if client_kb is not None else "–"
        lines.append(f"| {engine} | {label} | {what} | {seconds:,.1f} | {triples / seconds:,.0f} | "
                     f"{bulk / seconds:,.2f}× | {_gb(server_kb)} | {client} |")
    if change_rows:
        lines += ["", "A push that changes a big graph (Oxigraph, `diff`; the server loaded with `oxigraph load` "
                  "first):", "",
                  "| change | triples after | seconds | server peak RSS | client peak RSS |",
                  "|---|---:|---:|---:|---:|"]
        for what, triples, seconds, server_kb, client_kb in change_rows:
            lines.append(f"| {what} | {triples:,} | {seconds:,.1f} | {_gb(server_kb)} | {_gb(client_kb)} |")
    lines += ["", _SECTION[1]]
    return lines


def ox_quads(nq: Path):
    """The quads of an N-Quads file (pyoxigraph's parser)."""
    import pyoxigraph as ox

    return ox.parse(path=str(nq), format=ox.RdfFormat.N_QUADS)


def target_counts(target) -> dict[str, int]:
    from kg.remote.engine import RemoteEngine

    return RemoteEngine(target.query_url).counts()


def _replace_section(path: Path, lines: list[str]) -> str:
    text = path.read_text(encoding="utf-8") if path.exists() else "# Remote backend benchmark\n"
    section = "\n".join(lines)
    if _SECTION[0] in text and _SECTION[1] in text:
        head, rest = text.split(_SECTION[0], 1)
        tail = rest.split(_SECTION[1], 1)[1]
        text = head + section + tail
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text, encoding="utf-8")
    return text


def _push_builds(args, say) -> list[Path]:
    """The builds the push section measures: ``--build`` directories as given, else curated,
    the HPO subset, and ``--hpo`` (full), built here."""
    if args.build:
        for directory in args.build:
            if not (directory / "kg.nq").is_file():
                raise SystemExit(f"--build {directory}: no kg.nq there")
        return list(args.build)
    builds, modes = [], ["none"] + (["subset"] if args.hpo != "none" else []) + (["full"] if args.hpo == "full" else [])
    for mode in modes:
        built, got, _ = _build(mode, args.work, say)
        if got == mode and built not in builds:
            builds.append(built)
    return builds


def main(argv: list[str] | None = None) -> str:
    """Run the benchmark once; write and print the Markdown report, and return it.

    Parameters
    ----------
    argv : list of str, optional
        Command-line arguments (``--hpo``, ``--repeat``, ``--work``, ``--out``,
        ``--push-only``, ``--build``, ``--move-limit``, ``--full-limit``, ``--no-shrink``).

    Returns
    -------
    str
        The Markdown report.

    Raises
    ------
    SystemExit
        If the oxigraph server binary is missing or does not start.
    """
    parser = argparse.ArgumentParser(prog="bench_remote", description=__doc__.split("\n")[0])
    parser.add_argument("--hpo", choices=["full", "subset", "none"], default="full",
                        help="HPO import of the benchmark build (falls back to none if it fails); the push "
                             "section measures the curated build and every HPO build up to this one")
    parser.add_argument("--repeat", type=int, default=3, help="runs per query (median)")
    parser.add_argument("--work", type=Path, default=BUILDS,
                        help=f"where the benchmark builds are kept between runs (default {BUILDS})")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--move-limit", type=int, default=10_000_000,
                        help="time kg push --swap move (whole copies + MOVE, the design before the diff "
                             "swap) only up to this many triples")
    parser.add_argument("--full-limit", type=int, default=None,
                        help="builds of more than this many triples get only oxigraph load and the diff "
                             "pushes (no --swap none, no move, no Virtuoso, no grow/shrink pushes)")
    parser.add_argument("--no-shrink", action="store_true",
                        help="skip the push that shrinks the full HPO graph to the subset (millions of "
                             "removals in one transaction: minutes and gigabytes on the server)")
    parser.add_argument("--build", type=Path, action="append", default=[],
                        help="with --push-only: measure this existing build directory (its kg.nq) instead of "
                             "building; repeatable, smallest first; the directory names hpo-subset and hpo-full "
                             "turn on the pushes that change one into the other")
    parser.add_argument("--push-only", "--push-vs-bulk-only", action="store_true",
                        help="measure only kg push against each engine's bulk loader and replace that "
                             "section of the results file")
    args = parser.parse_args(argv)

    def say(message: str) -> None:
        print(f"[bench_remote] {message}", file=sys.stderr, flush=True)

    args.work.mkdir(parents=True, exist_ok=True)

    def push_section() -> list[str]:
        builds = _push_builds(args, say)
        with tempfile.TemporaryDirectory(prefix="bench-push-") as tmp:
            return push_speed(builds, Path(tmp), say, move_limit=args.move_limit, shrink=not args.no_shrink,
                              full_limit=args.full_limit)

    if args.push_only:
        section = push_section()
        text = _replace_section(args.out, section)
        print("\n".join(section))
        return text

    import pyoxigraph

    import kg
    from kg.query.engine import GRAPHS
    from kg.query.library import list_queries

    build_dir, mode, note = _build(args.hpo, args.work, say)
    nq = build_dir / "kg.nq"
    lines = ["# Remote backend benchmark", ""]
    lines += [f"One run on {platform.node() or 'this machine'}: {os.cpu_count()} CPU, "
              f"{platform.system()} {platform.machine()}, Python {platform.python_version()}, "
              f"pyoxigraph {pyoxigraph.__version__}, Oxigraph server "
              f"{subprocess.run([_oxigraph(), '--version'], capture_output=True, text=True).stdout.strip()}. "
              f"Build: hpo={mode}, kg.nq {_size(nq)}, loaded into the server with `oxigraph load`. "
              "Server and client on the same machine (loopback), so network time is nearly nil. "
              "Loading the graph, by `kg push` and by the bulk loaders: the last section.", ""]
    if note:
        lines += [f"Note: {note}.", ""]

    with tempfile.TemporaryDirectory(prefix="bench-remote-") as tmp:
        sys.path.insert(0, str(HERE.parent))
        from tests.servers import Oxigraph

        with Oxigraph(Path(tmp) / "served", preload=nq) as server:
            embedded = kg.load(build_dir, build=False)
            remote = kg.load(endpoint=server.url)
            has_hpo = GRAPHS["hpo"] in embedded.engine.graph_iris
            query_rows = []
            for nq_ in list_queries():
                if nq_.name.startswith("hpo-") and not has_hpo:
                    continue
                say(f"query {nq_.name}")
                t_local, local = _median(lambda: embedded.named(nq_.name), args.repeat)
                t_remote, there = _median(lambda: remote.named(nq_.name), args.repeat)
                same = _plain(there, nq_.text) == _plain(local, nq_.text)
                query_rows.append((nq_.name, len(local), t_local, t_remote, same))
            say("paths")
            t0 = time.perf_counter()
            remote.path("hypoxia", "clonazepam")
            t_first_remote = time.perf_counter() - t0
            t_next_remote, _ = _median(lambda: remote.path("clonazepam", "drowsiness"), args.repeat)
            t0 = time.perf_counter()
            embedded.path("hypoxia", "clonazepam")
            t_first_local = time.perf_counter() - t0
            t_next_local, _ = _median(lambda: embedded.path("clonazepam", "drowsiness"), args.repeat)

    lines += ["## Named queries: embedded store vs the server", "",
              f"Median of {args.repeat} run{'s' if args.repeat != 1 else ''}; "
              "the remote time includes HTTP, the server's work and parsing the JSON answer. "
              "'same' compares the answers as multisets of plain-value rows.", "",
              "| query | rows | embedded ms | remote ms | ratio | same |",
              "|---|---:|---:|---:|---:|:---:|"]
    for name, n, t_local, t_remote, same in query_rows:
        ratio = t_remote / t_local if t_local > 0 else float("nan")
        lines.append(f"| {name} | {n:,} | {t_local * 1e3:,.1f} | {t_remote * 1e3:,.1f} | "
                     f"{ratio:.2g}× | {'yes' if same else '**no**'} |")
    total_local = sum(r[2] for r in query_rows)
    total_remote = sum(r[3] for r in query_rows)
    lines += [f"| **all {len(query_rows)}** | | {total_local * 1e3:,.1f} | {total_remote * 1e3:,.1f} | "
              f"{total_remote / total_local:.2g}× | |" if total_local > 0 else "", ""]
    lines += ["## Paths (NetworkX view)", "",
              "| | embedded ms | remote ms |", "|---|---:|---:|",
              f"| first path (builds the view; remotely, fetches every graph once) | "
              f"{t_first_local * 1e3:,.0f} | {t_first_remote * 1e3:,.0f} |",
              f"| next path (median) | {t_next_local * 1e3:,.1f} | {t_next_remote * 1e3:,.1f} |", ""]
    lines += push_section()
    text = "\n".join(lines)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return text


if __name__ == "__main__":
    main()
