"""Refuse requests that would reach outside the graph or change it.

SERVICE (federation), LOAD, any SPARQL Update, FROM / FROM NAMED with an IRI that is not one
of the store's own graphs, undefined prefixes, and queries nested or chained beyond the
limits of :mod:`kg.sparql.limits` are refused before an engine sees the text. The decision
is made on the parse of :mod:`kg.sparql` (the grammar, not patterns over the text), so a
label or comment holding "service" is not mistaken for the keyword and no trick of lexing
hides a keyword from the check. This is the first defence; the second is that the
processes that run queries have no network (:mod:`kg.sandbox`; see ``docs/security.md``).

Examples
--------
>>> check_query_safety("SELECT * WHERE { ?s ?p 'SERVICE' }")
False
>>> check_query_safety("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }")
Traceback (most recent call last):
...
kg.errors.UnsafeQueryError: SERVICE is not allowed (line 1, column 18): queries may not reach other endpoints
"""

from __future__ import annotations

from typing import Iterable

from kg.errors import QueryError, UnsafeQueryError
from kg.sparql import QueryAnalysis, analyse

__all__ = ["check_query", "check_query_safety"]


def check_query(query: str, allowed_graphs: Iterable[str] = ()) -> QueryAnalysis:
    """Analyse a query and raise if it may not run; return its analysis.

    Parameters
    ----------
    query : str
        The SPARQL text (our prefixes are predeclared).
    allowed_graphs : iterable of str
        Graph IRIs that FROM / FROM NAMED may name (the store's own graphs).

    Returns
    -------
    kg.sparql.QueryAnalysis

    Raises
    ------
    UnsafeQueryError
        SERVICE, LOAD, an update, or FROM / FROM NAMED outside ``allowed_graphs``; the
        message names the line and column.
    QueryError
        The text is malformed, too deeply nested or too complex, or uses an undefined
        prefix (line and column given).

    Examples
    --------
    >>> check_query("SELECT ?from WHERE { ?from rdfs:label ?l }").projection
    ('from',)
    >>> check_query("SELECT * FROM <file:///etc/passwd> { ?s ?p ?o }", ["urn:g"])
    Traceback (most recent call last):
    ...
    kg.errors.UnsafeQueryError: FROM <file:///etc/passwd> is not allowed (line 1, column 10): only the store's own graphs may be named (urn:g)
    >>> check_query("ASK { ?s mkx:p ?o }")
    Traceback (most recent call last):
    ...
    kg.errors.QueryError: malformed SPARQL (line 1, column 10): undefined prefix 'mkx:'; declare it with PREFIX mkx: <...> or use one of the predeclared prefixes
    """
    analysis = analyse(query)
    if analysis.is_update:
        if not analysis.updates:
            raise QueryError("no query: the text has no SELECT, ASK, CONSTRUCT or DESCRIBE")
        op = next((o for o in analysis.updates if o.keyword == "LOAD"), analysis.updates[0])
        where = f" (line {op.line}, column {op.column})"
        if op.keyword == "LOAD":
            raise UnsafeQueryError(f"LOAD is not allowed{where}: the graph is read-only and may not "
                                   "fetch data", line=op.line, column=op.column)
        raise UnsafeQueryError(f"{op.keyword.split()[0]} is not allowed{where}: the graph is read-only "
                               "(SPARQL Update refused)", line=op.line, column=op.column)
    if analysis.services:
        s = analysis.services[0]
        raise UnsafeQueryError(f"SERVICE is not allowed (line {s.line}, column {s.column}): queries may "
                               "not reach other endpoints", line=s.line, column=s.column)
    if analysis.undefined_prefixes:
        p = analysis.undefined_prefixes[0]
        raise QueryError(f"malformed SPARQL (line {p.line}, column {p.column}): undefined prefix "
                         f"'{p.prefix}:'; declare it with PREFIX {p.prefix}: <...> or use one of the "
                         "predeclared prefixes", line=p.line, column=p.column)
    allowed = set(allowed_graphs)
    for clause in analysis.dataset:
        if clause.iri not in allowed:
            shown = f"<{clause.iri}>" if clause.iri is not None else clause.written
            keyword = "FROM NAMED" if clause.named else "FROM"
            raise UnsafeQueryError(
                f"{keyword} {shown} is not allowed (line {clause.line}, column {clause.column}): only "
                f"the store's own graphs may be named ({', '.join(sorted(allowed)) or 'none'})",
                line=clause.line, column=clause.column)
    return analysis


def check_query_safety(query: str, allowed_graphs: Iterable[str] = ()) -> bool:
    """Raise as :func:`check_query` does; return whether the query names its own dataset
    (FROM / FROM NAMED)."""
    return bool(check_query(query, allowed_graphs).dataset)
