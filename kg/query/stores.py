"""The two stores of a build, and which one answers a query.

A build keeps its graphs in two pyoxigraph stores (:mod:`kg.layout`):

* ``store``: every graph but the aliases graph (the alias twins, :mod:`kg.entailment`,
  :mod:`kg.closure`). A query that names no alias sees exactly these graphs, so it runs on
  the store's *union* default graph. pyoxigraph evaluates each pattern once per graph of a
  listed default graph; the union is evaluated once (``phenotypes-of-disease`` on the
  full-HPO build: 59 ms as a union, 303 ms as a list of five graphs).
* ``store-full``: the same store with the aliases graph added (a hard-link checkpoint of
  ``store`` plus the twins). It answers what needs the aliases graph or the named graphs:
  a query that names an alias (then its union is the default graph), one that reads named
  graphs (``GRAPH``), chooses its own dataset (``FROM``, the protocol's graphs) or chooses
  graphs including the aliases graph. It is opened on first use.

The graphs a query sees, and so every answer, are those :func:`kg.query.dataset.query_dataset`
decides; the two stores only make the common case a union. A build without ``store-full``
(a single store holding every graph, or a store made by hand) is used as both.

Examples
--------
>>> import pyoxigraph as ox
>>> stores = BuildStores(ox.Store())
>>> stores.full is stores.main
True
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Iterable, Mapping

import pyoxigraph as ox

from kg.errors import KGError
from kg.layout import ALIASES_FILE, FULL_STORE_DIR
from kg.query.dataset import query_dataset, store_alias_test
from kg.vocab import GRAPH_ALIASES

__all__ = ["BuildStores"]


class BuildStores:
    """The stores of a build, read-only: ``main`` (no aliases graph) and ``full`` (every graph).

    Parameters
    ----------
    main : pyoxigraph.Store
        The store without the aliases graph (or, alone, a store with every graph).
    full_path : path, optional
        The directory of the store with every graph, opened read-only on first use.
    aliases : iterable of str, optional
        The alias IRIs of the build (required with ``full_path``).
    """

    def __init__(self, main: ox.Store, full_path: Path | None = None,
                 aliases: Iterable[str] | None = None) -> None:
        self.main = main
        self.main_iris = frozenset(g.value for g in main.named_graphs())
        self._full_path = full_path
        self._full: ox.Store | None = None if full_path is not None else main
        self._lock = threading.Lock()
        if full_path is None:
            self.aliases: frozenset[str] | None = None
            self.is_alias = store_alias_test(main)
            self.graph_iris = self.main_iris
        else:
            self.aliases = frozenset(aliases or ())
            self.is_alias = self.aliases.__contains__
            # The aliases graph holds a pair for each alias, and nothing when there is none.
            self.graph_iris = self.main_iris | ({GRAPH_ALIASES} if self.aliases else frozenset())

    @classmethod
    def open(cls, path: Path | str) -> "BuildStores":
        """Open a build's ``store`` directory, and note its ``store-full`` and alias list.

        Raises
        ------
        OSError, RuntimeError, ValueError
            From pyoxigraph, when the store cannot be opened.
        KGError
            When the alias list of the build is not a JSON list of strings.
        """
        path = Path(path)
        main = ox.Store.read_only(str(path))
        full_path, aliases_file = path.parent / FULL_STORE_DIR, path.parent / ALIASES_FILE
        if not full_path.is_dir() or not aliases_file.is_file():
            return cls(main)
        try:
            aliases = json.loads(aliases_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise KGError(f"{aliases_file}: unreadable ({exc.__class__.__name__}); rebuild: "
                          f"kg build --out {path.parent}") from None
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise KGError(f"{aliases_file}: not a list of IRIs; rebuild: kg build --out {path.parent}")
        return cls(main, full_path, aliases)

    @property
    def full(self) -> ox.Store:
        """The store with every graph (opened read-only on first use).

        Raises
        ------
        KGError
            If it cannot be opened (one line naming it and the command that rebuilds it).
        """
        if self._full is None:
            with self._lock:
                if self._full is None:
                    assert self._full_path is not None
                    try:
                        self._full = ox.Store.read_only(str(self._full_path))
                    except (OSError, RuntimeError, ValueError) as exc:
                        reason = str(exc).strip().partition("\n")[0][:200] or exc.__class__.__name__
                        raise KGError(f"{self._full_path}: the query store is damaged or unreadable "
                                      f"({reason}); rebuild it: kg build --out {self._full_path.parent}"
                                      ) from None
        return self._full

    def store_of(self, graph_iri: str) -> ox.Store:
        """The store that holds a graph (the main one, unless it is the aliases graph)."""
        return self.main if graph_iri in self.main_iris else self.full

    def plan(self, text: str, graphs: Mapping[str, str], names: Iterable[str] | None = None, *,
             bindings: Mapping[str, object] | None = None) -> tuple[ox.Store, dict]:
        """The store and pyoxigraph's dataset arguments for a query without its own dataset.

        Parameters
        ----------
        text : str
            The SPARQL text.
        graphs : mapping
            ``short name -> IRI`` of the project's graphs (those absent from the build are skipped).
        names : iterable of str, optional
            The graphs chosen by short name; ``None`` for the default choice.
        bindings : mapping, optional
            The query's bound parameters.
        """
        present = {name: iri for name, iri in graphs.items() if iri in self.graph_iris}
        full, dataset = query_dataset(text, names, present, self.is_alias, self.main_iris, bindings=bindings)
        return (self.full if full else self.main), dataset
