"""Benchmark of the graph view (not a timed test): ``python -m bench.bench_viz [options]``.

For the curated graph and for a 2,000-node graph:

* HTML size and generation time (graph to page: ``build_view`` + ``render_html``, median);
* in headless Chromium (Debian's ``chromium`` through Playwright), the time until the view
  is interactive: ``performance.now()`` (milliseconds since navigation start) at the first
  draw after vis-network reports ``stabilizationIterationsDone`` (physics then off) or, above
  1,500 nodes (layout computed in Python, physics off), at the first draw; median over N
  page loads. The time of ``stabilizationIterationsDone`` itself is reported too.

The larger graphs are taken from the HPO-subset build (``kg.load(dir, hpo="subset")``,
a connected piece grown breadth-first from ``myoclonus``); the benchmark stops with a
message when that build cannot be made or is too small.
Targets: curated page under 1.5 MB, interactive in under 2 s.

Writes a Markdown report to ``bench/results/viz.md`` and prints it. Builds are kept in
``bench/out/builds/`` (git-ignored) and reused while their inputs are unchanged.
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

from kg.viz.model import LAYOUT_THRESHOLD

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "viz.md"
BUILDS = HERE / "out" / "builds"
CHROMIUM = os.environ.get("KG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SIZE_TARGET = 1_500_000
INTERACTIVE_TARGET_MS = 2000.0
BIG = 2000
MEDIUM = 1000


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def curated_graph(builds: Path):
    import kg

    return kg.load(builds / "curated").to_networkx()


def big_graph(builds: Path, n: int):
    """A connected ``n``-node piece of the HPO-subset build, grown breadth-first from myoclonus.

    Raises
    ------
    SystemExit
        If the HPO-subset graph, or the component of myoclonus in it, has fewer than ``n`` nodes.
    """
    import kg

    full = kg.load(builds / "hpo-subset", hpo="subset").to_networkx()
    start = kg.load(builds / "hpo-subset").resolve("myoclonus")
    undirected = full.to_undirected(as_view=True)
    order = [start]
    seen = {start}
    for node in order:
        for other in sorted(undirected[node], key=str):
            if other not in seen and len(order) < n:
                seen.add(other)
                order.append(other)
        if len(order) >= n:
            break
    if len(order) < n:
        raise SystemExit(f"bench_viz: the HPO-subset graph's component of myoclonus has only "
                         f"{len(order)} nodes, fewer than --nodes {n}")
    return full.subgraph(order).copy(), f"HPO-subset build, {n} nodes breadth-first from myoclonus"


def generate(graph, reps: int) -> tuple[str, float, float, str]:
    """The page, the median generation time, the median Python-layout share (seconds) and
    the view's layout mode."""
    from kg.viz import build_view, render_html
    from kg.viz import model

    times, layouts = [], []
    page, mode = "", ""
    for _ in range(reps):
        spent = [0.0]
        original = model.spring_positions

        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                spent[0] += time.perf_counter() - start

        model.spring_positions = timed
        try:
            start = time.perf_counter()
            view = build_view(graph, title="bench")
            page = render_html(view)
            mode = view.layout
            times.append(time.perf_counter() - start)
        finally:
            model.spring_positions = original
        layouts.append(spent[0])
    return page, statistics.median(times), statistics.median(layouts), mode


def browser_times(path: Path, runs: int) -> dict | str:
    """Median milliseconds (since navigation start) to first script, data parsed, network
    created, and interactive; or the reason there is no browser."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return "playwright is not installed"
    if not os.path.isfile(CHROMIUM):
        return f"no Chromium at {CHROMIUM}"
    keys = ("script", "parsed", "created", "stabilized", "interactive")
    samples: dict[str, list[float]] = {k: [] for k in keys}
    settled, outbound, errors = set(), [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for _ in range(runs):
                context = browser.new_context(viewport={"width": 1400, "height": 900})
                page = context.new_page()
                page.on("request", lambda r: outbound.append(r.url) if r.url.startswith(("http:", "https:")) else None)
                page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
                page.goto(path.as_uri())
                deadline = time.monotonic() + 120
                while not page.evaluate("!!(window.kgView && window.kgView.interactive)"):
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"{path.name}: no stabilisation within 120 s")
                    page.wait_for_timeout(10)
                timings = page.evaluate("kgView.timings")
                settled.add(page.evaluate("kgView.settledBy"))
                for k in keys:
                    samples[k].append(float(timings[k]))
                context.close()
        finally:
            browser.close()
    result = {k: statistics.median(v) for k, v in samples.items()}
    result["max_interactive"] = max(samples["interactive"])
    result["settled"] = ", ".join(sorted(settled))
    result["outbound"] = len(outbound)
    result["errors"] = len(errors)
    return result


def chromium_version() -> str:
    try:
        out = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True, timeout=30)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "not installed"


def numpy_note() -> str:
    from kg.viz.layout import numpy_available

    return ("networkx.spring_layout (NumPy/SciPy present)" if numpy_available()
            else "pure-Python grid Fruchterman-Reingold (no NumPy/SciPy in this environment)")


def report(rows: list[dict], runs: int, reps: int, sources: str) -> str:
    lines = [
        "# Graph view benchmark",
        "",
        f"Generated by `python -m bench.bench_viz` on {datetime.date.today().isoformat()}; "
        f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPU(s), "
        f"{chromium_version()}.",
        "",
        f"Generation time: median of {reps} runs of `build_view` + `render_html` (graph already in "
        "memory). Interactive: `performance.now()` in the page (ms since navigation start, so file "
        "read, HTML parse, vis-network start-up and layout included) at the first draw after "
        "vis-network reports `stabilizationIterationsDone` (physics then switched off) or, above "
        "1,500 nodes (layout computed in Python, physics off), at the first draw; median (and worst) "
        f"of {runs} loads of the file:// page in headless Chromium.",
        "",
        "| graph | nodes | edges | HTML size | generation | of which Python layout | layout in page | interactive (median) | worst | settled by | outbound requests | console errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | --- | ---: | ---: |",
    ]
    for r in rows:
        b = r["browser"]
        if isinstance(b, dict):
            interactive = f"{b['interactive']:.0f} ms"
            worst = f"{b['max_interactive']:.0f} ms"
            settled, outbound, errors = b["settled"], str(b["outbound"]), str(b["errors"])
        else:
            interactive = worst = f"n/a ({b})"
            settled = outbound = errors = "n/a"
        lines.append(f"| {r['name']} | {r['nodes']:,} | {r['edges']:,} | {r['size'] / 1e6:.2f} MB | "
                     f"{r['generation'] * 1000:.0f} ms | {r['layout'] * 1000:.0f} ms | {r['mode']} | {interactive} | "
                     f"{worst} | {settled} | {outbound} | {errors} |")
    lines += ["", "Targets for the curated graph: page under 1.5 MB, interactive in under 2 s.", ""]
    for r in rows:
        if r["name"] != "curated":
            continue
        b = r["browser"]
        size_ok = r["size"] < SIZE_TARGET
        lines.append(f"* size: {r['size'] / 1e6:.2f} MB, {'met' if size_ok else 'MISSED'}"
                     f" (of which {r['vis_bytes'] / 1e6:.2f} MB is the inlined vis-network script and stylesheet)")
        if isinstance(b, dict):
            ok = b["interactive"] < INTERACTIVE_TARGET_MS
            lines.append(f"* interactive: {b['interactive']:.0f} ms median, {'met' if ok else 'MISSED'}"
                         f" (worst {b['max_interactive']:.0f} ms)")
        else:
            lines.append(f"* interactive: not measured ({b})")
    lines += ["", f"Larger graphs: {sources}. Python layout: {numpy_note()}. Up to "
              f"{LAYOUT_THRESHOLD} nodes the page starts from the Python layout and runs a short physics "
              f"stabilisation, then stops physics (`seeded`); above {LAYOUT_THRESHOLD} physics stays off "
              "(`precomputed`).", "",
              "Breakdown of a page load (medians, ms since navigation start):", ""]
    for r in rows:
        b = r["browser"]
        if isinstance(b, dict):
            lines.append(f"* {r['name']}: our script starts {b['script']:.0f}, data parsed {b['parsed']:.0f}, "
                         f"network created {b['created']:.0f}, layout final {b['stabilized']:.0f}, "
                         f"drawn (interactive) {b['interactive']:.0f}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_viz", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="page loads per graph (default 5)")
    parser.add_argument("--reps", type=int, default=3, help="generation repetitions (default 3)")
    parser.add_argument("--nodes", type=int, nargs="+", default=[MEDIUM, BIG],
                        help=f"sizes of the larger graphs (default {MEDIUM} {BIG})")
    parser.add_argument("--builds", type=Path, default=BUILDS, help=f"where builds are kept (default {BUILDS})")
    parser.add_argument("--out", type=Path, default=RESULTS, help=f"report file (default {RESULTS})")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)

    from kg.viz.render import vis_assets

    vis_bytes = sum(len(t.encode("utf-8")) for t in vis_assets())
    say("-- curated graph")
    graphs = [("curated", curated_graph(args.builds))]
    sources = []
    for n in args.nodes:
        say(f"-- {n}-node graph")
        big, source = big_graph(args.builds, n)
        graphs.append((f"{n:,} nodes", big))
        sources.append(f"{n:,} nodes: {source}")
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-viz-") as tmp:
        for name, graph in graphs:
            say(f"-- {name}: generating")
            page, took, layout, mode = generate(graph, args.reps)
            path = Path(tmp) / f"{name.replace(' ', '_').replace(',', '')}.html"
            path.write_text(page, encoding="utf-8")
            say(f"   {len(page.encode('utf-8')) / 1e6:.2f} MB in {took * 1000:.0f} ms; loading in Chromium")
            rows.append({"name": name, "nodes": graph.number_of_nodes(), "edges": graph.number_of_edges(),
                         "size": len(page.encode("utf-8")), "generation": took, "layout": layout, "mode": mode,
                         "browser": browser_times(path, args.runs), "vis_bytes": vis_bytes})
    text = report(rows, args.runs, args.reps, "; ".join(sources))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
