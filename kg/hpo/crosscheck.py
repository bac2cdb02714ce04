"""Cross-check the curated claims against the HPO graph of a build: confirmed, contradicted, not covered.

Both sides are read from the built graph: every curated fact from the curated graph, and what
HPO says from the imported graph (``graph/hpo``, written by :mod:`kg.hpo.importer` with the
evidence of every edge reified as an ``mkv:ImportedStatement``). There is one reading of the
HPO files, the import's, so the check and the graph cannot disagree. HPO speaks to a fact
through the curated entities' mappings to HP, OMIM, Orphanet and NCBI Gene identifiers; an
identifier a curated entity matches exactly is that entity in the imported graph (the import
writes the entity's IRI in its place), the others are their own nodes:

* ``hasPhenotype``, ``hasOnset``, ``hasCourse``, ``hasInheritance`` of a disease mapped
  (exact, close or narrow match) to OMIM/Orphanet diseases, with an object mapped (exact,
  close or narrow) to HP terms: *confirmed* if the imported graph annotates one of those
  diseases with the term or a subtype of it (imported ``subtypeOf``: the true-path rule);
  for inheritance, *contradicted* if it gives only other modes of inheritance; else *not
  covered*. (``NOT``-qualified annotations are not in the graph: the import counts them but
  never asserts them, so no verdict rests on them.)
* ``causalGeneFor`` of a gene mapped to NCBI Gene: *confirmed* if the imported graph
  associates the gene with one of the mapped diseases (``geneAssociatedWith``, from
  ``genes_to_phenotype.txt``: an association, not a proof of causality); *contradicted* if it
  associates only other genes with them; else *not covered*.
* ``subtypeOf`` between entities mapped (exact or close) to HP terms: *confirmed* if the
  subject's term is below the object's term by the imported ``is_a`` links; else *not covered*.

Every other fact is reported as *not checkable*, with the reason (the predicate has no
counterpart in HPO, a phenotype is the subject, an entity has no usable mapping, ...).
Only the import's own statements count as HPO's word: an edge the curated graph also asserts
is read from its imported statement, never from the curated triple.

Examples
--------
>>> report = crosscheck(kg.load(build_dir))                 # doctest: +SKIP
>>> report.find("F046a").verdict                            # doctest: +SKIP
'confirmed'
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Callable, Iterable

import pyoxigraph as ox

from kg.errors import KGError
from kg.hpo.importer import GENE_EVIDENCE, IS_A_EVIDENCE
from kg.hpo.pme import EVIDENCE_CODE as PME_EVIDENCE, PME_RULE_TEXT
from kg.identifiers import compress, expand
from kg.namespace import ENTITY
from kg.vocab import MKV

__all__ = ["VERDICTS", "Evidence", "Check", "CrosscheckReport", "crosscheck"]

#: The verdicts, in report order.
VERDICTS = ("confirmed", "contradicted", "not covered", "not checkable")
_DISEASE_ANNOTATIONS = ("hasPhenotype", "hasOnset", "hasCourse", "hasInheritance")
_USABLE_SUBJECT = {"exact", "close", "narrow"}
_USABLE_OBJECT = {"exact", "close", "narrow"}
_USABLE_HIERARCHY = {"exact", "close"}
_INHERITANCE_ROOT = "HP:0000005"

_FACTS = """
SELECT ?fact ?s ?p ?o ?sLabel ?oLabel WHERE {
  ?st a mkv:CuratedStatement ; mkv:factId ?fact ;
      rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o .
  OPTIONAL { ?s rdfs:label ?sLabel }
  OPTIONAL { ?o rdfs:label ?oLabel }
} ORDER BY ?fact
"""
_MAPPINGS = """
SELECT ?e ?match ?id WHERE {
  ?e ?match ?id .
  VALUES ?match { skos:exactMatch skos:closeMatch skos:narrowMatch skos:broadMatch skos:relatedMatch }
  FILTER(STRSTARTS(STR(?e), STR(mk:)))
} ORDER BY ?e
"""
# The HPO graph's side: its release, labels, is_a links and the statements about one node.
_RELEASE = "SELECT ?version WHERE { ?doc a mkv:SourceDocument ; mkv:sourceVersion ?version }"
_LABELS = "SELECT ?node ?label WHERE { ?node rdfs:label ?label }"
_IS_A = """
SELECT ?sub ?super WHERE {
  ?st a mkv:ImportedStatement ; rdf:predicate mkv:subtypeOf ; rdf:subject ?sub ; rdf:object ?super ;
      mkv:evidenceCode ?code }
"""
_ANNOTATIONS = """
SELECT ?st ?p ?term WHERE {
  ?st a mkv:ImportedStatement ; rdf:subject ?disease ; rdf:predicate ?p ; rdf:object ?term .
  VALUES ?p { mkv:hasPhenotype mkv:hasOnset mkv:hasCourse mkv:hasInheritance } }
"""
_STATEMENT_VALUES = """
SELECT ?st ?prop ?value WHERE {
  ?st a mkv:ImportedStatement ; rdf:subject ?disease ; ?prop ?value .
  VALUES ?prop { mkv:evidenceCode mkv:publication mkv:frequencyValue } }
"""
_GENES = """
SELECT ?gene WHERE {
  ?st a mkv:ImportedStatement ; rdf:predicate mkv:geneAssociatedWith ; rdf:subject ?gene ;
      rdf:object ?disease ; mkv:evidenceCode ?code }
"""
_NAME_RULE = """
ASK { ?st a mkv:ImportedStatement ; rdf:predicate mkv:memberOf ; rdf:subject ?disease ;
          mkv:evidenceCode ?code }
"""


@dataclass
class Evidence:
    """One piece of HPO evidence for or against a claim, as the imported graph states it."""

    source: str  # the HPO file the imported statement came from
    disease: str = ""  # the HPO identifiers of the disease node, comma-separated
    disease_label: str = ""
    term: str = ""
    term_label: str = ""
    relation: str = ""
    evidence_codes: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    frequencies: list[str] = field(default_factory=list)
    gene: str = ""
    gene_symbol: str = ""

    def text(self) -> str:
        """One line for the Markdown report."""
        if self.source == "genes_to_phenotype.txt":
            return f"{self.gene} {self.gene_symbol} – {self.disease} {self.disease_label}"
        if self.source == "hp.obo":
            return f"{self.relation}"
        codes = ", ".join(self.evidence_codes + self.references[:4])
        more = f" +{len(self.references) - 4} refs" if len(self.references) > 4 else ""
        freq = f"; frequency {', '.join(self.frequencies)}" if self.frequencies else ""
        return (f"{self.disease} {self.disease_label}: {self.term} {self.term_label} "
                f"({self.relation}; {codes}{more}{freq})")


@dataclass
class Check:
    """The verdict on one curated fact."""

    fact: str
    subject: str
    subject_label: str
    predicate: str
    object: str
    object_label: str
    verdict: str
    reason: str
    hpo_subjects: list[str] = field(default_factory=list)
    hpo_objects: list[str] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def claim(self) -> str:
        """The claim in words: ``subject — predicate → object``."""
        return f"{self.subject_label or self.subject} — {self.predicate} → {self.object_label or self.object}"


@dataclass
class CrosscheckReport:
    """All checks, with the HPO release they were made against."""

    release: str
    build: str
    checks: list[Check]

    def find(self, fact: str) -> Check:
        """The check of fact ``fact``.

        Raises
        ------
        KeyError
            If there is no such fact.
        """
        for check in self.checks:
            if check.fact == fact:
                return check
        raise KeyError(fact)

    def counts(self) -> dict[str, int]:
        """Number of facts per verdict."""
        counts = {v: 0 for v in VERDICTS}
        for check in self.checks:
            counts[check.verdict] += 1
        return counts

    def to_dict(self) -> dict:
        """Plain data (for JSON)."""
        return {"hpo_release": self.release, "build": self.build, "counts": self.counts(),
                "pme_name_rule": PME_RULE_TEXT,
                "checks": [asdict(c) | {"claim": c.claim} for c in self.checks]}

    def to_json(self) -> str:
        """The report as JSON (stable key order)."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    def to_markdown(self) -> str:
        """The report as Markdown: a summary, the checked claims, the claims HPO cannot speak to."""
        out = ["# HPO cross-check of the curated claims", "",
               f"HPO release {self.release}, as imported in the build in `{self.build}` (its HPO graph), "
               "against its curated graph.", "",
               "| verdict | facts |", "|---|---|"]
        out += [f"| {v} | {n} |" for v, n in self.counts().items()]
        out += ["", "## Claims HPO speaks to", "",
                "| fact | claim | verdict | why | HPO evidence |", "|---|---|---|---|---|"]
        for c in self.checks:
            if c.verdict == "not checkable":
                continue
            shown = [e.text() for e in c.evidence[:6]]
            if len(c.evidence) > 6:
                shown.append(f"… {len(c.evidence) - 6} more")
            out.append(f"| {c.fact} | {_md(c.claim)} | {c.verdict} | {_md(c.reason)} | "
                       f"{'<br>'.join(_md(s) for s in shown)} |")
        out += ["", "## Claims HPO cannot speak to", "", "| fact | claim | why |", "|---|---|---|"]
        for c in self.checks:
            if c.verdict == "not checkable":
                out.append(f"| {c.fact} | {_md(c.claim)} | {_md(c.reason)} |")
        return "\n".join(out) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _local(iri: str) -> str:
    return iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1]


class _Mappings:
    """The curated entities' mappings to HPO identifiers, and the node each identifier is in the
    imported graph (the curated entity it is an exact match of, else its own IRI)."""

    def __init__(self, graph) -> None:
        self.by_entity: dict[str, dict[str, list[tuple[str, str]]]] = {}
        self._alias: dict[str, str] = {}
        for entity, match, ident in graph.sparql(_MAPPINGS, graphs=("curated",)).to_records():
            curie = compress(ident)
            if curie is None:
                continue
            kind = _local(match).removesuffix("Match")
            self.by_entity.setdefault(entity, {}).setdefault(curie.partition(":")[0], []).append((curie, kind))
            if kind == "exact":
                self._alias.setdefault(curie, entity)  # the first entity, as kg.api reads aliases
        self._curies: dict[str, list[str]] = {}
        for curie, entity in self._alias.items():
            self._curies.setdefault(entity, []).append(curie)

    def ids(self, entity: str, prefixes: tuple[str, ...], usable: set[str]) -> tuple[list[str], list[str]]:
        """The entity's usable identifiers with these prefixes, and the others (with their kind)."""
        found, unusable = [], []
        for prefix in prefixes:
            for curie, kind in self.by_entity.get(entity, {}).get(prefix, []):
                if kind in usable:
                    found.append(curie)
                else:
                    unusable.append(f"{curie} ({kind})")
        return sorted(found), sorted(unusable)

    def node(self, curie: str) -> str:
        """The IRI an HPO identifier has in the imported graph."""
        return self._alias.get(curie) or expand(curie)

    def curies(self, node: str, prefixes: tuple[str, ...]) -> list[str]:
        """The HPO identifiers (with these prefixes) a node of the imported graph stands for."""
        if node.startswith(ENTITY):
            return sorted(c for c in self._curies.get(node, []) if c.partition(":")[0] in prefixes)
        curie = compress(node)
        return [curie] if curie and curie.partition(":")[0] in prefixes else []


@dataclass
class _Annotation:
    """One imported disease annotation (an ``mkv:ImportedStatement``) with its evidence."""

    predicate: str
    term: str  # node IRI
    codes: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    frequencies: list[str] = field(default_factory=list)


class _HPOGraph:
    """What the build's HPO graph says, read by SPARQL as the checks need it."""

    def __init__(self, graph, mappings: _Mappings) -> None:
        self.graph = graph
        self.mappings = mappings
        versions = sorted(str(v) for (v,) in graph.sparql(_RELEASE, graphs=("hpo",)).to_records())
        if not versions:
            raise KGError(f"{graph.directory}: the build has no HPO graph (built with --hpo none); "
                          "rebuild it with `kg build --hpo subset` (or full) to cross-check")
        self.release = ", ".join(versions)
        self.labels: dict[str, str] = {}
        for scope in ("hpo", "curated"):  # HPO's name first; an alias has the curated one
            for node, label in graph.sparql(_LABELS, graphs=(scope,)).to_records():
                self.labels.setdefault(node, label)
        self.parents: dict[str, set[str]] = {}
        for sub, sup in graph.sparql(_IS_A, {"code": ox.Literal(IS_A_EVIDENCE)}, graphs=("hpo",)).to_records():
            self.parents.setdefault(sub, set()).add(sup)
        self.children: dict[str, set[str]] = {}
        for sub, sups in self.parents.items():
            for sup in sups:
                self.children.setdefault(sup, set()).add(sub)
        self._below: dict[str, set[str]] = {}
        self._annotations: dict[str, list[_Annotation]] = {}

    def _query(self, text: str, node: str, **extra: ox.Literal) -> list[tuple]:
        params = {"disease": ox.NamedNode(node)} | extra
        return self.graph.sparql(text, params, graphs=("hpo",)).to_records()

    def below(self, node: str) -> set[str]:
        """The node and every node below it by the imported ``is_a`` links."""
        found = self._below.get(node)
        if found is None:
            found = self._below[node] = _reach(node, self.children)
        return found

    def above(self, node: str) -> set[str]:
        """The node and every node above it by the imported ``is_a`` links."""
        return _reach(node, self.parents)

    def label(self, node: str) -> str:
        return self.labels.get(node, "")

    def annotations(self, disease: str) -> list[_Annotation]:
        """The imported annotation statements of a disease node, sorted by predicate and term."""
        found = self._annotations.get(disease)
        if found is None:
            by_statement = {st: _Annotation(_local(p), term)
                            for st, p, term in self._query(_ANNOTATIONS, disease)}
            for st, prop, value in self._query(_STATEMENT_VALUES, disease):
                annotation = by_statement.get(st)
                if annotation is None:  # another predicate's statement (a gene, a group)
                    continue
                {MKV.evidenceCode: annotation.codes, MKV.publication: annotation.references,
                 MKV.frequencyValue: annotation.frequencies}[prop].append(value)
            found = sorted(by_statement.values(), key=lambda a: (a.predicate, a.term))
            for annotation in found:
                annotation.codes.sort()
                annotation.references.sort()
                annotation.frequencies.sort()
            self._annotations[disease] = found
        return found

    def genes(self, disease: str) -> list[str]:
        """The gene nodes the imported graph associates with a disease node."""
        return sorted(g for (g,) in self._query(_GENES, disease, code=ox.Literal(GENE_EVIDENCE)))

    def name_rule(self, disease: str) -> bool:
        """Whether the import linked the disease node to its group by the PME name rule."""
        return bool(self.graph.sparql(_NAME_RULE, {"disease": ox.NamedNode(disease),
                                                   "code": ox.Literal(PME_EVIDENCE)}, graphs=("hpo",)))

    def disease_nodes(self, diseases: list[str]) -> dict[str, str]:
        """Each distinct node of these disease identifiers -> the identifiers, comma-separated."""
        nodes: dict[str, list[str]] = {}
        for curie in diseases:
            nodes.setdefault(self.mappings.node(curie), []).append(curie)
        return {node: ", ".join(curies) for node, curies in nodes.items()}

    def curie(self, node: str, prefixes: tuple[str, ...] = ("HP",)) -> str:
        return ", ".join(self.mappings.curies(node, prefixes)) or node


def _annotation_evidence(hpo: _HPOGraph, node: str, name: str, found: list[_Annotation]) -> list[Evidence]:
    evidence = [Evidence("phenotype.hpoa", name, hpo.label(node), hpo.curie(a.term), hpo.label(a.term),
                         a.predicate, a.codes, a.references, a.frequencies) for a in found]
    return sorted(evidence, key=lambda e: (e.term, e.relation))


def _check_annotation(check: Check, hpo: _HPOGraph, diseases: list[str], terms: list[str]) -> None:
    nodes = hpo.disease_nodes(diseases)
    present = {node: name for node, name in nodes.items() if hpo.annotations(node)}
    if not present:
        check.verdict, check.reason = "not covered", "HPO has no annotations for " + ", ".join(diseases)
        return
    wanted: set[str] = set()
    for t in terms:
        wanted |= hpo.below(hpo.mappings.node(t))
    positive: list[Evidence] = []
    for node, name in present.items():
        positive += _annotation_evidence(hpo, node, name, [a for a in hpo.annotations(node) if a.term in wanted])
    names = ", ".join(f"{t} {hpo.label(hpo.mappings.node(t))}" for t in terms)
    if positive:
        check.verdict = "confirmed"
        check.reason = f"HPO annotates {', '.join(sorted({e.disease for e in positive}))} with {names} or a subtype"
        check.evidence = positive
        return
    if check.predicate == "hasInheritance":
        modes = hpo.below(hpo.mappings.node(_INHERITANCE_ROOT))
        other: list[Evidence] = []
        for node, name in present.items():
            other += _annotation_evidence(hpo, node, name, [a for a in hpo.annotations(node) if a.term in modes])
        if other:
            check.verdict = "contradicted"
            check.reason = ("HPO gives other modes of inheritance: "
                            + ", ".join(sorted({f"{e.term} {e.term_label}" for e in other})))
            check.evidence = other
            return
    check.verdict = "not covered"
    check.reason = f"HPO does not annotate {', '.join(present.values())} with {names} or a subtype"


def _gene_evidence(hpo: _HPOGraph, node: str, name: str, gene: str) -> Evidence:
    return Evidence("genes_to_phenotype.txt", name, hpo.label(node), relation="gene-disease association",
                    gene=hpo.curie(gene, ("NCBIGene",)), gene_symbol=hpo.label(gene))


def _check_gene(check: Check, hpo: _HPOGraph, genes: list[str], diseases: list[str]) -> None:
    wanted = {hpo.mappings.node(g) for g in genes}
    linked = {node: (name, hpo.genes(node)) for node, name in hpo.disease_nodes(diseases).items()}
    linked = {node: found for node, found in linked.items() if found[1]}
    hits = [_gene_evidence(hpo, node, name, g) for node, (name, found) in sorted(linked.items(), key=lambda i: i[1][0])
            for g in found if g in wanted]
    if hits:
        check.verdict = "confirmed"
        check.reason = ("genes_to_phenotype.txt associates the gene with "
                        + ", ".join(sorted({e.disease for e in hits}))
                        + " (an association; HPO does not say it is causal)")
        check.evidence = hits
    elif linked:
        check.verdict = "contradicted"
        check.evidence = [_gene_evidence(hpo, node, name, g)
                          for node, (name, found) in sorted(linked.items(), key=lambda i: i[1][0]) for g in found]
        others = sorted({f"{e.gene} {e.gene_symbol}" for e in check.evidence})
        check.reason = "genes_to_phenotype.txt associates only other genes: " + ", ".join(others)
    else:
        check.verdict = "not covered"
        check.reason = "genes_to_phenotype.txt has no gene for " + ", ".join(diseases)


def _check_hierarchy(check: Check, hpo: _HPOGraph, subs: list[str], objs: list[str]) -> None:
    def named(curie: str) -> str:
        return f"{curie} {hpo.label(hpo.mappings.node(curie))}"

    for a in subs:
        above = hpo.above(hpo.mappings.node(a))
        for b in objs:
            if hpo.mappings.node(b) in above:
                check.verdict = "confirmed"
                check.reason = f"hp.obo places {named(a)} under {named(b)}"
                check.evidence = [Evidence("hp.obo", term=a, term_label=hpo.label(hpo.mappings.node(a)),
                                           relation=f"{named(a)} is_a* {named(b)}")]
                return
    check.verdict = "not covered"
    check.reason = ("hp.obo does not place " + ", ".join(named(a) for a in subs)
                    + " under " + ", ".join(named(b) for b in objs))


def _check_fact(row: tuple, mappings: _Mappings, hpo: _HPOGraph) -> Check:
    fact, s, p, o, s_label, o_label = (getattr(t, "value", None) for t in row)
    predicate = _local(p)
    is_entity = isinstance(row[3], ox.NamedNode) and o.startswith(ENTITY)
    check = Check(fact, s, s_label or "", predicate, o, (o_label or "") if is_entity else o, "not checkable", "")
    ids = mappings.ids
    if not is_entity:
        check.reason = f"a literal value ({predicate}); HPO has no such data"
    elif predicate in _DISEASE_ANNOTATIONS:
        diseases, loose = ids(s, ("OMIM", "ORPHA"), _USABLE_SUBJECT)
        terms, loose_o = ids(o, ("HP",), _USABLE_OBJECT)
        check.hpo_subjects, check.hpo_objects = diseases, terms
        if not diseases:
            hp_subject = ids(s, ("HP",), _USABLE_HIERARCHY)[0]
            check.reason = ("HPO annotates diseases; the subject is mapped only to HP terms "
                            f"({', '.join(hp_subject)})" if hp_subject else
                            "the subject has no exact, close or narrow OMIM/Orphanet mapping"
                            + (f" (only {', '.join(loose)})" if loose else ""))
        elif not terms:
            check.reason = ("the object has no exact, close or narrow HP mapping"
                            + (f" (only {', '.join(loose_o)})" if loose_o else ""))
        else:
            _check_annotation(check, hpo, diseases, terms)
    elif predicate == "causalGeneFor":
        genes, _ = ids(s, ("NCBIGene",), {"exact"})
        diseases, _ = ids(o, ("OMIM", "ORPHA"), _USABLE_SUBJECT)
        check.hpo_subjects, check.hpo_objects = genes, diseases
        if not genes or not diseases:
            check.reason = "the gene has no exact NCBI Gene mapping or the disease no OMIM/Orphanet mapping"
        else:
            _check_gene(check, hpo, genes, diseases)
    elif predicate == "subtypeOf":
        subs, _ = ids(s, ("HP",), _USABLE_HIERARCHY)
        objs, _ = ids(o, ("HP",), _USABLE_HIERARCHY)
        check.hpo_subjects, check.hpo_objects = subs, objs
        if subs and objs:
            _check_hierarchy(check, hpo, subs, objs)
        else:
            diseases, _ = ids(s, ("OMIM", "ORPHA"), _USABLE_SUBJECT)
            if diseases:
                check.reason = "HPO has no disease classification"
            else:
                missing = [x for x, found in (("subject", subs), ("object", objs)) if not found]
                check.reason = f"the {' and '.join(missing)} has no exact or close HP mapping"
            rule = [f"{name} {hpo.label(node)}" for node, name in hpo.disease_nodes(diseases).items()
                    if hpo.name_rule(node)]
            if rule:
                check.reason += ("; the names of " + ", ".join(rule)
                                 + " match the KG's PME name rule (not HPO evidence)")
    else:
        check.reason = f"HPO has no counterpart of {predicate}"
    return check


def crosscheck(graph, *, progress: Callable[[str], None] | None = None) -> CrosscheckReport:
    """Check every curated fact of ``graph`` against the HPO graph of the same build.

    Parameters
    ----------
    graph : kg.api.KnowledgeGraph
        A graph built with ``--hpo subset`` or ``full``: its curated graph gives the facts and
        the mappings, its HPO graph what HPO says (the full import checks against all of HPO;
        the subset holds every disease and term the curated graph maps to).
    progress : callable, optional
        Receives one-line messages.

    Returns
    -------
    CrosscheckReport

    Raises
    ------
    KGError
        If the build has no HPO graph (built with ``--hpo none``).
    """
    say = progress or (lambda message: None)
    say("reading the curated facts and mappings")
    facts = graph.sparql(_FACTS, graphs=("curated",)).rows
    mappings = _Mappings(graph)
    say("reading the HPO graph")
    hpo = _HPOGraph(graph, mappings)
    checks = [_check_fact(row, mappings, hpo) for row in facts]
    return CrosscheckReport(hpo.release, str(graph.directory), checks)


def _reach(node: str, links: dict[str, Iterable[str]]) -> set[str]:
    """``node`` and every node reached from it through ``links`` (node -> next nodes)."""
    found, todo = {node}, [node]
    while todo:
        for following in links.get(todo.pop(), ()):
            if following not in found:
                found.add(following)
                todo.append(following)
    return found
