"""Benchmark of the query layer (not a timed test): ``python -m bench.bench_query [options]``.

On the same data (the real curated build; with ``--hpo`` also the HPO-subset build):

* the named-query suite through our API (``graph.named``), through raw pyoxigraph
  (``Store.read_only`` + ``store.query`` with the same text, prefixes, substitutions and
  dataset -- the union of the store's graphs -- every solution read), and through rdflib's engine (``graph.to_rdflib()``);
  median suite time over N repetitions and the ratios (targets: our overhead over raw
  pyoxigraph <= 1.2x, >= 20x faster than rdflib);
* ``kg query`` as a fresh process (``python -m kg`` and the ``kg`` console script), median
  wall time, and its ratio to ``python -c "import rdflib"`` in the same run (target <= 0.6x;
  ``--cold-start-only`` measures just this and updates its section of the report);
* the path query ``graph.path("hypoxia", "clonazepam")`` after warm-up, median; the 2 ms
  target is for the full-HPO graph (300k+ edges), measured if ``build(dir, hpo="full")`` works.

Writes a Markdown report to ``bench/results/query.md`` and prints it. Builds are kept in
``bench/out/builds/`` (git-ignored) and reused while their inputs are unchanged.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results" / "query.md"
BUILDS = HERE / "out" / "builds"

OVERHEAD_TARGET = 1.2
RDFLIB_TARGET = 20.0
PATH_TARGET_MS = 2.0


# ----------------------------------------------------------------------------- helpers
def median_time(fn, reps: int, warmup: int = 1) -> tuple[float, list[float]]:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


def interleaved_medians(fns: dict, reps: int, warmup: int = 1) -> dict[str, tuple[float, list[float]]]:
    """Time several functions round-robin (so load on a shared machine hits all alike)."""
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(reps):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: (statistics.median(t), t) for name, t in times.items()}


def ms(seconds: float | None) -> str:
    if seconds is None:
        return "n/a"
    value = seconds * 1000
    return f"{value:.3f} ms" if value < 10 else f"{value:.1f} ms"


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def ensure_build(directory: Path, hpo: str) -> tuple[Path, float, bool]:
    """Build (or reuse) ``directory``; return it, the time taken and whether it was reused."""
    from kg.build import build

    start = time.perf_counter()
    result = build(directory, hpo=hpo, progress=lambda m: say(f"   [{hpo}] {m}"))
    return directory, time.perf_counter() - start, result.skipped


# ---------------------------------------------------------------------- the three engines
def suite(graph):
    """The named queries that apply to this graph, with their bindings (defaults)."""
    from kg.namespace import GRAPH_HPO

    has_hpo = GRAPH_HPO in graph.engine.graph_iris
    queries = [q for q in graph.queries() if has_hpo or not q.name.startswith("hpo-")]
    return [(q, q.bindings(None)) for q in queries]


def _size(result) -> int:
    return len(result) if hasattr(result, "__len__") else int(bool(result))


def run_api(graph, queries) -> list[int]:
    return [_size(graph.named(q.name)) for q, _ in queries]


def make_raw(build_dir: Path, queries):
    """Raw pyoxigraph on the same store: same text, prefixes, substitutions and default graph."""
    import pyoxigraph as ox

    from kg.namespace import PREFIXES
    from kg.query.engine import GRAPHS

    from kg.query.engine import SparqlEngine

    engine = SparqlEngine.open(build_dir / "store")
    assert engine.graph_iris <= set(GRAPHS.values())
    # The same store and default graph as the engine's (every graph but the aliases graph, as the
    # union of the main store, unless the query names an alias: kg.query.dataset, kg.query.stores),
    # decided once per query outside the timing.
    prepared = [(q.text, {ox.Variable(k): v for k, v in b.items()} or None, *engine.plan(q.text, None, b))
                for q, b in queries]

    def run() -> list[int]:
        counts = []
        for text, subs, store, dataset in prepared:
            result = store.query(text, prefixes=PREFIXES, substitutions=subs, **dataset)
            if isinstance(result, ox.QuerySolutions):
                names = [v.value for v in result.variables]
                n = 0
                for solution in result:
                    for name in names:
                        solution[name]
                    n += 1
                counts.append(n)
            elif isinstance(result, ox.QueryBoolean):
                counts.append(int(bool(result)))
            else:
                counts.append(len(list(result)))
        return counts

    return run


def rdflib_dataset(graph):
    """rdflib's in-memory Dataset of the same graphs (union as the default graph), and its load time."""
    start = time.perf_counter()
    dataset = graph.to_rdflib()
    dataset.default_union = True
    return dataset, time.perf_counter() - start


def make_rdflib(dataset, queries):
    import warnings

    import pyoxigraph as ox
    import rdflib

    from kg.namespace import PREFIXES

    def term(t):
        if isinstance(t, ox.NamedNode):
            return rdflib.URIRef(t.value)
        return rdflib.Literal(t.value, lang=t.language,
                              datatype=None if t.language else rdflib.URIRef(t.datatype.value))

    prepared = [(q.text, {k: term(v) for k, v in b.items()}) for q, b in queries]

    def run() -> list[int]:
        counts = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            for text, bindings in prepared:
                result = dataset.query(text, initNs=PREFIXES, initBindings=bindings)
                if result.type == "ASK":
                    counts.append(int(bool(result.askAnswer)))
                else:
                    counts.append(len([tuple(row) for row in result]))
        return counts

    return run


def in_child(fn, timeout: float):
    """Run ``fn()`` in a forked child, killed after ``timeout`` seconds: rdflib cannot be
    interrupted, and on the HPO graphs some queries run for minutes. None on timeout."""
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)

    def target():
        try:
            send.send(("ok", fn()))
        except BaseException as exc:  # noqa: BLE001
            send.send(("error", f"{type(exc).__name__}: {exc}"))

    child = ctx.Process(target=target, daemon=True)
    child.start()
    try:
        if not receive.poll(timeout):
            return None
        status, value = receive.recv()
    finally:
        if child.is_alive():
            child.kill()
        child.join()
    if status != "ok":
        raise RuntimeError(value)
    return value


def bench_suites(name: str, build_dir: Path, reps: int, rdflib_reps: int, rdflib_timeout: float) -> dict:
    import kg

    graph = kg.load(build_dir, build=False)
    queries = suite(graph)
    say(f"-- {name}: {len(queries)} named queries; API / raw pyoxigraph ({reps} reps)")
    raw = make_raw(build_dir, queries)
    api_counts, raw_counts = run_api(graph, queries), raw()
    both = interleaved_medians({"api": lambda: run_api(graph, queries), "raw": raw}, reps)
    (api, api_all), (raw_t, raw_all) = both["api"], both["raw"]
    per_query = []
    for one in ([item] for item in queries):
        pair = interleaved_medians({"api": lambda: run_api(graph, one), "raw": make_raw(build_dir, one)}, reps)
        per_query.append([one[0][0].name, pair["api"][0], pair["raw"][0], None])

    per_query_timeout = min(120.0, rdflib_timeout)
    say(f"-- {name}: rdflib ({rdflib_reps} reps; {per_query_timeout:.0f} s budget per query, "
        f"{rdflib_timeout:.0f} s for the suite)")
    dataset, rdf_load = rdflib_dataset(graph)
    for row, one in zip(per_query, ([item] for item in queries)):
        row[3] = in_child(lambda: median_time(make_rdflib(dataset, one), rdflib_reps, warmup=1)[0],
                          per_query_timeout)
        if row[3] is None:
            say(f"   rdflib: {row[0]} ran over {per_query_timeout:.0f} s")
    rdf_counts, rdf, rdf_all, rdf_bound = None, None, [], None
    if all(row[3] is not None for row in per_query):
        rdf_run = make_rdflib(dataset, queries)
        suite_rdf = in_child(lambda: (rdf_run(), median_time(rdf_run, rdflib_reps, warmup=0)), rdflib_timeout)
        if suite_rdf is None:
            rdf_bound = rdflib_timeout
        else:
            rdf_counts, (rdf, rdf_all) = suite_rdf
    else:
        rdf_bound = sum(row[3] if row[3] is not None else per_query_timeout for row in per_query)
    del dataset
    triples = dict(graph.sparql("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
                   .to_records())
    return {"name": name, "queries": len(queries), "api": api, "raw": raw_t, "rdflib": rdf,
            "rdflib_load": rdf_load, "reps": reps, "rdflib_reps": rdflib_reps,
            "rdflib_timeout": rdflib_timeout, "rdflib_bound": rdf_bound,
            "per_query_timeout": per_query_timeout,
            "agree": api_counts == raw_counts and (rdf_counts is None or rdf_counts == api_counts),
            "counts": (api_counts, raw_counts, rdf_counts), "per_query": per_query,
            "triples": sum(triples.values()), "api_spread": (min(api_all), max(api_all)),
            "raw_spread": (min(raw_all), max(raw_all)),
            "rdflib_spread": (min(rdf_all), max(rdf_all)) if rdf_all else (None, None)}


def overhead_breakdown(build_dir: Path, name: str = "first-line-drug", n: int = 2000) -> list[tuple[str, float]]:
    """Where the API's time goes on one small named query (microseconds per call)."""
    import pyoxigraph as ox

    import kg
    from kg.namespace import PREFIXES
    from kg.query.library import get_query
    from kg.query.results import materialize
    from kg.query.safety import check_query_safety

    graph = kg.load(build_dir, build=False)
    engine = graph.engine
    nq = get_query(name)
    bindings = nq.bindings(None)
    subs = {ox.Variable(k): v for k, v in bindings.items()}

    def each(fn) -> float:
        fn()
        start = time.perf_counter()
        for _ in range(n):
            fn()
        return (time.perf_counter() - start) / n * 1e6

    store, dataset = engine.plan(nq.text, None, nq.bindings(None))

    def raw_iterated():
        result = store.query(nq.text, prefixes=PREFIXES, substitutions=subs, **dataset)
        names = [v.value for v in result.variables]
        for solution in result:
            for var in names:
                solution[var]

    return [
        ("`graph.named(name)` in all", each(lambda: graph.named(name))),
        ("raw `store.query(...)`, every value read", each(raw_iterated)),
        ("`get_query(name)` (reads and parses the .rq file)", each(lambda: get_query(name))),
        ("`NamedQuery.bindings()`", each(lambda: nq.bindings(None))),
        ("`check_query_safety(text)`", each(lambda: check_query_safety(nq.text, engine.graph_iris))),
        ("`materialize()` into a ResultTable (query included)",
         each(lambda: materialize(store.query(nq.text, prefixes=PREFIXES, substitutions=subs,
                                              **dataset)))),
    ]


# ------------------------------------------------------------------------- fresh process
COLD_START_TARGET = 0.6
COLD_START_HEADING = "## `kg query` as a fresh process"


def _bytecode_env(build_dir: Path) -> dict:
    """The environment of the fresh processes: the build, and bytecode written and read as a
    user's installation does (this sandbox sets PYTHONDONTWRITEBYTECODE, which would make every
    run recompile our modules while rdflib's come precompiled). The cache lives in bench/out."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["KG_BUILD_DIR"] = str(build_dir)
    env["PYTHONPYCACHEPREFIX"] = str(HERE / "out" / "pycache")
    return env


def bench_cli(build_dir: Path, runs: int) -> dict:
    """``kg query`` and ``python -c "import rdflib"`` as fresh processes, round-robin (so the
    load of a shared machine hits all alike), after one warm-up run each; medians and the
    ratio to ``import rdflib`` measured in the same run (target: at most 0.6x)."""
    env = _bytecode_env(build_dir)
    args = ["query", "--name", "antiepileptic-drugs", "--format", "csv"]
    script = Path(sys.executable).parent / "kg"
    if not script.exists():
        found = shutil.which("kg")
        script = Path(found) if found else None
    commands = {"python -c \"import rdflib\"": ([sys.executable, "-c", "import rdflib"], False),
                "python -c pass (the interpreter alone)": ([sys.executable, "-c", "pass"], False),
                "python -m kg query --name antiepileptic-drugs --format csv": ([sys.executable, "-m", "kg", *args], True)}
    if script is not None:
        commands["kg query --name antiepileptic-drugs --format csv (console script)"] = ([str(script), *args], True)

    cpu: dict[str, list[float]] = {label: [] for label in commands}

    def runner(label, command, prints):
        def once():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu[label].append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
            if done.returncode != 0 or (prints and len(done.stdout.splitlines()) < 2):
                raise RuntimeError(f"{label} failed: {done.stderr.strip()}")
        return once

    fns = {label: runner(label, command, prints) for label, (command, prints) in commands.items()}
    try:
        timed = interleaved_medians(fns, runs)
    except Exception as exc:  # noqa: BLE001
        return {"error": str(exc), "runs": runs}
    return {"runs": runs, "medians": {label: med for label, (med, _) in timed.items()},
            "ranges": {label: (min(ts), max(ts)) for label, (_, ts) in timed.items()},
            "cpu": {label: statistics.median(ts[-runs:]) for label, ts in cpu.items()}}


def cold_start_section(cli: dict, machine: dict | None = None) -> list[str]:
    lines = [COLD_START_HEADING, ""]
    if "error" in cli:
        return lines + [f"failed: {cli['error']}"]
    rdflib_label = 'python -c "import rdflib"'
    base = cli["medians"][rdflib_label]
    lines += [f"Fresh processes on the curated build, round-robin, {cli['runs']} runs each after one warm-up "
              "run, bytecode cached as in an installation (`PYTHONPYCACHEPREFIX`); the ratio is to "
              f"`import rdflib` in the same run (target for `kg query`: at most {COLD_START_TARGET:g}x).", ""]
    if machine:
        lines += [f"Load average at the start of this section: {machine.get('load', '?')}.", ""]
    lines += ["| command | median wall time | min–max | wall / `import rdflib` | median CPU time (user + system) "
              "| CPU / `import rdflib` |", "|---|---:|---:|---:|---:|---:|"]
    cpu_base = cli["cpu"][rdflib_label]
    for label, med in cli["medians"].items():
        low, high = cli["ranges"][label]
        ratio = med / base
        mark = ""
        if label.startswith(("python -m kg", "kg query")):
            mark = " " + verdict(ratio <= COLD_START_TARGET)
        lines.append(f"| `{label}` | {ms(med)} | {ms(low)}–{ms(high)} | {ratio:.2f}x{mark} | {ms(cli['cpu'][label])} "
                     f"| {cli['cpu'][label] / cpu_base:.2f}x |")
    lines += ["", "The query path imports neither rdflib nor the curation, build, paths, web or remote code, "
              "nor click, ctypes or dataclasses (plain `kg query` invocations are parsed by `kg.cli.fast`, "
              "exactly as click would; the sandbox calls unshare through `_ctypes`; the records on the path "
              "are plain classes and named tuples; the lexer compiles a pattern when a query first needs "
              "it): `tests/test_layers.py` checks the modules a `kg query` process loads, "
              "`tests/test_cli_fast.py` the fast path. The query runs in a thread that `--timeout` "
              "(default 60 s) watches."]
    return lines


def update_cold_start(path: Path, section: list[str]) -> str:
    """Replace the cold-start section of an existing report (or append it)."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Query benchmark\n"
    lines = text.rstrip("\n").split("\n")
    if COLD_START_HEADING in lines:
        start = lines.index(COLD_START_HEADING)
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
        lines[start:end] = section + [""]
    else:
        lines += [""] + section
    return "\n".join(lines).rstrip("\n") + "\n"


# ---------------------------------------------------------------------------- path query
def bench_path(build_dir: Path, reps: int) -> dict:
    import kg

    graph = kg.load(build_dir, build=False)
    start = time.perf_counter()
    g = graph.to_networkx()
    nx_time = time.perf_counter() - start
    start = time.perf_counter()
    first = graph.path("hypoxia", "clonazepam")
    first_time = time.perf_counter() - start
    med, times = median_time(lambda: graph.path("hypoxia", "clonazepam"), reps, warmup=3)
    # Reference: one bidirectional BFS between the same two nodes on the same cached projection.
    import networkx as nx

    _, cache = graph._graph_index()
    from kg.paths.finder import PathFilter

    simple = cache.projection(PathFilter(), set())
    a, b = graph.resolve("hypoxia"), graph.resolve("clonazepam")
    bfs, _ = median_time(lambda: nx.bidirectional_shortest_path(simple, a, b), reps, warmup=3)
    return {"nodes": g.number_of_nodes(), "edges": g.number_of_edges(), "median": med, "reps": reps,
            "p90": sorted(times)[int(0.9 * (len(times) - 1))], "first": first_time,
            "to_networkx": nx_time, "hops": len(first[0]), "paths": len(first), "bfs": bfs}


# -------------------------------------------------------------------------------- report
def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("met" if ok else "**not met**")


def report(machine: dict, suites: list[dict], cli: dict, paths: dict[str, dict | str],
           breakdown: list[tuple[str, float]] | None = None) -> str:
    lines = ["# Query benchmark", "",
             f"Machine: {machine['nproc']} CPUs (`nproc`), {machine['cpu']}, Python {machine['python']}, "
             f"pyoxigraph {machine['pyoxigraph']}, rdflib {machine['rdflib']}, networkx {machine['networkx']}; "
             f"{machine['date']}; load average at the start (1/5/15 min) {machine['load']}"
             f"{', at the end ' + machine['load_end'] if machine.get('load_end') else ''} "
             "(a shared machine: absolute times are noisy, the interleaved API/raw ratio less so).", "",
             "Produced by `python -m bench.bench_query` (all benchmarks: `python -m bench.run`, `make bench`). "
             "One run; times are medians over the stated repetitions, after one warm-up run.", "",
             "## Named-query suite", "",
             "| graph | triples | queries | kg API (`graph.named`) | raw pyoxigraph | rdflib | "
             f"API / raw (target ≤ {OVERHEAD_TARGET}x) | rdflib / API (target ≥ {RDFLIB_TARGET:.0f}x) | "
             "answers agree |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for s in suites:
        overhead = s["api"] / s["raw"]
        if s["rdflib"] is None:
            bound = s["rdflib_bound"]
            rdf_cell = f"> {bound:.0f} s"
            ok = True if bound / s["api"] >= RDFLIB_TARGET else None
            speed_cell = f"> {bound / s['api']:.0f}x {verdict(ok) if ok else 'inconclusive'}"
        else:
            rdf_cell = ms(s["rdflib"])
            speedup = s["rdflib"] / s["api"]
            speed_cell = f"{speedup:.0f}x {verdict(speedup >= RDFLIB_TARGET)}"
        lines.append(
            f"| {s['name']} | {s['triples']:,} | {s['queries']} | {ms(s['api'])} | {ms(s['raw'])} | "
            f"{rdf_cell} | {overhead:.2f}x {verdict(overhead <= OVERHEAD_TARGET)} | "
            f"{speed_cell} | {'yes' if s['agree'] else '**no**'} |")
    for s in suites:
        lines += ["", f"Repetitions on *{s['name']}*: {s['reps']} (API and raw, interleaved), "
                  f"{s['rdflib_reps']} (rdflib; a query is cut off after {s['per_query_timeout']:.0f} s, the suite "
                  f"after {s['rdflib_timeout']:.0f} s); "
                  f"building the rdflib Dataset (`to_rdflib()`) took {ms(s['rdflib_load'])} (not counted). "
                  f"Min–max: API {ms(s['api_spread'][0])}–{ms(s['api_spread'][1])}, raw "
                  f"{ms(s['raw_spread'][0])}–{ms(s['raw_spread'][1])}, rdflib "
                  f"{ms(s['rdflib_spread'][0])}–{ms(s['rdflib_spread'][1])}."
                  + ("" if s["rdflib"] is not None else " rdflib did not finish every query within its "
                     "budget: its suite time is a lower bound (the sum of the budgets and the finished medians).")]
        if not s["agree"]:
            lines.append(f"Row counts differ (API, raw, rdflib): {s['counts']}")
        lines += ["", f"Per query on *{s['name']}* (median):", "",
                  "| query | kg API | raw pyoxigraph | rdflib | API / raw |", "|---|---:|---:|---:|---:|"]
        for name, api, raw, rdf in s["per_query"]:
            rdf_cell = ms(rdf) if rdf is not None else f"> {s['per_query_timeout']:.0f} s"
            lines.append(f"| {name} | {ms(api)} | {ms(raw)} | {rdf_cell} | {api / raw:.2f}x |")
    if breakdown:
        lines += ["", "Where the API's extra time goes, on `first-line-drug` (curated build, microseconds per call):",
                  "", "| step | µs |", "|---|---:|"]
        lines += [f"| {step} | {us:.0f} |" for step, us in breakdown]
    lines += [""] + cold_start_section(cli)
    lines += ["", "## Path query `graph.path(\"hypoxia\", \"clonazepam\")`", "",
              "| graph | nodes | edges | median | p90 | first call (incl. projection) | "
              f"`to_networkx()` | target ≤ {PATH_TARGET_MS:g} ms (full HPO only) | "
              "reference: one bidirectional BFS, same projection |",
              "|---|---:|---:|---:|---:|---:|---:|---|---:|"]
    for name, p in paths.items():
        if isinstance(p, str):
            lines.append(f"| {name} | | | not yet measurable: {p} | | | | n/a | |")
            continue
        target = verdict(p["median"] * 1000 <= PATH_TARGET_MS) if name.startswith("full") else "n/a"
        lines.append(f"| {name} ({p['reps']} reps) | {p['nodes']:,} | {p['edges']:,} | {ms(p['median'])} | {ms(p['p90'])} | "
                     f"{ms(p['first'])} | {ms(p['to_networkx'])} | {target} | {ms(p['bfs'])} |")
    return "\n".join(lines) + "\n"


def machine_info() -> dict:
    import networkx
    import pyoxigraph
    import rdflib

    try:
        nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip() or str(os.cpu_count())
    except OSError:
        nproc = str(os.cpu_count())
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        load = "?"
    return {"nproc": nproc, "cpu": cpu, "python": platform.python_version(), "load": load,
            "pyoxigraph": getattr(pyoxigraph, "__version__", "?"), "rdflib": rdflib.__version__,
            "networkx": networkx.__version__,
            "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_query", description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=int(os.environ.get("BENCH_REPS", 30)),
                        help="repetitions of each suite (default 30)")
    parser.add_argument("--rdflib-reps", type=int, default=None, help="repetitions for rdflib (default: --reps, at most 10)")
    parser.add_argument("--cli-runs", type=int, default=15, help="fresh-process runs (default 15)")
    parser.add_argument("--cold-start-only", action="store_true",
                        help="measure only `kg query` as a fresh process and update that section of the report")
    parser.add_argument("--path-reps", type=int, default=200, help="path query repetitions (default 200)")
    parser.add_argument("--full-path-reps", type=int, default=20,
                        help="path query repetitions on the full-HPO graph (default 20)")
    parser.add_argument("--hpo", action="store_true", default=os.environ.get("BENCH_HPO", "0") == "1",
                        help="also run the suites on the HPO-subset build (or set BENCH_HPO=1)")
    parser.add_argument("--hpo-reps", type=int, default=3, help="repetitions on the HPO-subset build (default 3)")
    parser.add_argument("--rdflib-timeout", type=float, default=600.0,
                        help="seconds before one rdflib measurement is cut off (default 600)")
    parser.add_argument("--full-hpo", dest="full_hpo", action=argparse.BooleanOptionalAction,
                        default=os.environ.get("BENCH_FULL_HPO", "1") != "0",
                        help="measure the path query on a full-HPO build (default: yes, if it builds)")
    parser.add_argument("--builds", type=Path, default=BUILDS, help=f"where builds are kept (default {BUILDS})")
    parser.add_argument("--out", type=Path, default=RESULTS, help=f"report file (default {RESULTS})")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    rdflib_reps = args.rdflib_reps or min(args.reps, 10)

    machine = machine_info()
    say("-- building / reusing the curated build")
    curated, took, reused = ensure_build(args.builds / "curated", "none")
    say(f"   {'reused' if reused else 'built'} in {took:.1f} s")
    if args.cold_start_only:
        say("-- fresh-process kg query")
        text = update_cold_start(args.out, cold_start_section(bench_cli(curated, args.cli_runs), machine))
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
        print(text)
        return 0
    suites = [bench_suites("curated", curated, args.reps, rdflib_reps, args.rdflib_timeout)]
    paths: dict[str, dict | str] = {}
    if args.hpo:
        try:
            subset, took, reused = ensure_build(args.builds / "hpo-subset", "subset")
            say(f"   hpo-subset {'reused' if reused else 'built'} in {took:.1f} s")
            suites.append(bench_suites("curated + HPO subset", subset, args.hpo_reps, 1, args.rdflib_timeout))
        except Exception as exc:  # noqa: BLE001 - the HPO import is optional
            say(f"   HPO subset not available: {exc}")
    say("-- API overhead breakdown")
    breakdown = overhead_breakdown(curated)
    say("-- fresh-process kg query")
    cli = bench_cli(curated, args.cli_runs)
    say("-- path query")
    paths["curated"] = bench_path(curated, args.path_reps)
    if args.full_hpo:
        try:
            full, took, reused = ensure_build(args.builds / "hpo-full", "full")
            say(f"   hpo-full {'reused' if reused else 'built'} in {took:.1f} s")
            paths["full HPO"] = bench_path(full, args.full_path_reps)
        except Exception as exc:  # noqa: BLE001
            paths["full HPO"] = f"`build(dir, hpo=\"full\")` failed ({type(exc).__name__}: {exc})".replace("\n", " ")
    else:
        paths["full HPO"] = "skipped (--no-full-hpo)"
    try:
        machine["load_end"] = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        pass
    text = report(machine, suites, cli, paths, breakdown)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    # Keep the full-HPO section that bench_closure writes between its markers.
    old = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
    begin, end = "<!-- closure:begin -->", "<!-- closure:end -->"
    if begin in old and end in old:
        text = text.rstrip("\n") + "\n\n" + begin + old.partition(begin)[2].partition(end)[0] + end + "\n"
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
