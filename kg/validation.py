"""Validation of a graph: SHACL shapes (pySHACL) plus checks SHACL cannot express.

The source check re-reads every evidence quote from the vendored article at its recorded
offsets, so an edited article or a shifted quote is caught. The domain and range shapes are
generated from the ontology (:func:`domain_range_shapes`), so shapes and ontology agree. For a
build, the entailed graph is recomputed from the curated and imported graphs and compared
(:func:`kg.entailment.check_entailment`): it must be complete and hold nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import pyoxigraph as ox

from kg.checksums import sha256
from kg.errors import KGError
from kg.layout import FULL_STORE_DIR, STORE_DIR
from kg.namespace import SOURCE, VOCAB
from kg.resources import ARTICLE_ID, article_path, ontology_dir
from kg.vocab import MKV, RDF

__all__ = ["ValidationReport", "validate_quads", "validate_build", "domain_range_shapes"]


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


def domain_range_shapes() -> str:
    """SHACL (Turtle) checking the rdfs:domain and rdfs:range of every edge property of the ontology.

    One NodeShape per object property: its subjects must be an instance of a domain class, the
    values of the property an instance of a range class (``sh:class`` follows
    ``rdfs:subClassOf*`` of the merged ontology).

    Examples
    --------
    >>> "mkvsh:causesDomainRange" in domain_range_shapes()
    True
    """
    from kg.schema import PROVENANCE_CLASSES, load_schema

    schema = load_schema()
    out = ["@prefix sh: <http://www.w3.org/ns/shacl#> .", f"@prefix mkv: <{VOCAB}> .",
           "@prefix mkvsh: <https://w3id.org/myoclonus-kg/shapes/> ."]

    def alternatives(classes: frozenset[str]) -> str:
        return "( " + " ".join(f"[ sh:class mkv:{c} ]" for c in sorted(classes)) + " )"

    def names(classes: frozenset[str]) -> str:
        listed = [f"mkv:{c}" for c in sorted(classes)]
        return listed[0] if len(listed) == 1 else ", ".join(listed[:-1]) + " or " + listed[-1]

    for name, info in sorted(schema.properties.items()):
        if info.kind != "object" or info.domain & PROVENANCE_CLASSES or not (info.domain or info.range):
            continue
        out.append(f"mkvsh:{name}DomainRange a sh:NodeShape ; sh:targetSubjectsOf mkv:{name}")
        if info.domain:
            out.append(f'  ; sh:or {alternatives(info.domain)} ; sh:message "subject of mkv:{name} must be a '
                       f'{names(info.domain)}"')
        if info.range:
            out.append(f'  ; sh:property [ sh:path mkv:{name} ; sh:or {alternatives(info.range)} ; '
                       f'sh:message "object of mkv:{name} must be a {names(info.range)}" ]')
        out.append("  .")
    return "\n".join(out) + "\n"


def _shacl_problems(quads: list[ox.Quad]) -> list[str]:
    import rdflib  # rdflib and pySHACL are imported only when validating
    from pyshacl import validate

    data = rdflib.Graph()
    payload = ox.serialize([ox.Triple(q.subject, q.predicate, q.object) for q in quads],
                           format=ox.RdfFormat.N_TRIPLES)
    data.parse(data=payload.decode("utf-8"), format="nt")
    data.parse(ontology_dir() / "myoclonus.ttl", format="turtle")
    shapes = rdflib.Graph().parse(ontology_dir() / "shapes.ttl", format="turtle")
    shapes.parse(data=domain_range_shapes(), format="turtle")
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
        if p.startswith(VOCAB) or p == RDF.type:
            by_subject.setdefault(q.subject.value, {})[p] = q.object
    problems, checked = [], 0
    sha = sha256(article.encode("utf-8")).hexdigest()
    source = by_subject.get(SOURCE + ARTICLE_ID, {})
    recorded = source.get(MKV.sha256)
    if recorded is not None and recorded.value != sha:
        problems.append(f"source {ARTICLE_ID}: the graph was built from a different text "
                        f"(sha256 {recorded.value[:12]}…, vendored file has {sha[:12]}…)")
    for subject, fields in sorted(by_subject.items()):
        quote = fields.get(MKV.evidenceQuote)
        if quote is None:
            continue
        checked += 1
        try:
            start = int(fields[MKV.quoteStart].value)
            end = int(fields[MKV.quoteEnd].value)
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
    The shipped curation's quotes are the source text (a build runs the SHACL pass on it too,
    and writes nothing unless it conforms):

    >>> from kg.curation.compiler import compile_curation
    >>> validate_quads(compile_curation().quads, shacl=False).conforms
    True

    An edge without evidence, between entities of no class, does not conform:

    >>> import pyoxigraph as ox
    >>> from kg.vocab import MK, MKV
    >>> edge = ox.Quad(ox.NamedNode(MK.clonazepam), ox.NamedNode(MKV.treats), ox.NamedNode(MK.myoclonus))
    >>> report = validate_quads([edge])
    >>> report.conforms, any("has no evidence" in problem for problem in report.problems)
    (False, True)
    """
    quads = list(quads)
    article = article if article is not None else article_path().read_text(encoding="utf-8")
    problems, checked = _source_problems(quads, article)
    if shacl:
        problems += _shacl_problems(quads)
    return ValidationReport(not problems, problems, checked, len(quads))


def validate_build(directory: Path, *, shacl: bool = True) -> ValidationReport:
    """Validate the curated graph of a build directory (its ``kg.nt``) and its entailed graph.

    The entailed graph in the build's store is compared with a recomputation from the curated
    and imported graphs (:mod:`kg.entailment`).

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
    report = validate_quads(quads, shacl=shacl)
    problems = _entailment_problems(Path(directory), quads)
    if problems:
        report.problems += problems
        report.conforms = False
    return report


def _entailment_problems(directory: Path, curated: list[ox.Quad]) -> list[str]:
    """The entailed graph and the closure of each store of the build, against a recomputation:
    the full store (kg.layout.FULL_STORE_DIR) holds the alias twins, the main one none."""
    from kg.closure import ClosureResult, check_closure, closure_from_store, store_holds_exactly
    from kg.entailment import ALIAS_RULE, EntailmentResult, check_entailment, entail_store
    from kg.namespace import GRAPH_ALIASES, GRAPH_CURATED, GRAPH_ENTAILED
    from kg.vocab import MKV

    main_dir, full_dir = directory / STORE_DIR, directory / FULL_STORE_DIR
    if not main_dir.is_dir():
        return [f"{directory}: no query store, so the entailed graph cannot be checked"]
    stores = [full_dir, main_dir] if full_dir.is_dir() else [main_dir]  # one store: an older build
    graph = ox.NamedNode(GRAPH_CURATED)
    closure = ox.NamedNode(MKV.subtypeOfClosure)
    edge_graphs = (GRAPH_ENTAILED, GRAPH_ALIASES)
    edge_nodes = {ox.NamedNode(g) for g in edge_graphs}
    # The size of those graphs but the closure index. (str() of a term is its N-Triples form:
    # the IRIs are checked terms.)
    counts = [f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {g} {{ ?s ?p ?o FILTER(?p != {closure}) }} }}"
              for g in edge_nodes]
    expected = None
    expected_quads: set[ox.Quad] = set()
    problems: list[str] = []
    for store_dir in stores:
        try:
            store = ox.Store.read_only(str(store_dir))
        except OSError as exc:
            raise KGError(f"{store_dir}: cannot open the query store: {exc}") from None
        if expected is None:
            expected = entail_store(store, [ox.Quad(q.subject, q.predicate, q.object, graph) for q in curated])
            expected_quads = set(expected.quads())
        want, want_closure, want_quads = expected, closure_from_store(store, expected), expected_quads
        if store_dir == main_dir and len(stores) == 2:  # no alias twin in the main store
            want = EntailmentResult({k: d for k, d in expected.edges.items() if d.rule != ALIAS_RULE},
                                    expected.aliases)
            want_closure = ClosureResult(want_closure.pairs, set())
            # (want's quads: the expected ones but the alias twins, which are the aliases graph's)
            entailed = ox.NamedNode(GRAPH_ENTAILED)
            want_quads = {q for q in expected_quads if q.graph_name == entailed}
        if (all(q.graph_name in edge_nodes and q.predicate != closure for q in want_quads)
                and store_holds_exactly(store, want_quads, len(want_quads), counts)):
            found_problems = check_closure(want_closure, store)
        else:
            found = [q for g in edge_graphs
                     for q in store.quads_for_pattern(None, None, None, ox.NamedNode(g)) if q.predicate != closure]
            found_problems = check_entailment(want, found) + check_closure(want_closure, store)
        problems += [f"{store_dir.name}: {p}" for p in found_problems] if len(stores) == 2 else found_problems
    return problems

