"""What :meth:`kg.api.KnowledgeGraph.entity` returns: an :class:`Entity` and its
:class:`EntityEdge` records (also importable from :mod:`kg.api`).

Kept out of :mod:`kg.api` so that ``kg query``, which never describes an entity, does not
import :mod:`dataclasses` (it loads :mod:`inspect`: a tenth of that command's start-up).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Iterator

__all__ = ["Entity", "EntityEdge"]


class _Record:
    """Read access by key as well as by attribute (``entity["edges"]`` as ``entity.edges``),
    so that code written for the dicts these records replace keeps working."""

    def __getitem__(self, key: str) -> Any:
        if key not in self._keys():
            raise KeyError(key)
        return getattr(self, key)

    def __contains__(self, key: object) -> bool:
        return key in self._keys()

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys())

    def get(self, key: str, default: Any = None) -> Any:
        """The value of ``key``, or ``default``."""
        return getattr(self, key) if key in self._keys() else default

    def keys(self) -> tuple[str, ...]:
        """The field names."""
        return self._keys()

    def _keys(self) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(self))  # type: ignore[arg-type]

    def to_dict(self) -> dict[str, Any]:
        """Plain data (for JSON)."""
        return dataclasses.asdict(self)  # type: ignore[call-overload]


@dataclasses.dataclass(frozen=True)
class EntityEdge(_Record):
    """One edge of an entity, told as a sentence, with its full evidence
    (:func:`kg.paths.finder.edge_evidence`)."""

    subject: str
    predicate: str
    object: str
    sentence: str
    quote: str | None = None
    quote_start: int | None = None
    quote_end: int | None = None
    correction: str | None = None
    reference: str | None = None
    statement: str | None = None
    evidence: dict = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class Entity(_Record):
    """Everything about one entity (:meth:`KnowledgeGraph.entity`)."""

    iri: str
    label: str
    category: str | None = None
    entity_class: str | None = None
    types: tuple[str, ...] = ()
    curie: str | None = None
    definition: str | None = None
    synonyms: tuple[str, ...] = ()
    xrefs: tuple[str, ...] = ()
    characteristics: tuple = ()
    values: dict = dataclasses.field(default_factory=dict)
    edges: tuple[EntityEdge, ...] = ()
