"""``kg query`` and ``kg queries``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kg.cli.common import (build_dir_option, echo_err, endpoint_option, graphs_for, hpo_option, load_graph,
                           parse_params, reports_errors)
from kg.errors import KGError, QueryError

__all__ = ["query_command", "queries_command"]

_FORMATS = ["table", "csv", "tsv", "json", "xml", "turtle", "ntriples", "jsonld"]


@click.command("query")
@click.argument("query", required=False)
@click.option("--file", "-f", "query_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Read the query from a file.")
@click.option("--name", "-n", help="Run a named query (see `kg queries`).")
@click.option("--param", "-p", multiple=True, metavar="KEY=VALUE",
              help="Parameter of a named query (CURIE, <IRI> or entity label); repeatable.")
@click.option("--format", "fmt", type=click.Choice(_FORMATS), default=None,
              help="Output format (default: table on a terminal, json otherwise for SELECT/ASK; "
                   "turtle for CONSTRUCT/DESCRIBE).")
@click.option("--limit", type=int, default=None, help="Cap the number of rows.")
@hpo_option
@endpoint_option
@build_dir_option
@reports_errors
def query_command(query, query_file, name, param, fmt, limit, include_hpo, endpoint, out) -> None:
    """Run a SPARQL query: QUERY as an argument, '-' for stdin, --file, or --name.

    Prefixes mk, mkv, mks, rdf, rdfs, owl, skos, dcterms, biolink, HP, ... are predeclared.
    SERVICE, LOAD, updates and FROM outside the graph are refused (exit 2); on Linux a query
    on the local build also runs without network (docs/security.md).
    """
    sources = [s for s in (query, query_file, name) if s]
    if len(sources) != 1:
        raise click.UsageError("give exactly one of QUERY, --file or --name")
    if endpoint is None and (click.get_current_context().find_root().obj or {}).get("own_process"):
        # Before the store is opened and before any thread starts: no network from here on.
        from kg.sandbox import drop_network

        drop_network()
    graph = load_graph(out, endpoint)
    if name:
        params = parse_params(param)
        result = graph.named(name, params, graphs=graphs_for(include_hpo), limit=limit)
        text = None
    else:
        if param:
            raise click.UsageError("--param applies to --name queries only")
        if query_file:
            try:
                text = query_file.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise KGError(f"{query_file}: cannot read the query: {exc}") from None
        elif query == "-":
            text = sys.stdin.read()
        else:
            text = query
        try:
            result = graph.sparql(text, graphs=graphs_for(include_hpo), limit=limit)
        except QueryError as exc:
            from kg.query.hints import short_error

            echo_err(f"error: {short_error(exc)}")
            _hints(graph, text)
            sys.exit(getattr(exc, "exit_code", 2))
    _emit(result, fmt)
    if text is not None and _is_empty(result):
        _hints(graph, text, "note: the query found nothing")


def _is_empty(result) -> bool:
    from kg.query.results import AskResult

    return (not result.value) if isinstance(result, AskResult) else len(result) == 0


def _hints(graph, text: str, lead: str = "") -> None:
    """Say on stderr what may be wrong: undefined prefixes, terms not in the vocabulary,
    entities not in the graph (with "did you mean")."""
    from kg.query.hints import hints
    from kg.schema import load_schema

    schema = load_schema()
    vocabulary = set(schema.properties) | set(schema.classes)
    try:
        from kg.namespace import ENTITY

        entities = {n[len(ENTITY):] for n in graph.to_networkx() if n.startswith(ENTITY)}
    except KGError:
        entities = set()
    found = hints(text, vocabulary=vocabulary, entities=entities)
    if found and lead:
        echo_err(lead + "; perhaps:")
    for h in found:
        echo_err(f"hint: {h.text}")


def _emit(result, fmt: str | None) -> None:
    from kg.query.results import GraphResult

    is_graph = isinstance(result, GraphResult)
    if fmt is None:
        fmt = "turtle" if is_graph else ("table" if sys.stdout.isatty() else "json")
    if is_graph and fmt not in ("turtle", "ntriples", "jsonld"):
        raise click.UsageError(f"--format {fmt} does not apply to CONSTRUCT/DESCRIBE; "
                               "use turtle, ntriples or jsonld")
    if not is_graph and fmt in ("turtle", "ntriples", "jsonld"):
        raise click.UsageError(f"--format {fmt} applies to CONSTRUCT/DESCRIBE only; "
                               "use table, csv, tsv, json or xml")
    out = result.text() if fmt == "table" else result.serialize(fmt)
    sys.stdout.write(out if out.endswith("\n") else out + "\n")
    if getattr(result, "truncated", False):
        echo_err("note: the result was truncated by --limit")


@click.command("queries")
@click.option("--verbose", "-v", is_flag=True, help="Show descriptions, parameters and the SPARQL.")
def queries_command(verbose: bool) -> None:
    """List the named queries (competency questions)."""
    from kg.query.library import list_queries

    for q in list_queries():
        click.echo(f"{q.name:32} {q.title}")
        if verbose:
            if q.description:
                click.echo(f"{'':32} {q.description}")
            for p in q.params:
                default = f" (default {p.default})" if p.default else ""
                click.echo(f"{'':32} --param {p.name}=<{p.type}>{default}  {p.description}")
