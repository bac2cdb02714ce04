"""Bad input: every broken record stops the build with file, line and record, and writes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import kg
from kg.build import build
from kg.errors import CurationError


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture no longer contains {old!r}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


BROKEN = [
    # (file, old, new, record, words that must appear in the message)
    ("facts.yaml", "predicate: hasAdverseEffect", "predicate: hasAdverseEffects", "T4",
     ["unknown predicate", "hasAdverseEffects", "did you mean", "hasAdverseEffect"]),
    ("entities.yaml", "types: [Trigger]", "types: [Triger]", "noise", ["unknown class", "Triger", "Trigger"]),
    ("facts.yaml", "object: drowsiness", "object: drowsyness", "T4",
     ["unknown object entity", "drowsyness", "drowsiness"]),
    ("facts.yaml", "quote: drowsiness and loss of coordination", "quote: drowsiness and loss of balance", "T4",
     ["quote not found", "drowsiness and loss of balance"]),
    ("entities.yaml", '{id: "HP:0002329", match: exact, name: Drowsiness}',
     '{id: "HP:2329", match: exact, name: Drowsiness}', "drowsiness", ["malformed identifier", "HP:2329"]),
    ("entities.yaml", '{id: "NCBIGene:7957", match: exact, name: EPM2A}',
     '{id: "GENE:7957", match: exact, name: EPM2A}', "epm2a", ["malformed identifier", "prefix"]),
    ("facts.yaml", "subject: clonazepam\n  predicate: hasAdverseEffect", "subject: noise\n  predicate: hasAdverseEffect",
     "T4", ["outside the domain", "hasAdverseEffect"]),
    ("facts.yaml", "status: agrees\n- id: T5", "status: corrected\n- id: T5", "T4", ["correction", "reference"]),
    ("facts.yaml", "qualifiers: {firstLine: true}", "qualifiers: {firstline: true}", "T3", ["unknown qualifier"]),
    # A kind of myoclonus is a phenotype: subtypeOf never crosses branches.
    ("facts.yaml", "subject: posthypoxic_myoclonus\n  predicate: subtypeOf\n  object: myoclonus",
     "subject: posthypoxic_myoclonus\n  predicate: subtypeOf\n  object: hypoxia", "T2",
     ["subtypeOf links two entities of the same branch", "hypoxia"]),
    ("facts.yaml", "reference: medlineplus-genetics-lafora", "reference: medlineplus-genetics-lafroa", "T6",
     ["unknown reference", "medlineplus-genetics-lafroa", "references.yaml"]),
]


@pytest.mark.parametrize("file,old,new,record,words", BROKEN, ids=[b[3] + ":" + b[4][0] for b in BROKEN])
def test_broken_record_names_file_line_record_and_writes_nothing(fixture_copy, tmp_path, file, old, new,
                                                                 record, words):
    out = tmp_path / "out"
    _replace(fixture_copy / file, old, new)
    with pytest.raises(CurationError) as info:
        build(out, data=fixture_copy, validate=False)
    err = info.value
    assert err.file == file
    assert err.record == record
    # The reported line opens the offending record, and the broken text lies inside it.
    lines = (fixture_copy / file).read_text(encoding="utf-8").splitlines()
    assert err.line is not None and lines[err.line - 1] == f"- id: {record}"
    end = next((i for i in range(err.line, len(lines)) if lines[i].startswith("- ")), len(lines))
    assert new.splitlines()[0].strip() in "\n".join(lines[err.line - 1:end])
    message = str(err)
    assert message.startswith(f"{file}:{err.line} [{record}]")
    for word in words:
        assert word in message
    assert not out.exists()
    assert not list(tmp_path.glob(".out.tmp-*"))


def test_duplicate_fact_is_refused(fixture_copy, tmp_path):
    facts = fixture_copy / "facts.yaml"
    text = facts.read_text(encoding="utf-8")
    start = text.index("- id: T4")
    end = text.index("- id: T5")
    facts.write_text(text + text[start:end].replace("id: T4", "id: T4b"), encoding="utf-8")
    with pytest.raises(CurationError, match=r"duplicate fact: same subject, predicate, object and quote as T4") as info:
        build(tmp_path / "out", data=fixture_copy, validate=False)
    assert info.value.record == "T4b"
    assert not (tmp_path / "out").exists()


def test_second_evidence_for_the_same_edge_is_a_second_statement(fixture_copy, tmp_path):
    """Two sentences may support one edge: one triple, two curated statements."""
    facts = fixture_copy / "facts.yaml"
    text = facts.read_text(encoding="utf-8")
    start, end = text.index("- id: T4"), text.index("- id: T5")
    second = text[start:end].replace("id: T4", "id: T4b").replace(
        "quote: drowsiness and loss of coordination", "quote: drowsiness")
    facts.write_text(text + second, encoding="utf-8")
    build(tmp_path / "out", data=fixture_copy, validate=False)
    g = kg.load(tmp_path / "out", build=False)
    rows = g.sparql("""SELECT ?st WHERE { mk:clonazepam mkv:hasAdverseEffect mk:drowsiness .
        ?st rdf:subject mk:clonazepam ; rdf:predicate mkv:hasAdverseEffect ; rdf:object mk:drowsiness }""")
    assert sorted(r[0].rsplit("/", 1)[1] for r in rows.to_records()) == ["T4", "T4b"]


def test_duplicate_ids_are_refused(fixture_copy, tmp_path):
    _replace(fixture_copy / "facts.yaml", "- id: T5", "- id: T4")
    with pytest.raises(CurationError, match="duplicate fact id"):
        build(tmp_path / "out", data=fixture_copy, validate=False)


def test_ambiguous_quote_needs_occurrence(fixture_copy, tmp_path):
    # "myoclonus" occurs many times in the article: a one-word quote must say which.
    _replace(fixture_copy / "facts.yaml", "quote: drowsiness and loss of coordination", "quote: myoclonus")
    with pytest.raises(CurationError, match="more than once"):
        build(tmp_path / "out", data=fixture_copy, validate=False)
    _replace(fixture_copy / "facts.yaml", "quote: myoclonus", "quote: myoclonus\n  occurrence: 3")
    build(tmp_path / "out", data=fixture_copy, validate=False)


def test_invalid_yaml_names_the_line(fixture_copy, tmp_path):
    _replace(fixture_copy / "entities.yaml", "label: noise", "label: [noise")
    with pytest.raises(CurationError, match=r"entities.yaml:\d+: invalid YAML"):
        build(tmp_path / "out", data=fixture_copy, validate=False)


def test_a_file_read_again_gives_its_own_copy_and_a_change_is_seen(fixture_copy):
    from kg.curation.records import read_records

    path = fixture_copy / "facts.yaml"
    first = read_records(path)
    assert first[0][1]["subject"] == "hypoxia"
    first[0][1]["subject"] = "changed by a caller"
    assert read_records(path)[0][1]["subject"] == "hypoxia"  # not the caller's copy
    _replace(path, "subject: hypoxia", "subject: epilepsy")
    assert read_records(path)[0][1]["subject"] == "epilepsy"
    _replace(path, "subject: epilepsy", "subject: [epilepsy")
    with pytest.raises(CurationError, match=r"facts.yaml:\d+: invalid YAML"):
        read_records(path)


def test_failed_build_leaves_previous_output_untouched(fixture_copy, tmp_path):
    out = tmp_path / "out"
    build(out, data=fixture_copy, validate=False)
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    _replace(fixture_copy / "facts.yaml", "object: drowsiness", "object: nobody")
    with pytest.raises(CurationError):
        build(out, data=fixture_copy, validate=False)
    after = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    assert after == before
    assert json.loads((out / "manifest.json").read_text())["counts"]["facts"] == 7
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "out"]


def test_shacl_failure_publishes_nothing(fixture_copy, tmp_path, monkeypatch):
    """A graph that compiles but violates the shapes is not written either."""
    from kg.build import builder
    from kg.errors import BuildError
    from kg.validation import ValidationReport

    out = tmp_path / "out"
    build(out, data=fixture_copy, validate=False)
    manifest = (out / "manifest.json").read_bytes()
    monkeypatch.setattr(builder, "validate_quads",
                        lambda quads, shacl=True: ValidationReport(False, ["SHACL: broken on purpose"], 0, 0))
    with pytest.raises(BuildError, match="broken on purpose"):
        build(out, data=fixture_copy, force=True)
    assert (out / "manifest.json").read_bytes() == manifest


def test_statement_properties_cannot_be_used_as_fact_predicates(fixture_copy, tmp_path):
    _replace(fixture_copy / "facts.yaml", "predicate: hasAdverseEffect", "predicate: evidenceCode")
    with pytest.raises(CurationError, match="unknown predicate 'evidenceCode'"):
        build(tmp_path / "out", data=fixture_copy, validate=False)


def test_an_identifier_is_the_exact_match_of_one_entity_only(fixture_copy, tmp_path):
    _replace(fixture_copy / "entities.yaml", '{id: "HP:0034360", match: exact, name: Action myoclonus}',
             '{id: "HP:0001336", match: exact, name: Myoclonus}')
    with pytest.raises(CurationError, match=r"HP:0001336: already an exact match of 'myoclonus'") as info:
        build(tmp_path / "out", data=fixture_copy, validate=False)
    assert info.value.record == "action_myoclonus"
    assert not (tmp_path / "out").exists()


def test_a_reference_outside_https_is_refused(fixture_copy, tmp_path):
    _replace(fixture_copy / "references.yaml", 'url: "https://www.ninds.nih.gov/disorders/myoclonus/myoclonus.htm"',
             'url: "http://www.ninds.nih.gov/disorders/myoclonus/myoclonus.htm"')
    with pytest.raises(CurationError, match=r"references.yaml:\d+ \[ninds-information-page\]: field 'url'"):
        build(tmp_path / "out", data=fixture_copy, validate=False)
