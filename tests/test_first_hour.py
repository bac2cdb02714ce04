"""The smaller surprises of a first hour: hints for a query that finds nothing or fails,
``SELECT *`` columns, printed results, paths that generalise, context around hubs."""

from __future__ import annotations

import json

from click.testing import CliRunner

from kg.cli import main
from kg.paths.finder import generalisation_note, hop_direction


def _run(build, *args):
    return CliRunner().invoke(main, [*args[:1], "--out", str(build), *args[1:]], catch_exceptions=False)


def test_misspelt_term_gets_did_you_mean_on_stderr(real_build):
    result = _run(real_build, "query", "SELECT ?d WHERE { ?d mkv:treat mk:action_myoclonus }",
                  "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["results"]["bindings"] == []      # data alone on stdout
    assert "note: the query found nothing; perhaps:" in result.stderr
    assert "hint: mkv:treat is not a term of the vocabulary; did you mean mkv:treats?" in result.stderr
    entity = _run(real_build, "query", "ASK { mk:clonazepan mkv:treats ?x }", "--format", "json")
    assert "mk:clonazepan is not an entity of this graph; did you mean mk:clonazepam?" in entity.stderr
    found = _run(real_build, "query", "SELECT ?d WHERE { ?d mkv:treats mk:action_myoclonus }")
    assert found.stderr == ""                                            # no hint when rows come back


def test_undefined_prefix_is_named_without_the_parser_dump(real_build):
    result = _run(real_build, "query", "SELECT ?x WHERE { ?x foo:bar ?y }")
    assert result.exit_code == 2
    error = result.stderr.splitlines()[0]
    assert error.startswith("error: malformed SPARQL (line 1, column") and "'foo:'" in error
    hint = next(line for line in result.stderr.splitlines() if line.startswith("hint: prefix 'foo:'"))
    assert "is not defined" in hint                      # (with its line and column, from kg.sparql)
    assert "\\u{" not in result.stderr and "..=" not in result.stderr


def test_select_star_columns_in_query_order(real_graph):
    table = real_graph.sparql("SELECT * WHERE { ?subject mkv:treats ?object } LIMIT 2")
    assert table.variables == ["subject", "object"]
    first = real_graph.sparql("SELECT ?subject ?object WHERE { ?subject mkv:treats ?object } LIMIT 2")
    assert table.rows == first.rows
    assert real_graph.sparql("SELECT ?o ?s WHERE { ?s mkv:treats ?o } LIMIT 1").variables == ["o", "s"]


def test_printed_results_show_their_rows(real_graph):
    table = real_graph.named("first-line-drug", {"type": "action myoclonus"})
    printed = str(table)
    assert "mk:clonazepam" in printed and printed.endswith("(1 row)")
    assert "<p>1 row</p>" in table._repr_html_() and repr(table).startswith("ResultTable(1 row,")
    triples = real_graph.sparql("CONSTRUCT { mk:clonazepam mkv:treats ?x } WHERE { mk:clonazepam mkv:treats ?x }")
    assert str(triples).endswith(f"# {len(triples)} triples") and repr(triples) == f"GraphResult({len(triples)} triples)"


def test_paths_through_a_broader_class_are_flagged(real_graph, real_build):
    paths = real_graph.path("hypoxia", "clonazepam", k=3)
    first = paths[0]
    assert [hop_direction(h) for h in first.hops] == ["claim", "up", "claim"]
    note = generalisation_note(first)
    assert "broader class myoclonus" in note and "not about posthypoxic myoclonus" in note
    down = real_graph.path("posthypoxic myoclonus", "action myoclonus")[0]
    assert [hop_direction(h) for h in down.hops] == ["up", "down"]
    assert "two kinds of myoclonus" in generalisation_note(down)
    direct = real_graph.path("clonazepam", "action myoclonus")[0]
    assert generalisation_note(direct) is None
    printed = _run(real_build, "path", "hypoxia", "clonazepam").stdout
    assert "  note: generalisation: this path goes up from posthypoxic myoclonus" in printed


def test_path_context_is_capped_around_hubs(real_graph):
    from kg.viz import path_selection

    paths = real_graph.path("hypoxia", "clonazepam")
    on_path = {n for p in paths for n in p.nodes}
    whole = path_selection(paths, per_node=1000)
    capped = path_selection(paths, per_node=8)
    assert capped.graph.number_of_nodes() <= len(on_path) + 8 * len(on_path)
    assert capped.graph.number_of_nodes() < whole.graph.number_of_nodes()
    left = whole.graph.number_of_nodes() - capped.graph.number_of_nodes()
    assert f"({left} more left out)" in capped.description
