"""The named queries as self-contained SPARQL text, for the query editor and for benchmarks.

A named query's parameters are bound by substitution in the Python API; in the browser the
text has to stand alone, so :func:`inline_parameters` puts the default values in a
``VALUES`` line at the top of the query's WHERE block, and :func:`with_prefixes` adds the
``PREFIX`` lines of the prefixes the text uses (for endpoints that do not predeclare ours).
Both read the query's structure from its parse (:func:`kg.sparql.analyse`).

Examples
--------
>>> from kg.query.library import get_query
>>> text = inline_parameters(get_query("first-line-drug"))
>>> "VALUES ?type { mk:action_myoclonus }" in text
True
>>> with_prefixes("SELECT ?x WHERE { ?x rdfs:label 'a:b' }").splitlines()[0]
'PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>'
"""

from __future__ import annotations

import pyoxigraph as ox

from kg.errors import QueryError
from kg.namespace import PREFIXES
from kg.query.library import NamedQuery, list_queries, to_term
from kg.sparql import analyse
from kg.sparql.lexer import PNAME, lex

__all__ = ["inline_parameters", "with_prefixes", "editor_queries"]


def _is_prefixed_name(raw: str) -> bool:
    """Whether ``raw`` is exactly one prefixed name with a predeclared prefix."""
    try:
        tok = lex(raw, 0)
    except QueryError:
        return False
    return tok.kind == PNAME and tok.start == 0 and tok.end == len(raw) and tok.value[0] in PREFIXES


def _value_text(raw: str, kind: str) -> str:
    if kind == "iri":
        if _is_prefixed_name(raw):
            return raw
        return str(to_term(raw, "iri"))
    if kind == "integer":
        return str(int(raw))
    return str(ox.Literal(raw))


def inline_parameters(query: NamedQuery, values: dict[str, str] | None = None) -> str:
    """The query text with its parameters bound in a ``VALUES`` line.

    Parameters
    ----------
    query : NamedQuery
        From :mod:`kg.query.library`.
    values : dict, optional
        Parameter values (CURIEs, ``<IRIs>``, strings); the defaults otherwise. A parameter
        with neither stays a free variable.

    Returns
    -------
    str

    Raises
    ------
    KGError
        If a value does not fit its parameter's type.
    """
    values = dict(values or {})
    lines = []
    for p in query.params:
        raw = values.get(p.name, p.default)
        if raw is not None:
            lines.append(f"  VALUES ?{p.name} {{ {_value_text(raw, p.type)} }}")
    text = query.text
    if not lines:
        return text
    where = analyse(text).where
    if where is None:
        return text
    block = "\n" + "\n".join(lines)
    inner = text[where.open + 1:where.close]
    if where.template:  # CONSTRUCT WHERE { T }: VALUES may not go in the template
        start = where.keyword if where.keyword is not None else where.open
        return text[:start] + "{" + inner + "} WHERE {" + block + inner + "}" + text[where.close + 1:]
    if where.subselect:  # VALUES may not precede a sub-SELECT in its group
        return text[:where.open + 1] + block + "\n  {" + inner + "}" + text[where.close:]
    return text[:where.open + 1] + block + text[where.open + 1:]


def with_prefixes(text: str) -> str:
    """``text`` preceded by ``PREFIX`` lines for every predeclared prefix it uses.

    Examples
    --------
    >>> print(with_prefixes("ASK { mk:a mkv:b HP:0001336 }"))
    PREFIX HP: <http://purl.obolibrary.org/obo/HP_>
    PREFIX mk: <https://w3id.org/myoclonus-kg/entity/>
    PREFIX mkv: <https://w3id.org/myoclonus-kg/vocab/>
    ASK { mk:a mkv:b HP:0001336 }
    """
    try:
        analysis = analyse(text)
    except QueryError:
        return text
    declared = {name for name, _ in analysis.prefixes}
    used = sorted((analysis.prefixes_used & set(PREFIXES)) - declared)
    head = "".join(f"PREFIX {p}: <{PREFIXES[p]}>\n" for p in used)
    # After the leading comments (a named query's metadata), at the start of the line where
    # the query itself begins.
    first = lex(text, 0).start
    at = max(text.rfind("\n", 0, first), text.rfind("\r", 0, first)) + 1
    return text[:at] + head + text[at:]


def editor_queries() -> list[dict[str, str]]:
    """The named queries for the editor's menu: name, title, description and standalone text
    (parameters inlined, ``PREFIX`` lines added, so the text runs on any endpoint)."""
    return [{"name": q.name, "title": q.title, "description": q.description,
             "query": with_prefixes(inline_parameters(q))} for q in list_queries()]
