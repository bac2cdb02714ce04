"""Benchmark of the full HPO build: time and peak memory against raw pyoxigraph loading.

Each measurement runs in its own child process, which reports its wall time and its peak
resident set size (``resource.getrusage(RUSAGE_SELF).ru_maxrss``, which counts the Rust
allocations of pyoxigraph too). The rows:

1. ``kg.build.build(dir, hpo="full", force=True)``: the whole build as it is today;
2. raw ``pyoxigraph.Store(path).bulk_load(kg.nq)`` of the N-Quads that build wrote;
3. the rebuild with unchanged inputs (must be skipped);
4. for reference, what the store part of the build costs when the HPO graph is streamed
   (:func:`kg.hpo.importer.import_hpo`) into the store in batches of 100 000 lines, and to an
   N-Quads file, instead of being held as a list of Python quads (no other exports).

Targets: full build <= 2x raw load, unchanged rebuild <= 0.1x raw load, peak RSS < 500 MB.
The Markdown table is printed and written to ``bench/results/hpo.md``.

Run with ``python -m bench.bench_hpo [--shacl] [--out DIR]``.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["main", "measure"]

RESULTS = Path(__file__).parent / "results" / "hpo.md"
_PRELUDE = """
import json, resource, sys, time
started = time.perf_counter()
"""
_REPORT = """
print("RESULT " + json.dumps({"seconds": time.perf_counter() - started,
                             "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                             "extra": extra}))
"""


def measure(code: str) -> dict:
    """Run ``code`` in a fresh Python; return its seconds, peak RSS (MB) and ``extra`` dict.

    Raises
    ------
    RuntimeError
        If the child fails.
    """
    proc = subprocess.run([sys.executable, "-c", _PRELUDE + code + _REPORT], capture_output=True,
                          text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark step failed:\n{proc.stderr[-3000:]}")
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")][-1]
    return json.loads(line[len("RESULT "):])


def main(argv: list[str] | None = None) -> str:
    """Run the benchmark; return (and write) the Markdown report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shacl", action="store_true", help="validate the curated graph with SHACL")
    parser.add_argument("--out", type=Path, default=None, help="work directory (default: a temp dir)")
    args = parser.parse_args(argv)
    work = Path(args.out or tempfile.mkdtemp(prefix="bench-hpo-"))
    work.mkdir(parents=True, exist_ok=True)
    build_dir, raw_dir, stream_dir = work / "build", work / "raw-store", work / "stream"
    for d in (raw_dir, stream_dir):
        shutil.rmtree(d, ignore_errors=True)
    validate = bool(args.shacl)

    full = measure(f"""
from kg.build import build
r = build({str(build_dir)!r}, hpo="full", force=True, validate={validate})
extra = dict(r.counts)
""")
    nq = build_dir / "kg.nq"
    raw = measure(f"""
import pyoxigraph as ox
store = ox.Store({str(raw_dir)!r})
store.bulk_load(path={str(nq)!r}, format=ox.RdfFormat.N_QUADS)
store.flush()
extra = {{"quads": len(store)}}
""")
    again = measure(f"""
from kg.build import build
r = build({str(build_dir)!r}, hpo="full", validate={validate})
extra = {{"skipped": r.skipped}}
""")
    stream = measure(f"""
import pyoxigraph as ox, pathlib
from kg.curation.compiler import compile_curation
from kg.build.builder import _ontology_quads
from kg.hpo.importer import import_hpo
d = pathlib.Path({str(stream_dir)!r}); d.mkdir(parents=True, exist_ok=True)
curated = compile_curation().quads
store = ox.Store(str(d / "store"))
store.bulk_extend(curated + _ontology_quads())
load = lambda text: store.bulk_load(input=text.encode("utf-8"), format=ox.RdfFormat.N_QUADS)
with (d / "hpo.nq").open("w", encoding="utf-8") as fh:
    stats = import_hpo("full", curated, consumers=[fh.write, load])
store.flush()
store.optimize()
extra = {{"triples": stats.triples, "quads": len(store)}}
""")
    base = raw["seconds"]
    rows = [
        ("full build (`build(hpo='full', force=True)`)", full, f"{full['seconds'] / base:.2f}x", "<= 2x"),
        ("raw `Store.bulk_load(kg.nq)`", raw, "1.00x", "baseline"),
        ("rebuild, inputs unchanged", again, f"{again['seconds'] / base:.3f}x", "<= 0.1x"),
        ("streamed import into the store + N-Quads file (reference)", stream,
         f"{stream['seconds'] / base:.2f}x", "-"),
    ]
    lines = [
        "# HPO full-build benchmark", "",
        f"Python {platform.python_version()} on {platform.machine()}, {time.strftime('%Y-%m-%d')}; "
        f"SHACL {'on' if validate else 'off'}; {raw['extra']['quads']} quads in kg.nq; "
        f"{full['extra'].get('triples_imported')} imported HPO triples.", "",
        "| step | seconds | vs raw load | target | peak RSS (MB) |",
        "|---|---:|---:|---|---:|",
    ]
    for name, m, ratio, target in rows:
        lines.append(f"| {name} | {m['seconds']:.1f} | {ratio} | {target} | {m['rss_mb']:.0f} |")
    verdicts = [
        f"- full build {'meets' if full['seconds'] <= 2 * base else 'misses'} the 2x target "
        f"({full['seconds'] / base:.2f}x)",
        f"- unchanged rebuild {'meets' if again['seconds'] <= 0.1 * base else 'misses'} the 0.1x target"
        f" (skipped: {again['extra']['skipped']})",
        f"- peak RSS of the full build {'meets' if full['rss_mb'] < 500 else 'misses'} the 500 MB target "
        f"({full['rss_mb']:.0f} MB)",
    ]
    report = "\n".join(lines + [""] + verdicts) + "\n"
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(report, encoding="utf-8")
    print(report)
    if args.out is None:
        shutil.rmtree(work, ignore_errors=True)
    return report


if __name__ == "__main__":
    main()
