"""``kg query`` and ``kg queries``."""

from __future__ import annotations

from pathlib import Path

import click

from kg.cli.base import UsageProblem
from kg.cli.common import build_dir_option, endpoint_option, hpo_option
from kg.cli.querying import FORMATS, QUERY_TIMEOUT, run_query

__all__ = ["query_command", "queries_command"]


@click.command("query")
@click.argument("query", required=False)
@click.option("--file", "-f", "query_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Read the query from a file.")
@click.option("--name", "-n", help="Run a named query (see `kg queries`).")
@click.option("--param", "-p", multiple=True, metavar="KEY=VALUE",
              help="Parameter of a named query (CURIE, <IRI> or entity label); repeatable.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="Output format (default: table on a terminal, json otherwise for SELECT/ASK; "
                   "turtle for CONSTRUCT/DESCRIBE).")
@click.option("--limit", type=int, default=None, help="Cap the number of rows.")
@click.option("--timeout", type=click.FloatRange(min=0), default=QUERY_TIMEOUT, show_default=True,
              metavar="SECONDS", help="Stop the query after SECONDS (exit code 1); 0: no limit.")
@hpo_option
@endpoint_option
@build_dir_option
def query_command(query, query_file, name, param, fmt, limit, timeout, include_hpo, endpoint, out) -> None:
    """Run a SPARQL query: QUERY as an argument, '-' for stdin, --file, or --name.

    Prefixes mk, mkv, mks, rdf, rdfs, owl, skos, dcterms, biolink, HP, ... are predeclared.
    SERVICE, LOAD, updates and FROM outside the graph are refused (exit 2); on Linux a query
    on the local build also runs without network (docs/security.md).
    """
    # run_query reports a failed query itself (one line, exit code); bad usage comes back here.
    own_process = bool((click.get_current_context().find_root().obj or {}).get("own_process"))
    try:
        run_query(query, query_file, name, param, fmt, limit, include_hpo, endpoint, out, timeout,
                  own_process=own_process)
    except UsageProblem as exc:
        raise click.UsageError(str(exc)) from None


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
