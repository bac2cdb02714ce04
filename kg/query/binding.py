"""Binding query parameters as RDF terms, as a ``VALUES`` block.

pyoxigraph substitutes only variables that appear in the SELECT projection, and a remote
SPARQL 1.1 server has no protocol-level bindings at all. So a parameter is bound by a
``VALUES`` block inserted as the first element of the query's outermost ``WHERE`` group.
What is inserted is not the user's text: each value is first built as an RDF term
(pyoxigraph validates IRIs and escapes literals) and then written in its N-Triples form,
so no value can close the block or add a pattern.

Examples
--------
>>> import pyoxigraph as ox
>>> bind_values("SELECT ?d WHERE { ?d mkv:treats ?t }", {"t": ox.NamedNode("https://w3id.org/x")})
'SELECT ?d WHERE { VALUES (?t) { (<https://w3id.org/x>) } ?d mkv:treats ?t }'
>>> bind_values('ASK { ?s rdfs:label ?l }', {"l": ox.Literal('a "quoted" } label')})
'ASK { VALUES (?l) { ("a \\\\"quoted\\\\" } label") } ?s rdfs:label ?l }'
"""

from __future__ import annotations

import re

import pyoxigraph as ox

from kg.errors import QueryError
from kg.query.safety import strip_strings_and_comments

__all__ = ["bind_values"]

_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)
_FORM = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def bind_values(query: str, bindings: dict[str, ox.NamedNode | ox.Literal | ox.BlankNode]) -> str:
    """Return ``query`` with ``bindings`` inserted as a ``VALUES`` block.

    Raises
    ------
    QueryError
        If a name is not a valid variable name, a value is not an RDF term, or the query
        has no group to bind into.
    """
    if not bindings:
        return query
    names, terms = [], []
    for name, term in bindings.items():
        if not _NAME.match(name):
            raise QueryError(f"{name!r} is not a valid SPARQL variable name")
        if not isinstance(term, (ox.NamedNode, ox.Literal)):
            raise QueryError(f"parameter {name!r} must be an IRI or a literal, not {type(term).__name__}")
        names.append("?" + name)
        terms.append(str(term))
    block = f"VALUES ({' '.join(names)}) {{ ({' '.join(terms)}) }} "
    code = strip_strings_and_comments(query)  # same length: positions carry over
    match = _WHERE.search(code)
    if match:
        at = match.end()
    else:
        form = _FORM.search(code)
        brace = code.find("{", form.end()) if form and form.group(1).upper() in ("SELECT", "ASK") else -1
        if brace < 0:
            raise QueryError("cannot bind parameters: the query has no WHERE group")
        at = brace + 1
    return query[:at] + " " + block + query[at:].lstrip(" ")
