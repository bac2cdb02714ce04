"""Binding query parameters: an inline ``VALUES`` block of RDF terms.

pyoxigraph substitutes only variables of the SELECT projection, and the SPARQL 1.1 Protocol
has no bindings at all; so, for the embedded store and a remote server alike, the bindings
travel inside the query, as SPARQL's own inline data::

    SELECT ?drug WHERE { VALUES (?type) { (<https://w3id.org/myoclonus-kg/entity/action_myoclonus>) } ?drug mkv:treats ?type }

**Why this is not string templating.** The text added is built only from

* variable names, checked against ``[A-Za-z_][A-Za-z0-9_]*`` (anything else is refused), and
* RDF terms (:class:`pyoxigraph.NamedNode` / :class:`pyoxigraph.Literal`), written in their
  N-Triples form (``str(term)``). pyoxigraph escapes a literal's ``"``, ``\\``, line breaks
  and control characters, and a NamedNode cannot hold ``>``, spaces or quotes: an IRI is
  validated when the term is made. The N-Triples forms of IRIs and literals are valid
  SPARQL terms with the same meaning, so a value is always exactly one term, whatever
  text a user typed (``"} DROP ALL #"`` stays a literal).

The user's text is not rewritten beyond inserting the block: where its outermost ``WHERE``
group opens is read from its parse (:func:`kg.sparql.analyse`), so no string, IRI, comment
or name can be mistaken for syntax. The block is the first element of that group, so it
binds the variable for the whole group, as a substitution does. Unlike a substitution, it
does not reach into a sub-``SELECT`` that does not project the variable; none of the named
queries has one. When the group *is* a sub-``SELECT`` (``WHERE { SELECT ... }``), the
sub-query is wrapped in a group of its own, after the block.

Examples
--------
>>> import pyoxigraph as ox
>>> inject_values("SELECT ?x WHERE { ?x ?p ?y }", {"y": ox.Literal('a "b"')})
'SELECT ?x WHERE { VALUES (?y) { ("a \\\\"b\\\\"") } ?x ?p ?y }'
>>> inject_values("ASK { ?s ?p ?o }", {"o": ox.NamedNode("http://example.org/o")})
'ASK { VALUES (?o) { (<http://example.org/o>) } ?s ?p ?o }'
"""

from __future__ import annotations

import re
from typing import Mapping

import pyoxigraph as ox

from kg.errors import QueryError
from kg.sparql import analyse

__all__ = ["inject_values", "values_block"]

_VAR = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def values_block(bindings: Mapping[str, ox.NamedNode | ox.Literal]) -> str:
    """The ``VALUES`` block binding each variable to its term.

    Raises
    ------
    QueryError
        On a variable name that is not a plain SPARQL name, or a term that is neither an
        IRI nor a literal (a blank node cannot be sent).

    Examples
    --------
    >>> import pyoxigraph as ox
    >>> values_block({"a": ox.NamedNode("http://x/a"), "n": ox.Literal("1", language="en")})
    'VALUES (?a ?n) { (<http://x/a> "1"@en) }'
    >>> values_block({"a b": ox.Literal("x")})
    Traceback (most recent call last):
    ...
    kg.errors.QueryError: cannot bind 'a b': not a SPARQL variable name
    """
    names, terms = [], []
    for name, term in bindings.items():
        if not _VAR.fullmatch(name):
            raise QueryError(f"cannot bind {name!r}: not a SPARQL variable name")
        if not isinstance(term, (ox.NamedNode, ox.Literal)):
            raise QueryError(f"cannot bind ?{name} to {term!r} on a remote server: "
                             "only IRIs and literals can be sent")
        names.append("?" + name)
        terms.append(str(term))
    return f"VALUES ({' '.join(names)}) {{ ({' '.join(terms)}) }}"


def inject_values(query: str, bindings: Mapping[str, ox.NamedNode | ox.Literal]) -> str:
    """Bind variables by adding a ``VALUES`` block as the first element of the outermost
    ``WHERE`` group; the query is returned unchanged when there is nothing to bind.

    A short-form ``CONSTRUCT WHERE { T }`` becomes ``CONSTRUCT { T } WHERE { VALUES … T }``.

    Parameters
    ----------
    query : str
        A SPARQL query (already checked by :func:`kg.query.safety.check_query`).
    bindings : mapping of str to pyoxigraph term
        ``{variable name: IRI or literal}``.

    Returns
    -------
    str

    Raises
    ------
    QueryError
        The query has no ``WHERE`` group to bind in, or a binding cannot be sent
        (see :func:`values_block`).

    Examples
    --------
    >>> import pyoxigraph as ox
    >>> inject_values("CONSTRUCT WHERE { ?s ?p ?o }", {"s": ox.NamedNode("http://x/s")})
    'CONSTRUCT { ?s ?p ?o } WHERE { VALUES (?s) { (<http://x/s>) } ?s ?p ?o }'
    >>> inject_values("SELECT * WHERE { SELECT ?y { ?x ?p ?y } }", {"y": ox.Literal("a")})
    'SELECT * WHERE { VALUES (?y) { ("a") } { SELECT ?y { ?x ?p ?y } } }'
    >>> inject_values("DESCRIBE <http://x/s>", {"s": ox.NamedNode("http://x/s")})
    Traceback (most recent call last):
    ...
    kg.errors.QueryError: cannot bind parameters: the query has no WHERE group
    """
    if not bindings:
        return query
    block = values_block(bindings)
    where = analyse(query).where
    if where is None:
        raise QueryError("cannot bind parameters: the query has no WHERE group")
    if where.template:
        # CONSTRUCT WHERE { T }: the pattern is also the template; VALUES is not allowed in
        # it, so spell the template out.
        pattern = query[where.open + 1:where.close]
        start = where.keyword if where.keyword is not None else where.open
        return (query[:start] + "{" + pattern + "} WHERE { " + block + " " + pattern.lstrip(" ") + "}"
                + query[where.close + 1:])
    if where.subselect:
        inner = query[where.open + 1:where.close]
        return query[:where.open + 1] + " " + block + " {" + inner + "} " + query[where.close:]
    return query[:where.open + 1] + " " + block + " " + query[where.open + 1:].lstrip(" ")
