"""The query layer end to end: the store, ``kg query`` / ``kg queries``, output formats, named
queries and their parameters, and refusing malformed or unsafe queries.

Expected answers are derived from the curation records (``kg.curation.load_curation()``) and the
vendored article, never copied from the query output; the competency answers of the product
spec (clonazepam first-line, the four antiepileptic drugs, ...) are checked on top.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

import kg
from kg.build import build
from kg.cli import main
from kg.curation import load_curation
from kg.errors import KGError, QueryError, UnsafeQueryError
from kg.namespace import ENTITY, GRAPH_CURATED, GRAPH_ONTOLOGY, STATEMENT, VOCAB
from kg.query.library import list_queries, query_dir
from kg.resources import article_path

XSD = "http://www.w3.org/2001/XMLSchema#"
SRX = "{http://www.w3.org/2005/sparql-results#}"


# --------------------------------------------------------------------------- helpers
@pytest.fixture(scope="module")
def cur():
    return load_curation()


@pytest.fixture(scope="module")
def labels(cur):
    return {e.id: e.label for e in cur.entities}


@pytest.fixture(scope="module")
def types(cur):
    return {e.id: set(e.types) for e in cur.entities}


@pytest.fixture(scope="module")
def article():
    return article_path().read_text(encoding="utf-8")


def cli(build_dir: Path, *args: str, input: str | None = None):
    """Run ``kg ARGS`` in-process; ``--out`` is added for the commands that take it."""
    args = list(args)
    if args and args[0] in ("query", "path", "neighbourhood", "neighbors"):
        args += ["--out", str(build_dir)]
    return CliRunner().invoke(main, args, input=input)


def proc(build_dir: Path, *args: str, input: str | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m kg ARGS`` as a real process with ``KG_BUILD_DIR`` set."""
    env = {**os.environ, "KG_BUILD_DIR": str(build_dir)}
    return subprocess.run([sys.executable, "-m", "kg", *args], input=input, env=env,
                          capture_output=True, text=True, timeout=120)


def clean_exit(result) -> bool:
    """The command ended through sys.exit / normally, not with an uncaught exception."""
    return result.exception is None or isinstance(result.exception, SystemExit)


def json_value(b: dict):
    """A SPARQL-JSON binding to a plain value (independently of kg.query.results)."""
    if b["type"] == "literal":
        dt = b.get("datatype", "")
        if dt == XSD + "integer":
            return int(b["value"])
        if dt == XSD + "boolean":
            return b["value"] == "true"
        if dt in (XSD + "decimal", XSD + "double"):
            return float(b["value"])
        return b["value"]
    return b["value"]


def json_rows(text: str) -> tuple[list[str], list[dict]]:
    doc = json.loads(text)
    variables = doc["head"]["vars"]
    rows = [{v: (json_value(b[v]) if v in b else None) for v in variables}
            for b in doc["results"]["bindings"]]
    return variables, rows


def subtypes_of(cur, root: str, *, reflexive: bool = True) -> set[str]:
    """Entities with a subtypeOf chain to ``root`` in the curation records."""
    edges = [(f.subject, f.object) for f in cur.facts if f.predicate == "subtypeOf"]
    seen = {root}
    changed = True
    while changed:
        changed = False
        for s, o in edges:
            if o in seen and s not in seen:
                seen.add(s)
                changed = True
    return seen if reflexive else seen - {root}


def aliases(cur) -> dict[str, list[str]]:
    """Entity id -> the IRIs of the HP/OMIM/ORPHA/NCBIGene identifiers it matches exactly."""
    from kg.identifiers import expand

    return {e.id: [expand(m.curie) for m in e.mappings if m.match == "exact"
                   and m.curie.split(":")[0] in ("HP", "OMIM", "ORPHA", "NCBIGene")] for e in cur.entities}


def reference_text(cur, fact) -> str | None:
    """The authoritative reference of a fact as docs/curation.md says it is written."""
    refs = {r.id: r for r in cur.references}
    if not fact.reference:
        return None
    return "; ".join(f"{refs[i].title}{', ' + loc if loc else ''} <{refs[i].url}>" for i, loc in fact.reference)


def closure(cur, start: str, predicates: tuple[str, ...]) -> set[str]:
    """``start`` and everything reachable from it along the given predicates (curation records)."""
    seen, todo = {start}, [start]
    while todo:
        node = todo.pop()
        for f in cur.facts:
            if f.subject == node and f.predicate in predicates and f.object and f.object not in seen:
                seen.add(f.object)
                todo.append(f.object)
    return seen


def facts(cur, predicate: str, subject: str | None = None, obj: str | None = None):
    return [f for f in cur.facts if f.predicate == predicate
            and (subject is None or f.subject == subject) and (obj is None or f.object == obj)]


def E(local: str) -> str:
    return ENTITY + local


# ------------------------------------------------------------------------ the store
def test_a_build_has_a_query_store(real_build):
    assert (real_build / "store").is_dir()
    assert any((real_build / "store").iterdir())
    store = ox.Store.read_only(str(real_build / "store"))
    names = {g.value for g in store.named_graphs()}
    assert {GRAPH_CURATED, GRAPH_ONTOLOGY} <= names


def test_queries_use_the_store_and_never_reparse_the_exports(real_build, tmp_path, monkeypatch):
    copy = tmp_path / "build"
    shutil.copytree(real_build, copy)
    removed = [p for p in copy.iterdir() if p.is_file() and p.name != "manifest.json"]
    assert {"kg.nt", "kg.ttl"} <= {p.name for p in removed}
    for p in removed:
        p.unlink()
    manifest = (copy / "manifest.json").read_bytes()

    # In process: parsing is made impossible, the query still answers.
    def no_parsing(*args, **kwargs):
        raise AssertionError("a query parsed an RDF file")

    graph = kg.load(copy, build=False)
    monkeypatch.setattr(ox, "parse", no_parsing)
    drugs = graph.sparql("SELECT ?d WHERE { ?d mkv:treats mk:myoclonus , mk:epilepsy }").column("d")
    assert set(drugs) == {E(x) for x in ("barbiturates", "levetiracetam", "phenytoin", "primidone")}
    monkeypatch.undo()

    # As a real process (which checks the build is up to date): answers, and does not rebuild.
    out = proc(copy, "query", "--name", "antiepileptic-drugs", "--format", "csv")
    assert out.returncode == 0, out.stderr
    assert len(list(csv.DictReader(io.StringIO(out.stdout)))) == 4
    assert not (copy / "kg.nt").exists() and not (copy / "kg.ttl").exists()
    assert (copy / "manifest.json").read_bytes() == manifest


def test_the_store_is_rebuilt_only_when_the_inputs_change(fixture_copy, tmp_path):
    out = tmp_path / "build"
    first = build(out, data=fixture_copy, validate=False)
    assert not first.skipped
    store_files = {p.name: p.stat().st_mtime_ns for p in (out / "store").iterdir()}
    manifest = (out / "manifest.json").read_bytes()

    second = build(out, data=fixture_copy, validate=False)
    assert second.skipped
    assert second.fingerprint == first.fingerprint
    assert {p.name: p.stat().st_mtime_ns for p in (out / "store").iterdir()} == store_files
    assert (out / "manifest.json").read_bytes() == manifest

    entities = fixture_copy / "entities.yaml"
    text = entities.read_text(encoding="utf-8")
    assert "label: clonazepam\n" in text
    entities.write_text(text.replace("label: clonazepam\n", "label: clonazepam (renamed)\n"),
                        encoding="utf-8")
    third = build(out, data=fixture_copy, validate=False)
    assert not third.skipped
    assert third.fingerprint != first.fingerprint
    graph = kg.load(out, build=False)
    assert graph.sparql("SELECT ?l WHERE { mk:clonazepam rdfs:label ?l }").column("l") == \
        ["clonazepam (renamed)"]


@pytest.fixture()
def without_shacl(monkeypatch):
    """kg.load's own builds without the SHACL pass (slow, and tested by the build tests)."""
    import kg.build.builder as builder

    real = builder.build

    def build_without_shacl(directory=None, **kwargs):
        kwargs["validate"] = False
        return real(directory, **kwargs)

    monkeypatch.setattr(builder, "build", build_without_shacl)


def test_load_rebuilds_a_stale_build_from_its_own_data(fixture_copy, tmp_path, without_shacl):
    out = tmp_path / "build"
    build(out, data=fixture_copy, validate=False)
    before = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert before["data"] == str(fixture_copy.resolve())
    entities = fixture_copy / "entities.yaml"
    entities.write_text(entities.read_text(encoding="utf-8").replace(
        "label: noise\n", "label: loud noise\n"), encoding="utf-8")
    graph = kg.load(out)  # stale: rebuilt from fixture_copy, as its manifest records
    after = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert after["fingerprint"] != before["fingerprint"] and after["data"] == before["data"]
    assert graph.sparql("SELECT ?l WHERE { mk:noise rdfs:label ?l }").column("l") == ["loud noise"]
    assert graph.sparql("ASK { mk:phenytoin ?p ?o }").value is False  # not the shipped curation
    # Unchanged inputs: load does not rebuild.
    assert kg.load(out).manifest == after


# ------------------------------------------------------------- kg query: the sources
ANTIEPILEPTIC = "SELECT ?drug ?label WHERE { ?drug mkv:treats mk:myoclonus , mk:epilepsy ; rdfs:label ?label }"


def expected_antiepileptic(cur, labels) -> set[tuple[str, str]]:
    myo = {f.subject for f in facts(cur, "treats", obj="myoclonus")}
    epi = {f.subject for f in facts(cur, "treats", obj="epilepsy")}
    return {(E(d), labels[d]) for d in myo & epi}


def csv_rows(text: str) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(io.StringIO(text, newline="")))
    return rows[0], rows[1:]


def test_query_as_argument_file_and_stdin_in_process(real_build, tmp_path, cur, labels):
    expected = expected_antiepileptic(cur, labels)
    qfile = tmp_path / "q.rq"
    qfile.write_text(ANTIEPILEPTIC, encoding="utf-8")
    for args, stdin in ((["query", ANTIEPILEPTIC], None), (["query", "--file", str(qfile)], None),
                        (["query", "-f", str(qfile)], None), (["query", "-"], ANTIEPILEPTIC)):
        result = cli(real_build, *args, "--format", "csv", input=stdin)
        assert result.exit_code == 0, (args, result.stderr)
        header, rows = csv_rows(result.stdout)
        assert header == ["drug", "label"]
        assert {tuple(r) for r in rows} == expected
        assert result.stderr == ""


@pytest.mark.slow
def test_query_as_argument_file_and_stdin_as_a_process(real_build, tmp_path, cur, labels):
    expected = expected_antiepileptic(cur, labels)
    qfile = tmp_path / "q.rq"
    qfile.write_text(ANTIEPILEPTIC, encoding="utf-8")
    for args, stdin in ((["query", ANTIEPILEPTIC], None), (["query", "--file", str(qfile)], None),
                        (["query", "-"], ANTIEPILEPTIC)):
        out = proc(real_build, *args, "--format", "csv", input=stdin)
        assert out.returncode == 0, (args, out.stderr)
        header, rows = csv_rows(out.stdout)
        assert header == ["drug", "label"] and {tuple(r) for r in rows} == expected


def test_exactly_one_query_source_is_required(real_build, tmp_path):
    assert cli(real_build, "query").exit_code == 2
    both = cli(real_build, "query", ANTIEPILEPTIC, "--name", "triggers")
    assert both.exit_code == 2 and "exactly one" in both.stderr
    missing = cli(real_build, "query", "--file", str(tmp_path / "nope.rq"))
    assert missing.exit_code != 0 and "nope.rq" in missing.stderr and clean_exit(missing)
    assert cli(real_build, "query", ANTIEPILEPTIC, "--param", "x=1").exit_code == 2


# ------------------------------------------------------------------ result formats
EVIDENCE = """SELECT ?statement ?quote ?start ?end ?correction WHERE {
  ?statement rdf:subject mk:phenytoin ; rdf:predicate mkv:hasAdverseEffect ; rdf:object mk:liver_failure ;
             mkv:evidenceQuote ?quote ; mkv:quoteStart ?start ; mkv:quoteEnd ?end .
  OPTIONAL { ?statement mkv:correctionNote ?correction }
}"""


@pytest.fixture(scope="module")
def phenytoin_liver(cur, article):
    [fact] = facts(cur, "hasAdverseEffect", "phenytoin", "liver_failure")
    start = -1
    for _ in range(fact.occurrence or 1):
        start = article.find(fact.quote, start + 1)
    assert start >= 0
    return fact, start, start + len(fact.quote)


def test_csv_follows_the_sparql_csv_format(real_build, phenytoin_liver):
    fact, start, end = phenytoin_liver
    result = cli(real_build, "query", EVIDENCE, "--format", "csv")
    assert result.exit_code == 0, result.stderr
    raw = result.stdout_bytes.decode("utf-8")  # (Result.stdout folds CRLF to LF)
    assert raw.count("\r\n") == 2  # CRLF line ends (RFC 4180, as the SPARQL CSV spec asks)
    header, rows = csv_rows(raw)
    assert header == ["statement", "quote", "start", "end", "correction"]
    assert rows == [[STATEMENT + fact.id, fact.quote, str(start), str(end), fact.correction or ""]]


def test_tsv_follows_the_sparql_tsv_format(real_build, phenytoin_liver):
    fact, start, end = phenytoin_liver
    result = cli(real_build, "query", EVIDENCE, "--format", "tsv")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.rstrip("\n").split("\n")
    assert lines[0].split("\t") == ["?statement", "?quote", "?start", "?end", "?correction"]
    assert len(lines) == 2
    cells = lines[1].split("\t")
    assert len(cells) == 5
    # Every bound cell is an RDF term in Turtle syntax: parse it back as the object of a triple.
    terms = []
    for cell in cells:
        if cell == "":
            terms.append(None)
            continue
        [triple] = ox.parse(f"<urn:s> <urn:p> {cell} .", format=ox.RdfFormat.TURTLE)
        terms.append(triple.object)
    assert terms[0] == ox.NamedNode(STATEMENT + fact.id)
    assert isinstance(terms[1], ox.Literal) and terms[1].value == fact.quote
    assert int(terms[2].value) == start and terms[2].datatype == ox.NamedNode(XSD + "integer")
    assert int(terms[3].value) == end
    assert terms[4] is None if not fact.correction else terms[4].value == fact.correction


def test_tsv_escapes_tabs_and_newlines_in_literals():
    from kg.query.results import ResultTable

    table = ResultTable(["x", "y"], [(ox.Literal('a\tb\nc "d"'), ox.NamedNode("urn:x"))])
    lines = table.serialize("tsv").rstrip("\n").split("\n")
    assert len(lines) == 2 and len(lines[1].split("\t")) == 2
    [triple] = ox.parse(f"<urn:s> <urn:p> {lines[1].split(chr(9))[0]} .", format=ox.RdfFormat.TURTLE)
    assert triple.object.value == 'a\tb\nc "d"'


def test_json_follows_the_sparql_json_format(real_build, phenytoin_liver):
    fact, start, end = phenytoin_liver
    result = cli(real_build, "query", EVIDENCE, "--format", "json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["head"]["vars"] == ["statement", "quote", "start", "end", "correction"]
    [b] = doc["results"]["bindings"]
    assert b["statement"] == {"type": "uri", "value": STATEMENT + fact.id}
    assert b["quote"]["type"] == "literal" and b["quote"]["value"] == fact.quote
    assert b["start"] == {"type": "literal", "value": str(start), "datatype": XSD + "integer"}
    assert b["end"]["value"] == str(end)
    assert ("correction" in b) == bool(fact.correction)  # unbound variables are left out
    for binding in b.values():
        assert binding["type"] in ("uri", "literal", "bnode")


def test_json_is_the_default_when_stdout_is_not_a_terminal(real_build):
    result = cli(real_build, "query", ANTIEPILEPTIC)
    assert result.exit_code == 0
    assert json.loads(result.stdout)["head"]["vars"] == ["drug", "label"]


def test_xml_follows_the_sparql_xml_format(real_build, phenytoin_liver):
    fact, start, end = phenytoin_liver
    result = cli(real_build, "query", EVIDENCE, "--format", "xml")
    assert result.exit_code == 0, result.stderr
    root = ET.fromstring(result.stdout.encode("utf-8"))
    assert root.tag == SRX + "sparql"
    names = [v.get("name") for v in root.find(SRX + "head").findall(SRX + "variable")]
    assert names == ["statement", "quote", "start", "end", "correction"]
    [res] = root.find(SRX + "results").findall(SRX + "result")
    bindings = {b.get("name"): b[0] for b in res.findall(SRX + "binding")}
    assert bindings["statement"].tag == SRX + "uri" and bindings["statement"].text == STATEMENT + fact.id
    assert bindings["quote"].tag == SRX + "literal" and bindings["quote"].text == fact.quote
    assert bindings["start"].get("datatype") == XSD + "integer" and int(bindings["start"].text) == start
    assert int(bindings["end"].text) == end
    assert ("correction" in bindings) == bool(fact.correction)


def test_xml_and_json_escape_markup_in_literals():
    from kg.query.results import ResultTable

    nasty = '<b>"x" & y</b>'
    table = ResultTable(["x"], [(ox.Literal(nasty),)])
    root = ET.fromstring(table.serialize("xml").encode("utf-8"))
    assert root.find(f"{SRX}results/{SRX}result/{SRX}binding/{SRX}literal").text == nasty
    assert json.loads(table.serialize("json"))["results"]["bindings"][0]["x"]["value"] == nasty
    assert csv_rows(table.serialize("csv"))[1] == [[nasty]]


def test_ask_results_in_every_format(real_build):
    ask = "ASK { mk:clonazepam mkv:treats mk:action_myoclonus }"
    no = "ASK { mk:clonazepam mkv:treats mk:epilepsy }"
    assert json.loads(cli(real_build, "query", ask, "--format", "json").stdout) == {"head": {}, "boolean": True}
    assert json.loads(cli(real_build, "query", no, "--format", "json").stdout)["boolean"] is False
    root = ET.fromstring(cli(real_build, "query", ask, "--format", "xml").stdout.encode())
    assert root.find(SRX + "boolean").text == "true"
    assert cli(real_build, "query", no, "--format", "csv").stdout.strip() == "false"


CONSTRUCT = "CONSTRUCT { ?d mkv:treats ?t } WHERE { ?d mkv:treats ?t }"


@pytest.mark.parametrize("fmt,rdf", [("turtle", ox.RdfFormat.TURTLE), ("ntriples", ox.RdfFormat.N_TRIPLES),
                                     ("jsonld", ox.RdfFormat.JSON_LD)])
def test_construct_output_parses_back(real_build, cur, fmt, rdf):
    result = cli(real_build, "query", CONSTRUCT, "--format", fmt)
    assert result.exit_code == 0, result.stderr
    got = {(t.subject.value, t.predicate.value, t.object.value)
           for t in ox.parse(result.stdout.encode("utf-8"), format=rdf)}
    # Each treats fact once: the query names no alias, so the alias twins (graph/aliases,
    # ExactAliasRule) stay out and ?t binds each entity under its own IRI only.
    want = {(E(f.subject), VOCAB + "treats", E(f.object)) for f in facts(cur, "treats")}
    assert got == want
    # Naming the alias brings the twins: HP:0001336 finds what mk:myoclonus finds.
    alias = aliases(cur)
    named = cli(real_build, "query", "CONSTRUCT { ?d mkv:treats HP:0001336 } WHERE { ?d mkv:treats HP:0001336 }",
                "--format", fmt)
    assert named.exit_code == 0, named.stderr
    got = {t.subject.value for t in ox.parse(named.stdout.encode("utf-8"), format=rdf)}
    assert "http://purl.obolibrary.org/obo/HP_0001336" in alias["myoclonus"]
    assert got == {E(f.subject) for f in facts(cur, "treats") if f.object == "myoclonus"}


def test_construct_defaults_to_turtle_and_rejects_table_formats(real_build):
    result = cli(real_build, "query", CONSTRUCT)
    assert result.exit_code == 0
    assert len(list(ox.parse(result.stdout.encode(), format=ox.RdfFormat.TURTLE))) > 0
    assert cli(real_build, "query", CONSTRUCT, "--format", "csv").exit_code == 2
    assert cli(real_build, "query", ANTIEPILEPTIC, "--format", "turtle").exit_code == 2


def test_limit_note_goes_to_stderr_and_stdout_stays_valid_csv(real_build):
    result = cli(real_build, "query", ANTIEPILEPTIC, "--format", "csv", "--limit", "2")
    assert result.exit_code == 0
    header, rows = csv_rows(result.stdout)
    assert header == ["drug", "label"] and len(rows) == 2
    assert "truncated" in result.stderr and "truncated" not in result.stdout
    # No note when nothing was cut.
    full = cli(real_build, "query", ANTIEPILEPTIC, "--format", "csv", "--limit", "4")
    assert len(csv_rows(full.stdout)[1]) == 4 and "truncated" not in full.stderr


@pytest.mark.slow
def test_limit_note_goes_to_stderr_in_a_real_process(real_build):
    out = proc(real_build, "query", ANTIEPILEPTIC, "--format", "csv", "--limit", "1")
    assert out.returncode == 0
    header, rows = csv_rows(out.stdout)
    assert header == ["drug", "label"] and len(rows) == 1
    assert "truncated" in out.stderr and "truncated" not in out.stdout


# ---------------------------------------------------------------------- named queries
def test_kg_queries_lists_every_rq_file():
    result = CliRunner().invoke(main, ["queries"])
    assert result.exit_code == 0
    listed = [line.split()[0] for line in result.stdout.splitlines() if line.strip()]
    on_disk = sorted(p.stem for p in Path(query_dir()).glob("*.rq"))
    assert sorted(listed) == on_disk and len(on_disk) >= 13
    verbose = CliRunner().invoke(main, ["queries", "--verbose"])
    assert "--param type=<iri> (default mk:action_myoclonus)" in verbose.stdout


def _expect_adverse_effects(cur, labels):
    rows = [(E("clonazepam"), E(f.object), labels[f.object], f.qualifiers.get("frequency"),
             labels.get(f.qualifiers.get("inContext")), f.quote)
            for f in facts(cur, "hasAdverseEffect", "clonazepam")]
    assert {r[2] for r in rows} == {"drowsiness", "incoordination", "drug tolerance",
                                    "adverse drug reaction"}  # product spec
    return ["drug", "effect", "label", "frequency", "context", "quote"], rows


def _expect_antiepileptic_drugs(cur, labels):
    rows = sorted(expected_antiepileptic(cur, labels))
    assert {r[1] for r in rows} == {"barbiturates", "levetiracetam", "phenytoin", "primidone"}
    return ["drug", "label"], rows


def _expect_corrected_statements(cur, labels):
    rows = [(STATEMENT + f.id, labels[f.subject], f.predicate,
             labels[f.object] if f.object else str(f.value), f.quote, f.correction, reference_text(cur, f))
            for f in cur.facts if f.status == "corrected"]
    return ["statement", "subject", "predicate", "object", "quote", "correction", "reference"], rows


def _expect_disorders_with_myoclonus(cur, labels):
    kinds = subtypes_of(cur, "myoclonus")
    types = {e.id: set(e.types) for e in cur.entities}
    found = {f.subject for f in facts(cur, "hasPhenotype") if f.object in kinds and "Disease" in types[f.subject]}
    return ["disorder", "label"], [(E(d), labels[d]) for d in found]


def _expect_entities_per_class(cur, labels):
    counts = Counter(t for e in cur.entities for t in set(e.types))
    return ["class", "entities"], [(VOCAB + t, n) for t, n in counts.items()]


def _expect_evidence(cur, labels):
    article = article_path().read_text(encoding="utf-8")
    [f] = facts(cur, "hasAdverseEffect", "phenytoin", "liver_failure")
    start = -1
    for _ in range(f.occurrence or 1):
        start = article.find(f.quote, start + 1)
    return (["subject", "predicate", "object", "statement", "quote", "start", "end", "source",
             "status", "correction", "reference"],
            [(E("phenytoin"), VOCAB + "hasAdverseEffect", E("liver_failure"), STATEMENT + f.id, f.quote,
              start, start + len(f.quote), "https://w3id.org/myoclonus-kg/source/what-is-myoclonus",
              f.status, f.correction, reference_text(cur, f))])


def _expect_first_line_drug(cur, labels):
    rows = [(E("action_myoclonus"), E(f.subject), labels[f.subject], f.quote, f.correction)
            for f in facts(cur, "treats", obj="action_myoclonus") if f.qualifiers.get("firstLine") is True]
    assert [r[2] for r in rows] == ["clonazepam"]  # product spec
    return ["type", "drug", "label", "quote", "correction"], rows


def _expect_healthy_people_forms(cur, labels):
    rows = [(E(f.subject), labels[f.subject], f.quote) for f in facts(cur, "occursIn", obj="healthy_people")]
    assert {r[1] for r in rows} == {"hiccup", "sleep starts"}  # product spec
    return ["form", "label", "quote"], rows


def _expect_implicated_receptors(cur, labels):
    types = {e.id: set(e.types) for e in cur.entities}
    rows = []
    for f in facts(cur, "implicatedIn", obj="myoclonus"):
        if "NeurotransmitterReceptor" not in types[f.subject]:
            continue
        binds = [labels[g.object] for g in facts(cur, "receptorFor", f.subject)] or [None]
        for nt in binds:
            rows.append((E(f.subject), labels[f.subject], nt, f.qualifiers.get("certainty")))
    names = {r[1].split()[0].casefold() for r in rows}
    assert names == {"serotonin", "gaba", "opioid", "glycine", "neurotransmitter"}  # product spec
    return ["receptor", "label", "neurotransmitter", "certainty"], rows


def _expect_myoclonus_causes(cur, labels):
    kinds = subtypes_of(cur, "myoclonus")
    rows = [(E(f.subject), labels[f.subject], labels[f.object], f.quote)
            for f in facts(cur, "causes") if f.object in kinds]
    return ["cause", "label", "causes", "quote"], rows


def _expect_myoclonus_kinds(cur, labels):
    rows = [(E("myoclonus"), E(f.subject), labels[f.subject], f.quote)
            for f in facts(cur, "subtypeOf", obj="myoclonus")]
    return ["parent", "kind", "label", "quote"], rows


def _expect_pme_inheritance(cur, labels):
    # Members of the group or of a subgroup (memberOf, then subtypeOf between groups).
    groups = subtypes_of(cur, "progressive_myoclonus_epilepsy")
    pme = {f.subject for f in facts(cur, "memberOf") if f.object in groups}
    rows = [(E("progressive_myoclonus_epilepsy"), E("autosomal_recessive"), E(f.subject), labels[f.subject], f.quote)
            for f in facts(cur, "hasInheritance", obj="autosomal_recessive") if f.subject in pme]
    assert "Lafora body disease" in {r[3] for r in rows}  # product spec: Lafora is AR
    return ["group", "inheritance", "disease", "label", "quote"], rows


def _expect_triggers(cur, labels):
    rows = [(E("stimulus_sensitive_myoclonus"), E(f.object), labels[f.object], f.quote)
            for f in facts(cur, "triggeredBy", "stimulus_sensitive_myoclonus")]
    assert {r[2] for r in rows} == {"noise", "movement", "light", "surprise"}  # product spec
    return ["type", "trigger", "label", "quote"], rows


# -------- the one-graph questions on the curated graph (their HPO answers: test_one_graph.py)
def _expect_causes_of_phenotype(cur, labels):
    kinds = subtypes_of(cur, "myoclonus")
    rows = [(E("myoclonus"), E(f.subject), labels[f.subject], E(f.object), labels[f.object], STATEMENT + f.id)
            for f in facts(cur, "causes") if f.object in kinds]
    return ["phenotype", "cause", "label", "effect", "effectLabel", "derivedFrom"], rows


def _diseases_with(cur, root: str) -> dict[str, set[str]]:
    kinds = subtypes_of(cur, root)
    types = {e.id: set(e.types) for e in cur.entities}
    found: dict[str, set[str]] = {}
    for f in facts(cur, "hasPhenotype"):
        if f.object in kinds and "Disease" in types[f.subject]:
            found.setdefault(f.subject, set()).add(f.object)
    return found


def _expect_diseases_with_phenotype(cur, labels):
    found = _diseases_with(cur, "myoclonus")
    return ["phenotype", "disease", "label", "kinds"], [
        (E("myoclonus"), E(d), labels[d], " | ".join(sorted(labels[k] for k in ks))) for d, ks in found.items()]


def _expect_forms_of_disease(cur, labels):
    rows = [(E("epilepsy"), E(f.subject), labels[f.subject], f.qualifiers.get("certainty", "asserted"), f.quote)
            for f in facts(cur, "formOf", obj="epilepsy")]
    return ["disease", "form", "label", "certainty", "quote"], rows


def _expect_genes_of_diseases_with_phenotype(cur, labels):
    diseases = _diseases_with(cur, "myoclonus")
    per_gene: dict[str, set[str]] = {}
    for f in cur.facts:
        if f.predicate in ("causalGeneFor", "geneAssociatedWith") and f.object in diseases:
            per_gene.setdefault(f.subject, set()).add(f.object)
    return ["phenotype", "gene", "symbol", "diseases"], [(E("myoclonus"), E(g), labels[g], len(ds))
                                                         for g, ds in per_gene.items()]


def _group_members(cur, group: str) -> set[str]:
    groups = subtypes_of(cur, group)
    members = {f.subject for f in facts(cur, "memberOf") if f.object in groups}
    types = {e.id: set(e.types) for e in cur.entities}
    out = set()
    for m in members:
        out |= subtypes_of(cur, m)
    return {d for d in out if "Disease" in types[d]}


def _expect_group_members(cur, labels):
    return ["group", "disease", "label"], [(E("progressive_myoclonus_epilepsy"), E(d), labels[d])
                                           for d in _group_members(cur, "progressive_myoclonus_epilepsy")]


def _expect_inheritance_of_diseases_with_phenotype(cur, labels):
    diseases = _diseases_with(cur, "myoclonus")
    per: dict[str, set[str]] = {}
    for f in facts(cur, "hasInheritance"):
        if f.subject in diseases:
            per.setdefault(f.object, set()).add(f.subject)
    return ["phenotype", "inheritance", "label", "diseases"], [(E("myoclonus"), E(i), labels[i], len(ds))
                                                              for i, ds in per.items()]


def _expect_kinds_of_myoclonus(cur, labels):
    from kg.identifiers import expand

    kinds = subtypes_of(cur, "myoclonus", reflexive=False)
    hp = {e.id: sorted(m.curie for m in e.mappings if m.match in ("exact", "close") and m.curie.startswith("HP:"))
          for e in cur.entities}
    assert all(expand(c) for ids in hp.values() for c in ids)
    return ["kind", "subtype", "label", "hpo"], [(E("myoclonus"), E(k), labels[k], " | ".join(hp[k])) for k in kinds]


def _expect_phenotypes_of_disease(cur, labels):
    rows = {(E("lafora_body_disease"), E(f.object), labels[f.object], "curated")
            for f in facts(cur, "hasPhenotype", "lafora_body_disease")}
    return ["disease", "phenotype", "label", "sources"], sorted(rows)


EXPECTED = {name[len("_expect_"):].replace("_", "-"): fn for name, fn in globals().items()
            if name.startswith("_expect_")}
ALL_QUERIES = [q.name for q in list_queries()]


def test_every_shipped_query_has_an_independent_expectation():
    missing = [n for n in ALL_QUERIES if n not in EXPECTED and not n.startswith("hpo-")]
    assert not missing, f"named queries without an expected answer in this file: {missing}"


@pytest.mark.parametrize("name", ALL_QUERIES)
def test_named_query_with_defaults_gives_its_expected_answer(real_build, cur, labels, name):
    result = cli(real_build, "query", "--name", name, "--format", "json")
    assert result.exit_code == 0, result.stderr
    variables, rows = json_rows(result.stdout)
    if name not in EXPECTED:
        pytest.skip(f"{name}: no independent expectation written (ran fine, {len(rows)} rows)")
    want_vars, want_rows = EXPECTED[name](cur, labels)
    assert variables == want_vars
    concat = {"kinds", "hpo", "sources"}  # GROUP_CONCAT columns: their order is unspecified
    got = Counter(tuple(" | ".join(sorted(r[v].split("; "))) if v in concat and r[v] else r[v]
                        for v in variables) for r in rows)
    assert got == Counter(want_rows)
    assert rows, "a competency question answered nothing"


def test_named_query_param_as_curie_iri_or_label(real_build):
    def rows(value):
        result = cli(real_build, "query", "--name", "first-line-drug", "--param", f"type={value}",
                     "--format", "json")
        assert result.exit_code == 0, (value, result.stderr)
        return json_rows(result.stdout)[1]

    default = rows("mk:action_myoclonus")
    assert [r["label"] for r in default] == ["clonazepam"]
    for value in (f"<{E('action_myoclonus')}>", "action myoclonus", "Action Myoclonus", "action_myoclonus"):
        assert rows(value) == default, value


def test_named_query_param_changes_the_answer(real_build, cur, labels):
    result = cli(real_build, "query", "--name", "adverse-effects", "--param", "drug=phenytoin",
                 "--format", "json")
    assert result.exit_code == 0, result.stderr
    got = {r["label"] for r in json_rows(result.stdout)[1]}
    assert got == {labels[f.object] for f in facts(cur, "hasAdverseEffect", "phenytoin")} and got
    kinds = cli(real_build, "query", "--name", "myoclonus-kinds", "--param",
                "parent=progressive myoclonus epilepsy", "--format", "json")
    assert {r["kind"] for r in json_rows(kinds.stdout)[1]} == \
        {E(f.subject) for f in facts(cur, "subtypeOf", obj="progressive_myoclonus_epilepsy")}


def test_named_query_through_the_api(real_graph):
    table = real_graph.named("first-line-drug", {"type": "action myoclonus"})
    assert table.column("label") == ["clonazepam"]
    assert real_graph.named("triggers").to_records() == \
        real_graph.named("triggers", {"type": "<" + E("stimulus_sensitive_myoclonus") + ">"}).to_records()


INJECTIONS = [
    "mk:x> } ; DROP ALL ; #",
    "mk:action_myoclonus> } UNION { ?drug ?p ?o } #",
    "<" + ENTITY + "action_myoclonus> } UNION { ?drug ?p ?o } <urn:x>",
    'action myoclonus" } UNION { ?drug ?p ?o } #',
    'action myoclonus"',
]


@pytest.mark.parametrize("value", INJECTIONS)
def test_an_injection_in_a_param_never_adds_rows(real_build, value):
    baseline = cli(real_build, "query", "--name", "first-line-drug", "--format", "json")
    n = len(json_rows(baseline.stdout)[1])
    result = cli(real_build, "query", "--name", "first-line-drug", "--param", f"type={value}",
                 "--format", "json")
    if result.exit_code == 0:
        assert len(json_rows(result.stdout)[1]) <= n
    else:
        assert result.stdout == ""
    # The store is untouched (it is read-only anyway).
    again = cli(real_build, "query", "--name", "first-line-drug", "--format", "json")
    assert len(json_rows(again.stdout)[1]) == n


@pytest.mark.parametrize("value", INJECTIONS[:3])
def test_an_injection_in_a_param_is_a_clean_error(real_build, value):
    result = cli(real_build, "query", "--name", "first-line-drug", "--param", f"type={value}")
    assert result.exit_code != 0
    assert clean_exit(result), repr(result.exception)
    assert result.stderr.startswith("error:")


def test_api_param_with_an_injection_is_only_a_literal(real_graph):
    # A str is a literal (never an IRI guessed from it): the text cannot leave its term.
    assert len(real_graph.sparql("SELECT ?d WHERE { ?d mkv:treats ?t }", {"t": "mk:x> } ; DROP ALL ; #"})) == 0
    assert real_graph.sparql("ASK { ?d mkv:treats ?t }").value is True
    with pytest.raises(KGError):
        real_graph.iri("mk:x> } ; DROP ALL ; #")


def test_api_string_params_are_bound_as_literals_not_pasted(real_graph):
    q = "SELECT ?e ?l WHERE { ?e rdfs:label ?l }"
    assert len(real_graph.sparql(q, {"l": "clonazepam"})) == 1
    assert len(real_graph.sparql(q, {"l": 'clonazepam" } UNION { ?e ?p ?o } #'})) == 0
    assert len(real_graph.sparql(q, {"l": "clonazepam' } UNION { ?e ?p ?o } #"})) == 0


def test_api_params_of_every_type(real_graph, cur):
    q = "SELECT ?d ?t WHERE { ?d mkv:treats ?t }"
    want = {E(f.subject) for f in facts(cur, "treats", obj="action_myoclonus")}
    for value in (real_graph.iri("mk:action_myoclonus"), real_graph.iri("<" + E("action_myoclonus") + ">"),
                  real_graph.iri(E("action_myoclonus")), ox.NamedNode(E("action_myoclonus"))):
        assert set(real_graph.sparql(q, {"t": value}).column("d")) == want, value
    # A string that looks like an IRI is refused, not guessed (see test_api_binding.py).
    with pytest.raises(KGError, match="looks like an IRI"):
        real_graph.sparql(q, {"t": "mk:action_myoclonus"})
    # A plain string is a literal, so it matches no IRI object.
    assert len(real_graph.sparql(q, {"t": "action myoclonus"})) == 0
    # Integers and booleans become typed literals.
    n = "SELECT ?s ?n WHERE { ?s mkv:maxFrequencyPerMinute ?n }"
    [value] = [f.value for f in cur.facts if f.predicate == "maxFrequencyPerMinute"]
    assert len(real_graph.sparql(n, {"n": value})) == 1
    assert len(real_graph.sparql(n, {"n": value + 1})) == 0
    first = "SELECT ?st ?b WHERE { ?st mkv:firstLine ?b }"
    n_first = sum(1 for f in cur.facts if f.qualifiers.get("firstLine") is True)
    assert len(real_graph.sparql(first, {"b": True})) == n_first


def test_api_param_for_a_variable_not_in_the_select_clause(real_graph, cur):
    q = "SELECT ?d WHERE { ?d mkv:treats ?t }"
    want = {E(f.subject) for f in facts(cur, "treats", obj="action_myoclonus")}
    assert set(real_graph.sparql(q, {"t": real_graph.iri("mk:action_myoclonus")}).column("d")) == want


def test_unknown_param_is_a_clean_error(real_build):
    result = cli(real_build, "query", "--name", "first-line-drug", "--param", "drug=clonazepam")
    assert result.exit_code == 1 and clean_exit(result)
    assert "no parameter drug" in result.stderr and "type" in result.stderr
    assert result.stdout == ""
    bad = cli(real_build, "query", "--name", "first-line-drug", "--param", "type")
    assert bad.exit_code == 2 and "KEY=VALUE" in bad.stderr


def test_unknown_named_query_suggests(real_build):
    result = cli(real_build, "query", "--name", "first-line-drugs")
    assert result.exit_code == 1 and "first-line-drug" in result.stderr


# -------------------------------------------------------------------------- bad input
def test_malformed_sparql_exits_2_naming_line_and_column(real_build):
    text = "SELECT ?x\nWHERE { ?x foo:bar ?z .\n ?x ?y ?z }"
    result = cli(real_build, "query", text)
    assert result.exit_code == 2 and clean_exit(result)
    assert "line 2" in result.stderr and "column" in result.stderr
    assert result.stdout == ""
    with pytest.raises(QueryError) as info:
        kg.load(real_build, build=False).sparql(text)
    assert info.value.line == 2 and isinstance(info.value.column, int)


def test_our_analysis_messages_are_not_shortened(real_build):
    # The shortening of pyoxigraph's character-class lists once turned this message into
    # "nested deeper than 64 levels of '{' (or another character)".
    result = cli(real_build, "query", "SELECT * WHERE " + "{" * 65 + "}" * 65)
    assert result.exit_code == 2 and clean_exit(result)
    assert "nested deeper than 64 levels of '{', '(' and '['" in result.stderr
    assert "another character" not in result.stderr


def test_select_star_columns_follow_the_query(real_build):
    result = cli(real_build, "query", "SELECT * WHERE { ?kind ^mkv:treats ?drug }", "--format", "csv")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == "kind,drug"


@pytest.mark.slow
def test_malformed_sparql_exits_2_in_a_real_process(real_build):
    out = proc(real_build, "query", "SELECT ?x WHERE { ?x ?y }")
    assert out.returncode == 2
    assert "line 1" in out.stderr and "column" in out.stderr and "Traceback" not in out.stderr


def test_unknown_entity_in_a_param_exits_1_with_suggestions(real_build):
    result = cli(real_build, "query", "--name", "first-line-drug", "--param", "type=acton myoclonus")
    assert result.exit_code == 1 and clean_exit(result)
    assert "did you mean" in result.stderr and "action myoclonus" in result.stderr


UNSAFE = [
    ("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", "SERVICE"),
    ("SELECT * WHERE { service silent <http://example.org/sparql> { ?s ?p ?o } }", "SERVICE"),
    ("LOAD <http://example.org/data.ttl>", "LOAD"),
    ("INSERT DATA { mk:a mkv:treats mk:b }", "INSERT"),
    ("DELETE WHERE { ?s ?p ?o }", "DELETE"),
    ("DROP ALL", "DROP"),
    ("SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }", "FROM"),
    ("SELECT * FROM <http://example.org/> WHERE { ?s ?p ?o }", "FROM"),
    ("SELECT * FROM NAMED <http://example.org/> WHERE { GRAPH ?g { ?s ?p ?o } }", "FROM"),
]


@pytest.mark.parametrize("text,word", UNSAFE)
def test_unsafe_queries_are_refused(real_build, real_graph, text, word):
    result = cli(real_build, "query", text)
    assert result.exit_code == 2 and clean_exit(result)
    assert word in result.stderr and "not allowed" in result.stderr
    assert result.stdout == ""
    with pytest.raises(UnsafeQueryError):
        real_graph.sparql(text)


def test_from_without_a_space_is_refused_too(real_build):
    result = cli(real_build, "query", "SELECT * FROM<file:///etc/passwd> WHERE { ?s ?p ?o } LIMIT 1")
    assert result.exit_code == 2 and "not allowed" in result.stderr


def test_from_our_own_graph_is_accepted(real_build):
    text = f"SELECT (COUNT(*) AS ?n) FROM <{GRAPH_CURATED}> WHERE {{ ?s ?p ?o }}"
    result = cli(real_build, "query", text, "--format", "csv")
    assert result.exit_code == 0, result.stderr
    assert int(csv_rows(result.stdout)[1][0][0]) > 0


def test_from_our_own_graph_restricts_the_default_graph(real_graph):
    curated = real_graph.sparql("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", graphs=["curated"]).column("n")
    everything = real_graph.sparql("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").column("n")
    assert curated[0] < everything[0]
    via_from = real_graph.sparql(
        f"SELECT (COUNT(*) AS ?n) FROM <{GRAPH_CURATED}> WHERE {{ ?s ?p ?o }}").column("n")
    assert via_from == curated
    named = real_graph.sparql(f"SELECT ?g (COUNT(*) AS ?n) FROM NAMED <{GRAPH_CURATED}> "
                              "WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g").to_records()
    assert named == [(GRAPH_CURATED, curated[0])]


@pytest.mark.parametrize("text", [
    'SELECT ?s WHERE { ?s rdfs:label ?l FILTER(!CONTAINS(?l, "SERVICE")) }',
    "SELECT ?s WHERE { ?s rdfs:label ?l FILTER(?l != 'LOAD <http://example.org/> ; INSERT DATA {}') }",
    'SELECT ?s WHERE { ?s rdfs:label ?l FILTER(?l != """a\nSERVICE <http://example.org/> {}""") }',
    "SELECT ?s WHERE { ?s rdfs:label ?l } # SERVICE <http://example.org/> and DROP ALL",
    "SELECT ?copy ?add WHERE { ?copy rdfs:label ?add }",
])
def test_keywords_inside_strings_comments_or_names_are_not_refused(real_build, text):
    result = cli(real_build, "query", text, "--format", "csv")
    assert result.exit_code == 0, result.stderr
    assert len(csv_rows(result.stdout)[1]) > 0


def test_service_in_a_string_literal_really_matches_that_string(real_graph):
    assert len(real_graph.sparql("SELECT ?s WHERE { ?s rdfs:label 'SERVICE' }")) == 0


# ----------------------------------------------------------------------------- --hpo
def test_hpo_flags_are_accepted(real_build):
    base = cli(real_build, "query", "--name", "antiepileptic-drugs", "--format", "csv")
    for flag in ("--hpo", "--no-hpo"):
        result = cli(real_build, "query", "--name", "antiepileptic-drugs", "--format", "csv", flag)
        assert result.exit_code == 0, (flag, result.stderr)
        assert sorted(csv_rows(result.stdout)[1]) == sorted(csv_rows(base.stdout)[1])
    # --no-hpo leaves out the hpo graph but keeps the ontology.
    classes = cli(real_build, "query", "SELECT (COUNT(*) AS ?n) WHERE { ?c a owl:Class }", "--no-hpo",
                  "--format", "csv")
    assert int(csv_rows(classes.stdout)[1][0][0]) > 0


CAPPED = "SELECT ?drug ?label WHERE { ?drug mkv:treats ?kind ; rdfs:label ?label } ORDER BY ?drug ?label ?kind"


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_a_capped_answer_has_the_bytes_of_the_same_rows_uncapped(real_build, fmt):
    """One serialisation path: the API's tables, the endpoint's runner and pyoxigraph's own
    serialiser give the same bytes, whether a row cap cut the answer or LIMIT did."""
    from kg.query.results import serialize_solutions
    from kg.web.runner import Job, QueryRunner

    graph = kg.load(real_build, build=False)
    capped = graph.sparql(CAPPED, limit=3)
    limited = graph.sparql(CAPPED + " LIMIT 3")
    assert capped.truncated and not limited.truncated and len(capped) == len(limited) == 3
    native = graph.engine.query(CAPPED + " LIMIT 3", raw=True).serialize(format=getattr(ox.QueryResultsFormat,
                                                                                       fmt.upper()))
    assert capped.serialize(fmt).encode("utf-8") == limited.serialize(fmt).encode("utf-8") == native
    body, truncated = serialize_solutions(graph.engine.query(CAPPED, raw=True), fmt, max_rows=3)
    assert (body, truncated) == (native, True)
    runner = QueryRunner(real_build / "store")
    cut = runner.run(Job(CAPPED, tabular=fmt, max_rows=3))
    whole = runner.run(Job(CAPPED + " LIMIT 3", tabular=fmt, max_rows=3))
    assert cut.status == whole.status == 200 and cut.truncated and not whole.truncated
    assert cut.body == whole.body == native
