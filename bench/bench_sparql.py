"""Benchmark: the cost of ``kg.sparql.analyse`` per query, this checkout against another revision.

``kg.sparql`` decides what a request does (form, SERVICE, updates, FROM, IRIs, limits) and runs
on every distinct request the endpoint gets. This measures one uncached analysis (nesting
pre-check, parse, weight, and the analysis record) of realistic queries:

* the named queries (``kg/queries/*.rq``) made standalone as ``bench.bench_web`` sends them
  (parameters inlined, explicit ``PREFIX`` lines);
* a few hand-written queries of about 1 KB (:data:`HANDWRITTEN`).

The reference revision (default ``main``) is exported with ``git archive`` into a temporary
directory and runs in its own Python process; this checkout runs in another. The two
processes take turns, one round each over the whole corpus, for ``--rounds`` rounds, and
measure CPU time (``time.process_time``), so the load of a shared machine weighs on both
alike. Each process also reports a digest of its analyses: the two must be equal (the same
decisions, variables, IRIs, positions, weights), or the benchmark fails.

Usage::

    python -m bench.bench_sparql [--baseline main] [--rounds 15] [--out bench/results/sparql.md]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["main", "corpus", "HANDWRITTEN"]

ROOT = Path(__file__).resolve().parents[1]

#: Hand-written queries of about 1 KB: filters, paths, sub-queries, aggregates, VALUES, EXISTS.
HANDWRITTEN = (
    """PREFIX mkv: <https://w3id.org/myoclonus-kg/vocab#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
# Diseases with a phenotype and their first-line drugs, with evidence counts.
SELECT ?disease ?label (COUNT(DISTINCT ?evidence) AS ?n) (GROUP_CONCAT(DISTINCT ?drugLabel; SEPARATOR=", ") AS ?drugs)
WHERE {
  ?disease a mkv:Disease ;
           rdfs:label ?label ;
           mkv:hasPhenotype/rdfs:subClassOf* ?phenotype .
  OPTIONAL { ?drug mkv:firstLineFor ?disease ; rdfs:label ?drugLabel . }
  OPTIONAL { ?statement mkv:subject ?disease ; mkv:evidence ?evidence . }
  FILTER (LANG(?label) = "" || LANGMATCHES(LANG(?label), "en"))
  FILTER NOT EXISTS { ?disease mkv:deprecated true }
  VALUES ?phenotype { mkv:Myoclonus mkv:CorticalMyoclonus }
}
GROUP BY ?disease ?label
HAVING (COUNT(DISTINCT ?evidence) >= 1)
ORDER BY DESC(?n) ?label
LIMIT 100
""",
    """PREFIX mkv: <https://w3id.org/myoclonus-kg/vocab#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?entity ?label ?kind WHERE {
  {
    SELECT ?entity (SAMPLE(?l) AS ?label) WHERE {
      ?entity rdfs:label|skos:prefLabel|skos:altLabel ?l .
      FILTER(CONTAINS(LCASE(STR(?l)), "myoclon") && STRLEN(?l) < 200)
    } GROUP BY ?entity
  }
  BIND(IF(EXISTS { ?entity a mkv:Disease }, "disease",
          IF(EXISTS { ?entity a mkv:Gene }, "gene", "other")) AS ?kind)
  MINUS { ?entity mkv:mergedInto ?other }
  FILTER(?kind IN ("disease", "gene", "other") && !isBlank(?entity))
} ORDER BY ?kind ASC(?label) OFFSET 0 LIMIT 250
""",
    """PREFIX mkv: <https://w3id.org/myoclonus-kg/vocab#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
ASK {
  GRAPH ?g {
    ?gene mkv:associatedWith ?disease .
    ?disease mkv:hasPhenotype [ rdfs:label ?p ; mkv:onset ?onset ] .
  }
  FILTER(?onset >= 1 && ?onset <= 18 || ?onset = -1)
  FILTER(REGEX(?p, "^myoclon(us|ic)", "i"))
  { ?gene rdfs:label "PRICKLE1" } UNION { ?gene rdfs:label "EPM2A"@en } UNION { ?gene rdfs:label 'NHLRC1' }
  OPTIONAL { ?disease mkv:inheritance ?mode . FILTER(?mode != mkv:Unknown) }
  BIND(COALESCE(?mode, mkv:Unknown) AS ?inheritance)
  FILTER(STRSTARTS(STR(?disease), "https://w3id.org/") || sameTerm(?g, <urn:x-local:graph>))
  FILTER(?onset * 2 + 1 > 0.5e0 && ABS(?onset - 10) < 100)
}
""",
    """PREFIX mkv: <https://w3id.org/myoclonus-kg/vocab#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
CONSTRUCT {
  ?drug mkv:treats ?disease .
  ?drug rdfs:label ?drugLabel .
  ?disease rdfs:label ?diseaseLabel .
  ?statement rdf:subject ?drug ; rdf:predicate mkv:treats ; rdf:object ?disease .
}
WHERE {
  ?statement rdf:subject ?drug ;
             rdf:predicate mkv:treats ;
             rdf:object ?disease ;
             mkv:evidence/mkv:source ?source .
  ?drug rdfs:label ?drugLabel .
  ?disease rdfs:label ?diseaseLabel .
  FILTER(!CONTAINS(?drugLabel, "placebo"))
  VALUES (?disease ?source) { (mkv:Lafora UNDEF) (mkv:Unverricht <https://pubmed.ncbi.nlm.nih.gov/123>) }
}
""",
)


def corpus() -> list[tuple[str, str]]:
    """(name, text) of every query measured: the named queries, then :data:`HANDWRITTEN`."""
    from bench.bench_web import query_mix

    return query_mix() + [(f"handwritten-{i + 1}", text) for i, text in enumerate(HANDWRITTEN)]


# The worker: runs in the checkout given on its command line; reads a JSON list of texts, then
# one line per round; answers each round with the CPU seconds per text.
_WORKER = r"""
import hashlib, json, sys, time
sys.path.insert(0, sys.argv[1])
from kg.errors import QueryError
from kg.sparql.analysis import _DEFAULT_KEY, _analyse
analyse = _analyse.__wrapped__
texts = json.loads(sys.stdin.readline())
def one(t):
    try:
        return repr(analyse(t, _DEFAULT_KEY))
    except QueryError as exc:
        return "error: " + str(exc)
digest = hashlib.sha256("\n".join(one(t) for t in texts).encode()).hexdigest()
print(json.dumps({"digest": digest}), flush=True)
repeat = int(sys.argv[2])
for line in sys.stdin:
    times = []
    for t in texts:
        start = time.process_time()
        for _ in range(repeat):
            analyse(t, _DEFAULT_KEY)
        times.append((time.process_time() - start) / repeat)
    print(json.dumps(times), flush=True)
"""


def _worker(checkout: Path, texts: list[str], repeat: int) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-c", _WORKER, str(checkout), str(repeat)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONHASHSEED": "0"})  # same frozenset reprs
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(json.dumps(texts) + "\n")
    proc.stdin.flush()
    return proc, json.loads(proc.stdout.readline())["digest"]


def _round(proc: subprocess.Popen) -> list[float]:
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write("go\n")
    proc.stdin.flush()
    return json.loads(proc.stdout.readline())


def main(argv: list[str] | None = None) -> int:
    """Measure, compare the digests, write the results table; 0, or 1 if the analyses differ."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--baseline", default="main", help="git revision to compare with")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--repeat", type=int, default=5, help="analyses per text per round")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "sparql.md")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    named = corpus()
    texts = [t for _, t in named]
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-sparql-") as tmp:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.baseline, "kg"],
                                 check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        rev = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", args.baseline],
                             check=True, capture_output=True, text=True).stdout.strip()
        before, digest_before = _worker(Path(tmp), texts, args.repeat)
        after, digest_after = _worker(ROOT, texts, args.repeat)
        if digest_before != digest_after:
            print("the analyses differ between the two revisions", file=sys.stderr)
            return 1
        runs: dict[str, list[list[float]]] = {"before": [], "after": []}
        for _ in range(args.rounds):
            runs["before"].append(_round(before))
            runs["after"].append(_round(after))
        for proc in (before, after):
            assert proc.stdin is not None
            proc.stdin.close()
            proc.wait()
    load_end = os.getloadavg()

    def per_text(side: str) -> list[float]:
        return [statistics.median(r[i] for r in runs[side]) * 1e3 for i in range(len(texts))]

    b, a = per_text("before"), per_text("after")
    ratios = [x / y for x, y in zip(b, a)]
    named_n = len(named) - len(HANDWRITTEN)
    lines = [
        "# Cost of `kg.sparql.analyse`",
        "",
        f"Machine: {os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()}; "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; load average (1/5/15 min) "
        f"{' / '.join(f'{x:.1f}' for x in load_start)} at the start, "
        f"{' / '.join(f'{x:.1f}' for x in load_end)} at the end (a shared machine).",
        "",
        f"Produced by `python -m bench.bench_sparql --baseline {args.baseline} --rounds {args.rounds} "
        f"--repeat {args.repeat}`: one uncached analysis (nesting pre-check, parse, weight, record), "
        f"CPU time, median over {args.rounds} rounds of {args.repeat} analyses per text; the two "
        f"revisions in two processes taking turns round by round. Before: `{args.baseline}` "
        f"({rev}); after: this checkout. Both gave the same analyses of every text (same digest).",
        "",
        "| corpus | texts | mean length (chars) | before (ms/query) | after (ms/query) | speed-up |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for label, lo, hi in (("named queries, standalone", 0, named_n),
                          ("hand-written, ~1 KB", named_n, len(named)), ("all", 0, len(named))):
        length = statistics.mean(len(t) for t in texts[lo:hi])
        mb, ma = statistics.mean(b[lo:hi]), statistics.mean(a[lo:hi])
        lines.append(f"| {label} | {hi - lo} | {length:.0f} | {mb:.3f} | {ma:.3f} | {mb / ma:.2f}x |")
    lines += ["", f"Per text, the speed-up ranges from {min(ratios):.2f}x to {max(ratios):.2f}x "
              f"(median {statistics.median(ratios):.2f}x).", "",
              "| query | chars | before (ms) | after (ms) | speed-up |", "|---|---:|---:|---:|---:|"]
    for (name, text), x, y in zip(named, b, a):
        lines.append(f"| {name} | {len(text)} | {x:.3f} | {y:.3f} | {x / y:.2f}x |")
    report = "\n".join(lines) + "\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report, encoding="utf-8")
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
