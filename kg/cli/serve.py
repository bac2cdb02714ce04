"""``kg serve``: the SPARQL endpoint and the browser UI on uvicorn."""

from __future__ import annotations

import click

from kg.cli.common import build_dir_option, load_graph, echo_err, reports_errors

__all__ = ["serve_command"]


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Interface to listen on (use 0.0.0.0 to listen on every interface).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535),
              help="TCP port.")
@click.option("--timeout", default=10.0, show_default=True, type=click.FloatRange(min=0.001),
              help="Per-query time limit in seconds; a longer query is stopped and answered 503.")
@click.option("--max-rows", default=10000, show_default=True, type=click.IntRange(min=1),
              help="Row cap of results; a cut result carries the header X-KG-Truncated: true.")
@click.option("--cors", "cors", multiple=True, metavar="ORIGIN",
              help="Allow browser pages from ORIGIN to query the endpoint ('*' for any); repeatable. "
                   "Off by default.")
@click.option("--workers", default=None, type=click.IntRange(min=1),
              help="Query worker processes (default: the number of CPUs, at least 2, at most 8).")
@click.option("--prefork", is_flag=True, default=False,
              help="Serve a build from --workers sandboxed server processes that share the port "
                   "and run queries in-process (one process per request, no hop to a worker); "
                   "a process whose query runs out of time answers 503 and is replaced. Each "
                   "process holds its own graph and caches (see docs/architecture.md).")
@click.option("--access-log/--no-access-log", default=False, show_default=True,
              help="Log every request.")
@click.option("--endpoint", default=None, metavar="URL",
              help="Serve the graph on a remote SPARQL server (its base URL or query endpoint; "
                   "see docs/remote.md) instead of a build.")
@click.option("--query-url", default=None, metavar="URL",
              help="With --endpoint: the SPARQL query endpoint, if not derived from ENDPOINT.")
@click.option("--allowed-host", "allowed_host", multiple=True, metavar="NAME",
              help="Also answer requests for this host name (the Host header); repeatable. "
                   "'*.example.org' allows its sub-domains, '*' any name (unsafe). Default: "
                   "localhost, 127.0.0.1, ::1 and the --host address; other names get 400 "
                   "(against DNS rebinding).")
@click.option("--read-timeout", default=10.0, show_default=True, type=click.FloatRange(min=0.1),
              help="Seconds a client has to send a request's headers, and its body; a slower "
                   "connection is closed (body: 408).")
@click.option("--view-budget", default=10.0, show_default=True, type=click.FloatRange(min=0.1),
              help="Seconds a graph view of the UI may take to draw before the client gets 503 "
                   "(the view is still drawn and cached).")
@build_dir_option
@reports_errors
def serve_command(host, port, timeout, max_rows, cors, workers, prefork, access_log, endpoint, query_url,
                  allowed_host, read_timeout, view_budget, out) -> None:
    """Serve the graph: a read-only SPARQL 1.1 endpoint at /sparql and a browser UI at /.

    The graph is built first if it is missing or stale. Queries run in worker processes
    and are stopped after --timeout seconds; answers are cached. Only requests for the
    loopback names, the --host address and --allowed-host names are answered. With --endpoint, queries
    go to that SPARQL server instead (--workers at once; no answer within --timeout: 503;
    a server that fails or is down: 502).
    """
    try:
        import uvicorn
    except ImportError:  # pragma: no cover - depends on the installation
        raise click.ClickException("the web server needs the 'web' extra: "
                                   "pip install 'myoclonus-kg[web]'") from None
    from kg.web import create_app
    from kg.web.hardening import allowed_hosts, uvicorn_settings

    hosts = allowed_hosts(host, allowed_host)
    limits = {"allowed_hosts": hosts, "read_timeout": read_timeout, "view_budget": view_budget}
    if prefork:
        if endpoint is not None:
            raise click.UsageError("--prefork serves a build (--out), not --endpoint")
        _serve_prefork(host, port, hosts, timeout=timeout, max_rows=max_rows, cors=cors,
                       workers=workers, access_log=access_log, read_timeout=read_timeout,
                       view_budget=view_budget, out=out)
        return
    if endpoint is not None:
        if out is not None:
            raise click.UsageError("give --out or --endpoint, not both")
        app = create_app(endpoint=endpoint, query_url=query_url, timeout=timeout, max_rows=max_rows,
                         cors_origins=cors, workers=workers, **limits)
        remote = app.state.server.remote
        served = remote.url
        if not remote.graph_iris:  # a server that is down fails here, in one line
            echo_err(f"warning: {served} holds none of our graphs; push a build first (kg push)")
    else:
        if query_url is not None:
            raise click.UsageError("--query-url needs --endpoint")
        graph = load_graph(out)
        app = create_app(graph.directory, timeout=timeout, max_rows=max_rows, cors_origins=cors,
                         workers=workers, **limits)
        served = graph.directory
    shown = f"[{host}]" if ":" in host else host
    echo_err(f"serving {served} at http://{shown}:{port}/ (SPARQL endpoint /sparql); "
             "Ctrl+C stops")
    if "*" in hosts:
        echo_err("warning: --allowed-host '*' answers any Host header: pages on other sites can "
                 "read this server through DNS rebinding")
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=access_log,
                timeout_graceful_shutdown=5, **uvicorn_settings(read_timeout))


def _serve_prefork(host, port, hosts, *, timeout, max_rows, cors, workers, access_log, read_timeout,
                   view_budget, out) -> None:
    """``kg serve --prefork``: the supervisor of :mod:`kg.web.prefork`."""
    from kg.web.app import default_workers
    from kg.web.prefork import Supervisor

    graph = load_graph(out)
    graph.manifest  # noqa: B018 - a broken build fails here, in one line
    size = workers if workers is not None else default_workers()
    config = {"directory": str(graph.directory), "timeout": timeout, "max_rows": max_rows,
              "cors_origins": list(cors), "threads": 2, "memory_limit": 4 * 1024 ** 3,
              "allowed_hosts": list(hosts), "read_timeout": read_timeout,
              "view_budget": view_budget, "access_log": access_log}
    try:
        supervisor = Supervisor.listen(host, port, size, config)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    shown = f"[{host}]" if ":" in host else host
    echo_err(f"serving {graph.directory} at http://{shown}:{port}/ (SPARQL endpoint /sparql) from "
             f"{size} server processes; Ctrl+C stops")
    if "*" in hosts:
        echo_err("warning: --allowed-host '*' answers any Host header: pages on other sites can "
                 "read this server through DNS rebinding")
    try:
        supervisor.serve_forever()
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from None
