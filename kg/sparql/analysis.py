r"""What a SPARQL request does, read once per text: :func:`analyse` and :class:`QueryAnalysis`.

:func:`analyse` checks the nesting limit (a linear scan, before any parser), parses the
text with the grammar (:mod:`kg.sparql.parser`), checks the complexity limit, and returns a
small immutable :class:`QueryAnalysis`. When the text holds ``\u`` escapes, every reading an
engine may make of it (:mod:`kg.sparql.escapes`) is parsed too, must be valid, and adds its
SERVICE calls, updates and dataset clauses to the analysis, so that a check that passes the
analysis holds whichever way an engine reads the escapes. Results are cached per text.

Examples
--------
>>> a = analyse("SELECT ?from WHERE { ?from rdfs:label 'SERVICE' } # LOAD <x>")
>>> a.form, a.services, a.updates, a.dataset, a.projection
('SELECT', (), (), (), ('from',))
>>> analyse("SELECT * WHERE { ?s ?p ?o OPTIONAL { ?o ?q ?s } }").variable_order
('s', 'p', 'o', 'q')
>>> a = analyse("PREFIX ex: <http://example.org/>\nASK { ?s ex:p ?o FILTER(?o < 3) SERVICE ex:sparql { } }")
>>> a.services[0]
ServiceCall(target='http://example.org/sparql', silent=False, line=2, column=33)
>>> analyse("SELECT * { ?s mkv:treatz ?o . ?s foo:bar ?o }").undefined_prefixes
(PrefixUse(prefix='foo', line=1, column=34),)
"""

from __future__ import annotations

from bisect import bisect_right
from functools import lru_cache
from typing import Mapping, NamedTuple

from kg.errors import QueryError
from kg.namespace import PREFIXES
from kg.sparql.escapes import readings
from kg.sparql.limits import MAX_DEPTH, MAX_WEIGHT, nesting_depth
from kg.sparql.parser import Facts, parse

__all__ = ["analyse", "QueryAnalysis", "ServiceCall", "DatasetClause", "UpdateOperation",
           "PrefixUse", "IriUse", "WhereGroup", "cache_info"]


class ServiceCall(NamedTuple):
    """A ``SERVICE`` clause: its target IRI (or ``?var``), ``SILENT``, and where it starts."""

    target: str
    silent: bool
    line: int
    column: int


class DatasetClause(NamedTuple):
    """A ``FROM`` (``named`` False) or ``FROM NAMED`` clause.

    ``iri`` is the graph IRI, prefixes expanded (``None`` if the prefix is undefined);
    ``written`` is the IRI or prefixed name as in the text.
    """

    iri: str | None
    written: str
    named: bool
    line: int
    column: int


class UpdateOperation(NamedTuple):
    """An update operation: ``keyword`` is ``LOAD``, ``CLEAR``, ``DROP``, ``CREATE``, ``ADD``,
    ``MOVE``, ``COPY``, ``INSERT DATA``, ``DELETE DATA``, ``DELETE WHERE``, ``DELETE``,
    ``INSERT`` or ``WITH``; ``iri`` is the source of a ``LOAD``."""

    keyword: str
    iri: str | None
    line: int
    column: int


class PrefixUse(NamedTuple):
    """A prefixed name whose prefix is neither declared nor predeclared."""

    prefix: str
    line: int
    column: int


class IriUse(NamedTuple):
    """An IRI or prefixed name in the text: as ``written``, its expansion ``iri`` (``None``
    for an undefined prefix), its ``prefix`` (``None`` for an IRI in ``<>``)."""

    written: str
    iri: str | None
    prefix: str | None
    line: int
    column: int


class WhereGroup(NamedTuple):
    """Where the outermost WHERE group is, as offsets in the text.

    ``open`` and ``close`` are the offsets of its ``{`` and ``}``; ``keyword`` of the
    ``WHERE`` keyword (``None`` when omitted); ``subselect`` tells that the group holds a
    sub-``SELECT`` rather than patterns; ``template`` that it is also the template of a
    short ``CONSTRUCT WHERE { ... }``.
    """

    open: int
    close: int
    keyword: int | None
    subselect: bool
    template: bool


class QueryAnalysis(NamedTuple):
    r"""The analysis of one SPARQL request (see :func:`analyse`).

    Attributes
    ----------
    form : str
        ``SELECT``, ``ASK``, ``CONSTRUCT``, ``DESCRIBE``, or ``UPDATE`` for an update request
        (an empty one included).
    dataset : tuple of DatasetClause
        The ``FROM`` / ``FROM NAMED`` clauses.
    services : tuple of ServiceCall
        Every ``SERVICE``, wherever it is (nested groups, sub-queries, OPTIONAL, MINUS,
        EXISTS inside FILTER or BIND, the WHERE of an update).
    updates : tuple of UpdateOperation
        The operations of an update request (empty for a query).
    projection : tuple of str or None
        The variables a top-level SELECT projects (names without ``?``); ``None`` for
        ``SELECT *`` and for the other forms.
    variables : frozenset of str
        Every variable mentioned.
    prefixes : tuple of (str, str)
        The ``PREFIX`` declarations of the text, in order.
    prefixes_used : frozenset of str
        The prefixes of the prefixed names used (declared, predeclared or not).
    undefined_prefixes : tuple of PrefixUse
        Each use of a prefix that is neither declared nor predeclared.
    iris : tuple of IriUse
        Every IRI and prefixed name, in order.
    depth : int
        The deepest nesting of ``{``, ``(`` and ``[`` (at most
        :data:`~kg.sparql.limits.MAX_DEPTH`).
    weight : int
        A bound on the depth of the query's algebra (at most
        :data:`~kg.sparql.limits.MAX_WEIGHT`).
    where : WhereGroup or None
        The outermost WHERE group (``None`` for a DESCRIBE without one, and updates).
    readings : int
        How many readings were analysed: 1, or more when ``\u`` escapes may be applied
        before parsing (see :mod:`kg.sparql.escapes`).
    arbitrary_length_path : bool
        Whether a property path has a ``*`` or ``+`` modifier.
    graph_pattern : bool
        Whether a ``GRAPH`` pattern reads the named graphs (anywhere in the query).
    variable_order : tuple of str
        Every variable mentioned, in order of first mention in the text (the columns of a
        ``SELECT *``, in the order a reader expects them).
    """

    form: str
    dataset: tuple[DatasetClause, ...]
    services: tuple[ServiceCall, ...]
    updates: tuple[UpdateOperation, ...]
    projection: tuple[str, ...] | None
    variables: frozenset[str]
    prefixes: tuple[tuple[str, str], ...]
    prefixes_used: frozenset[str]
    undefined_prefixes: tuple[PrefixUse, ...]
    iris: tuple[IriUse, ...]
    depth: int
    weight: int
    where: WhereGroup | None
    readings: int = 1
    arbitrary_length_path: bool = False
    graph_pattern: bool = False
    variable_order: tuple[str, ...] = ()

    @property
    def is_update(self) -> bool:
        """Whether the request is a SPARQL Update (not a query)."""
        return self.form == "UPDATE"


def analyse(text: str, prefixes: Mapping[str, str] | None = None) -> QueryAnalysis:
    r"""Analyse a SPARQL 1.1 query or update request (cached per text and prefixes, for texts up
    to 8,192 characters).

    Parameters
    ----------
    text : str
        The request.
    prefixes : mapping, optional
        Predeclared prefixes; by default :data:`kg.namespace.PREFIXES`. The text's own
        ``PREFIX`` declarations take precedence.

    Returns
    -------
    QueryAnalysis

    Raises
    ------
    QueryError
        The text is malformed (line and column given), nested deeper than
        :data:`~kg.sparql.limits.MAX_DEPTH` levels, heavier than
        :data:`~kg.sparql.limits.MAX_WEIGHT`, or malformed once its ``\u`` escapes are applied.
    TypeError
        ``text`` is not a string.

    Examples
    --------
    >>> analyse("CONSTRUCT WHERE { ?s ?p ?o }").where
    WhereGroup(open=16, close=27, keyword=10, subselect=False, template=True)
    >>> analyse("DROP GRAPH <urn:g> ; LOAD <http://example.org/x>").updates[1].keyword
    'LOAD'
    >>> analyse("SELECT * WHERE { ?s ?p ?o ?x }")
    Traceback (most recent call last):
    ...
    kg.errors.QueryError: malformed SPARQL (line 1, column 27): expected '.' or '}' after a triple pattern, found '?x'
    """
    if not isinstance(text, str):
        raise TypeError(f"a SPARQL query is a str, not {type(text).__name__}")
    key = _DEFAULT_KEY if prefixes is None else tuple(sorted(prefixes.items()))
    if len(text) > CACHED_CHARS:  # kept out of the cache, which holds texts and their IRIs
        return _analyse.__wrapped__(text, key)
    return _analyse(text, key)


def cache_info():
    """Hits and misses of the analysis cache (:func:`functools.lru_cache` statistics)."""
    return _analyse.cache_info()


_DEFAULT_KEY = tuple(sorted(PREFIXES.items()))
#: Texts up to this many characters are cached (256 of them): a few MiB at most.
CACHED_CHARS = 8192


class _Lines:
    """1-based line and column of offsets in a text (lines end at line feeds)."""

    def __init__(self, text: str) -> None:
        self.starts = [0]
        at = text.find("\n")
        while at >= 0:
            self.starts.append(at + 1)
            at = text.find("\n", at + 1)

    def __call__(self, offset: int) -> tuple[int, int]:
        line = bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1


@lru_cache(maxsize=256)
def _analyse(text: str, prefix_key: tuple[tuple[str, str], ...]) -> QueryAnalysis:
    prefixes = dict(prefix_key)
    position = _Lines(text)
    facts = _facts(text, prefixes, "")
    others = readings(text)
    extra = [_facts(other, prefixes, " (with its \\u escapes applied before parsing, as SPARQL 1.1 "
                                     "section 19.2 says and some engines do)") for other in others]
    services = [_service(position, s) for s in facts.services]
    updates = [_operation(position, o) for o in facts.operations]
    dataset = [_dataset(position, d) for d in facts.dataset]
    depth, weight = facts.depth, facts.weight
    for other, more in zip(others, extra):
        where_in = _Lines(other)
        if more.form != facts.form:
            raise QueryError(f"the \\u escapes of the query change what it is ({facts.form} as "
                             f"written, {more.form} with the escapes applied first); write the "
                             "characters themselves")
        services += [s for s in (_service(where_in, s) for s in more.services) if s not in services]
        updates += [o for o in (_operation(where_in, o) for o in more.operations) if o not in updates]
        dataset += [d for d in (_dataset(where_in, d) for d in more.dataset) if d not in dataset]
        depth, weight = max(depth, more.depth), max(weight, more.weight)
    names = tuple(IriUse(n.written, n.iri, n.prefix, *position(n.offset)) for n in facts.names)
    where = None
    if facts.where_open is not None and facts.where_close is not None:
        where = WhereGroup(facts.where_open, facts.where_close, facts.where_keyword,
                           facts.where_subselect, facts.form == "CONSTRUCT" and not facts.template)
    return QueryAnalysis(
        form=facts.form,
        dataset=tuple(dataset),
        services=tuple(services),
        updates=tuple(updates),
        projection=tuple(facts.projection) if facts.projection is not None else None,
        variables=frozenset(facts.variables),
        prefixes=tuple(facts.declared.items()),
        prefixes_used=frozenset(n.prefix for n in names if n.prefix is not None),
        undefined_prefixes=tuple(PrefixUse(n.prefix, n.line, n.column) for n in names
                                 if n.prefix is not None and n.iri is None),
        iris=names,
        depth=depth,
        weight=weight,
        where=where,
        readings=1 + len(others),
        arbitrary_length_path=facts.arbitrary_length_path or any(m.arbitrary_length_path for m in extra),
        graph_pattern=facts.graph_pattern or any(m.graph_pattern for m in extra),
        variable_order=tuple(facts.variables),
    )


def _facts(text: str, prefixes: dict[str, str], note: str) -> Facts:
    try:
        nesting_depth(text, MAX_DEPTH)
        facts = parse(text, prefixes, max_depth=MAX_DEPTH)
    except QueryError as exc:
        if not note:
            raise
        raise QueryError(f"{exc}{note}", line=exc.line, column=exc.column) from None
    if facts.weight > MAX_WEIGHT:
        raise QueryError(f"the query is too complex: its algebra would be about {facts.weight} levels "
                         f"deep, more than the {MAX_WEIGHT} allowed (long chains of operators, "
                         "UNION, OPTIONAL, BIND, FILTER or triple patterns count one level each); "
                         f"split it or use VALUES / IN lists{note}")
    return facts


def _service(position: _Lines, s) -> ServiceCall:
    return ServiceCall(s.target, s.silent, *position(s.offset))


def _operation(position: _Lines, o) -> UpdateOperation:
    return UpdateOperation(o.keyword, o.iri, *position(o.offset))


def _dataset(position: _Lines, d) -> DatasetClause:
    return DatasetClause(d.iri, d.written, d.named, *position(d.offset))
