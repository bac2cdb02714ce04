"""Validation of a graph: SHACL shapes (pySHACL) plus checks SHACL cannot express.

The source check re-reads every evidence quote from the vendored article at its recorded
offsets, so an edited article or a shifted quote is caught.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import pyoxigraph as ox

from kg.errors import KGError
from kg.namespace import PREFIXES, SOURCE, VOCAB
from kg.resources import ARTICLE_ID, article_path, ontology_dir

__all__ = ["ValidationReport", "validate_quads", "validate_build"]


@dataclass
class ValidationReport:
    """Outcome of :func:`validate_quads`. ``problems`` lists one human-readable line per issue."""

    conforms: bool
    problems: list[str] = field(default_factory=list)
    checked_statements: int = 0
    triples: int = 0

    def text(self) -> str:
        """A short report for people: the verdict, then each problem."""
        head = (f"{'PASS' if self.conforms else 'FAIL'}: {self.triples} triples, "
                f"{self.checked_statements} evidence quotes checked against the source, "
                f"{len(self.problems)} problem(s)")
        return "\n".join([head, *("  - " + p for p in self.problems)])


def _shacl_problems(quads: list[ox.Quad]) -> list[str]:
    import rdflib  # rdflib and pySHACL are imported only when validating
    from pyshacl import validate

    data = rdflib.Graph()
    payload = ox.serialize([ox.Triple(q.subject, q.predicate, q.object) for q in quads],
                           format=ox.RdfFormat.N_TRIPLES)
    data.parse(data=payload.decode("utf-8"), format="nt")
    data.parse(ontology_dir() / "myoclonus.ttl", format="turtle")
    shapes = rdflib.Graph().parse(ontology_dir() / "shapes.ttl", format="turtle")
    conforms, results, _ = validate(data, shacl_graph=shapes, inference="none", advanced=True,
                                    allow_warnings=True)
    if conforms:
        return []
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    problems = []
    for result in results.subjects(rdflib.RDF.type, sh.ValidationResult):
        focus = results.value(result, sh.focusNode)
        path = results.value(result, sh.resultPath)
        message = results.value(result, sh.resultMessage)
        severity = results.value(result, sh.resultSeverity)
        if severity is not None and severity != sh.Violation:
            continue
        problems.append(f"SHACL: {focus} {('path ' + str(path)) if path else ''}: {message}".replace("  ", " "))
    return sorted(set(problems))


def _source_problems(quads: list[ox.Quad], article: str) -> tuple[list[str], int]:
    by_subject: dict[str, dict[str, object]] = {}
    for q in quads:
        p = q.predicate.value
        if p.startswith(VOCAB) or p == PREFIXES["rdf"] + "type":
            by_subject.setdefault(q.subject.value, {})[p] = q.object
    problems, checked = [], 0
    sha = hashlib.sha256(article.encode("utf-8")).hexdigest()
    source = by_subject.get(SOURCE + ARTICLE_ID, {})
    recorded = source.get(VOCAB + "sha256")
    if recorded is not None and recorded.value != sha:
        problems.append(f"source {ARTICLE_ID}: the graph was built from a different text "
                        f"(sha256 {recorded.value[:12]}…, vendored file has {sha[:12]}…)")
    for subject, fields in sorted(by_subject.items()):
        quote = fields.get(VOCAB + "evidenceQuote")
        if quote is None:
            continue
        checked += 1
        try:
            start = int(fields[VOCAB + "quoteStart"].value)
            end = int(fields[VOCAB + "quoteEnd"].value)
        except (KeyError, ValueError):
            problems.append(f"{subject}: quote without integer offsets")
            continue
        if article[start:end] != quote.value:
            found = article.find(quote.value)
            where = f"; it is at {found}" if found >= 0 else "; it is not in the source at all"
            problems.append(f"{subject}: quote is not the source text at [{start}:{end}]{where}")
    return problems, checked


def validate_quads(quads: Iterable[ox.Quad], *, article: str | None = None,
                   shacl: bool = True) -> ValidationReport:
    """Validate graph quads against the SHACL shapes and the source article.

    Parameters
    ----------
    quads : iterable of pyoxigraph.Quad
        The data to check (the curated graph, possibly with imports).
    article : str, optional
        The source text; defaults to the vendored article.
    shacl : bool
        Run pySHACL (the slow part); the source check always runs.

    Examples
    --------
    >>> from kg.curation.compiler import compile_curation
    >>> validate_quads(compile_curation().quads).conforms
    True
    """
    quads = list(quads)
    article = article if article is not None else article_path().read_text(encoding="utf-8")
    problems, checked = _source_problems(quads, article)
    if shacl:
        problems += _shacl_problems(quads)
    return ValidationReport(not problems, problems, checked, len(quads))


def validate_build(directory: Path, *, shacl: bool = True) -> ValidationReport:
    """Validate the curated graph of a build directory (its ``kg.nt``).

    Raises
    ------
    KGError
        If the directory holds no build, or its files cannot be parsed.
    """
    path = Path(directory) / "kg.nt"
    if not path.is_file():
        raise KGError(f"{directory}: no built graph here (kg.nt missing); run `kg build` first")
    try:
        quads = [ox.Quad(t.subject, t.predicate, t.object)
                 for t in ox.parse(path=str(path), format=ox.RdfFormat.N_TRIPLES)]
    except SyntaxError as exc:
        raise KGError(f"{path}: cannot parse: {exc}") from None
    return validate_quads(quads, shacl=shacl)
