"""The named queries as self-contained SPARQL text, for the query editor and for benchmarks.

A named query's parameters are bound by substitution in the Python API; in the browser the
text has to stand alone, so :func:`inline_parameters` puts the default values in a
``VALUES`` line at the top of the query's WHERE block, and :func:`with_prefixes` adds the
``PREFIX`` lines of the prefixes the text uses (for endpoints that do not predeclare ours).

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

import re

import pyoxigraph as ox

from kg.namespace import PREFIXES
from kg.query.library import NamedQuery, list_queries, to_term
from kg.query.safety import strip_strings_and_comments

__all__ = ["inline_parameters", "with_prefixes", "editor_queries"]

_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)
_FORM = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)
_PREFIXED = re.compile(r"(?<![\w?$:.-])([A-Za-z][\w.-]*):")


def _value_text(raw: str, kind: str) -> str:
    if kind == "iri":
        prefix, sep, local = raw.partition(":")
        if sep and prefix in PREFIXES and not local.startswith("//") and re.fullmatch(r"[\w.-]*", local):
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
    code = strip_strings_and_comments(text)
    match = _WHERE.search(code)
    if match is None:
        form = _FORM.search(code)
        brace = code.find("{", form.end() if form else 0)
        if brace < 0:
            return text
        at = brace + 1
    else:
        at = match.end()
    return text[:at] + "\n" + "\n".join(lines) + text[at:]


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
    code = strip_strings_and_comments(text)
    code = re.sub(r"<[^<>\s]*>", " ", code)
    declared = {m.group(1) for m in re.finditer(r"\bPREFIX\s+([\w-]*):", code, re.IGNORECASE)}
    used = sorted({m.group(1) for m in _PREFIXED.finditer(code)} & set(PREFIXES) - declared)
    head = "".join(f"PREFIX {p}: <{PREFIXES[p]}>\n" for p in used)
    # After the leading comment lines (a named query's metadata), before the query itself.
    lines = text.splitlines(keepends=True)
    at = 0
    while at < len(lines) and lines[at].lstrip().startswith("#"):
        at += 1
    return "".join(lines[:at]) + head + "".join(lines[at:])


def editor_queries() -> list[dict[str, str]]:
    """The named queries for the editor's menu: name, title, description and standalone text
    (parameters inlined, ``PREFIX`` lines added, so the text runs on any endpoint)."""
    return [{"name": q.name, "title": q.title, "description": q.description,
             "query": with_prefixes(inline_parameters(q))} for q in list_queries()]
