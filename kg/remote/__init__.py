"""Beyond one machine: push the built graph to a SPARQL server, and query it there.

* :func:`kg.remote.gsp.push` (``kg push``) replaces the build's named graphs on the server
  at one moment and verifies them: on Oxigraph by writing only what changed (its bulk
  loader, or one transaction; :mod:`kg.remote.changes`), elsewhere by uploading copies with
  the SPARQL 1.1 Graph Store HTTP Protocol and swapping them in.
* :class:`kg.remote.engine.RemoteEngine` answers SPARQL, named queries, paths and
  neighbourhoods from the server (``kg.load(endpoint=URL)``, ``kg query --endpoint URL``).

What differs between servers is in :mod:`kg.remote.dialects` (one profile per server).
See ``docs/remote.md`` for Oxigraph server and OpenLink Virtuoso (both tested), Apache Jena
Fuseki and QLever.
"""

from __future__ import annotations

from kg.remote.errors import RemoteError, RemoteQueryError, RemoteTimeout
from kg.remote.http import Endpoints

__all__ = ["RemoteError", "RemoteQueryError", "RemoteTimeout", "Endpoints", "RemoteEngine", "push",
           "PushReport"]


def __getattr__(name: str):
    # The engine and the uploader are imported on first use.
    if name == "RemoteEngine":
        from kg.remote.engine import RemoteEngine

        return RemoteEngine
    if name in ("push", "PushReport"):
        from kg.remote import gsp

        return getattr(gsp, name)
    raise AttributeError(f"module 'kg.remote' has no attribute {name!r}")
