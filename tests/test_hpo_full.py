"""The full HPO import of the real release, checked line by line against the raw files.

The import is streamed to an N-Quads file (``import_hpo("full")`` with the file's ``write`` as
consumer, as the builder does: nothing holds three million Python objects) and the file is read
back with plain string handling. Takes about 20 seconds.
"""

from __future__ import annotations

import csv
import re
import time

import pytest

from kg.curation.compiler import compile_curation
from kg.hpo.files import locate
from kg.hpo.importer import import_hpo
from kg.namespace import GRAPH_HPO, PREFIXES, VOCAB
from tests.hpo_oracle import iri, node

pytestmark = pytest.mark.slow

HP, RDF = PREFIXES["HP"], PREFIXES["rdf"]


def _curie(iri: str) -> str:
    for prefix in ("HP", "OMIM", "ORPHA", "NCBIGene"):
        if iri.startswith(PREFIXES[prefix]):
            return f"{prefix}:{iri[len(PREFIXES[prefix]):]}"
    return iri


def test_full_import_matches_the_files(tmp_path):
    data = locate()
    target = tmp_path / "hpo.nq"
    started = time.perf_counter()
    with target.open("w", encoding="utf-8") as fh:
        stats = import_hpo("full", compile_curation().quads, consumers=[fh.write])
    assert time.perf_counter() - started < 60

    # ---- expectations from the raw files
    parents, obsolete, current = {}, set(), None
    for line in data.obo.read_text(encoding="utf-8").splitlines():
        if line.startswith("["):
            current = None
        elif line.startswith("id: HP:"):
            current = line[4:]
            parents[current] = set()
        elif current and line.startswith("is_a: "):
            parents[current].add(line[6:16])
        elif current and line == "is_obsolete: true":
            obsolete.add(current)
    terms = set(parents) - obsolete
    is_a = {(node(t), node(p)) for t in terms for p in parents[t] if p in terms}
    with data.hpoa.open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader((ln for ln in fh if not ln.startswith("#")), delimiter="\t",
                                          quoting=csv.QUOTE_NONE)
                if r["database_id"].split(":")[0] in ("OMIM", "ORPHA")]
    positive = {(r["database_id"], r["hpo_id"]) for r in rows if r["qualifier"] != "NOT"}
    positive |= {(r["database_id"], r["onset"]) for r in rows if r["qualifier"] != "NOT" and r["onset"]}
    negated_only = {(node(d), node(t)) for d, t in
                    {(r["database_id"], r["hpo_id"]) for r in rows if r["qualifier"] == "NOT"} - positive}
    positive = {(node(d), node(t)) for d, t in positive}
    with data.genes.open(encoding="utf-8") as fh:
        genes = {(node(f"NCBIGene:{g['ncbi_gene_id']}"), node(g["disease_id"]))
                 for g in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)}

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
    curated = {(q.subject.value, q.predicate.value, q.object.value) for q in compile_curation().quads}
    assert edges == len(reified) - sum((st["subject"], st["predicate"], st["object"]) in curated
                                       for st in reified.values())
    assert len(stats.pme_rule) == 20
