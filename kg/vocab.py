"""The vocabulary: every namespace, prefix, graph and term IRI the package writes or reads.

One module, no imports (so the query path starts fast), used by every production module:

* the namespaces of myoclonus-kg (:data:`ENTITY`, :data:`VOCAB`, ...), its named graphs
  (:data:`GRAPH_CURATED`, ...) and the prefixes predeclared in queries (:data:`PREFIXES`);
* closed term namespaces: :class:`MKV` (our vocabulary: exactly the terms declared in
  ``ontology/myoclonus.ttl``, a test checks both directions) and the standard vocabularies
  the package uses (:class:`RDF`, :class:`RDFS`, :class:`OWL`, :class:`XSD`, :class:`SKOS`,
  :class:`DCTERMS`, :class:`OBO_IN_OWL`, :class:`SD`, :class:`VOID`). A term is a class
  attribute, so a misspelt term is an :class:`AttributeError` at run time and an error of
  ``mypy``, never a new IRI;
* open namespaces of identifiers (:data:`MK` for entities, :data:`MKS` for statements);
* the SKOS mapping relations (:data:`MATCH_KINDS`, :func:`match_iri`).

Every term is an :class:`IRI`, a ``str``: ``MKV.treats == "https://w3id.org/myoclonus-kg/vocab/treats"``;
:meth:`kg.api.KnowledgeGraph.sparql` binds it as an IRI. For rdflib, ``rdflib.URIRef(MKV.treats)``.

Examples
--------
>>> MKV.treats
'https://w3id.org/myoclonus-kg/vocab/treats'
>>> MKV.treatz
Traceback (most recent call last):
...
AttributeError: type object 'MKV' has no attribute 'treatz'
>>> MKV.iri("causes") == MKV.causes, MKV.local(MKV.causes)
(True, 'causes')
>>> MKV.iri("cause")
Traceback (most recent call last):
...
KeyError: "'cause' is not a term of MKV (https://w3id.org/myoclonus-kg/vocab/)"
>>> MK.clonazepam, MK["lafora_body_disease"]
('https://w3id.org/myoclonus-kg/entity/clonazepam', 'https://w3id.org/myoclonus-kg/entity/lafora_body_disease')
"""

from __future__ import annotations

from typing import ClassVar

__all__ = [
    "BASE", "VOCAB", "ENTITY", "STATEMENT", "SOURCE",
    "GRAPH_CURATED", "GRAPH_ONTOLOGY", "GRAPH_HPO", "GRAPH_ENTAILED", "GRAPH_ALIASES", "GRAPH_CLOSURE",
    "PREFIXES",
    "IRI", "Vocabulary", "OpenNamespace",
    "MKV", "RDF", "RDFS", "OWL", "XSD", "SKOS", "DCTERMS", "OBO_IN_OWL", "SD", "VOID",
    "MK", "MKS", "MKSRC", "hashed_statement", "MATCH_KINDS", "match_iri", "match_kind",
]

BASE = "https://w3id.org/myoclonus-kg/"
VOCAB = BASE + "vocab/"
ENTITY = BASE + "entity/"
STATEMENT = BASE + "statement/"
SOURCE = BASE + "source/"
GRAPH_CURATED = BASE + "graph/curated"
GRAPH_ONTOLOGY = BASE + "graph/ontology"
GRAPH_HPO = BASE + "graph/hpo"
#: Edges the build derives by named rules (inverses, symmetric pairs, aliases): kg.entailment.
GRAPH_ENTAILED = BASE + "graph/entailed"
#: The alias twins (rule ExactAliasRule): edges into an entity repeated into each identifier it
#: matches exactly; in a query's default graph only when the query names an alias (kg.query.dataset).
GRAPH_ALIASES = BASE + "graph/aliases"
#: The reflexive-transitive closure of subtypeOf (mkv:subtypeOfClosure), a query index: kg.closure.
GRAPH_CLOSURE = BASE + "graph/closure"

#: Prefixes bound in every serialisation and accepted in SPARQL queries.
PREFIXES: dict[str, str] = {
    "mk": ENTITY,
    "mkv": VOCAB,
    "mks": STATEMENT,
    "mksrc": SOURCE,
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "biolink": "https://w3id.org/biolink/vocab/",
    "HP": "http://purl.obolibrary.org/obo/HP_",
    "RO": "http://purl.obolibrary.org/obo/RO_",
    "OMIM": "https://omim.org/entry/",
    "ORPHA": "https://www.orpha.net/ORDO/Orphanet_",
    "NCBIGene": "https://identifiers.org/ncbigene:",
    "UMLS": "https://uts.nlm.nih.gov/uts/umls/concept/",
    "CHEBI": "http://purl.obolibrary.org/obo/CHEBI_",
    "DRUGBANK": "https://go.drugbank.com/drugs/",
    "MONDO": "http://purl.obolibrary.org/obo/MONDO_",
    "MESH": "http://id.nlm.nih.gov/mesh/",
}


class IRI(str):
    """An IRI, as a ``str``: the value of every vocabulary term.

    Being a distinct type lets :meth:`kg.api.KnowledgeGraph.sparql` bind a term as an IRI
    (a plain ``str`` is a literal there).
    """

    __slots__ = ()


class Vocabulary:
    """A closed namespace: each name annotated in a subclass's body is the IRI ``base + name``.

    Subclasses are declared as ``class RDFS(Vocabulary, base="http://...#"): label: IRI``;
    they are never instantiated.
    """

    base: ClassVar[str] = ""
    _terms: ClassVar[dict[str, IRI]] = {}
    _names: ClassVar[dict[str, str]] = {}  # IRI -> local name: local() is asked once per quad

    def __init_subclass__(cls, *, base: str, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        cls.base = base
        cls._terms = {}
        for name in cls.__annotations__:
            if name.startswith("_") or name == "base":
                continue
            term = IRI(base + name)
            setattr(cls, name, term)
            cls._terms[name] = term
        cls._names = {term: name for name, term in cls._terms.items()}

    def __new__(cls, *args: object, **kwargs: object) -> Vocabulary:
        raise TypeError(f"{cls.__name__} is a namespace of terms; use its attributes")

    @classmethod
    def terms(cls) -> dict[str, IRI]:
        """The terms, local name to IRI, in the order they are declared."""
        return dict(cls._terms)

    @classmethod
    def iri(cls, name: str) -> IRI:
        """The IRI of the term called ``name`` (for names read from data).

        Raises
        ------
        KeyError
            If ``name`` is not a term of the namespace.
        """
        try:
            return cls._terms[name]
        except KeyError:
            raise KeyError(f"{name!r} is not a term of {cls.__name__} ({cls.base})") from None

    @classmethod
    def local(cls, iri: str) -> str | None:
        """The local name of a term's IRI, or ``None`` if ``iri`` is not a term of the namespace."""
        return cls._names.get(iri)


class OpenNamespace(str):
    """An open namespace of identifiers: ``MK.clonazepam`` and ``MK["x"]`` are ``base + name``."""

    __slots__ = ()

    def __getattr__(self, name: str) -> IRI:
        if name.startswith("__"):
            raise AttributeError(name)
        return IRI(str(self) + name)

    def __getitem__(self, name: str) -> IRI:  # type: ignore[override]
        return IRI(str(self) + name)


class MKV(Vocabulary, base=VOCAB):
    """The myoclonus-kg vocabulary (classes and properties of ``ontology/myoclonus.ttl``)."""

    # --- classes: domain entities
    Phenotype: IRI
    MyoclonusType: IRI
    AdverseEffect: IRI
    Condition: IRI
    Disease: IRI
    DiseaseGroup: IRI
    Gene: IRI
    Neurotransmitter: IRI
    NeurotransmitterReceptor: IRI
    Drug: IRI
    DrugClass: IRI
    Therapy: IRI
    AnatomicalSite: IRI
    BrainRegion: IRI
    Trigger: IRI
    InheritancePattern: IRI
    AgeOfOnset: IRI
    ClinicalCourse: IRI
    PopulationGroup: IRI
    BodyFunction: IRI
    MyoclonicSeizureType: IRI
    PhysiologicalProcess: IRI
    ClinicalModifier: IRI
    NeurotransmitterClass: IRI
    # --- classes: provenance
    CuratedStatement: IRI
    MappingStatement: IRI
    ImportedStatement: IRI
    SourceDocument: IRI
    EntailedStatement: IRI
    EntailmentRule: IRI

    # --- object properties between entities (each asserted edge is reified with evidence)
    subtypeOf: IRI
    subtypeOfClosure: IRI
    memberOf: IRI
    causes: IRI
    causedBy: IRI
    hasPhenotype: IRI
    phenotypeOf: IRI
    treats: IRI
    usedWith: IRI
    hasAdverseEffect: IRI
    mayWorsen: IRI
    precursorOf: IRI
    receptorFor: IRI
    implicatedIn: IRI
    triggeredBy: IRI
    affects: IRI
    originatesIn: IRI
    coOccursWith: IRI
    occursIn: IRI
    impairs: IRI
    causalGeneFor: IRI
    geneAssociatedWith: IRI
    hasInheritance: IRI
    hasOnset: IRI
    hasCourse: IRI
    formOf: IRI
    manifestsAs: IRI
    occursDuring: IRI
    regulates: IRI
    hasModifier: IRI
    hasComponent: IRI

    # --- datatype properties of entities
    maxFrequencyPerMinute: IRI
    minimumNumberOfForms: IRI
    characteristic: IRI

    # --- statement qualifiers
    firstLine: IRI
    inContext: IRI
    certainty: IRI
    frequency: IRI

    # --- evidence / provenance properties
    evidenceQuote: IRI
    quoteStart: IRI
    quoteEnd: IRI
    sourceDocument: IRI
    claimNumber: IRI
    factId: IRI
    curationStatus: IRI
    correctionNote: IRI
    authoritativeReference: IRI
    verificationSource: IRI
    sha256: IRI
    # --- evidence carried over from imported sources (HPO annotations)
    evidenceCode: IRI
    publication: IRI
    frequencyValue: IRI
    sourceVersion: IRI
    identifierName: IRI
    # --- entailment: the rule and the statements behind a derived edge, and the rules
    entailedBy: IRI
    derivedFrom: IRI
    InverseRule: IRI
    SymmetryRule: IRI
    NarrowMatchRule: IRI
    BroadMatchRule: IRI
    ExactAliasRule: IRI


class RDF(Vocabulary, base=PREFIXES["rdf"]):
    """The RDF terms the package uses."""

    type: IRI
    Statement: IRI
    subject: IRI
    predicate: IRI
    object: IRI
    first: IRI
    rest: IRI
    nil: IRI


class RDFS(Vocabulary, base=PREFIXES["rdfs"]):
    """The RDF Schema terms the package uses."""

    label: IRI
    comment: IRI
    subClassOf: IRI
    subPropertyOf: IRI
    domain: IRI
    range: IRI
    Class: IRI


class OWL(Vocabulary, base=PREFIXES["owl"]):
    """The OWL terms the package uses."""

    Class: IRI
    ObjectProperty: IRI
    DatatypeProperty: IRI
    AnnotationProperty: IRI
    NamedIndividual: IRI
    Ontology: IRI
    inverseOf: IRI
    SymmetricProperty: IRI
    TransitiveProperty: IRI
    unionOf: IRI
    versionInfo: IRI


class XSD(Vocabulary, base=PREFIXES["xsd"]):
    """The XML Schema datatypes the package writes and reads."""

    string: IRI
    boolean: IRI
    integer: IRI
    decimal: IRI
    double: IRI
    float: IRI
    date: IRI
    dateTime: IRI
    int: IRI
    long: IRI
    short: IRI
    nonNegativeInteger: IRI
    positiveInteger: IRI
    negativeInteger: IRI
    nonPositiveInteger: IRI


class SKOS(Vocabulary, base=PREFIXES["skos"]):
    """The SKOS terms the package uses (labels, definitions and the mapping relations)."""

    prefLabel: IRI
    altLabel: IRI
    definition: IRI
    exactMatch: IRI
    closeMatch: IRI
    broadMatch: IRI
    narrowMatch: IRI
    relatedMatch: IRI


class DCTERMS(Vocabulary, base=PREFIXES["dcterms"]):
    """The Dublin Core terms the package uses."""

    source: IRI
    title: IRI


class OBO_IN_OWL(Vocabulary, base="http://www.geneontology.org/formats/oboInOwl#"):  # noqa: N801
    """The oboInOwl terms of HPO's synonyms and cross-references."""

    hasDbXref: IRI
    hasExactSynonym: IRI
    hasRelatedSynonym: IRI
    hasBroadSynonym: IRI
    hasNarrowSynonym: IRI


class SD(Vocabulary, base="http://www.w3.org/ns/sparql-service-description#"):
    """The SPARQL 1.1 Service Description terms of the endpoint's description."""

    Service: IRI
    endpoint: IRI
    supportedLanguage: IRI
    SPARQL11Query: IRI
    feature: IRI
    UnionDefaultGraph: IRI
    defaultEntailmentRegime: IRI
    resultFormat: IRI
    defaultDataset: IRI
    Dataset: IRI
    defaultGraph: IRI
    namedGraph: IRI
    NamedGraph: IRI
    Graph: IRI
    name: IRI
    graph: IRI


class VOID(Vocabulary, base="http://rdfs.org/ns/void#"):
    """The VoID term of the service description (triple counts)."""

    triples: IRI


#: Entities (``mk:``), statements (``mks:``) and sources (``mksrc:``): open namespaces.
MK = OpenNamespace(ENTITY)
MKS = OpenNamespace(STATEMENT)
MKSRC = OpenNamespace(SOURCE)


def hashed_statement(kind: str, *parts: str) -> IRI:
    """The deterministic IRI of a statement the build derives or imports:
    ``mks:<kind>-<16 hex digits of sha1(parts joined by |)>`` (``ent`` for the entailed graph,
    ``hpo`` for the HPO import).

    Examples
    --------
    >>> import hashlib
    >>> hashed_statement("hpo", "a", "b", "c") == MKS["hpo-" + hashlib.sha1(b"a|b|c").hexdigest()[:16]]
    True
    """
    import hashlib  # here: importing kg.vocab loads nothing

    return MKS[f"{kind}-{hashlib.sha1('|'.join(parts).encode()).hexdigest()[:16]}"]

#: The SKOS mapping relations by kind (``exact`` is ``skos:exactMatch``), in the curation's order.
MATCH_KINDS: tuple[str, ...] = ("exact", "close", "broad", "narrow", "related")


def match_iri(kind: str) -> IRI:
    """The SKOS mapping relation of a kind (``exact`` → ``skos:exactMatch``).

    Raises
    ------
    KeyError
        If ``kind`` is not one of :data:`MATCH_KINDS`.

    Examples
    --------
    >>> match_iri("narrow") == SKOS.narrowMatch
    True
    """
    if kind not in MATCH_KINDS:
        raise KeyError(f"{kind!r} is not a mapping kind ({', '.join(MATCH_KINDS)})")
    return SKOS.iri(kind + "Match")


def match_kind(iri: str) -> str | None:
    """The kind of a SKOS mapping relation's IRI (``skos:closeMatch`` → ``close``), else ``None``.

    Examples
    --------
    >>> match_kind(SKOS.closeMatch), match_kind(SKOS.altLabel)
    ('close', None)
    """
    name = SKOS.local(iri)
    kind = name.removesuffix("Match") if name else None
    return kind if kind in MATCH_KINDS else None
