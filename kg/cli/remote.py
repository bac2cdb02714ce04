"""``kg push``: upload the built graph to a SPARQL server (see docs/remote.md)."""

from __future__ import annotations

import click

from kg.cli.common import build_dir_option, echo_err, load_graph, reports_errors
from kg.remote.dialects import SERVER_CHOICES

__all__ = ["push_command"]


@click.command("push")
@click.option("--endpoint", required=True, metavar="URL",
              help="The server's base URL (Oxigraph: http://host:7878, whose endpoints are "
                   "/query, /update and /store; Virtuoso with --server virtuoso: "
                   "http://host:8890, whose endpoints are /sparql, /sparql-auth and "
                   "/sparql-graph-crud-auth).")
@click.option("--server", type=click.Choice(SERVER_CHOICES), default="auto", show_default=True,
              help="The kind of server: sets the endpoint layout, how credentials are sent "
                   "(Virtuoso: HTTP Digest only) and how graphs are swapped in. auto: the "
                   "Oxigraph layout, and the rest recognised from the server's answers.")
@click.option("--query-url", default=None, metavar="URL", help="SPARQL query endpoint, if not ENDPOINT/query.")
@click.option("--update-url", default=None, metavar="URL", help="SPARQL update endpoint, if not ENDPOINT/update.")
@click.option("--store-url", default=None, metavar="URL",
              help="Graph Store Protocol endpoint, if not ENDPOINT/store (Fuseki: /<dataset>/data).")
@click.option("--graph", "graphs", multiple=True, metavar="IRI",
              help="Push only this named graph (an IRI, or curated, ontology, hpo, entailed, closure, "
                   "aliases); repeatable. Default: every graph of the build.")
@click.option("--batch-size", default=None, type=click.IntRange(min=1),
              help="Triples per upload request when whole copies are uploaded (--swap move, "
                   "insert, none). Default: the server's (Oxigraph 1,000,000, Virtuoso 500,000, "
                   "others 50,000).")
@click.option("--swap", type=click.Choice(["auto", "diff", "move", "insert", "none"]), default="auto",
              show_default=True,
              help="How the graphs are replaced, all at one moment: diff writes only the changed "
                   "triples, through the server's bulk loader (Oxigraph); move uploads whole "
                   "copies and swaps them in (MOVE, or DROP + ADD on Virtuoso); insert does the "
                   "same with DROP + INSERT, for servers without MOVE; none uploads straight into "
                   "the graphs (not atomic). auto: diff on Oxigraph, move elsewhere.")
@click.option("--timeout", default=300.0, show_default=True, type=click.FloatRange(min=0.001),
              help="Seconds to wait for each request.")
@click.option("--quiet", "-q", is_flag=True, help="No progress messages.")
@click.option("--clean-uploads", is_flag=True,
              help="Only remove the temporary <graph>-upload-<id> graphs that interrupted pushes left "
                   "on the server (every push also does this first), and push nothing.")
@build_dir_option
@reports_errors
def push_command(endpoint, server, query_url, update_url, store_url, graphs, batch_size, swap,
                 timeout, quiet, clean_uploads, out) -> None:
    """Upload the built graph's named graphs to a SPARQL server, replacing them atomically.

    Readers of the server see the old graphs or the new ones, never a graph missing or
    half-loaded; on any failure the server's graphs stay as they were. On Oxigraph only the
    triples that changed are written (the server's copy is read back and compared), with
    the server's bulk loader; elsewhere whole copies are uploaded into temporary graphs
    (SPARQL 1.1 Graph Store Protocol, in batches), counted, and swapped in by one SPARQL
    Update. Pushing again replaces, never duplicates.

    Credentials come from KG_ENDPOINT_TOKEN (a bearer token), KG_ENDPOINT_USER and
    KG_ENDPOINT_PASSWORD, or ~/.netrc; never from the command line, and they are never sent
    through a proxy in clear (loopback servers are always reached directly).

    Temporary graphs left by an interrupted push are removed by the next push, or by
    --clean-uploads alone.
    """
    from kg.remote.dialects import dialect
    from kg.remote.gsp import clean_uploads as clean, push, resolve_graph
    from kg.remote.http import Endpoints

    layout = dialect(server) if server != "auto" else None
    derive = layout.endpoints if layout else Endpoints.from_url
    endpoints = derive(endpoint, query_url=query_url, update_url=update_url, store_url=store_url)
    if clean_uploads:
        dropped = clean(endpoints, graphs=[resolve_graph(g) for g in graphs], timeout=timeout,
                        server=layout or "auto")
        for iri in dropped:
            click.echo(iri)
        if not quiet:
            echo_err(f"removed {len(dropped)} leftover temporary graph{'s' if len(dropped) != 1 else ''} "
                     f"from {endpoints.update}")
        return
    graph = load_graph(out)
    report = push(graph.directory, endpoints, graphs=graphs or None, batch_size=batch_size,
                  progress=None if quiet else echo_err, swap=swap, timeout=timeout,
                  server=layout or "auto")
    for iri, count in sorted(report.graphs.items()):
        click.echo(f"{iri}\t{count}")
    if not quiet:
        echo_err(f"pushed {report.triples} triples in {report.seconds:.1f} s "
                 f"({report.triples_per_second:,.0f} triples/s, swap {report.swap}: "
                 f"{report.added:,} written, {report.removed:,} removed, {report.batches} upload "
                 f"request{'s' if report.batches != 1 else ''}) to {endpoints.store}")
