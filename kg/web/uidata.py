"""The JSON and file routes behind the query page: the build in use, completion, named
queries as checked forms, hints, CONSTRUCT answers as tables, downloads.

:class:`UIDataRoutes` is a mixin of :class:`kg.web.app.WebServer` (whose state it reads:
the graph, the lookup index, the answer cache); the routes are registered in
:func:`kg.web.app.create_app`.

Routes
------
``/status``, ``/complete``, ``/queries/<name>``, ``/diagnose`` (POST), ``/triples`` (POST),
``/download``: see ``docs/web.md``.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from kg.errors import EntityNotFoundError, KGError, QueryStopped
from kg.namespace import ENTITY
from kg.query.engine import GRAPHS
from kg.remote.errors import RemoteError
from kg.web.protocol import (GRAPH_TYPES, MAX_QUERY_BYTES, MEDIA_FORMATS, TABULAR_TYPES, ProtocolError,
                             SparqlRequest, parse_request)
from kg.web.endpoint import text_response as _text, upstream_error

__all__ = ["UIDataRoutes"]

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
#: Longest query /diagnose parses (the parser is pure Python).
_MAX_DIAGNOSED = 20_000


def _as_sent(outcome: Any) -> Response:
    """The endpoint's answer passed on as it is (body, status, content type)."""
    return Response(outcome.body, status_code=outcome.status, headers={"content-type": outcome.content_type})


class UIDataRoutes:
    """The query page's data routes (a mixin of :class:`kg.web.app.WebServer`)."""

    @property
    def has_hpo(self) -> bool:
        return GRAPHS["hpo"] in self.graph_iris

    def build_info(self) -> dict:
        """What the footer and ``/status`` say about the graph served."""
        if self.remote is not None:
            return {"endpoint": self.remote.url, "contents": "the graph on a SPARQL server",
                    "hpo": "hpo" if self.has_hpo else "none", "generation": self.generation,
                    "counts": self.manifest.get("counts", {})}
        info = self.build.to_dict() if self.build is not None else {}
        info["generation"] = self.generation
        return info

    async def status(self, request: Request) -> Response:
        """The build in use (directory, contents, HPO release, when built, counts)."""
        return JSONResponse(self.build_info())

    async def complete(self, request: Request) -> Response:
        """``/complete?q=TEXT&prefix=mk&limit=20``: entities or vocabulary terms by label."""
        q = request.query_params
        try:
            limit = int(q.get("limit", "20"))
        except ValueError:
            return _text(400, "limit must be a whole number")
        prefix = q.get("prefix") or None
        lookup = self.lookup
        if lookup is None:
            return JSONResponse([])
        # A scan of every entry (300k with the full HPO): off the event loop.
        found = await run_in_threadpool(lookup.complete, q.get("q", "")[:200], prefix=prefix, limit=limit)
        return JSONResponse(found)

    def _check_value(self, param, raw: str) -> dict:
        """A named-query parameter value checked against the graph: ``{"value", "label",
        "error", "suggestions"}`` (``value`` is what goes into the query)."""
        from kg.namespace import PREFIXES

        raw = raw.strip()
        out: dict[str, Any] = {"value": raw, "label": "", "error": "", "suggestions": []}
        if not raw:
            out["error"] = "a value is needed"
            return out
        if param.type == "integer":
            try:
                out["value"] = str(int(raw))
            except ValueError:
                out["error"] = f"{raw!r} is not a whole number"
            return out
        if param.type != "iri":
            return out
        nodes = self.graph.to_networkx().nodes
        prefix, sep, local = raw.partition(":")
        if raw.startswith("<") and raw.endswith(">"):
            iri = raw[1:-1]
        elif sep and prefix in PREFIXES and not local.startswith("//"):
            iri = PREFIXES[prefix] + local
        else:
            iri = None
        if iri is not None:
            from kg.namespace import VOCAB

            if iri.startswith(VOCAB) and self.lookup and iri[len(VOCAB):] in self.lookup.vocabulary:
                out["label"] = self.lookup.vocabulary[iri[len(VOCAB):]]
                return out
            if iri in nodes:
                out["label"] = str(nodes[iri].get("label") or "")
                return out
            key = local if sep else raw
        else:
            key = raw
        try:
            found = self.graph.resolve(key)
        except EntityNotFoundError as exc:
            out["error"] = f"no entity of this graph is called {raw!r}"
            # Labels containing what was typed first (as the completion offers), then spelling.
            close = [c["label"] for c in self.lookup.complete(key, limit=5)] if self.lookup else []
            out["suggestions"] = (close + [s for s in exc.suggestions if s not in close])[:5]
            return out
        out["value"] = str(nodes[found].get("curie") or f"<{found}>")
        if found.startswith(ENTITY):
            out["value"] = "mk:" + found[len(ENTITY):]
        out["label"] = str(nodes[found].get("label") or "")
        return out

    def _named_form(self, name: str, values: dict[str, str]) -> dict:
        from kg.query.library import get_query
        from kg.web.examples import inline_parameters

        q = get_query(name)
        params, bound, ok = [], {}, True
        for p in q.params:
            given = values.get(p.name)
            checked = self._check_value(p, given if given is not None else (p.default or ""))
            ok = ok and not checked["error"]
            if not checked["error"]:
                bound[p.name] = checked["value"]
            params.append({"name": p.name, "type": p.type, "default": p.default or "",
                           "description": p.description,
                           "given": given if given is not None else (p.default or ""), **checked})
        needs = list(q.graphs)
        missing = [g for g in needs if g == "hpo" and not self.has_hpo]
        reason = ("this build has no HPO import; build it with `kg build --hpo subset` (the running "
                  "server switches to the new build by itself)") if missing else ""
        text = inline_parameters(q, {k: v for k, v in bound.items()}) if ok else None
        return {"name": q.name, "title": q.title, "description": q.description, "needs": needs,
                "available": not missing, "reason": reason, "params": params, "valid": ok,
                "query": text}

    async def named_form(self, request: Request) -> Response:
        """``/queries/NAME?PARAM=VALUE...``: a named query as a form: its parameters checked
        against the graph (labels resolved to CURIEs, with suggestions) and its text with
        the values bound (``VALUES``), or why it cannot run on this build."""
        name = request.path_params["name"]
        values = {k: v for k, v in request.query_params.items()}
        try:
            form = await self._graph_call(self._named_form, name, values)
        except KGError as exc:
            return _text(404, str(exc))
        return JSONResponse(form)

    async def _posted_query(self, request: Request) -> SparqlRequest:
        """The query of a UI POST (a form with ``query=``, or ``application/sparql-query``),
        read as the protocol reads it (size cap, UTF-8, one query).

        Raises
        ------
        ProtocolError
        """
        import asyncio

        try:  # the same size cap and read deadline as /sparql
            body = await asyncio.wait_for(self._read_body(request.receive), self.read_timeout)
        except asyncio.TimeoutError:
            raise ProtocolError(408, f"the request body did not arrive within {self.read_timeout:g} s") from None
        if body is None:
            raise ProtocolError(413, f"the request is larger than {MAX_QUERY_BYTES // 1024} KiB")
        req = parse_request("POST", "", request.headers.get("content-type"), body)
        if req is None:  # pragma: no cover - a POST without a query is a ProtocolError
            raise ProtocolError(400, "no query given")
        return req

    async def _answer_or_refusal(self, req: SparqlRequest, accept: str) -> Any:
        """The endpoint's answer to ``req`` when it is a 200, else the response that tells the UI
        why not (the refusal, the stop, the upstream error, or the endpoint's own non-200 answer)."""
        try:
            outcome, _ = await self.answer(req, accept)
        except ProtocolError as exc:
            return _text(exc.status, exc.message)
        except QueryStopped as exc:
            return _text(503, str(exc))
        except RemoteError as exc:
            return upstream_error(exc)
        return outcome if outcome.status == 200 else _as_sent(outcome)

    async def diagnose(self, request: Request) -> Response:
        """``POST /diagnose`` (form ``query=``): hints for a query that failed or found nothing:
        undefined prefixes, terms not in the vocabulary, entities not in the graph."""
        try:
            req = await self._posted_query(request)
        except ProtocolError as exc:
            return _text(exc.status, exc.message)
        query = req.query
        lookup = self.lookup
        if len(query) > _MAX_DIAGNOSED:
            return JSONResponse({"hints": [], "note": "the query is too long to be diagnosed"})

        def run() -> list[dict]:
            from kg.query.hints import hints

            if lookup is None:
                return []
            return [h.to_dict() for h in hints(query, vocabulary=lookup.vocabulary,
                                               entities=lookup.entity_locals)]

        return JSONResponse({"hints": await run_in_threadpool(run)})

    async def triples(self, request: Request) -> Response:
        """``POST /triples`` (form ``query=``): a CONSTRUCT/DESCRIBE answer as a table of triples
        in the SPARQL JSON results shape (``subject``, ``predicate``, ``object``), with its
        count, for the UI's table; the same job as ``/sparql`` with N-Triples (cache shared)."""
        import pyoxigraph as ox

        try:
            req = await self._posted_query(request)
        except ProtocolError as exc:
            return _text(exc.status, exc.message)
        outcome = await self._answer_or_refusal(req, "application/sparql-results+json, "
                                                     "application/n-triples;q=0.9")
        if isinstance(outcome, Response):
            return outcome
        if not outcome.content_type.startswith("application/n-triples"):
            return _as_sent(outcome)

        def term(t) -> dict:
            if isinstance(t, ox.NamedNode):
                return {"type": "uri", "value": t.value}
            if isinstance(t, ox.BlankNode):
                return {"type": "bnode", "value": t.value}
            if isinstance(t, ox.Literal):
                d = {"type": "literal", "value": t.value}
                if t.language:
                    d["xml:lang"] = t.language
                elif t.datatype is not None and t.datatype.value != XSD_STRING:
                    d["datatype"] = t.datatype.value
                return d
            return {"type": "triple", "value": str(t)}

        rows = [{"subject": term(q.subject), "predicate": term(q.predicate), "object": term(q.object)}
                for q in ox.parse(outcome.body, format=ox.RdfFormat.N_TRIPLES)]
        return JSONResponse({"head": {"vars": ["subject", "predicate", "object"]},
                             "results": {"bindings": rows}, "count": len(rows),
                             "form": req.form or "CONSTRUCT", "truncated": outcome.truncated},
                            headers={"x-kg-truncated": "true" if outcome.truncated else "false"})

    async def download(self, request: Request) -> Response:
        """``/download?query=...&format=csv|tsv|json|xml|turtle|ntriples|jsonld[&name=...]``: the
        result as a file, serialised by the endpoint itself (same checks, cap and cache)."""
        from kg.web.protocol import CONTENT_TYPES, query_form

        q = request.query_params
        fmt = q.get("format", "csv")
        query = q.get("query", "")
        types = {v: k for k, v in MEDIA_FORMATS.items() if k in TABULAR_TYPES[:4] + GRAPH_TYPES[:4]}
        if fmt not in types:
            return _text(400, f"format must be one of {', '.join(sorted(types))}")
        if not query.strip():
            return _text(400, "no query given")
        if len(query.encode("utf-8")) > MAX_QUERY_BYTES:
            return _text(413, "the query is too large")
        req = SparqlRequest(query, None, None, query_form(query))
        outcome = await self._answer_or_refusal(req, types[fmt])
        if isinstance(outcome, Response):
            return outcome
        base = "".join(c if c.isalnum() or c in "-_" else "-" for c in q.get("name", ""))[:60] or "result"
        extension = {"turtle": "ttl", "ntriples": "nt"}.get(fmt, fmt)
        headers = {"content-type": CONTENT_TYPES[fmt],
                   "content-disposition": f'attachment; filename="{base}.{extension}"',
                   "x-kg-truncated": "true" if outcome.truncated else "false"}
        return Response(outcome.body, headers=headers)
