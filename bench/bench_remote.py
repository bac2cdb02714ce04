"""Benchmark of the remote backend (one run): push throughput, bulk load, queries remote vs embedded.

For the largest graph available (a full-HPO build if the HPO import works here, else the
curated graph), against an ``oxigraph serve`` started on a free loopback port:

* ``kg push`` (atomic: temporary graph + MOVE) — triples per second, with the upload and
  the swap timed apart (only up to ``--atomic-limit`` triples: beyond, the MOVE takes
  too long and too much memory on Oxigraph), and ``kg push --swap none`` (straight into
  the graphs);
* ``oxigraph load --location DIR --file kg.nq`` of the same file (the offline bulk loader);
* every named query, embedded store vs the server (median of ``--repeat`` runs), and whether
  the answers are the same multiset of rows;
* a path: the first one on the server includes fetching the graph (once per process);
* **push vs bulk loader** (:func:`push_vs_bulk`), for each engine (Oxigraph, Virtuoso) and
  each build (curated, and the HPO build): ``kg push`` (atomic, and ``--swap none``) against
  the engine's own offline loader on the same ``kg.nq`` (``oxigraph load``; Virtuoso's
  ``ld_dir`` + ``rdf_loader_run`` + ``checkpoint``), as a ratio of times.

The Markdown table goes to ``bench/results/remote.md`` and is printed.

Run with ``.venv/bin/python -m bench.bench_remote [--hpo full|subset|none] [--repeat 3]``;
``--push-vs-bulk-only`` measures only the last part and replaces that section of the
results file. :func:`main` is what ``bench/run.py`` calls.

Examples
--------
>>> import bench.bench_remote as b
>>> b.main(["--hpo", "none", "--repeat", "1", "--out", "/tmp/remote.md"])  # doctest: +SKIP
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
import urllib.request
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


class _Server:
    """``oxigraph serve`` on a fresh directory and a free loopback port."""

    def __init__(self, location: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen([_oxigraph(), "serve", "--location", str(location),
                                      "--bind", f"127.0.0.1:{self.port}"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(self.url + "/query?query=ASK%7B%7D", timeout=2) as r:
                    r.read()
                    break
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    self.stop()
                    raise SystemExit(f"oxigraph serve did not start at {self.url}")
                time.sleep(0.1)

    def peak_memory(self) -> str:
        """The server's peak resident memory so far (Linux), or '?'."""
        try:
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return f"{int(line.split()[1]) / 1e6:,.1f} GB"
        except (OSError, ValueError, IndexError):
            pass
        return "?"

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


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


#: The section of the results file written by :func:`push_vs_bulk`.
_SECTION = ("<!-- push-vs-bulk -->", "<!-- /push-vs-bulk -->")


def _load_average() -> str:
    try:
        return ", ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def push_vs_bulk(builds: list[Path], work: Path, say, batch_size: int = 50_000) -> list[str]:
    """Time ``kg push`` against each engine's own bulk loader on the same ``kg.nq``.

    For Oxigraph every measurement gets a fresh server or directory; for Virtuoso one
    private instance (``tests/servers.py``) whose graphs are cleared between measurements.

    Returns
    -------
    list of str
        The Markdown lines of the section.
    """
    sys.path.insert(0, str(HERE.parent))
    from kg.query.engine import GRAPHS
    from kg.remote import push
    from tests.servers import Oxigraph, Target, Virtuoso, load

    rows = []
    version = "?"
    for build_dir in builds:
        nq = build_dir / "kg.nq"
        triples = sum(1 for _ in open(nq, "rb"))
        label = f"{build_dir.name} ({triples:,} triples, {_size(nq)})"
        # ---- Oxigraph
        timings = {}
        for swap in ("move", "none"):
            with Oxigraph(work / f"ox-{build_dir.name}-{swap}") as server:
                say(f"oxigraph: kg push --swap {swap} of {build_dir.name}")
                target = Target(server)
                report = push(build_dir, target.endpoints, batch_size=batch_size, swap=swap,
                              client=target.client())
                timings[swap] = report.seconds
            shutil.rmtree(work / f"ox-{build_dir.name}-{swap}")
        say(f"oxigraph load of {build_dir.name}")
        start = time.perf_counter()
        load(_oxigraph(), work / f"ox-{build_dir.name}-load", nq)
        timings["bulk"] = time.perf_counter() - start
        shutil.rmtree(work / f"ox-{build_dir.name}-load")
        rows.append(("Oxigraph", label, triples, timings))
        # ---- Virtuoso
        try:
            virtuoso = Virtuoso(work / f"virtuoso-{build_dir.name}", max_seconds=3600)
        except BaseException as exc:  # noqa: BLE001 - pytest.skip when it is not installed
            say(f"Virtuoso not measured: {exc}")
            continue
        try:
            version = virtuoso.sql("SELECT sys_stat ('st_dbms_ver');").split("\n")
            version = next((line.strip() for line in version if line.strip()[:2].isdigit()), "?")
            target = Target(virtuoso)
            clear = "\n".join(f"SPARQL CLEAR GRAPH <{iri}>;" for iri in GRAPHS.values())
            timings = {}
            for swap in ("move", "none"):
                say(f"virtuoso: kg push --swap {swap} of {build_dir.name}")
                report = push(build_dir, target.endpoints, batch_size=batch_size, swap=swap,
                              client=target.client(timeout=3600))
                timings[swap] = report.seconds
                virtuoso.sql(clear + "\ncheckpoint;")
            say(f"virtuoso bulk load of {build_dir.name}")
            timings["bulk"] = virtuoso.bulk_load(nq)
            counted = target_counts(target)
            if sum(counted.values()) != triples:
                raise SystemExit(f"the Virtuoso bulk load holds {counted}, not {triples} triples")
        finally:
            virtuoso.stop()
            shutil.rmtree(work / f"virtuoso-{build_dir.name}", ignore_errors=True)
        rows.append(("Virtuoso", label, triples, timings))

    lines = [_SECTION[0], "## Push at bulk speed? `kg push` against each engine's own bulk loader", "",
             f"Measured on {platform.node() or 'this machine'} ({os.cpu_count()} CPU, shared with other "
             f"jobs: load average {_load_average()} when the section was written); Oxigraph "
             f"{subprocess.run([_oxigraph(), '--version'], capture_output=True, text=True).stdout.strip()}, "
             f"Virtuoso {version} (Debian's virtuoso-opensource-7). Each server on loopback, fresh "
             f"(Oxigraph: a new store per run; Virtuoso: one private instance, graphs cleared between "
             f"runs). Push batches of {batch_size:,} triples; the bulk loaders read the same `kg.nq` "
             "offline (`oxigraph load`; Virtuoso `ld_dir` + `rdf_loader_run` + `checkpoint`, over "
             "its SQL port). Ratio = push time / bulk-load time (1× would be bulk speed).", "",
             "| engine | build | kg push (atomic) s | ratio | kg push --swap none s | ratio | bulk loader s | bulk triples/s |",
             "|---|---|---:|---:|---:|---:|---:|---:|"]
    for engine, label, triples, t in rows:
        lines.append(f"| {engine} | {label} | {t['move']:,.1f} | {t['move'] / t['bulk']:,.1f}× | "
                     f"{t['none']:,.1f} | {t['none'] / t['bulk']:,.1f}× | {t['bulk']:,.1f} | "
                     f"{triples / t['bulk']:,.0f} |")
    lines += ["", _SECTION[1]]
    return lines


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


def main(argv: list[str] | None = None) -> str:
    """Run the benchmark once; write and print the Markdown report, and return it.

    Parameters
    ----------
    argv : list of str, optional
        Command-line arguments (``--hpo``, ``--repeat``, ``--batch-size``, ``--work``,
        ``--out``, ``--atomic-limit``).

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
                        help="HPO import of the benchmark build (falls back to none if it fails)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per query (median)")
    parser.add_argument("--batch-size", type=int, default=50_000)
    parser.add_argument("--work", type=Path, default=BUILDS,
                        help=f"where the benchmark builds are kept between runs (default {BUILDS})")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--atomic-limit", type=int, default=1_000_000,
                        help="time the atomic push (temporary graph + MOVE) only up to this many "
                             "triples; --swap none is always timed")
    parser.add_argument("--push-vs-bulk-only", action="store_true",
                        help="measure only kg push against each engine's bulk loader (curated and "
                             "--hpo builds) and replace that section of the results file")
    args = parser.parse_args(argv)

    def say(message: str) -> None:
        print(f"[bench_remote] {message}", file=sys.stderr, flush=True)

    if args.push_vs_bulk_only:
        args.work.mkdir(parents=True, exist_ok=True)
        builds = [_build("none", args.work, say)[0]]
        if args.hpo != "none":
            built, mode, _ = _build(args.hpo, args.work, say)
            if mode != "none":
                builds.append(built)
        with tempfile.TemporaryDirectory(prefix="bench-push-") as tmp:
            section = push_vs_bulk(builds, Path(tmp), say, args.batch_size)
        text = _replace_section(args.out, section)
        print("\n".join(section))
        return text

    import pyoxigraph

    import kg
    from kg.query.engine import GRAPHS
    from kg.query.library import list_queries
    from kg.remote import Endpoints, push

    args.work.mkdir(parents=True, exist_ok=True)
    build_dir, mode, note = _build(args.hpo, args.work, say)
    nq = build_dir / "kg.nq"
    lines = ["# Remote backend benchmark", ""]
    lines += [f"One run on {platform.node() or 'this machine'}: {os.cpu_count()} CPU, "
              f"{platform.system()} {platform.machine()}, Python {platform.python_version()}, "
              f"pyoxigraph {pyoxigraph.__version__}, Oxigraph server "
              f"{subprocess.run([_oxigraph(), '--version'], capture_output=True, text=True).stdout.strip()}. "
              f"Build: hpo={mode}, kg.nq {_size(nq)}; push batches of {args.batch_size:,} triples. "
              "Server and client on the same machine (loopback), so network time is nearly nil.", ""]
    if note:
        lines += [f"Note: {note}.", ""]

    with tempfile.TemporaryDirectory(prefix="bench-remote-") as tmp:
        tmp = Path(tmp)
        # ------------------------------------------------------------------ push
        server = _Server(tmp / "served")
        try:
            marks: list[tuple[float, str]] = []
            start = time.perf_counter()

            def mark(message: str) -> None:
                marks.append((time.perf_counter() - start, message))
                if "requests" not in message:
                    say(message)

            rows = []
            triples = sum(1 for _ in open(nq, "rb"))
            if triples <= args.atomic_limit:
                say(f"kg push to {server.url} (batch size {args.batch_size})")
                report = push(build_dir, Endpoints.from_url(server.url), batch_size=args.batch_size,
                              progress=mark)
                t_verify = next(t for t, m in marks if m.startswith("verifying the uploaded"))
                t_swap = next(t for t, m in marks if m.startswith("replacing"))
                t_final = next(t for t, m in marks if m.startswith("verifying the graphs"))
                rows += [("kg push (atomic: upload, count, MOVE, count)", report.triples, report.seconds),
                         ("  of which: upload (GSP PUT/POST batches)", report.triples, report.upload_seconds),
                         ("  of which: MOVE of the temporary graphs", report.triples, t_final - t_swap),
                         ("  of which: the two COUNT checks", None,
                          (t_swap - t_verify) + (report.seconds - t_final))]
            else:
                lines.append(f"The atomic push (temporary graph + MOVE) was not run: {triples:,} triples "
                             f"> --atomic-limit {args.atomic_limit:,} (see docs/remote.md for what "
                             "it costs at this size).")
                lines.append("")
            say("kg push --swap none (straight into the graphs)")
            report = push(build_dir, Endpoints.from_url(server.url), batch_size=args.batch_size,
                          swap="none")
            rows.append(("kg push --swap none (straight into the graphs; not atomic)",
                         report.triples, report.seconds))
            peak = server.peak_memory()

            # ---------------------------------------------------------- queries
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
        finally:
            server.stop()

        # ------------------------------------------------------------ bulk load
        say("oxigraph load (offline bulk loader)")
        t0 = time.perf_counter()
        subprocess.run([_oxigraph(), "load", "--location", str(tmp / "loaded"), "--file", str(nq)],
                       check=True, capture_output=True)
        t_load = time.perf_counter() - t0
        rows.append(("oxigraph load --file kg.nq (offline, server stopped)", report.triples, t_load))

    lines += ["## Loading the graph", "",
              "| method | triples | seconds | triples/s |", "|---|---:|---:|---:|"]
    for what, n, seconds in rows:
        count = f"{n:,}" if n else ""
        rate = f"{n / seconds:,.0f}" if n and seconds > 0 else "–"
        lines.append(f"| {what} | {count} | {seconds:,.1f} | {rate} |")
    lines += ["", f"Peak memory of the server during the pushes: {peak}.", "",
              "## Named queries: embedded store vs the server", "",
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
    builds = [_build("none", args.work, say)[0]] + ([build_dir] if mode != "none" else [])
    with tempfile.TemporaryDirectory(prefix="bench-push-") as tmp:
        lines += push_vs_bulk(builds, Path(tmp), say, args.batch_size)
    text = "\n".join(lines)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return text


if __name__ == "__main__":
    main()
