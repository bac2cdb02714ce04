"""The web application: a SPARQL 1.1 Protocol endpoint and a browser UI over a built graph.

:func:`create_app` returns the ASGI application; ``kg serve`` runs it on uvicorn. Queries
run in worker processes (:mod:`kg.web.workers`) so a runaway query can be stopped; answers
are cached (:mod:`kg.web.cache`); pages are rendered by :mod:`kg.web.pages`.

The heavy modules are imported on first use, so a query worker (``python -m
kg.web.workers``) does not pay for Starlette.
"""

from __future__ import annotations

__all__ = ["create_app"]


def __getattr__(name: str):
    if name == "create_app":
        from kg.web.app import create_app

        return create_app
    raise AttributeError(f"module 'kg.web' has no attribute {name!r}")
