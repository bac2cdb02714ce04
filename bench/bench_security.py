"""Security benchmark (not a timed test): ``python -m bench.bench_security [--examples N]``.

Runs the properties of ``tests/test_security_fuzz.py`` and ``tests/test_sparql_differential.py``
on a much larger generated corpus than the test suite does, and measures the limits:

* **Fuzzing.** N generated queries of each kind (Hypothesis, fixed seed): attacks (a live
  SERVICE, a foreign FROM or an update) must all be refused; look-alikes (the same words in
  strings, comments, IRIs, names) must all be accepted and, run, never contact the loopback
  listener; mutants (attacks with random edits) that the check accepts are run *in this
  process*, network on, check bypassed: none may contact the listener. Also how often our
  verdict equals pyoxigraph's, and how many attacks pyoxigraph really runs (contacting the
  listener) when the check is bypassed: the attacks are live.
* **Through the interfaces.** A sample through ``kg query`` (in-process) and ``/sparql`` of a
  real ``kg serve``: connections to the listener (must be 0).
* **Limits.** Where pyoxigraph 0.5 overflows its stack (SIGSEGV) without our limits, found by
  bisection in child processes; and the queries at our limits, run on the main thread and on
  threads with smaller stacks.
* **Cost.** ``kg.sparql.analyse`` per named query, uncached and cached, against the old
  regular-expression check (its source read from git history, commit ``6106c2b``); and the
  import time of ``kg query``'s path (``python -X importtime``, bytecode cached), here and, with
  ``--baseline DIR``, in another checkout (the one before this work) for comparison.

Writes ``bench/results/security.md`` and prints it.
"""

from __future__ import annotations

import argparse
import collections
import datetime
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results" / "security.md"
SEED = 20261130
_BEFORE = "6106c2b"


def _fuzz(n: int, listener) -> dict:
    import pyoxigraph as ox
    from hypothesis import HealthCheck, given, seed, settings

    from kg.errors import QueryError, UnsafeQueryError
    from kg.namespace import PREFIXES
    from kg.query.safety import check_query
    from tests.test_security_fuzz import TARGET, attacks, lookalikes, mutants

    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://example.org/s"), ox.NamedNode(PREFIXES["rdfs"] + "label"),
                      ox.Literal("a")))
    common = settings(max_examples=n, database=None, deadline=None,
                      suppress_health_check=list(HealthCheck))

    def verdict(text):
        try:
            return check_query(text), None
        except UnsafeQueryError as exc:
            return None, "unsafe"
        except QueryError as exc:
            return None, "malformed"

    def oxigraph(text):
        """(parsed, connected): pyoxigraph's verdict, and whether running it reached the listener."""
        before = listener.count
        try:
            result = store.query(text, prefixes=PREFIXES, use_default_graph_as_union=True)
            if not isinstance(result, ox.QueryBoolean):
                for _ in result:
                    pass
            parsed = True
        except SyntaxError:
            parsed = False
        except (OSError, RuntimeError, ValueError, TypeError):
            parsed = True
        return parsed, listener.count > before

    stats: dict = {name: collections.Counter() for name in ("attacks", "lookalikes", "mutants")}

    @seed(SEED)
    @common
    @given(attacks())
    def run_attacks(case):
        kind, text = case
        text = text.replace(TARGET, listener.url)
        analysis, refused = verdict(text)
        c = stats["attacks"]
        c["generated"] += 1
        c[f"kind {kind}"] += 1
        c["refused: " + (refused or "ACCEPTED")] += 1
        if kind == "service":
            parsed, connected = oxigraph(text)  # the check bypassed: is the attack live?
            c["service attacks pyoxigraph parses"] += parsed
            c["service attacks that connect when the check is bypassed"] += connected

    @seed(SEED)
    @common
    @given(lookalikes())
    def run_lookalikes(text):
        text = text.replace(TARGET, listener.url)
        analysis, refused = verdict(text)
        c = stats["lookalikes"]
        c["generated"] += 1
        c["accepted" if analysis is not None else "REFUSED"] += 1
        parsed, connected = oxigraph(text)
        c["pyoxigraph parses"] += parsed
        c["CONNECTED"] += connected

    @seed(SEED)
    @common
    @given(mutants())
    def run_mutants(text):
        text = text.replace(TARGET, listener.url)
        analysis, refused = verdict(text)
        c = stats["mutants"]
        c["generated"] += 1
        ours = analysis is not None
        c["accepted by the check" if ours else f"refused ({refused})"] += 1
        parsed, connected = oxigraph(text) if ours else (None, False)
        if ours:
            c["accepted, run with the network on: CONNECTED" if connected else
              "accepted, run with the network on: no connection"] += 1
            c["accepted, pyoxigraph parses too" if parsed else "accepted, pyoxigraph refuses (runs nothing)"] += 1

    timings = {}
    for name, run in (("attacks", run_attacks), ("lookalikes", run_lookalikes), ("mutants", run_mutants)):
        start = time.perf_counter()
        run()
        timings[name] = time.perf_counter() - start
    return {"stats": stats, "timings": timings}


def _interfaces(n: int, listener, build_dir: Path) -> dict:
    import urllib.error
    import urllib.request

    from click.testing import CliRunner
    from hypothesis import HealthCheck, given, seed, settings
    from hypothesis import strategies as st

    from kg.cli import main
    from kg.web.testing import serve
    from tests.test_security_fuzz import TARGET, attacks, mutants

    counts = collections.Counter()
    texts = st.one_of(attacks().map(lambda c: c[1]), mutants())
    common = settings(max_examples=n, database=None, deadline=None, suppress_health_check=list(HealthCheck))
    before = listener.count

    @seed(SEED)
    @common
    @given(texts)
    def cli(text):
        result = CliRunner().invoke(main, ["query", "--out", str(build_dir), text.replace(TARGET, listener.url)])
        counts["cli runs"] += 1
        counts[f"cli exit {result.exit_code}"] += 1

    cli()
    counts["cli connections"] = listener.count - before
    with serve(build_dir, timeout=10, workers=2) as base:
        before = listener.count

        @seed(SEED + 1)
        @common
        @given(texts)
        def endpoint(text):
            request = urllib.request.Request(base + "/sparql", data=text.replace(TARGET, listener.url).encode(),
                                             headers={"Content-Type": "application/sparql-query"})
            try:
                with urllib.request.urlopen(request, timeout=60) as response:
                    status = response.status
            except urllib.error.HTTPError as exc:
                status = exc.code
            counts["endpoint requests"] += 1
            counts[f"endpoint HTTP {status}"] += 1

        endpoint()
        counts["endpoint connections"] = listener.count - before
    return dict(counts)


_CHAINS = {
    "nested {": lambda n: "SELECT * WHERE " + "{" * n + "}" * n,
    "nested (": lambda n: "SELECT * WHERE { FILTER(" + "(" * n + "1" + ")" * n + ") }",
    "BIND chain": lambda n: "SELECT * WHERE { " + " ".join(f"BIND(1 AS ?v{i})" for i in range(n)) + " }",
    "'+' chain": lambda n: "SELECT * WHERE { FILTER(" + "+".join(["1"] * n) + " > 0) }",
    "UNION chain": lambda n: "SELECT * WHERE { " + " UNION ".join(["{}"] * n) + " }",
    "OPTIONAL chain": lambda n: "SELECT * WHERE { " + " ".join(["OPTIONAL {}"] * n) + " }",
    "FILTER chain": lambda n: "SELECT * WHERE { " + " ".join(["FILTER(true)"] * n) + " }",
    "projected expressions": lambda n: "SELECT " + " ".join(f"(1 AS ?v{i})" for i in range(n)) + " WHERE {}",
}
_RUN = ("import pyoxigraph as ox, sys, threading\n"
        "text = sys.stdin.read()\n"
        "def go():\n"
        "    r = ox.Store().query(text)\n"
        "    r if isinstance(r, ox.QueryBoolean) else sum(1 for _ in r)\n"
        "mb = int(sys.argv[1])\n"
        "if mb:\n"
        "    threading.stack_size(mb << 20); t = threading.Thread(target=go); t.start(); t.join()\n"
        "else:\n"
        "    go()\n")


def _runs(text: str, stack_mb: int = 0) -> str:
    """'ok', 'crash' (signal) or 'timeout' for pyoxigraph running ``text`` in a child process."""
    try:
        out = subprocess.run([sys.executable, "-c", _RUN, str(stack_mb)], input=text, capture_output=True,
                             text=True, timeout=60)
    except subprocess.TimeoutExpired:
        return "timeout"
    return "crash" if out.returncode < 0 else ("ok" if out.returncode == 0 else f"exit {out.returncode}")


def _limits() -> list[tuple]:
    from kg.errors import QueryError
    from kg.sparql import analyse

    rows = []
    for name, make in _CHAINS.items():
        lo, hi = 100, 20000  # pyoxigraph alone, main thread (8 MiB stack)
        if _runs(make(hi)) != "crash":
            crash = f"> {hi}"
        else:
            while hi - lo > max(25, lo // 50):
                mid = (lo + hi) // 2
                if _runs(make(mid)) == "crash":
                    hi = mid
                else:
                    lo = mid
            crash = f"{lo}–{hi}"
        n = 1  # the largest accepted by our limits
        while True:
            try:
                analyse(make(n * 2))
                n *= 2
            except QueryError:
                break
        step = max(1, n // 2)
        while step:
            try:
                analyse(make(n + step))
                n += step
            except QueryError:
                step //= 2
        at_limit = make(n)
        stacks = [mb for mb in (1, 2, 4) if _runs(at_limit, mb) == "ok"]
        rows.append((name, crash, n, analyse(at_limit).weight, analyse(at_limit).depth, _runs(at_limit),
                     f"{min(stacks)} MiB" if stacks else "> 4 MiB"))
    return rows


def _cost() -> dict:
    from kg.query.library import list_queries
    from kg.sparql import analyse
    from kg.sparql.analysis import _analyse

    texts = [q.text for q in list_queries()]
    runs = 30
    per = []
    for _ in range(runs):
        _analyse.cache_clear()
        start = time.perf_counter()
        for t in texts:
            analyse(t)
        per.append((time.perf_counter() - start) / len(texts))
    start = time.perf_counter()
    for _ in range(200):
        for t in texts:
            analyse(t)
    cached = (time.perf_counter() - start) / (200 * len(texts))
    result = {"queries": len(texts), "mean length": sum(map(len, texts)) // len(texts),
              "uncached": statistics.median(per), "cached": cached}
    # The regex check as it was before issue 11 (the commit this work started from).
    source = subprocess.run(["git", "-C", str(ROOT), "show", f"{_BEFORE}:kg/query/safety.py"],
                            capture_output=True, text=True)
    if source.returncode == 0 and "strip_strings_and_comments" in source.stdout:
        namespace: dict = {"__name__": "old_safety"}
        exec(compile(source.stdout, "old_safety", "exec"), namespace)
        check = namespace["check_query_safety"]
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            for t in texts:
                try:
                    check(t, ())
                except Exception:  # noqa: BLE001 - only its time matters
                    pass
            times.append((time.perf_counter() - start) / len(texts))
        result["old regex check"] = statistics.median(times)
    return result


_QUERY_ARGS = ["-m", "kg", "query", "--format", "csv", "ASK {}"]


def _import_time(checkout: Path, build_dir: Path, runs: int = 15) -> dict:
    """Import time of ``kg query`` run from ``checkout`` (its ``kg`` package), bytecode cached
    in a scratch directory: the median total, and the modules of the SPARQL path."""
    import tempfile

    env = {**os.environ, "PYTHONPYCACHEPREFIX": tempfile.mkdtemp(prefix="kg-pyc-")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("PYTHONPATH", None)
    args = [sys.executable, "-X", "importtime", *_QUERY_ARGS, "--out", str(build_dir)]
    subprocess.run(args, cwd=checkout, env=env, capture_output=True)  # writes the bytecode
    totals, own = [], collections.defaultdict(list)
    for _ in range(runs):
        out = subprocess.run(args, cwd=checkout, env=env, capture_output=True, text=True)
        total = 0
        for line in out.stderr.splitlines():  # Python's importtime report, not data
            fields = line[len("import time:"):].split("|") if line.startswith("import time:") else []
            if len(fields) != 3 or not fields[0].strip().isdigit():
                continue  # another line, or the report's header
            own_us, cumulative, name = int(fields[0]), int(fields[1]), fields[2]
            if name.startswith(" ") and not name.startswith("  "):  # a top-level import
                total += cumulative
            module = name.strip()
            if module.startswith(("kg.sparql", "kg.query.safety", "kg.query.binding", "kg.sandbox")):
                own[module].append(own_us)
        totals.append(total)
    return {"total ms": statistics.median(totals) / 1000,
            "modules": {m: min(v) / 1000 for m, v in sorted(own.items())}}


def _w3c() -> dict:
    import json

    from tests.test_sparql_w3c import INDEX, OUTSIDE_THE_GRAMMAR, _ours, _text

    counts = collections.Counter()
    for path, kind in INDEX.items():
        ok = _ours(_text(path))
        counts[(kind, ok)] += 1
    return {"counts": counts, "listed": len(OUTSIDE_THE_GRAMMAR)}


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=5000, help="generated queries of each kind")
    parser.add_argument("--interface-examples", type=int, default=300)
    parser.add_argument("--baseline", type=Path, default=None,
                        help="another checkout whose kg query import time to measure for comparison")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from kg.build import build
    from tests.test_security_service import Listener

    started = datetime.datetime.now(datetime.timezone.utc)
    load_start = os.getloadavg()
    listener = Listener()
    try:
        fuzz = _fuzz(args.examples, listener)
        build_dir = HERE / "out" / "security-mini"
        build(build_dir, data=ROOT / "tests" / "fixtures" / "mini")
        interfaces = _interfaces(args.interface_examples, listener, build_dir)
    finally:
        listener.close()
    limits = _limits()
    cost = _cost()
    w3c = _w3c()
    imports = {"this checkout": _import_time(ROOT, build_dir)}
    if args.baseline is not None:
        imports[f"baseline ({args.baseline})"] = _import_time(args.baseline, build_dir)
    load_end = os.getloadavg()
    import hypothesis
    import pyoxigraph

    lines = ["# Security benchmark", ""]
    lines.append(f"Machine: {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}, Python "
                 f"{platform.python_version()}, pyoxigraph {pyoxigraph.__version__}, hypothesis "
                 f"{hypothesis.__version__}; {started:%Y-%m-%d %H:%M} UTC; load average (1/5/15 min) "
                 f"{load_start[0]:.1f} / {load_start[1]:.1f} / {load_start[2]:.1f} at the start, "
                 f"{load_end[0]:.1f} / {load_end[1]:.1f} / {load_end[2]:.1f} at the end (a shared machine).")
    lines += ["", f"Produced by `python -m bench.bench_security --examples {args.examples} "
                  f"--interface-examples {args.interface_examples}` (Hypothesis seed {SEED}). The test suite "
                  "runs the same properties on fewer, derandomized examples (`tests/test_security_fuzz.py`, "
                  "`tests/test_sparql_differential.py`).", ""]
    lines += ["## Generated queries", "", "| corpus | count | time |", "|---|---|---:|"]
    for name in ("attacks", "lookalikes", "mutants"):
        c = fuzz["stats"][name]
        detail = "; ".join(f"{k}: {v}" for k, v in sorted(c.items()) if k != "generated")
        lines.append(f"| {name} | {c['generated']} generated; {detail} | {fuzz['timings'][name]:.0f} s |")
    total = sum(c["generated"] for c in fuzz["stats"].values())
    lines += ["", f"In all {total} generated queries. A count in capitals (ACCEPTED attacks, REFUSED "
                  "look-alikes, CONNECTED) would be a defect: each must be absent or 0.", ""]
    lines += ["## Through the interfaces", "", "| what | count |", "|---|---:|"]
    lines += [f"| {k} | {v} |" for k, v in sorted(interfaces.items())]
    lines += ["", "The endpoint's workers run without network, so there the check and the sandbox both "
                  "stand; `kg query` ran in-process here (no sandbox: the check alone).", ""]
    lines += ["## W3C test suites (vendored corpus)", "", "| kind | accepted by us | refused |", "|---|---:|---:|"]
    for kind in sorted({k for k, _ in w3c["counts"]}):
        lines.append(f"| {kind} | {w3c['counts'][(kind, True)]} | {w3c['counts'][(kind, False)]} |")
    lines += ["", f"Accepted negative tests: the {w3c['listed']} that break rules stated outside the grammar "
                  "(pyoxigraph refuses them) and `syn-bad-26`, where we read `<` at an operator position as "
                  "pyoxigraph does (`tests/test_sparql_w3c.py`).", ""]
    lines += ["## Limits", "",
              "pyoxigraph alone: the smallest size that crashes it (SIGSEGV, main thread, 8 MiB stack), found "
              "by bisection. Ours: the largest size of the same construct that the limits accept "
              f"(depth ≤ 64, weight ≤ 500), its weight and depth, pyoxigraph running it on the main thread, and "
              "the smallest thread stack (of 1, 2, 4 MiB) on which it runs.", "",
              "| construct | pyoxigraph crashes at | largest accepted | weight | depth | runs (main thread) | stack needed |",
              "|---|---:|---:|---:|---:|---|---:|"]
    for row in limits:
        lines.append("| " + " | ".join(str(x) for x in row) + " |")
    lines += ["", "## Cost of the analysis", "",
              f"`kg.sparql.analyse` on the {cost['queries']} named queries (mean {cost['mean length']} characters): "
              f"{cost['uncached'] * 1e6:.0f} µs per query uncached (median of 30 runs), "
              f"{cost['cached'] * 1e6:.2f} µs cached."
              + (f" The old regular-expression check took {cost['old regex check'] * 1e6:.0f} µs per query."
                 if "old regex check" in cost else ""), ""]
    lines += ["## Import time of `kg query`", "",
              "`python -X importtime -m kg query --out DIR 'ASK {}'` from the checkout, bytecode cached, "
              "15 runs: the median of the summed top-level imports, and the smallest own time of the "
              "modules of the SPARQL path.", "",
              "| checkout | total | SPARQL-path modules (own time) |", "|---|---:|---|"]
    for name, result in imports.items():
        modules = ", ".join(f"`{m}` {t:.1f} ms" for m, t in result["modules"].items())
        lines.append(f"| {name} | {result['total ms']:.0f} ms | {modules} |")
    lines += ["", "The totals move by tens of milliseconds between runs on a shared machine; the own "
                  "times of the modules are the comparable figures."]
    report = "\n".join(lines)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(report, encoding="utf-8")
    print(report)
    return report


if __name__ == "__main__":
    main()
