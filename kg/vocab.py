"""The closed rdflib namespace of our vocabulary (see :mod:`kg.namespace`).

Examples
--------
>>> from kg.vocab import MKV
>>> MKV.subtypeOf in MKV
True
"""

from __future__ import annotations

from rdflib import URIRef
from rdflib.namespace import DefinedNamespace, Namespace

from kg.namespace import ENTITY, STATEMENT, VOCAB

__all__ = ["MKV", "MK", "MKS"]


class MKV(DefinedNamespace):
    """The myoclonus-kg vocabulary (classes and properties of ``ontology/myoclonus.ttl``)."""

    _fail = True
    _NS = Namespace(VOCAB)

    # --- classes: domain entities
    Phenotype: URIRef
    MyoclonusType: URIRef
    AdverseEffect: URIRef
    Condition: URIRef
    Disease: URIRef
    DiseaseGroup: URIRef
    Gene: URIRef
    Neurotransmitter: URIRef
    NeurotransmitterReceptor: URIRef
    Drug: URIRef
    DrugClass: URIRef
    Therapy: URIRef
    AnatomicalSite: URIRef
    BrainRegion: URIRef
    Trigger: URIRef
    InheritancePattern: URIRef
    AgeOfOnset: URIRef
    ClinicalCourse: URIRef
    PopulationGroup: URIRef
    BodyFunction: URIRef
    MyoclonicSeizureType: URIRef
    PhysiologicalProcess: URIRef
    ClinicalModifier: URIRef
    NeurotransmitterClass: URIRef
    # --- classes: provenance
    CuratedStatement: URIRef
    MappingStatement: URIRef
    ImportedStatement: URIRef
    SourceDocument: URIRef
    EntailedStatement: URIRef
    EntailmentRule: URIRef

    # --- object properties between entities (each asserted edge is reified with evidence)
    subtypeOf: URIRef
    memberOf: URIRef
    causes: URIRef
    causedBy: URIRef
    hasPhenotype: URIRef
    phenotypeOf: URIRef
    treats: URIRef
    usedWith: URIRef
    hasAdverseEffect: URIRef
    mayWorsen: URIRef
    precursorOf: URIRef
    receptorFor: URIRef
    implicatedIn: URIRef
    triggeredBy: URIRef
    affects: URIRef
    originatesIn: URIRef
    coOccursWith: URIRef
    occursIn: URIRef
    impairs: URIRef
    causalGeneFor: URIRef
    geneAssociatedWith: URIRef
    hasInheritance: URIRef
    hasOnset: URIRef
    hasCourse: URIRef
    formOf: URIRef
    manifestsAs: URIRef
    occursDuring: URIRef
    regulates: URIRef
    hasModifier: URIRef
    hasComponent: URIRef

    # --- datatype properties of entities
    maxFrequencyPerMinute: URIRef
    minimumNumberOfForms: URIRef
    characteristic: URIRef

    # --- statement qualifiers
    firstLine: URIRef
    inContext: URIRef
    certainty: URIRef
    frequency: URIRef

    # --- evidence / provenance properties
    evidenceQuote: URIRef
    quoteStart: URIRef
    quoteEnd: URIRef
    sourceDocument: URIRef
    claimNumber: URIRef
    factId: URIRef
    curationStatus: URIRef
    correctionNote: URIRef
    authoritativeReference: URIRef
    verificationSource: URIRef
    sha256: URIRef
    # --- evidence carried over from imported sources (HPO annotations)
    evidenceCode: URIRef
    publication: URIRef
    frequencyValue: URIRef
    sourceVersion: URIRef
    identifierName: URIRef
    # --- entailment: the rule and the statements behind a derived edge, and the rules
    entailedBy: URIRef
    derivedFrom: URIRef
    InverseRule: URIRef
    SymmetryRule: URIRef
    NarrowMatchRule: URIRef
    BroadMatchRule: URIRef
    ExactAliasRule: URIRef


MK = Namespace(ENTITY)
MKS = Namespace(STATEMENT)

