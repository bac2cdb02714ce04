"""The browser UI's pages (``/``, ``/entity/``, ``/entity/<id>``, ``/path``) and the error
pages, rendered from the Jinja templates of :mod:`kg.web.pages` (autoescaped).

:class:`PageRoutes` is a mixin of :class:`kg.web.app.WebServer` (whose graph and state it
reads); graph calls run in threads (:meth:`kg.web.app.WebServer._graph_call`).
"""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from kg.errors import EntityNotFoundError, KGError
from kg.remote.errors import RemoteError
from kg.web.endpoint import text_response, upstream_error, upstream_message, upstream_status
from kg.web.views import VIEW_ROWS

__all__ = ["PageRoutes", "MAX_K"]

log = logging.getLogger("kg.web")

#: Paths a path search shows at most.
MAX_K = 10


class PageRoutes:
    """The UI pages and the 404/405 and upstream-failure handlers (a mixin of
    :class:`kg.web.app.WebServer`)."""

    # The server state and helpers these routes use (set by kg.web.app.WebServer).
    generation: int
    graph: Any
    manifest: dict
    max_rows: int
    timeout: float
    has_hpo: bool
    _graph_call: Callable[..., Awaitable[Any]]
    build_info: Callable[[], dict]

    def _page(self, template: str, status: int = 200, **context) -> HTMLResponse:
        from kg.web.pages import render

        context.setdefault("counts", self.manifest.get("counts", {}))
        context.setdefault("build", self.build_info())
        return HTMLResponse(render(template, **context), status_code=status)

    def _error_page(self, status: int, title: str, message: str, suggestions=()) -> HTMLResponse:
        from urllib.parse import quote

        links = [{"label": s, "url": "/entity/" + quote(s, safe="")} for s in suggestions]
        return self._page("error.html", status, title=title, message=message, suggestions=links)

    def _menu(self) -> list[dict]:
        from kg.query.library import list_queries

        reason = ("this build has no HPO import; `kg build --hpo subset` adds it (this server "
                  "switches to the new build by itself)")
        menu = []
        for q in list_queries():
            available = "hpo" not in q.graphs or self.has_hpo
            menu.append({"name": q.name, "title": q.title, "description": q.description,
                         "needs": list(q.graphs), "available": available,
                         "reason": "" if available else reason})
        return menu

    async def index(self, request: Request) -> Response:
        from kg.namespace import PREFIXES
        from kg.query.library import get_query
        from kg.web.examples import inline_parameters

        menu = self._menu()
        default = "first-line-drug" if any(q["name"] == "first-line-drug" for q in menu) else \
            (menu[0]["name"] if menu else None)
        initial = inline_parameters(get_query(default)) if default else "SELECT * WHERE { ?s ?p ?o } LIMIT 10"
        page_data = {"queries": menu, "prefixes": PREFIXES, "default_query": default,
                     "max_rows": self.max_rows, "view_rows": min(self.max_rows, VIEW_ROWS),
                     "generation": self.generation, "has_hpo": self.has_hpo,
                     "status_interval": 3000}
        return self._page("index.html", title="Query", active="query", queries=menu,
                          unavailable=[q for q in menu if not q["available"]],
                          prefix_names=list(PREFIXES), initial_query=initial, page_data=page_data,
                          max_rows=self.max_rows, timeout=f"{self.timeout:g}")

    async def entities(self, request: Request) -> Response:
        from kg.web.pages import entities_context

        groups = await self._graph_call(lambda: entities_context(self.graph.to_networkx()))
        return self._page("entities.html", title="Entities", active="entity", groups=groups)

    async def entity(self, request: Request) -> Response:
        from kg.web.pages import entity_context, entity_path

        name = request.path_params["name"]
        try:
            entity = await self._graph_call(self.graph.entity, name)
        except EntityNotFoundError as exc:
            return self._error_page(404, "No such entity", str(exc), exc.suggestions)
        context = await self._graph_call(lambda: entity_context(entity, self.graph.to_networkx()))
        return self._page("entity.html", title=context["label"], active="entity", entity=context,
                          graph_url="/view" + entity_path(entity["iri"]))

    def _path_args(self, request: Request) -> dict:
        """The path finder's arguments from the query string: ``from``, ``to``, ``k``,
        ``directed`` (``1`` by default, ``0`` to ignore direction), ``max`` (hops), and the
        CLI's filters ``predicate``, ``exclude_predicate``, ``category``, ``exclude_category``
        (repeatable).

        Raises
        ------
        KGError
            For a bad ``k`` or ``max``.
        """
        q = request.query_params

        def whole(name: str, low: int, high: int) -> int | None:
            text = q.get(name, "").strip()
            if not text:
                return None
            try:
                value = int(text)
            except ValueError:
                raise KGError(f"{name} must be a whole number, not {text!r}") from None
            if not low <= value <= high:
                raise KGError(f"{name} must be between {low} and {high}")
            return value

        return {"source": q.get("from", "").strip(), "target": q.get("to", "").strip(),
                "k": whole("k", 1, MAX_K), "max_length": whole("max", 1, 12),
                "directed": q.get("directed", "1") not in ("0", "false", "no"),
                "include_predicates": tuple(v for v in q.getlist("predicate") if v),
                "exclude_predicates": tuple(v for v in q.getlist("exclude_predicate") if v),
                "include_categories": tuple(v for v in q.getlist("category") if v),
                "exclude_categories": tuple(v for v in q.getlist("exclude_category") if v)}

    @staticmethod
    def _path_query(args: dict, **change) -> str:
        """The query string of a path search (for links and the graph frame)."""
        args = {**args, **change}
        pairs = [("from", args["source"]), ("to", args["target"])]
        if args.get("k"):
            pairs.append(("k", str(args["k"])))
        if args.get("max_length"):
            pairs.append(("max", str(args["max_length"])))
        pairs.append(("directed", "1" if args["directed"] else "0"))
        for key, name in (("include_predicates", "predicate"), ("exclude_predicates", "exclude_predicate"),
                          ("include_categories", "category"), ("exclude_categories", "exclude_category")):
            pairs.extend((name, v) for v in args.get(key, ()))
        return urlencode(pairs)

    def _find_paths(self, args: dict):
        return self.graph.path(args["source"], args["target"], k=args["k"], directed=args["directed"],
                               max_length=args["max_length"],
                               include_predicates=args["include_predicates"],
                               exclude_predicates=args["exclude_predicates"],
                               include_categories=args["include_categories"],
                               exclude_categories=args["exclude_categories"])

    def _path_choices(self) -> dict:
        from kg.schema import load_schema

        schema = load_schema()
        graph = self.graph.to_networkx()
        used = {d.get("predicate") for _, _, d in graph.edges(data=True)}
        predicates = sorted(((n, i.label or n) for n, i in schema.properties.items()
                             if i.kind == "object" and n in used), key=lambda x: x[1].casefold())
        types = {t for _, d in graph.nodes(data=True) for t in d.get("types", ())}
        categories = sorted(((n, i.label or n) for n, i in schema.classes.items()
                             if n in types and not n.endswith("Statement")), key=lambda x: x[1].casefold())
        names = sorted({str(d.get("label")) for _, d in graph.nodes(data=True) if d.get("label")},
                       key=str.casefold)
        return {"names": names, "predicates": predicates, "categories": categories}

    async def path(self, request: Request) -> Response:
        from kg.errors import NoPathError
        from kg.web.pages import path_context

        choices = await self._graph_call(self._path_choices)
        context: dict[str, Any] = {"title": "Paths", "active": "path", "max_k": MAX_K, **choices,
                                   "source": request.query_params.get("from", ""),
                                   "target": request.query_params.get("to", ""),
                                   "k": request.query_params.get("k", ""),
                                   "max_length": request.query_params.get("max", ""),
                                   "directed": True, "selected": {}}
        try:
            args = self._path_args(request)
        except KGError as exc:
            return self._page("path.html", 400, error=str(exc), **context)
        context["directed"] = args["directed"]
        context["selected"] = {key: set(args[key]) for key in ("include_predicates", "exclude_predicates",
                                                               "include_categories", "exclude_categories")}
        context["filtered"] = any(args[key] for key in context["selected"]) or bool(args["max_length"])
        if not (args["source"] and args["target"]):
            return self._page("path.html", **context)
        notice = None
        try:
            paths = await self._graph_call(self._find_paths, args)
        except EntityNotFoundError as exc:
            # The suggestions keep the search: the unknown end replaced, the rest as it was.
            end = "target" if exc.name == args["target"] and exc.name != args["source"] else "source"
            links = [{"label": s, "url": "/path?" + self._path_query(args, **{end: s})}
                     for s in exc.suggestions]
            return self._page("path.html", 404, error=str(exc), suggestions=links, **context)
        except NoPathError as exc:
            if not args["directed"]:
                return self._page("path.html", 404, error=str(exc), **context)
            # No path along the edges' direction: say so, and show what ignoring it gives.
            reverse = None
            try:
                await self._graph_call(self._find_paths, {**args, "source": args["target"],
                                                          "target": args["source"], "k": 1})
                reverse = "/path?" + self._path_query(args, source=args["target"], target=args["source"])
            except KGError:
                pass
            try:
                paths = await self._graph_call(self._find_paths, {**args, "directed": False})
            except KGError:
                return self._page("path.html", 404, error=str(exc), reverse_url=reverse, **context)
            args = {**args, "directed": False}
            notice = {"text": f"No path follows the edges in their direction from {args['source']} to "
                              f"{args['target']}. These paths ignore the direction: read each hop's "
                              "sentence for which way it goes.", "reverse_url": reverse}
        except KGError as exc:
            return self._page("path.html", 404, error=str(exc), **context)
        view = path_context(paths)
        return self._page("path.html", paths=view["paths"], summary=view["summary"], notice=notice,
                          graph_url="/view/path?" + self._path_query(args), **context)

    async def upstream_failed(self, request: Request, exc: RemoteError) -> Response:
        """A page whose graph call reached a remote server that failed (502/503)."""
        log.warning("upstream failure: %s", exc)
        if request.url.path.startswith(("/sparql", "/health", "/queries", "/view/", "/status",
                                        "/complete", "/diagnose", "/download", "/triples")):
            return upstream_error(exc)
        return self._error_page(upstream_status(exc), "SPARQL server unavailable",
                                upstream_message(exc))

    async def not_found(self, request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status_code", 404)
        if request.url.path.startswith(("/sparql", "/health", "/static", "/queries", "/status",
                                        "/complete", "/diagnose", "/download", "/triples")):
            return text_response(status, getattr(exc, "detail", "not found"))
        return self._error_page(status, "Not found" if status == 404 else "Error",
                                f"nothing at {request.url.path}")
