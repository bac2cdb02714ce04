"""The HTML pages of the browser UI, rendered with Jinja2 (autoescaping on for every template).

Every label, definition, quote and correction reaches the page through a template variable,
so it is escaped; links are built here only from our own entity paths and from the
``https://`` resolver URLs of :func:`kg.viz.styles.identifier_url`. The pages carry no
inline script or style: the Content-Security-Policy (:data:`PAGE_POLICY`) allows scripts,
styles and connections from this server only.

Examples
--------
>>> entity_path("https://w3id.org/myoclonus-kg/entity/clonazepam")
'/entity/clonazepam'
>>> page = render("error.html", title="<oops>", message="<script>x</script>", counts={})
>>> "<script>x" in page, "&lt;script&gt;x" in page
(False, True)
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from kg.namespace import ENTITY

__all__ = ["render", "entity_path", "entity_context", "path_context", "path_summary", "entities_context",
           "PAGE_POLICY", "TEMPLATE_DIR", "STATIC_DIR"]

TEMPLATE_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"

#: Content-Security-Policy of our own pages: everything from this server only, nothing inline.
PAGE_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
               "font-src 'self'; connect-src 'self'; frame-src 'self'; child-src 'self'; "
               "worker-src 'none'; object-src 'none'; manifest-src 'none'; base-uri 'none'; "
               "form-action 'self'; frame-ancestors 'self'")


@lru_cache(maxsize=1)
def _environment():
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)), autoescape=True,
                             undefined=jinja2.ChainableUndefined, trim_blocks=False)
    return env


def render(template: str, **context: Any) -> str:
    """Render a template of ``kg/web/templates`` with autoescaping.

    Raises
    ------
    jinja2.TemplateNotFound
        For an unknown template.
    """
    return _environment().get_template(template).render(**context)


def entity_path(iri: str) -> str:
    """The UI path of an entity page: ``/entity/<local name>`` for our entities, else the
    IRI percent-encoded."""
    if iri.startswith(ENTITY) and re.fullmatch(r"[\w.-]+", iri[len(ENTITY):]):
        return "/entity/" + iri[len(ENTITY):]
    return "/entity/" + quote(iri, safe="")


def _identifier_url(identifier: str) -> str | None:
    try:
        from kg.viz.styles import identifier_url
    except ImportError:  # pragma: no cover - kg.viz ships with the package
        return None
    return identifier_url(identifier)


def _https(text: str | None) -> str | None:
    if text and re.match(r"^https://[A-Za-z0-9.-]+(/[^\s\"'<>]*)?$", text):
        return text
    return None


def _category_name(category: str) -> str:
    return category.partition(":")[2] or category


def _short_type(iri: str) -> str:
    from kg.identifiers import curie

    return curie(iri)


def entity_context(entity: dict, graph) -> dict:
    """Template variables of an entity page from :meth:`KnowledgeGraph.entity` and the graph."""
    from kg.identifiers import curie

    nodes = graph.nodes

    def label(iri: str) -> str:
        return str(nodes[iri].get("label") or iri) if iri in nodes else iri

    edges = []
    for e in entity["edges"]:
        data = next((d for d in (graph.get_edge_data(e["subject"], e["object"]) or {}).values()
                     if d.get("statement") == e["statement"]), {})
        subject, obj = label(e["subject"]), label(e["object"])
        predicate_label = str(data.get("label") or e["predicate"])
        base = f"{subject} {predicate_label} {obj}"
        extra = e["sentence"][len(base):].strip() if e["sentence"].startswith(base) else ""
        edges.append({
            "subject_label": subject, "subject_url": entity_path(e["subject"]),
            "object_label": obj, "object_url": entity_path(e["object"]),
            "predicate_label": predicate_label, "notes": extra[1:-1] if extra.startswith("(") else extra,
            "sentence": e["sentence"],
            "quote": e.get("quote"), "quote_start": e.get("quote_start"),
            "quote_end": e.get("quote_end"), "correction": e.get("correction"),
            "reference": e.get("reference"), "reference_url": _https(e.get("reference")),
            "statement": curie(e["statement"]) if e.get("statement") else "",
        })
    return {
        "label": entity.get("label") or entity["iri"],
        "iri": entity["iri"] if _https(entity["iri"]) else "",
        "curie": entity.get("curie") or entity["iri"],
        "category_name": _category_name(str(entity.get("entity_class") or entity.get("category") or "")),
        "definition": entity.get("definition") or "",
        "types": [_short_type(t) for t in entity.get("types") or ()],
        "synonyms": list(entity.get("synonyms") or ()),
        "xrefs": [{"id": x, "url": _identifier_url(x)} for x in entity.get("xrefs") or ()],
        "characteristics": list(entity.get("characteristics") or ()),
        "values": sorted((str(k), str(v)) for k, v in (entity.get("values") or {}).items()),
        "edges": edges,
    }


def path_summary(lengths: list[int]) -> str:
    """How many paths of how many hops, truthfully when their lengths differ.

    Examples
    --------
    >>> path_summary([3])
    '1 path of 3 hops.'
    >>> path_summary([3, 4, 4])
    '3 paths: 1 of 3 hops, 2 of 4 hops.'
    >>> path_summary([2, 2])
    '2 paths of 2 hops.'
    """
    def hops(n: int) -> str:
        return f"{n} hop{'s' if n != 1 else ''}"

    if not lengths:
        return "No path."
    counts: dict[int, int] = {}
    for n in lengths:
        counts[n] = counts.get(n, 0) + 1
    total = f"{len(lengths)} path{'s' if len(lengths) != 1 else ''}"
    if len(counts) == 1:
        return f"{total} of {hops(lengths[0])}."
    return f"{total}: " + ", ".join(f"{c} of {hops(n)}" for n, c in sorted(counts.items())) + "."


_DIRECTION_BADGE = {"up": "to a broader class", "down": "to a narrower class"}


def path_context(paths: list) -> dict:
    """Template variables of the path page from :meth:`KnowledgeGraph.path`'s paths: each
    path's nodes and hops (with the hop's direction in the hierarchy and the generalisation
    warning), and a summary of their count and lengths."""
    from kg.paths.finder import generalisation_note, hop_direction

    out = []
    for p in paths:
        data = p.to_dict()
        directions = [hop_direction(h) for h in p.hops]
        out.append({
            "nodes": [{"label": lab, "url": entity_path(iri)}
                      for iri, lab in zip(data["nodes"], data["labels"])],
            "hops": data["hops"],
            "badges": [_DIRECTION_BADGE.get(d, "") for d in directions],
            "note": generalisation_note(p),
            "length": len(p),
        })
    return {"paths": out, "summary": path_summary([len(p) for p in paths])}


def entities_context(graph) -> list[dict]:
    """Entities grouped by category (the one scheme: each entity's primary class, as in
    ``counts()`` and the viz legend), for the entity index."""
    groups: dict[str, list] = {}
    for iri, data in graph.nodes(data=True):
        name = _category_name(str(data.get("entity_class") or data.get("category") or "NamedThing"))
        groups.setdefault(name, []).append({"label": str(data.get("label") or iri),
                                            "url": entity_path(iri)})
    return [{"name": name, "count": len(items),
             "entities": sorted(items, key=lambda e: e["label"].casefold())}
            for name, items in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))]
