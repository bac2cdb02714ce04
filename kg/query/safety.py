"""Refuse queries that would reach outside the graph or change it.

SERVICE (federation), LOAD, any SPARQL Update, and FROM / FROM NAMED with an IRI that is
not one of the store's own graphs are refused before the engine sees the query. The scan
runs on the query with its strings and comments blanked out, so a label containing the
word "service" is not mistaken for the keyword.

Examples
--------
>>> check_query_safety("SELECT * WHERE { ?s ?p 'SERVICE' }")
False
>>> check_query_safety("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }")
Traceback (most recent call last):
...
kg.errors.UnsafeQueryError: SERVICE is not allowed: queries may not reach other endpoints
"""

from __future__ import annotations

import re
from typing import Iterable

from kg.errors import UnsafeQueryError

__all__ = ["check_query_safety", "strip_strings_and_comments"]

_STRING_OR_COMMENT = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'"
    r"|<[^<>\"{}|^`\\\s]*>"
    r"|#[^\n]*",
)
_UPDATE = re.compile(
    r"\b(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)\b", re.IGNORECASE)
_SERVICE = re.compile(r"\bSERVICE\b", re.IGNORECASE)
# SPARQL needs no space between FROM and an IRI: "FROM<file:///etc/passwd>" is valid.
_FROM = re.compile(r"\bFROM(?:\s+NAMED\b)?\s*(<[^>]*>|[A-Za-z_][\w.-]*:[\w.-]*)", re.IGNORECASE)


def strip_strings_and_comments(query: str) -> str:
    """Blank out string literals and comments, keep IRIs (whose content matters for FROM)."""

    def blank(match: re.Match) -> str:
        text = match.group(0)
        if text.startswith("<"):
            return text
        return " " * len(text)

    return _STRING_OR_COMMENT.sub(blank, query)


def check_query_safety(query: str, allowed_graphs: Iterable[str] = ()) -> bool:
    """Raise :class:`UnsafeQueryError` if the query could reach outside or modify the graph.

    Parameters
    ----------
    query : str
        The SPARQL text.
    allowed_graphs : iterable of str
        Graph IRIs that FROM / FROM NAMED may name (the store's own graphs).

    Returns
    -------
    bool
        Whether the query names its own dataset (FROM / FROM NAMED).
    """
    code = strip_strings_and_comments(query)
    bare = re.sub(r"<[^<>\s]*>", lambda m: " " * len(m.group(0)), code)
    # Variables (?copy) and prefixed names (mk:add) are not keywords.
    bare = re.sub(r"[?$][\w]+|[A-Za-z_][\w.-]*:[\w.-]*|:[\w.-]+", " ", bare)
    if _SERVICE.search(bare):
        raise UnsafeQueryError("SERVICE is not allowed: queries may not reach other endpoints")
    update = _UPDATE.search(bare)
    if update:
        keyword = update.group(1).upper()
        if keyword == "LOAD":
            raise UnsafeQueryError("LOAD is not allowed: the graph is read-only and may not fetch data")
        raise UnsafeQueryError(f"{keyword} is not allowed: the graph is read-only (SPARQL Update refused)")
    allowed = set(allowed_graphs)
    names_dataset = False
    for match in _FROM.finditer(code):
        names_dataset = True
        target = match.group(1)
        iri = target[1:-1] if target.startswith("<") else target
        if iri not in allowed:
            raise UnsafeQueryError(
                f"FROM {target} is not allowed: only the store's own graphs may be named "
                f"({', '.join(sorted(allowed)) or 'none'})")
    return names_dataset
