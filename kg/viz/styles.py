"""How the view looks: a colour and a shape per category of the one scheme, and resolver links for
identifiers.

Everything here is our own constant data, never taken from the graph, so the page can put
colours into styles without checking them again; the tests check every colour is ``#rrggbb``
and every link ``https://``.

Examples
--------
>>> category_style("Drug")
CategoryStyle(category='Drug', name='drug', color='#2ca02c', shape='diamond')
>>> identifier_url("HP:0001336")
'https://hpo.jax.org/browse/term/HP:0001336'
>>> identifier_url("XYZ:1") is None
True
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from urllib.parse import quote

__all__ = ["CategoryStyle", "CATEGORY_STYLES", "RESOLVERS", "category_style", "identifier_url",
           "entity_url"]


@dataclass(frozen=True)
class CategoryStyle:
    """Colour (``#rrggbb``) and vis-network shape of one category of the one scheme."""

    category: str
    name: str
    color: str
    shape: str


def _style(category: str, name: str, color: str, shape: str) -> CategoryStyle:
    return CategoryStyle(category, name, color, shape)


# The categories are those of the one scheme (kg.schema.CATEGORY_ORDER: each entity's primary
# class), the same as counts(), the web entity index and the manifest. Families share a shape
# (diseases and phenotypes: dot; chemicals: diamond; genes: square; anatomy: triangle; triggers,
# processes and functions: star; onset, course, inheritance and modifiers: hexagon).
#: Styles of the categories, by class name.
CATEGORY_STYLES: dict[str, CategoryStyle] = {s.category: s for s in (
    _style("Disease", "disease", "#d62728", "dot"),
    _style("DiseaseGroup", "disease group", "#ff9896", "dot"),
    _style("MyoclonusType", "myoclonus type", "#9467bd", "dot"),
    _style("MyoclonicSeizureType", "myoclonic seizure type", "#c5b0d5", "dot"),
    _style("Condition", "condition", "#ff7f0e", "dot"),
    _style("AdverseEffect", "adverse effect", "#e7969c", "dot"),
    _style("Phenotype", "phenotype", "#7b4173", "dot"),
    _style("Drug", "drug", "#2ca02c", "diamond"),
    _style("DrugClass", "drug class", "#7fbf5f", "diamond"),
    _style("Therapy", "therapy", "#bcbd22", "diamond"),
    _style("Neurotransmitter", "neurotransmitter", "#17becf", "diamond"),
    _style("NeurotransmitterClass", "neurotransmitter class", "#9edae5", "diamond"),
    _style("Gene", "gene", "#1f77b4", "square"),
    _style("NeurotransmitterReceptor", "neurotransmitter receptor", "#6baed6", "square"),
    _style("AnatomicalSite", "anatomical site", "#8c564b", "triangle"),
    _style("BrainRegion", "brain region", "#b07f6e", "triangle"),
    _style("Trigger", "trigger", "#e377c2", "star"),
    _style("PhysiologicalProcess", "physiological process", "#f7b6d2", "star"),
    _style("BodyFunction", "body function", "#f0a0c8", "star"),
    _style("InheritancePattern", "inheritance pattern", "#a6a65a", "hexagon"),
    _style("AgeOfOnset", "age of onset", "#636363", "hexagon"),
    _style("ClinicalCourse", "clinical course", "#969696", "hexagon"),
    _style("ClinicalModifier", "clinical modifier", "#c7c7c7", "hexagon"),
    _style("PopulationGroup", "population group", "#4db6ac", "triangleDown"),
    _style("NamedThing", "other", "#b0b0b0", "dot"),
)}

# Categories without a style of their own take one of these, in order of first use.
_SPARE_COLORS = ("#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd", "#e6550d",
                 "#31a354", "#756bb1", "#636363")
_SPARE_SHAPES = ("square", "triangleDown", "triangle", "diamond", "star")


def category_style(category: str) -> CategoryStyle:
    """The style of a category of the one scheme (a class name such as ``Drug``); an unknown
    category gets a spare style chosen by a checksum of its name, so it is the same in every
    view and every run.

    Parameters
    ----------
    category : str
        A class name of :data:`kg.schema.CATEGORY_ORDER` (or any other name).

    Returns
    -------
    CategoryStyle

    Examples
    --------
    >>> category_style("Gene").shape
    'square'
    >>> category_style("Nothing") == category_style("Nothing")
    True
    """
    if category in CATEGORY_STYLES:
        return CATEGORY_STYLES[category]
    i = zlib.crc32(category.encode("utf-8"))
    name = category.partition(":")[2] or category
    return CategoryStyle(category, name, _SPARE_COLORS[i % len(_SPARE_COLORS)],
                         _SPARE_SHAPES[(i // len(_SPARE_COLORS)) % len(_SPARE_SHAPES)])


#: Human-readable page for each identifier prefix; ``{id}`` is the local part.
RESOLVERS: dict[str, str] = {
    "HP": "https://hpo.jax.org/browse/term/HP:{id}",
    "OMIM": "https://omim.org/entry/{id}",
    "ORPHA": "https://www.orpha.net/en/disease/detail/{id}",
    "NCBIGene": "https://www.ncbi.nlm.nih.gov/gene/{id}",
    "UMLS": "https://uts.nlm.nih.gov/uts/umls/concept/{id}",
    "DRUGBANK": "https://go.drugbank.com/drugs/{id}",
    "CHEBI": "https://www.ebi.ac.uk/chebi/searchId.do?chebiId=CHEBI:{id}",
    "MONDO": "https://monarchinitiative.org/MONDO:{id}",
    "MESH": "https://meshb.nlm.nih.gov/record/ui?ui={id}",
}
_LOCAL = re.compile(r"^[A-Za-z0-9._-]+$")


def identifier_url(identifier: str) -> str | None:
    """The resolver page of an identifier CURIE, or ``None`` for an unknown prefix or an
    odd-looking local part.

    Examples
    --------
    >>> identifier_url("DRUGBANK:DB01068")
    'https://go.drugbank.com/drugs/DB01068'
    >>> identifier_url("OMIM:javascript:alert(1)") is None
    True
    """
    prefix, sep, local = identifier.partition(":")
    if not sep or prefix not in RESOLVERS or not _LOCAL.match(local):
        return None
    return RESOLVERS[prefix].format(id=quote(local, safe=""))


def entity_url(iri: str) -> str | None:
    """The node's own IRI as a link if it is an ``https`` IRI, else ``None``.

    Examples
    --------
    >>> entity_url("https://w3id.org/myoclonus-kg/entity/clonazepam")
    'https://w3id.org/myoclonus-kg/entity/clonazepam'
    >>> entity_url("javascript:alert(1)") is None
    True
    """
    return iri if re.match(r"^https://[A-Za-z0-9.-]+/[^\s\"'<>]*$", iri) else None
