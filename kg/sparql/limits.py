r"""Limits that keep a query from crashing the parsers and the engine.

Parsers and query engines recurse: pyoxigraph dies of a stack overflow (SIGSEGV, which no
``try`` catches) on about 2,500 nested ``{`` or 6,000 nested ``(``, and on a few thousand
*chained* elements too (``1+1+...``, ``{} UNION {} ...``, thousands of ``BIND``), because
each link of a chain is one more level of its syntax tree. So two limits hold for every
query, before pyoxigraph sees it:

* :data:`MAX_DEPTH` levels of ``{``, ``(`` and ``[``, checked by :func:`nesting_depth`, a
  single linear pass with no recursion that runs *before any parser*, ours included;
* :data:`MAX_WEIGHT`, a bound on the depth of the query's algebra that counts chained
  elements as levels, computed by our parser (:mod:`kg.sparql.parser`, whose own recursion
  the first limit bounds).

:func:`nesting_depth` must never count fewer levels than a parser sees, although it does
not parse: where the grammar alone decides whether ``<`` opens an IRI (``?s <p> ?o``) or
compares (``FILTER(?a <?b)``), it follows both readings at once and keeps the deeper, so a
bracket hidden from one reading is counted in the other. Strings, comments and the escaped
characters of prefixed names (``ex:a\)``) are skipped as every engine skips them.

Examples
--------
>>> nesting_depth("SELECT * WHERE { { FILTER((1)) } }")
4
>>> nesting_depth("ASK { FILTER(?a <')>' && (((1))) ) }", limit=4)
Traceback (most recent call last):
...
kg.errors.QueryError: malformed SPARQL (line 1, column 28): nested deeper than 4 levels of '{', '(' and '['

(Read as an IRI, ``<')>`` would hide the brackets inside a string; read as ``<`` and the
string ``')>'``, as pyoxigraph does here, they are five levels deep.)
"""

from __future__ import annotations

import heapq
import re

from kg.errors import QueryError
from kg.sparql.lexer import position

__all__ = ["MAX_DEPTH", "MAX_WEIGHT", "nesting_depth"]

#: Most levels of ``{``, ``(`` and ``[`` a query may nest (refused beyond: exit 2, HTTP 400).
MAX_DEPTH = 64
#: Largest algebra weight accepted (see the module docstring and ``docs/security.md``).
MAX_WEIGHT = 500

_CODE, _STR1, _STR2, _LONG1, _LONG2, _COMMENT = range(6)
_EVENT = re.compile(r"""[{}()\[\]'"#<\\]""")
_LINE_END = re.compile(r"[\r\n]")
_IRI = re.compile(r"""<(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*+>""")
_END = {
    _STR1: re.compile(r"(?:[^'\\\r\n]|\\.)*+'"),
    _STR2: re.compile(r'(?:[^"\\\r\n]|\\.)*+"'),
    _LONG1: re.compile(r"(?:[^'\\]|\\.|'(?!''))*+'''", re.DOTALL),
    _LONG2: re.compile(r'(?:[^"\\]|\\.|"(?!""))*+"""', re.DOTALL),
}


def nesting_depth(text: str, limit: int = MAX_DEPTH) -> int:
    """The deepest nesting of ``{``, ``(`` and ``[`` in ``text``, over every reading of ``<``.

    Linear in the length of the text, and not recursive.

    Parameters
    ----------
    text : str
        The query.
    limit : int
        Refuse deeper nesting.

    Returns
    -------
    int

    Raises
    ------
    QueryError
        At the first bracket beyond ``limit``, with its line and column.
    """
    deepest = depth = pos = 0
    # One reading, as long as the text does not fork it; then _nesting_depth_general follows
    # every reading from there. An IRI with no bracket, quote, '#', '<' or '\\' inside does
    # not fork: read as '<' and more, the text reaches the same next event at the same depth.
    search = _EVENT.search
    while True:
        m = search(text, pos)
        if m is None:
            return deepest
        at = m.start()
        c = text[at]
        if c in "{([":
            depth += 1
            if depth > limit:
                raise _too_deep(text, at, limit)
            if depth > deepest:
                deepest = depth
            pos = at + 1
        elif c in "})]":
            if depth:
                depth -= 1
            pos = at + 1
        elif c == "#":
            m = _LINE_END.search(text, at + 1)
            if m is None:
                return deepest
            pos = m.end()
        elif c == "\\":  # an escaped character of a prefixed name: never syntax
            pos = at + 2
        elif c == "<":
            iri = _IRI.match(text, at)
            end = -1 if iri is None else iri.end()
            inside = None if iri is None else search(text, at + 1, end)
            if iri is None:
                pos = at + 1
            elif inside is None:
                pos = end
            elif text[inside.start()] == "#" and (
                    (line := _LINE_END.search(text, end)) is None or search(text, end, line.start()) is None):
                # '#' first inside, as in <...rdf-schema#>: read as '<' and more, a comment to
                # the end of the line, where the IRI reading arrives with no event on the way.
                pos = end
            else:
                return _nesting_depth_general(text, limit, {(iri.end(), _CODE): depth, (at + 1, _CODE): depth},
                                              deepest)
        elif text.startswith(c * 3, at):  # a long string, or an empty one and a quote
            return _nesting_depth_general(text, limit, {(at + 3, _LONG1 if c == "'" else _LONG2): depth,
                                                        (at + 2, _CODE): depth}, deepest)
        else:  # a quote
            m = _END[_STR1 if c == "'" else _STR2].match(text, at + 1)
            if m is None:  # an unterminated string ends the reading: no engine runs it
                return deepest
            pos = m.end()


def _too_deep(text: str, at: int, limit: int) -> QueryError:
    line, column = position(text, at)
    return QueryError(f"malformed SPARQL (line {line}, column {column}): nested deeper "
                      f"than {limit} levels of '{{', '(' and '['", line=line, column=column)


def _nesting_depth_general(text: str, limit: int = MAX_DEPTH,
                           depth_at: dict[tuple[int, int], int] | None = None, deepest: int = 0) -> int:
    """nesting_depth following every reading at once, from the readings ``depth_at``
    ((position, state) -> depth; by default the start of the text)."""
    # Readings still alive, by (position, state) -> current depth; the heap orders them by
    # position, and two readings that meet in the same state merge (the deeper one wins).
    if depth_at is None:
        depth_at = {(0, _CODE): 0}
    heap = sorted(depth_at)

    def go(pos: int, state: int, depth: int) -> None:
        key = (pos, state)
        if key in depth_at:
            depth_at[key] = max(depth_at[key], depth)
        else:
            depth_at[key] = depth
            heapq.heappush(heap, key)

    while heap:
        pos, state = heapq.heappop(heap)
        depth = depth_at.pop((pos, state))
        if state == _COMMENT:
            m = _LINE_END.search(text, pos)
            if m is not None:
                go(m.end(), _CODE, depth)
            continue
        if state != _CODE:
            m = _END[state].match(text, pos)
            if m is not None:  # an unterminated string ends this reading: no engine runs it
                go(m.end(), _CODE, depth)
            continue
        m = _EVENT.search(text, pos)
        if m is None:
            continue
        at, c = m.start(), m.group(0)
        if c in "{([":
            depth += 1
            if depth > limit:
                raise _too_deep(text, at, limit)
            deepest = max(deepest, depth)
            go(at + 1, _CODE, depth)
        elif c in "})]":
            go(at + 1, _CODE, max(depth - 1, 0))
        elif c == "#":
            go(at + 1, _COMMENT, depth)
        elif c == "\\":  # an escaped character of a prefixed name: never syntax
            go(at + 2, _CODE, depth)
        elif c == "<":
            iri = _IRI.match(text, at)
            if iri is not None:  # an IRI, or a comparison: follow both
                go(iri.end(), _CODE, depth)
            go(at + 1, _CODE, depth)
        else:  # a quote
            if text.startswith(c * 3, at):
                go(at + 3, _LONG1 if c == "'" else _LONG2, depth)
                go(at + 2, _CODE, depth)  # or an empty string ('') followed by a quote
            else:
                go(at + 1, _STR1 if c == "'" else _STR2, depth)
    return deepest
