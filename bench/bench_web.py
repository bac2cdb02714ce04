"""Benchmark: our SPARQL endpoint (``kg serve``) against ``oxigraph serve-read-only``.

Both servers run on this machine on loopback, over the same data (the build's ``kg.nq``,
loaded into a fresh Oxigraph store with ``oxigraph load``; Oxigraph serves with
``--union-default-graph`` so that its default graph is the union of the named graphs, as
ours is) and get the same queries: the named queries with their default parameters, made
standalone (parameters in ``VALUES``, explicit ``PREFIX`` lines, since Oxigraph predeclares
no prefix).

Our server runs twice: as ``kg serve`` by default (web process + sandboxed query worker
processes) and as ``kg serve --prefork`` (sandboxed server processes that share the port
and run queries in-process, :mod:`kg.web.prefork`); both with the same number of processes.

Two mixes, each with 1 and with 8 concurrent clients (one keep-alive connection each, one
process each), for a fixed time in 1-second slices alternating between the servers:

* **repeated**: the named queries over and over (our response cache answers after the first
  round; Oxigraph has no cache);
* **distinct**: every request a different text (``LIMIT`` with a counter), so nothing is
  served from a cache.

Usage::

    python -m bench.bench_web [--build DIR] [--seconds 5] [--out bench/results/web.md]

Needs the ``oxigraph`` command (``pip install oxigraph==0.5.13``, the version of pyoxigraph).
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from contextlib import ExitStack
from pathlib import Path

__all__ = ["main", "run_clients", "query_mix"]

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kg.web.testing import free_ports, serve  # noqa: E402

ACCEPT = "application/sparql-results+json"


def wait_http(port: int, path: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            if conn.getresponse().status < 500:
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing answered on port {port} within {timeout:.0f} s")


def query_mix() -> list[tuple[str, str]]:
    """(name, standalone text) of every named query."""
    from kg.query.library import list_queries
    from kg.web.examples import inline_parameters, with_prefixes

    return [(q.name, with_prefixes(inline_parameters(q))) for q in list_queries()]


def _client(port: int, path: str, texts: list[str], distinct: bool, seconds: float, index: int,
            start_at: float, salt: int, out) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": ACCEPT}
    latencies, errors, i = [], 0, 0
    while time.time() < start_at:
        time.sleep(0.001)
    stop = time.perf_counter() + seconds
    while True:
        now = time.perf_counter()
        if now >= stop:
            break
        text = texts[(i + index) % len(texts)]
        if distinct:
            text += f"\nLIMIT {1_000_000_000 + (salt * 100 + index) * 1_000_000 + i}"
        body = urllib.parse.urlencode({"query": text})
        t0 = time.perf_counter()
        try:
            conn.request("POST", path, body, headers)
            response = conn.getresponse()
            data = response.read()
            if response.status != 200 or not data:
                errors += 1
        except (OSError, http.client.HTTPException):
            errors += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        latencies.append(time.perf_counter() - t0)
        i += 1
    conn.close()
    out.put((latencies, errors))


_RUNS = iter(range(1, 1_000_000))


def run_clients(port: int, path: str, texts: list[str], *, clients: int, distinct: bool,
                seconds: float) -> dict:
    """Run ``clients`` client processes for ``seconds``; throughput and latency percentiles.

    With ``distinct``, every request of every run gets a query text never sent before.
    """
    salt = next(_RUNS)
    ctx = mp.get_context("fork")
    out = ctx.Queue()
    start_at = time.time() + 0.5
    procs = [ctx.Process(target=_client, args=(port, path, texts, distinct, seconds, i, start_at, salt, out))
             for i in range(clients)]
    for p in procs:
        p.start()
    results = [out.get() for _ in procs]
    for p in procs:
        p.join()
    return _summary([x for lat, _ in results for x in lat], sum(e for _, e in results), seconds)


def _summary(latencies: list[float], errors: int, seconds: float) -> dict:
    latencies = sorted(latencies)
    n = len(latencies)
    return {"requests": n, "errors": errors, "rps": n / seconds, "seconds": seconds,
            "latencies": latencies,
            "p50": 1000 * latencies[n // 2] if n else float("nan"),
            "p99": 1000 * latencies[min(n - 1, int(n * 0.99))] if n else float("nan"),
            "mean": 1000 * statistics.fmean(latencies) if n else float("nan")}


def merge(parts: list[dict]) -> dict:
    """One summary from several timed slices."""
    return _summary([x for p in parts for x in p["latencies"]], sum(p["errors"] for p in parts),
                    sum(p["seconds"] for p in parts))


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and its descendants (Linux)."""
    ticks = os.sysconf("SC_CLK_TCK")
    parents, used = {}, {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
        used[int(entry)] = (int(fields[11]) + int(fields[12])) / ticks
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        total += used.get(current, 0.0)
        todo += [child for child, parent in parents.items() if parent == current]
    return total


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def check_same_answers(ours: int, theirs: int, mix: list[tuple[str, str]]) -> list[str]:
    """Names of queries whose row counts differ between the two servers."""
    differ = []
    for name, text in mix:
        counts = []
        for port, path in ((ours, "/sparql"), (theirs, "/query")):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("POST", path, urllib.parse.urlencode({"query": text}),
                         {"Content-Type": "application/x-www-form-urlencoded", "Accept": ACCEPT})
            response = conn.getresponse()
            raw = response.read()
            if response.status != 200:
                raise RuntimeError(f"{name}: {path} answered {response.status}: {raw[:300]!r}")
            data = json.loads(raw)
            counts.append(len(data["results"]["bindings"]) if "results" in data else data.get("boolean"))
            conn.close()
        if counts[0] != counts[1]:
            differ.append(f"{name} ({counts[0]} vs {counts[1]})")
    return differ


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", type=Path, default=None, help="build directory (built if missing)")
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of each run")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "web.md")
    parser.add_argument("--workers", type=int, default=None,
                        help="query workers of our server (default: kg serve's default)")
    parser.add_argument("--oxigraph", default=shutil.which("oxigraph")
                        or str(Path(sys.executable).with_name("oxigraph")))
    args = parser.parse_args(argv)

    import kg

    graph = kg.load(args.build)
    if not Path(args.oxigraph).exists():
        print(f"no oxigraph command at {args.oxigraph}; pip install oxigraph==0.5.13", file=sys.stderr)
        return 2
    version = subprocess.run([args.oxigraph, "--version"], capture_output=True, text=True).stdout.strip()
    mix = query_mix()
    texts = [t for _, t in mix]
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-web-") as work, ExitStack() as stack:
        store = Path(work) / "oxigraph"
        subprocess.run([args.oxigraph, "load", "--location", str(store), "--file",
                        str(graph.directory / "kg.nq")], check=True, capture_output=True)
        ours_url = stack.enter_context(serve(graph.directory, workers=args.workers))
        ours = ours_url.port
        prefork_url = stack.enter_context(serve(graph.directory, workers=args.workers,
                                                args=["--prefork"]))
        (theirs,) = free_ports(1)
        oxigraph = subprocess.Popen(
            [args.oxigraph, "serve-read-only", "--location", str(store), "--bind",
             f"127.0.0.1:{theirs}", "--union-default-graph"], stderr=subprocess.DEVNULL)
        stack.callback(_stop, oxigraph)
        wait_http(theirs, "/")
        differ = (check_same_answers(ours, theirs, mix)
                  + check_same_answers(prefork_url.port, theirs, mix))
        rows = []
        servers = (("ours", ours, "/sparql"), ("ours --prefork", prefork_url.port, "/sparql"),
                   ("oxigraph", theirs, "/query"))
        pids = {"ours": ours_url.pid, "ours --prefork": prefork_url.pid, "oxigraph": oxigraph.pid}
        rounds = max(1, round(args.seconds))
        for mode in ("repeated", "distinct"):
            for clients in (1, 8):
                distinct = mode == "distinct"
                for _, port, path in servers:  # warm-up
                    run_clients(port, path, texts, clients=clients, distinct=distinct, seconds=0.5)
                # Alternate the servers in 1-second slices, so that both see the same
                # background load on a shared machine.
                slices: dict[str, list[dict]] = {name: [] for name, _, _ in servers}
                cpu = {name: 0.0 for name, _, _ in servers}
                for _ in range(rounds):
                    for name, port, path in servers:
                        before = tree_cpu(pids[name])
                        slices[name].append(run_clients(port, path, texts, clients=clients,
                                                        distinct=distinct,
                                                        seconds=args.seconds / rounds))
                        cpu[name] += tree_cpu(pids[name]) - before
                result = {name: merge(parts) for name, parts in slices.items()}
                for name, r in result.items():
                    r["cpu_ms"] = 1000 * cpu[name] / r["requests"] if r["requests"] else float("nan")
                for name, r in result.items():
                    print(f"{mode:9} {clients} client(s) {name:15} {r['rps']:8.0f} req/s  "
                          f"p50 {r['p50']:6.2f} ms  p99 {r['p99']:6.2f} ms  errors {r['errors']}",
                          file=sys.stderr)
                rows.append((mode, clients, result))

    load_after = os.getloadavg()[0]
    targets = {"repeated": 2.0, "distinct": 1.0}  # issue 14, item 4
    lines = [
        "# Web endpoint benchmark: `kg serve` vs `oxigraph serve-read-only`",
        "",
        f"One run, {time.strftime('%Y-%m-%d')}, on this machine ({platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, {version}), loopback, "
        f"{args.seconds:g} s per server and cell, in 1-second slices alternating between the "
        "servers (so all see the same background load), after a warm-up. Clients: one process "
        "and one keep-alive connection each, POST form requests, "
        "`Accept: application/sparql-results+json`. Load average (1 min) "
        f"{load_before:.1f} before, {load_after:.1f} after (other work on the machine shares the "
        "CPUs with both servers and the clients).",
        "",
        f"Query mix: the {len(mix)} named queries with default parameters, with explicit `PREFIX` "
        "lines (sent unchanged to both). *repeated*: the mix over and over; *distinct*: each "
        "request gets its own `LIMIT` so no cache can answer it. Oxigraph runs with "
        "`--union-default-graph` (our default graph is the union of the named graphs too).",
        "",
        "| mix | clients | server | req/s | p50 ms | p99 ms | errors | server CPU ms/req | ratio (ours/oxigraph) | target |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for mode, clients, result in rows:
        goal = targets[mode]
        for name in ("ours", "ours --prefork", "oxigraph"):
            r = result[name]
            ratio = r["rps"] / result["oxigraph"]["rps"] if result["oxigraph"]["rps"] else float("nan")
            verdict = f"≥ {goal:g}x: {'met' if ratio >= goal else 'MISSED'}"
            ours_row = name != "oxigraph"
            lines.append(f"| {mode} | {clients} | {name} | {r['rps']:.0f} | {r['p50']:.2f} | "
                         f"{r['p99']:.2f} | {r['errors']} | {r['cpu_ms']:.2f} | "
                         f"{f'{ratio:.2f}x' if ours_row else ''} | "
                         f"{verdict if ours_row else ''} |")
    lines += ["", "*server CPU ms/req*: CPU time (user + system) of the server's processes per "
              "answered request — *ours* is the web process plus its query workers, *ours --prefork* "
              "the supervisor plus its server processes, Oxigraph one process — which depends "
              "less on the background load than throughput does.",
              "", "Answers compared before timing (row counts per query): "
              + ("identical on both servers." if not differ else "DIFFERENT for " + ", ".join(differ)),
              ""]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
