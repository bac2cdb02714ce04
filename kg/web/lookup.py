"""Completion by label from the local graph: entities (``mk:``, and imported ``HP:``,
``OMIM:``, ... nodes) and vocabulary terms (``mkv:``), for the editor and the query forms.

Examples
--------
>>> import kg
>>> from kg.schema import load_schema
>>> lookup = Lookup(kg.load().to_networkx(), load_schema())
>>> [c["curie"] for c in lookup.complete("clonaz", prefix="mk")]
['mk:clonazepam']
>>> lookup.complete("trea", prefix="mkv")[0]["curie"]
'mkv:treats'
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from kg.namespace import ENTITY, PREFIXES
from kg.vocab import MKV

__all__ = ["Lookup", "Entry"]


@dataclass(frozen=True)
class Entry:
    """One completion: the CURIE to insert, its label, its kind, and the words it is found by."""

    curie: str
    iri: str
    label: str
    kind: str            # a category name (Drug, Disease, ...), "property" or "class"
    keys: tuple[str, ...]
    curated: bool

    def to_dict(self) -> dict:
        return {"curie": self.curie, "iri": self.iri, "label": self.label, "kind": self.kind}


def _category(data: dict) -> str:
    category = str(data.get("category") or "")
    return category.partition(":")[2] or category or "entity"


class Lookup:
    """An in-memory index of the graph's entities and the vocabulary's terms.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        The graph (:meth:`kg.api.KnowledgeGraph.to_networkx`).
    schema : kg.schema.Schema
        The ontology (classes and properties of ``mkv:``).
    """

    def __init__(self, graph: nx.MultiDiGraph, schema) -> None:
        self.entries: list[Entry] = []
        self.entity_locals: set[str] = set()
        for iri, data in graph.nodes(data=True):
            curie = str(data.get("curie") or iri)
            if iri.startswith(ENTITY):
                local = iri[len(ENTITY):]
                self.entity_locals.add(local)
                curie = "mk:" + local
            elif curie == iri:
                continue  # no CURIE to write it with
            label = str(data.get("label") or curie)
            keys = tuple(k.casefold() for k in (label, *(data.get("synonyms") or ()),
                                                 curie.partition(":")[2], curie, *(data.get("xrefs") or ()))
                         if k)
            self.entries.append(Entry(curie, iri, label, _category(data), keys, iri.startswith(ENTITY)))
        self.vocabulary: dict[str, str] = {}
        for name, info in schema.properties.items():
            self.vocabulary[name] = info.label or name
            self.entries.append(Entry("mkv:" + name, MKV.iri(name), info.label or name, "property",
                                      (name.casefold(), (info.label or "").casefold()), True))
        for name, info in schema.classes.items():
            self.vocabulary[name] = info.label or name
            self.entries.append(Entry("mkv:" + name, MKV.iri(name), info.label or name, "class",
                                      (name.casefold(), (info.label or "").casefold()), True))

    def complete(self, text: str, *, prefix: str | None = None, limit: int = 20) -> list[dict]:
        """Entries whose label, synonym, local name or identifier matches ``text``.

        Parameters
        ----------
        text : str
            What the user typed (after the prefix, if any); case does not matter.
        prefix : str, optional
            Only entries written with this prefix (``mk``, ``mkv``, ``HP``, ...); none: the
            entities of every prefix (for a parameter), not the vocabulary.
        limit : int
            Most entries returned.

        Returns
        -------
        list of dict
            ``{"curie", "iri", "label", "kind"}``: a key starting with ``text`` first, then a
            word of a key starting with it, then any key containing it; curated before imported.
        """
        needle = text.strip().casefold()
        ranked = []
        for e in self.entries:
            own = e.curie.partition(":")[0]
            if prefix is not None and own != prefix:
                continue
            if prefix is None and e.kind in ("property", "class"):
                continue
            if not needle:
                rank = 2
            elif any(k.startswith(needle) for k in e.keys):
                rank = 0
            elif any(w.startswith(needle) for k in e.keys for w in k.replace("_", " ").split()):
                rank = 1
            elif any(needle in k for k in e.keys):
                rank = 2
            else:
                continue
            ranked.append(((rank, not e.curated, len(e.label), e.label.casefold()), e))
        ranked.sort(key=lambda pair: pair[0])
        return [e.to_dict() for _, e in ranked[:max(1, min(limit, 100))]]

    def prefixes(self) -> dict[str, str]:
        """The predeclared prefixes (for the editor)."""
        return dict(PREFIXES)
