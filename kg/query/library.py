"""The named query library: the competency questions as ``.rq`` files with metadata.

Each file in ``kg/queries/`` starts with comment lines holding its metadata::

    # title: First-choice drug for a kind of myoclonus
    # description: Drugs marked first-line for the given kind of myoclonus.
    # param: type iri mk:action_myoclonus -- the kind of myoclonus
    # graphs: hpo

``graphs`` names the optional graphs a query needs to answer (``hpo``: a build with the HPO
import); the UI disables such a query, saying why, on a build without them.

A parameter is a SPARQL variable of the query; its value is bound as an RDF term
(pyoxigraph substitutions, rdflib ``initBindings``), never pasted into the text.

**Reference forms.** A query that reads the subtype closure index (``mkv:subtypeOfClosure``,
:mod:`kg.closure`) instead of evaluating ``mkv:subtypeOf*`` has its *reference form* in
``kg/queries/reference/<name>.rq``: the same question written with property paths over the
edges. It defines the answer (the differential tests check both give the same rows on every
build) and is what runs when the closure graph is not in the dataset (graphs chosen without
it, or a server holding an older push): :attr:`NamedQuery.reference`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import pyoxigraph as ox

from kg.errors import KGError
from kg.namespace import PREFIXES
from kg.vocab import XSD

__all__ = ["NamedQuery", "QueryParam", "list_queries", "get_query", "query_dir", "to_term"]

PARAM_TYPES = ("iri", "string", "integer")
_META = re.compile(r"^#\s*(title|description|param|graphs)\s*:\s*(.*)$")
_PARAM = re.compile(rf"^(\w+)\s+({'|'.join(PARAM_TYPES)})(?:\s+(\S+))?(?:\s+--\s*(.*))?$")


# Named tuples rather than frozen dataclasses: importing ``dataclasses`` (it loads ``inspect``)
# and generating the methods took a tenth of a ``kg query`` process. Both are immutable
# records with the same fields, ``repr``, ``==`` and hash.

class QueryParam(NamedTuple):
    """A parameter of a named query: a variable, its type, its default and what it means."""

    name: str
    type: str
    default: str | None
    description: str


class NamedQuery(NamedTuple):
    """A named query (competency question) read from a ``.rq`` file, with its metadata."""

    name: str
    title: str
    description: str
    text: str
    params: tuple[QueryParam, ...] = ()
    path: Path | None = None
    #: Optional graphs the query needs (``("hpo",)``: the HPO import).
    graphs: tuple[str, ...] = ()
    #: The reference form (property paths, no closure index), if the query has one.
    reference: str | None = None

    @property
    def uses_closure(self) -> bool:
        """Whether the query reads the closure graph (it then has a reference form)."""
        return self.reference is not None

    def text_for(self, graph_iris) -> str:
        """The text to run on a dataset whose default graph is made of ``graph_iris``: the
        query itself, or its reference form when the closure graph is not among them."""
        from kg.vocab import GRAPH_CLOSURE

        if self.reference is not None and GRAPH_CLOSURE not in set(graph_iris):
            return self.reference
        return self.text

    def bindings(self, values: dict | None = None, resolve=None,
                 convert=None) -> dict[str, ox.NamedNode | ox.Literal]:
        """Bind parameters (given values over defaults) as RDF terms.

        A ``str`` value is read by the parameter's type (:func:`to_term`); any other value
        goes to ``convert(name, value)`` (see ``kg.api``), if given.

        Raises
        ------
        KGError
            On an unknown parameter or a missing value.
        """
        values = dict(values or {})
        unknown = set(values) - {p.name for p in self.params}
        if unknown:
            known = ", ".join(p.name for p in self.params) or "none"
            raise KGError(f"query {self.name!r} has no parameter {', '.join(sorted(unknown))} "
                          f"(parameters: {known})")
        bound = {}
        for p in self.params:
            raw = values.get(p.name, p.default)
            if raw is None:
                raise KGError(f"query {self.name!r} needs parameter {p.name!r} ({p.description})")
            bound[p.name] = (convert(p.name, raw) if convert is not None and not isinstance(raw, str)
                             else to_term(raw, p.type, resolve))
        return bound


def to_term(raw: str, kind: str, resolve=None) -> ox.NamedNode | ox.Literal:
    """Turn a parameter value into an RDF term.

    ``iri`` accepts ``<full-iri>``, a CURIE with a known prefix, or (with ``resolve``) an
    entity label, synonym or identifier.

    Raises
    ------
    KGError
        If the value does not fit the type.
    """
    if kind == "integer":
        try:
            return ox.Literal(str(int(raw)), datatype=ox.NamedNode(XSD.integer))
        except ValueError:
            raise KGError(f"parameter value {raw!r} is not an integer") from None
    if kind == "string":
        return ox.Literal(raw)
    if raw.startswith("<") and raw.endswith(">"):
        return _iri(raw[1:-1], raw)
    prefix, sep, local = raw.partition(":")
    if sep and prefix in PREFIXES and not local.startswith("//"):
        return _iri(PREFIXES[prefix] + local, raw)
    if resolve is not None:
        return _iri(resolve(raw), raw)
    raise KGError(f"parameter value {raw!r} is not an IRI or CURIE")


def _iri(iri: str, raw: str) -> ox.NamedNode:
    try:
        return ox.NamedNode(iri)
    except ValueError as exc:
        raise KGError(f"parameter value {raw!r} is not a valid IRI: {exc}") from None


def query_dir() -> Path:
    """The directory of the shipped ``.rq`` files."""
    return Path(__file__).resolve().parent.parent / "queries"


def _parse(path: Path) -> NamedQuery:
    return _parse_cached(path, path.stat().st_mtime_ns)


@lru_cache(maxsize=256)
def _parse_cached(path: Path, mtime_ns: int) -> NamedQuery:
    text = path.read_text(encoding="utf-8")
    meta: dict[str, str] = {}
    params: list[QueryParam] = []
    for line in text.splitlines():
        match = _META.match(line.strip())
        if not match:
            if line.strip() and not line.strip().startswith("#"):
                break
            continue
        key, value = match.groups()
        if key == "param":
            pm = _PARAM.match(value.strip())
            if not pm:
                raise KGError(f"{path.name}: bad param line {value!r} (want: NAME TYPE [DEFAULT] -- TEXT)")
            params.append(QueryParam(pm.group(1), pm.group(2), pm.group(3), pm.group(4) or ""))
        else:
            meta[key] = value.strip()
    if "title" not in meta:
        raise KGError(f"{path.name}: missing '# title:' line")
    graphs = tuple(g for g in meta.get("graphs", "").replace(",", " ").split() if g)
    reference_path = path.parent / "reference" / path.name
    reference = reference_path.read_text(encoding="utf-8") if reference_path.is_file() else None
    return NamedQuery(path.stem, meta["title"], meta.get("description", ""), text, tuple(params), path,
                      graphs, reference)


def list_queries() -> list[NamedQuery]:
    """All named queries, sorted by name.

    Examples
    --------
    >>> any(q.name == "first-line-drug" for q in list_queries())
    True
    """
    return [_parse(p) for p in sorted(query_dir().glob("*.rq"))]


def get_query(name: str) -> NamedQuery:
    """The named query ``name``.

    Raises
    ------
    KGError
        If there is no such query (the message lists close names).
    """
    path = query_dir() / f"{name}.rq"
    if not path.is_file():
        import difflib

        names = [p.stem for p in query_dir().glob("*.rq")]
        close = difflib.get_close_matches(name, names, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else "; `kg queries` lists them"
        raise KGError(f"no named query {name!r}{hint}")
    return _parse(path)
