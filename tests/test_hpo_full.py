"""The full HPO import of the real release, checked line by line against the raw files.

The import is streamed to an N-Quads file (``import_hpo("full")`` with the file's ``write`` as
consumer, as the builder does: nothing holds three million Python objects) and the file is read
back with plain string handling (a regular expression per line: reading it with pyoxigraph's
N-Quads parser took 13.4 s of CPU against 10 s). The expectations are the raw files as
``tests/hpo_oracle.py`` reads them. Takes about 30 seconds.
"""

from __future__ import annotations

import re
import time

import pytest

from kg.curation.compiler import compile_curation
from kg.hpo.importer import import_hpo
from kg.namespace import GRAPH_HPO, PREFIXES, VOCAB
from tests import hpo_oracle as raw
from tests.hpo_oracle import iri, node

pytestmark = pytest.mark.slow

HP, RDF = PREFIXES["HP"], PREFIXES["rdf"]


def _curie(iri: str) -> str:
    for prefix in ("HP", "OMIM", "ORPHA", "NCBIGene"):
        if iri.startswith(PREFIXES[prefix]):
            return f"{prefix}:{iri[len(PREFIXES[prefix]):]}"
    return iri


def test_full_import_matches_the_files(tmp_path):
    target = tmp_path / "hpo.nq"
    curation = compile_curation().quads
    started = time.perf_counter()
    with target.open("w", encoding="utf-8") as fh:
        stats = import_hpo("full", curation, consumers=[fh.write])
    assert time.perf_counter() - started < 60

    # ---- expectations from the raw files (the oracle's reading, parsed once per process)
    _, parents, _ = raw.obo()
    terms = set(parents)  # the non-obsolete terms, each with its non-obsolete parents
    is_a = {(node(t), node(p)) for t in terms for p in parents[t]}
    rows = raw.rows()
    positive = {(r["database_id"], r["hpo_id"]) for r in rows if r["qualifier"] != "NOT"}
    positive |= {(r["database_id"], r["onset"]) for r in rows if r["qualifier"] != "NOT" and r["onset"]}
    negated_only = {(node(d), node(t)) for d, t in
                    {(r["database_id"], r["hpo_id"]) for r in rows if r["qualifier"] == "NOT"} - positive}
    positive = {(node(d), node(t)) for d, t in positive}
    genes = {(node(f"NCBIGene:{g['ncbi_gene_id']}"), node(g["disease_id"])) for g in raw.genes()}

    # ---- the file, read back: every edge through its statement (a triple the curated graph
    # already asserts gets HPO's statement only, not a second copy of the triple)
    reified: dict[str, dict[str, str]] = {}
    labelled: set[str] = set()
    edges = lines = 0
    line_re = re.compile(r"^<([^>]*)> <([^>]*)> (.*) <" + re.escape(GRAPH_HPO) + r"> \.\n$")
    with target.open(encoding="utf-8") as fh:
        for line in fh:
            lines += 1
            match = line_re.match(line)
            assert match, line
            s, p, o = match.groups()
            if p in (RDF + "subject", RDF + "predicate", RDF + "object"):
                reified.setdefault(s, {})[p[len(RDF):]] = o[1:-1]
            elif p == PREFIXES["rdfs"] + "label" and s.startswith(HP):
                labelled.add(_curie(s))
            elif p.startswith(VOCAB) and p != VOCAB + "sourceDocument" and o.startswith("<"):
                edges += 1
    by_predicate: dict[str, set[tuple[str, str]]] = {}
    for st in reified.values():
        by_predicate.setdefault(st["predicate"][len(VOCAB):], set()).add((st["subject"], st["object"]))
    annotations = set().union(*(by_predicate.get(k, set()) for k in ("hasPhenotype", "hasInheritance", "hasOnset",
                                                                     "hasCourse")))
    assert lines == stats.triples > 2_000_000
    assert labelled == {t for t in terms if node(t) == iri(t)}  # aliased terms keep the curated label
    assert by_predicate["subtypeOf"] == is_a
    assert annotations == positive
    assert not annotations & negated_only
    assert by_predicate["geneAssociatedWith"] == genes
    assert len(reified) == sum(stats.edges.values())
    curated = {(q.subject.value, q.predicate.value, q.object.value) for q in curation}
    assert edges == len(reified) - sum((st["subject"], st["predicate"], st["object"]) in curated
                                       for st in reified.values())
    assert len(stats.pme_rule) == 20
