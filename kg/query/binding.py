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

The user's text is never parsed or rewritten beyond finding where its outermost
``WHERE`` group opens (on a copy with strings, IRIs, comments, variables and prefixed names
blanked out, so none of them can be mistaken for syntax). The block is the first element
of that group, so it binds the variable for the whole group, as a substitution does.
Unlike a substitution, it does not reach into a sub-``SELECT`` that does not project the
variable; none of the named queries has one.

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
from kg.query.safety import strip_strings_and_comments

__all__ = ["inject_values", "values_block"]

_VAR = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_IRI = re.compile(r"<[^<>\s]*>")
_NAMES = re.compile(r"[?$][\w]+|[A-Za-z_][\w.-]*:[\w.-]*|:[\w.-]+")
_FORM = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)
_WORD = re.compile(r"\bWHERE\b", re.IGNORECASE)


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


def _mask(query: str) -> str:
    # Same length as the query: strings, comments, IRIs, variables and prefixed names blanked.
    code = strip_strings_and_comments(query)
    code = _IRI.sub(lambda m: " " * len(m.group(0)), code)
    return _NAMES.sub(lambda m: " " * len(m.group(0)), code)


def _closing(code: str, start: int) -> int:
    """Index of the ``}`` matching the ``{`` at ``start``."""
    depth = 0
    for i in range(start, len(code)):
        if code[i] == "{":
            depth += 1
        elif code[i] == "}":
            depth -= 1
            if depth == 0:
                return i
    raise QueryError("malformed SPARQL: unbalanced braces")


def _top_level(code: str, start: int):
    """Yield (index, char) of the characters at brace and parenthesis depth 0 from ``start``."""
    braces = parens = 0
    for i in range(start, len(code)):
        c = code[i]
        if braces == 0 and parens == 0:
            yield i, c
        if c == "{":
            braces += 1
        elif c == "}":
            braces -= 1
        elif c == "(":
            parens += 1
        elif c == ")":
            parens -= 1


def inject_values(query: str, bindings: Mapping[str, ox.NamedNode | ox.Literal]) -> str:
    """Bind variables by adding a ``VALUES`` block as the first element of the outermost
    ``WHERE`` group; the query is returned unchanged when there is nothing to bind.

    A short-form ``CONSTRUCT WHERE { T }`` becomes ``CONSTRUCT { T } WHERE { VALUES … T }``.

    Parameters
    ----------
    query : str
        A SPARQL query (already checked by :func:`kg.query.safety.check_query_safety`).
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
    >>> inject_values("DESCRIBE <http://x/s>", {"s": ox.NamedNode("http://x/s")})
    Traceback (most recent call last):
    ...
    kg.errors.QueryError: cannot bind parameters: the query has no WHERE group
    """
    if not bindings:
        return query
    block = values_block(bindings)
    code = _mask(query)
    form = _FORM.search(code)
    if form is None:
        raise QueryError("cannot bind parameters: no SELECT, ASK, CONSTRUCT or DESCRIBE found")
    is_construct = form.group(1).upper() == "CONSTRUCT"
    template_seen = False
    where_at = None  # index of the WHERE keyword, if any
    open_at = None   # index of the '{' of the WHERE group
    for i, c in _top_level(code, form.end()):
        if c == "{":
            if is_construct and where_at is None and not template_seen:
                template_seen = True  # CONSTRUCT { template } [WHERE] { pattern }
                continue
            open_at = i
            break
        if where_at is None and c in "Ww" and _WORD.match(code, i) and (i == 0 or not code[i - 1].isalnum()):
            where_at = i
    if open_at is None:
        raise QueryError("cannot bind parameters: the query has no WHERE group")
    if is_construct and not template_seen:
        # CONSTRUCT WHERE { T }: the pattern is also the template; VALUES is not allowed in
        # it, so spell the template out.
        close = _closing(code, open_at)
        pattern = query[open_at + 1:close]
        start = where_at if where_at is not None else open_at
        return (query[:start] + "{" + pattern + "} WHERE { " + block + " " + pattern.lstrip(" ") + "}"
                + query[close + 1:])
    return query[:open_at + 1] + " " + block + " " + query[open_at + 1:].lstrip(" ")
