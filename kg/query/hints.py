"""Hints for a query that failed or found nothing: prefixes that are not defined, and terms
that are not in the vocabulary or the graph, with "did you mean".

The terms a query uses come from the project's SPARQL parser, which follows the grammar
(:func:`kg.sparql.analyse`, through :func:`query_terms`), never from patterns over the text.

Examples
--------
>>> terms = query_terms("PREFIX ex: <urn:ex#> SELECT ?d WHERE { ?d mkv:treat ex:x ; foo:y ?o }")
>>> [(t.prefix, t.local) for t in terms.prefixed]
[('mkv', 'treat'), ('ex', 'x'), ('foo', 'y')]
>>> sorted(terms.declared)
['ex']
>>> vocabulary = {"treats": "treats", "causes": "causes"}
>>> found = hints("SELECT ?d WHERE { ?d mkv:treat ?t ; foo:y ?o }", vocabulary=vocabulary)
>>> [(h.kind, h.name, h.suggestions) for h in found]
[('prefix', 'foo:', ()), ('term', 'mkv:treat', ('mkv:treats',))]
>>> found[1].text
'mkv:treat is not a term of the vocabulary; did you mean mkv:treats?'
>>> found[0].text.startswith("prefix 'foo:'") and "is not defined" in found[0].text
True
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Callable, Iterable, Mapping

from kg.errors import QueryError
from kg.namespace import ENTITY, PREFIXES, VOCAB
from kg.query.results import select_star_order

__all__ = ["Hint", "QueryTerms", "PrefixedName", "query_terms", "hints", "hint_lines", "short_error",
           "select_star_order"]


@dataclass(frozen=True)
class PrefixedName:
    """A prefixed name of the query (``mkv:treats``)."""

    prefix: str
    local: str

    def __str__(self) -> str:
        return f"{self.prefix}:{self.local}"


@dataclass
class QueryTerms:
    """What a query names: its prefixed names, full IRIs, declared prefixes, variables in
    order of first appearance, and whether it is a ``SELECT *``."""

    prefixed: list[PrefixedName] = field(default_factory=list)
    iris: list[str] = field(default_factory=list)
    declared: dict[str, str] = field(default_factory=dict)
    variables: list[str] = field(default_factory=list)
    parsed: bool = True
    select_star: bool = False
    #: ``(prefix, line, column)`` of each use of a prefix neither declared nor predeclared.
    undefined: list[tuple[str, int, int]] = field(default_factory=list)


@dataclass(frozen=True)
class Hint:
    """One hint: ``kind`` (``prefix``, ``term``, ``entity``), the offending ``name``, a sentence,
    and the suggested replacements (prefixed names)."""

    kind: str
    name: str
    text: str
    suggestions: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {"kind": self.kind, "name": self.name, "text": self.text,
                "suggestions": list(self.suggestions)}


def query_terms(query: str) -> QueryTerms:
    """Parse ``query`` with :func:`kg.sparql.analyse` (the grammar-following parser every
    check uses) and list the names it uses. A query that cannot be parsed gives
    ``parsed=False`` and no names.

    Examples
    --------
    >>> [str(n) for n in query_terms("SELECT * WHERE { ?s mkv:treats ?o . ?o ?q ?s }").prefixed]
    ['mkv:treats']
    >>> query_terms("SELEC nonsense").parsed
    False
    """
    from kg.sparql import analyse

    try:
        a = analyse(query)
    except QueryError:
        return QueryTerms(parsed=False)
    terms = QueryTerms(declared=dict(a.prefixes), select_star=a.form == "SELECT" and a.projection is None,
                       undefined=[(u.prefix, u.line, u.column) for u in a.undefined_prefixes],
                       variables=list(a.variable_order))
    for use in a.iris:
        if use.prefix is None:
            if use.iri is not None:  # an IRI in <> always has its value
                terms.iris.append(use.iri)
        else:  # written as PREFIX:LOCAL; the parser tells where the prefix ends
            terms.prefixed.append(PrefixedName(use.prefix, use.written[len(use.prefix) + 1:]))
    return terms


def _close(word: str, candidates: Iterable[str], n: int = 3) -> list[str]:
    pool = list(candidates)
    by_case = {c.casefold(): c for c in pool}
    found = difflib.get_close_matches(word.casefold(), list(by_case), n=n, cutoff=0.6)
    return [by_case[f] for f in found]


def hints(query: str, *, vocabulary: Mapping[str, str] | Iterable[str] = (),
          entities: Iterable[str] = (), suggest_entity: Callable[[str], list[str]] | None = None,
          terms: QueryTerms | None = None) -> list[Hint]:
    """What may be wrong with ``query``: undefined prefixes, ``mkv:`` names that are not in the
    vocabulary, ``mk:`` names that are not entities of the graph.

    Parameters
    ----------
    query : str
        The SPARQL text (our prefixes predeclared).
    vocabulary : mapping or iterable of str
        The local names of the ``mkv:`` vocabulary (classes and properties).
    entities : iterable of str
        The local names of the ``mk:`` entities of the graph; empty: entities are not checked.
    suggest_entity : callable, optional
        ``local name -> close entity local names``, for the suggestions (default: spelling
        closeness among ``entities``).
    terms : QueryTerms, optional
        Already parsed terms.

    Returns
    -------
    list of Hint
        Undefined prefixes first, then the others in the order of the query; each name once.
    """
    terms = terms if terms is not None else query_terms(query)
    known_vocab = set(vocabulary)
    known_entities = set(entities)
    out: list[Hint] = []
    seen: set[str] = set()
    for name in terms.prefixed:
        key = str(name)
        if key in seen:
            continue
        seen.add(key)
        if name.prefix not in PREFIXES and name.prefix not in terms.declared:
            if f"prefix:{name.prefix}" in seen:
                continue
            seen.add(f"prefix:{name.prefix}")
            close = _close(name.prefix, PREFIXES)
            also = f"; did you mean {', '.join(c + ':' for c in close)}?" if close else ""
            where = next((f" (line {line}, column {column})" for p, line, column in terms.undefined
                          if p == name.prefix), "")
            out.append(Hint("prefix", name.prefix + ":",
                            f"prefix '{name.prefix}:'{where} is not defined: declare it (PREFIX "
                            f"{name.prefix}: <...>) or use a predeclared one (mk:, mkv:, rdfs:, ...)"
                            + also, tuple(c + ":" for c in close)))
            continue
        base = terms.declared.get(name.prefix, PREFIXES.get(name.prefix))
        if base == VOCAB and known_vocab and name.local not in known_vocab:
            close = _close(name.local, known_vocab)
            text = f"{key} is not a term of the vocabulary"
            if close:
                text += f"; did you mean {', '.join('mkv:' + c for c in close)}?"
            out.append(Hint("term", key, text, tuple("mkv:" + c for c in close)))
        elif base == ENTITY and known_entities and name.local not in known_entities:
            close = suggest_entity(name.local) if suggest_entity else _close(name.local, known_entities)
            text = f"{key} is not an entity of this graph"
            if close:
                text += f"; did you mean {', '.join('mk:' + c for c in close)}?"
            out.append(Hint("entity", key, text, tuple("mk:" + c for c in close)))
    for iri in terms.iris:
        if iri in seen:
            continue
        seen.add(iri)
        if iri.startswith(VOCAB) and known_vocab and iri[len(VOCAB):] not in known_vocab:
            local = iri[len(VOCAB):]
            close = _close(local, known_vocab)
            text = f"<{iri}> is not a term of the vocabulary"
            if close:
                text += f"; did you mean {', '.join('mkv:' + c for c in close)}?"
            out.append(Hint("term", f"<{iri}>", text, tuple("mkv:" + c for c in close)))
    # An undefined prefix stops the query outright: say it first.
    out.sort(key=lambda h: h.kind != "prefix")
    return out


def hint_lines(query: str, **kwargs) -> list[str]:
    """:func:`hints` as sentences (for the command line)."""
    return [h.text for h in hints(query, **kwargs)]


def short_error(error: QueryError | str) -> str:
    """A query error message without pyoxigraph's list of every character class its parser
    would have accepted (pages of Unicode ranges); the position stays.

    Only the engine's own messages are shortened (a :class:`~kg.errors.QueryError` with
    ``engine`` set, or a text holding pyoxigraph's ``error at LINE:COLUMN:``): the messages of
    our analysis (:mod:`kg.sparql`) are short already and may quote characters themselves.

    Examples
    --------
    >>> short_error("malformed SPARQL (line 1, column 9): error at 1:9: expected one of Prefix not found, ['%'], ['-']")
    'malformed SPARQL (line 1, column 9): error at 1:9: a prefix there is not defined'
    >>> short_error("malformed SPARQL (line 1, column 1): error at 1:1: expected CONSTRUCT")
    'malformed SPARQL (line 1, column 1): error at 1:1: expected CONSTRUCT'
    >>> from kg.errors import QueryError
    >>> short_error(QueryError("malformed SPARQL (line 1, column 80): nested deeper than 64 levels of '{', '(' and '['"))
    "malformed SPARQL (line 1, column 80): nested deeper than 64 levels of '{', '(' and '['"
    """
    message = str(error)
    if isinstance(error, str):
        start = message.find("error at ")  # where pyoxigraph's part begins
        if start < 0 or not message[start + 9:start + 10].isdigit():
            return message
    elif getattr(error, "engine", False):
        start = 0
    else:
        return message
    if "Prefix not found" in message[start:]:
        return message[:start] + message[start:].split("expected one of", 1)[0] + "a prefix there is not defined"
    cut = message.find("['", start)
    if cut < 0:
        return message
    return message[:cut].rstrip(" ,\n") + " (or another character)"
