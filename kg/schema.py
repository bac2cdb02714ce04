"""A read-only view of the ontology: classes, properties, domains, ranges, Biolink mappings.

Read from ``ontology/myoclonus.ttl`` with pyoxigraph (fast; no rdflib import).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable

import pyoxigraph as ox

from kg.errors import KGError
from kg.namespace import PREFIXES, VOCAB
from kg.resources import ontology_dir
from kg.vocab import MATCH_KINDS, match_iri

__all__ = ["Schema", "PropertyInfo", "ClassInfo", "load_schema", "schema_from_quads", "CATEGORY_ORDER", "BRANCHES",
           "PROVENANCE_CLASSES", "INDEX_PROPERTIES"]

#: The one category scheme: an entity's category is the first of its classes in this order
#: (the most telling first: a condition that is also an adverse effect is a condition). Used by
#: ``counts()``, the web entity index, the viz legend and the manifest's ``entities_per_class``.
CATEGORY_ORDER = (
    "Disease", "DiseaseGroup", "Gene", "Drug", "DrugClass", "Therapy", "MyoclonusType",
    "MyoclonicSeizureType", "Condition", "AdverseEffect", "Phenotype", "NeurotransmitterReceptor",
    "Neurotransmitter", "NeurotransmitterClass", "BrainRegion", "AnatomicalSite",
    "PhysiologicalProcess", "Trigger", "InheritancePattern", "AgeOfOnset", "ClinicalCourse",
    "ClinicalModifier", "PopulationGroup", "BodyFunction",
)
#: The branches ``subtypeOf`` stays within: subject and object share one of them (subclasses count).
BRANCHES = ("Phenotype", "Condition", "Disease", "DiseaseGroup", "DrugClass", "InheritancePattern",
            "AgeOfOnset", "ClinicalCourse")
#: Classes of the provenance layer (statements, sources, rules): never entities.
PROVENANCE_CLASSES = frozenset({"CuratedStatement", "MappingStatement", "ImportedStatement",
                                "EntailedStatement", "SourceDocument", "EntailmentRule"})

#: Properties the build materialises as query indexes (kg.closure), not edges: they carry no
#: statement or evidence of their own, are never curated, and are not edges of the tables,
#: paths or entailment rules.
INDEX_PROPERTIES = frozenset({"subtypeOfClosure"})

_BIOLINK = PREFIXES["biolink"]
_Q_PREFIXES = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())


@dataclass(frozen=True)
class ClassInfo:
    """A class of the ontology: labels, parents and its Biolink category."""

    name: str
    label: str
    definition: str
    parents: frozenset[str]
    biolink: str | None


@dataclass(frozen=True)
class PropertyInfo:
    """A property of the ontology: labels, domain, range and its Biolink predicate."""

    name: str
    label: str
    definition: str
    kind: str  # "object" or "datatype"
    domain: frozenset[str]
    range: frozenset[str]  # class names, or XSD datatype IRIs for datatype properties
    biolink: str | None
    inverse_of: str | None = None
    symmetric: bool = False


@dataclass
class Schema:
    """The ontology as plain Python data. Class and property names are local names in ``mkv:``."""

    classes: dict[str, ClassInfo] = field(default_factory=dict)
    properties: dict[str, PropertyInfo] = field(default_factory=dict)

    def ancestors(self, name: str) -> set[str]:
        """Return ``name`` and all its superclasses (reflexive, transitive)."""
        seen, todo = set(), [name]
        while todo:
            current = todo.pop()
            if current in seen or current not in self.classes:
                continue
            seen.add(current)
            todo.extend(self.classes[current].parents)
        return seen

    def is_instance_of_any(self, types: tuple[str, ...] | list[str], allowed: frozenset[str]) -> bool:
        """True if an entity with ``types`` is an instance of one of ``allowed`` (subclasses count)."""
        return any(self.ancestors(t) & allowed for t in types)

    def primary_class(self, types: tuple[str, ...] | list[str] | set[str]) -> str:
        """The entity's category in the one scheme: the first of ``types`` in :data:`CATEGORY_ORDER`.

        Examples
        --------
        >>> load_schema().primary_class(["AdverseEffect", "Condition"])
        'Condition'
        >>> load_schema().primary_class([])
        'NamedThing'
        """
        ranked = [t for t in CATEGORY_ORDER if t in types]
        if ranked:
            return ranked[0]
        others = sorted(t for t in types if t in self.classes and t not in PROVENANCE_CLASSES)
        return others[0] if others else "NamedThing"

    def branches(self, types: tuple[str, ...] | list[str] | set[str]) -> set[str]:
        """The :data:`BRANCHES` an entity with ``types`` belongs to (subclasses count)."""
        found: set[str] = set()
        for t in types:
            found |= self.ancestors(t) & set(BRANCHES)
        return found

    def category(self, types: tuple[str, ...] | list[str]) -> str:
        """Biolink category CURIE (``biolink:Drug``) of the primary type, else ``biolink:NamedThing``."""
        for t in types:
            info = self.classes.get(t)
            if info and info.biolink:
                return "biolink:" + info.biolink
        return "biolink:NamedThing"

    def predicate(self, name: str) -> str:
        """Biolink predicate CURIE for one of our properties, else ``biolink:related_to``."""
        info = self.properties.get(name)
        return "biolink:" + info.biolink if info and info.biolink else "biolink:related_to"


def _local(term) -> str | None:
    value = getattr(term, "value", None)
    if value and value.startswith(VOCAB):
        return value[len(VOCAB):]
    return None


@lru_cache(maxsize=4)
def load_schema(path: Path | None = None) -> Schema:
    """Read the ontology file into a :class:`Schema`.

    Parameters
    ----------
    path : pathlib.Path, optional
        The ontology in Turtle; defaults to the shipped ``myoclonus.ttl``.

    Raises
    ------
    KGError
        If the file cannot be parsed (the message names it, with the parser's position).
    """
    path = path or ontology_dir() / "myoclonus.ttl"
    store = ox.Store()
    try:
        store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    except (SyntaxError, ValueError, OSError) as exc:
        raise KGError(f"{path}: cannot parse the ontology: {exc}") from None
    return _schema_of(store)


def schema_from_quads(quads: Iterable[ox.Quad]) -> Schema:
    """The :class:`Schema` of ontology triples, whatever graph they are in: a built graph's
    own ontology (its ``graph/ontology``), which may differ from the shipped file.

    Examples
    --------
    >>> store = ox.Store()
    >>> store.load(path=str(ontology_dir() / "myoclonus.ttl"), format=ox.RdfFormat.TURTLE)
    >>> schema_from_quads(store).properties.keys() == load_schema().properties.keys()
    True
    """
    store = ox.Store()
    store.extend(ox.Quad(q.subject, q.predicate, q.object) for q in quads)
    return _schema_of(store)


def _schema_of(store: ox.Store) -> Schema:

    def rows(query: str) -> list[ox.QuerySolution]:
        result = store.query(_Q_PREFIXES + query)
        assert isinstance(result, ox.QuerySolutions)  # every query here is a SELECT
        return list(result)

    def members(prop: str) -> dict[str, set[str]]:
        # Domain/range as a named class or an owl:unionOf list of classes.
        result: dict[str, set[str]] = {}
        for row in rows(f"""
            SELECT ?x ?c WHERE {{
              ?x {prop} ?d .
              OPTIONAL {{ ?d owl:unionOf/rdf:rest*/rdf:first ?u }}
              BIND(COALESCE(?u, ?d) AS ?c)
              FILTER(isIRI(?c))
            }}"""):
            key = _local(row["x"])
            if key:
                result.setdefault(key, set()).add(row["c"].value)
        return result

    biolink: dict[str, str] = {}
    matches = " ".join(f"<{match_iri(kind)}>" for kind in MATCH_KINDS)
    for row in rows(f"""
        SELECT ?x ?b WHERE {{
          VALUES ?m {{ {matches} }}
          ?x ?m ?b . FILTER(STRSTARTS(STR(?b), STR(biolink:)))
        }} ORDER BY ?x ?b"""):
        key = _local(row["x"])
        if key and key not in biolink:
            biolink[key] = row["b"].value[len(_BIOLINK):]

    def text(var_row, name):
        term = var_row[name]
        return term.value if term is not None else ""

    schema = Schema()
    parents: dict[str, set[str]] = {}
    for row in rows("SELECT ?c ?p WHERE { ?c rdfs:subClassOf ?p . FILTER(isIRI(?p)) }"):
        child, parent = _local(row["c"]), _local(row["p"])
        if child and parent:
            parents.setdefault(child, set()).add(parent)
    for row in rows("""SELECT ?c ?l ?d WHERE { ?c a owl:Class .
            OPTIONAL { ?c rdfs:label ?l } OPTIONAL { ?c skos:definition ?d } }"""):
        name = _local(row["c"])
        if name:
            schema.classes[name] = ClassInfo(name, text(row, "l"), text(row, "d"),
                                             frozenset(parents.get(name, ())), biolink.get(name))
    domains, ranges = members("rdfs:domain"), members("rdfs:range")
    inverses = {(_local(r["p"])): _local(r["q"]) for r in rows("SELECT ?p ?q WHERE { ?p owl:inverseOf ?q }")}
    symmetric = {_local(r["p"]) for r in rows("SELECT ?p WHERE { ?p a owl:SymmetricProperty }")}
    for row in rows("""SELECT ?p ?k ?l ?d WHERE {
            VALUES ?k { owl:ObjectProperty owl:DatatypeProperty } ?p a ?k .
            OPTIONAL { ?p rdfs:label ?l } OPTIONAL { ?p skos:definition ?d } }"""):
        name = _local(row["p"])
        if not name:
            continue
        kind = "object" if row["k"].value.endswith("ObjectProperty") else "datatype"

        def names(iris: set[str]) -> frozenset[str]:
            return frozenset(i[len(VOCAB):] if i.startswith(VOCAB) else i for i in iris)

        schema.properties[name] = PropertyInfo(
            name, text(row, "l"), text(row, "d"), kind,
            names(domains.get(name, set())), names(ranges.get(name, set())),
            biolink.get(name), inverses.get(name), name in symmetric)
    return schema
