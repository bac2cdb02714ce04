"""``kg path`` and ``kg neighbourhood`` (old name ``kg neighbors``, still answered, not listed)."""

from __future__ import annotations

import json

import click

from kg.cli.common import build_dir_option, endpoint_option, graphs_for, hpo_option, load_graph, reports_errors

__all__ = ["path_command", "neighbourhood_command", "neighbors_command"]


def _split(values: tuple[str, ...]) -> list[str]:
    return [v.strip() for item in values for v in item.split(",") if v.strip()]


def _predicate_options(func):
    """``--predicate`` and ``--exclude-predicate`` (repeatable; comma-separated lists too)."""
    func = click.option("--exclude-predicate", "exclude_predicates", multiple=True,
                        help="Never use these predicates.")(func)
    return click.option("--predicate", "include_predicates", multiple=True,
                        help="Use only these predicates.")(func)


@click.command("path")
@click.argument("source")
@click.argument("target")
@click.option("--k", "k", type=int, default=None, help="The K shortest simple paths (default: all shortest).")
@click.option("--directed", is_flag=True, help="Follow edges only in their asserted direction.")
@click.option("--max-length", type=int, default=None, help="Longest path, in hops.")
@_predicate_options
@click.option("--category", "include_categories", multiple=True,
              help="Inner nodes only of these classes (Drug, biolink:Drug, ...).")
@click.option("--exclude-category", "exclude_categories", multiple=True,
              help="No inner node of these classes.")
@click.option("--json", "as_json", is_flag=True, help="Print the paths as JSON.")
@endpoint_option
@hpo_option
@build_dir_option
@reports_errors
def path_command(source, target, k, directed, max_length, include_predicates, exclude_predicates,
                 include_categories, exclude_categories, as_json, endpoint, include_hpo, out) -> None:
    """Shortest path(s) from SOURCE to TARGET, each hop as a sentence with its evidence."""
    paths = load_graph(out, endpoint).path(
        source, target, k=k, directed=directed, max_length=max_length,
        include_predicates=_split(include_predicates), exclude_predicates=_split(exclude_predicates),
        include_categories=_split(include_categories), exclude_categories=_split(exclude_categories),
        graphs=graphs_for(include_hpo))
    if as_json:
        click.echo(json.dumps([p.to_dict() for p in paths], indent=2, ensure_ascii=False))
        return
    from kg.paths.finder import generalisation_note

    for i, p in enumerate(paths, 1):
        click.echo(f"Path {i} ({len(p)} hop{'s' if len(p) != 1 else ''}): {p.text()}")
        note = generalisation_note(p)
        if note:
            click.echo(f"  note: {note}")
        if i < len(paths):
            click.echo("")


@click.command("neighbourhood")
@click.argument("entity")
@click.option("--depth", type=int, default=1, show_default=True, help="How many hops out.")
@click.option("--directed", is_flag=True, help="Follow outgoing edges only.")
@_predicate_options
@endpoint_option
@hpo_option
@build_dir_option
@reports_errors
def neighbourhood_command(entity, depth, directed, include_predicates, exclude_predicates, endpoint,
                          include_hpo, out) -> None:
    """Entities within --depth hops of ENTITY, with the edges that join them."""
    from kg.paths.finder import edge_sentence

    sub = load_graph(out, endpoint).neighbourhood(entity, depth, directed=directed,
                                                  include_predicates=_split(include_predicates),
                                                  exclude_predicates=_split(exclude_predicates),
                                                  graphs=graphs_for(include_hpo))
    by_distance: dict[int, list[str]] = {}
    for node, data in sub.nodes(data=True):
        by_distance.setdefault(data["distance"], []).append(data["label"])
    for d in sorted(by_distance):
        click.echo(f"distance {d}: {', '.join(sorted(by_distance[d], key=str.casefold))}")
    click.echo(f"edges ({sub.number_of_edges()}):")
    for s, o, data in sorted(sub.edges(data=True), key=lambda e: edge_sentence(sub, *e)):
        evidence = f"\u201c{data['quote']}\u201d" if data.get("quote") else \
            f"[{data.get('status') or 'imported'}: {data.get('reference') or 'no reference'}]"
        click.echo(f"  {edge_sentence(sub, s, o, data)}  {evidence}")


#: ``kg neighbors``, the command's name until session 4: the same command, not listed in --help.
neighbors_command = click.Command("neighbors", callback=neighbourhood_command.callback,
                                  params=neighbourhood_command.params, help=neighbourhood_command.help,
                                  hidden=True)
