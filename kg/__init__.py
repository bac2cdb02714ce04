"""myoclonus-kg: a curated, evidence-backed knowledge graph of myoclonus.

One entry point, :func:`load`, returns a :class:`~kg.api.KnowledgeGraph` over a built graph
(building it first if needed):

>>> import kg
>>> graph = kg.load()                                        # doctest: +SKIP
>>> graph.sparql("SELECT ?d WHERE { ?d mkv:treats mk:action_myoclonus }")   # doctest: +SKIP
"""

from kg.errors import (
    BuildError,
    CurationError,
    EntityNotFoundError,
    KGError,
    NoPathError,
    QueryError,
    UnsafeQueryError,
    ValidationError,
)
from kg.version import __version__


def load(path=None, **kwargs):
    """Open the built graph at ``path`` (building it if missing or stale).

    See :func:`kg.api.load` for the parameters.
    """
    from kg.api import load as _load

    return _load(path, **kwargs)


__all__ = [
    "__version__",
    "load",
    "KGError",
    "CurationError",
    "BuildError",
    "ValidationError",
    "QueryError",
    "UnsafeQueryError",
    "EntityNotFoundError",
    "NoPathError",
]
