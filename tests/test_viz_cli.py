"""``kg viz`` on the curated graph: whole graph, neighbourhood, path, named query, errors."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import main

DATA_BLOCK = re.compile(r'<script type="application/json" id="kg-data">(.*?)</script>', re.S)


@pytest.fixture(scope="module")
def build(real_build, real_graph):
    """The session's curated build (``kg viz`` only reads it: every page goes to --output or
    the cache directory)."""
    return real_build, real_graph


def run(*args: str):
    return CliRunner().invoke(main, ["viz", *args], catch_exceptions=False)


def page_data(path) -> dict:
    return json.loads(DATA_BLOCK.search(path.read_text(encoding="utf-8")).group(1))


def test_whole_graph_by_default(build, tmp_path):
    directory, graph = build
    out = tmp_path / "kg.html"
    result = run("--out", str(directory), "--output", str(out))
    assert result.exit_code == 0, result.output
    full = graph.to_networkx()
    data = page_data(out)
    assert data["meta"]["mode"] == "graph"
    assert len(data["nodes"]) == full.number_of_nodes()
    assert len(data["edges"]) == full.number_of_edges()
    assert out.stat().st_size < 1_500_000  # the curated page stays under 1.5 MB


def test_default_output_leaves_the_working_tree_alone(build, tmp_path, monkeypatch):
    directory, _ = build
    work, cache = tmp_path / "work", tmp_path / "cache"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    result = CliRunner().invoke(main, ["viz", "--out", str(directory), "--focus", "clonazepam"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert list(work.iterdir()) == []                      # nothing written where the user stands
    written = result.stdout.strip()                        # the path is the command's output
    assert written == str(cache / "myoclonus-kg" / "views" / "focus-clonazepam.html")
    assert page_data(Path(written))["meta"]["mode"] == "neighbourhood"


def test_focus_and_depth_draw_a_neighbourhood(build, tmp_path):
    directory, graph = build
    out = tmp_path / "focus.html"
    result = run("--out", str(directory), "--focus", "clonazepam", "--depth", "2", "--output", str(out))
    assert result.exit_code == 0, result.output
    sub = graph.neighbourhood("clonazepam", 2)
    data = page_data(out)
    assert data["meta"]["mode"] == "neighbourhood"
    assert {n["curie"] for n in data["info"]["nodes"].values()} == {d["curie"] for _, d in sub.nodes(data=True)}
    assert len(data["edges"]) == sub.number_of_edges()
    centre = [n for n in data["info"]["nodes"].values() if n.get("distance") == 0]
    assert [n["label"] for n in centre] == ["clonazepam"] and centre[0]["emphasis"]


def test_path_is_emphasised_with_context(build, tmp_path):
    directory, graph = build
    paths = graph.path("hypoxia", "clonazepam")
    on_path = {graph.to_networkx().nodes[n]["curie"] for p in paths for n in p.nodes}
    out = tmp_path / "path.html"
    result = run("--out", str(directory), "--path", "hypoxia", "clonazepam", "--output", str(out))
    assert result.exit_code == 0, result.output
    data = page_data(out)
    strong = {n["curie"] for n in data["info"]["nodes"].values() if n["emphasis"]}
    assert strong == on_path
    assert len(data["nodes"]) > len(on_path)  # one hop of faint context
    assert all(("opacity" in n) != data["info"]["nodes"][n["id"]]["emphasis"] for n in data["nodes"])
    alone = tmp_path / "alone.html"
    assert run("--out", str(directory), "--path", "hypoxia", "clonazepam", "--depth", "0",
               "--output", str(alone)).exit_code == 0
    assert {n["curie"] for n in page_data(alone)["info"]["nodes"].values()} == on_path


def test_named_select_query_draws_its_entities(build, tmp_path):
    directory, graph = build
    out = tmp_path / "q.html"
    result = run("--out", str(directory), "--query", "adverse-effects", "-p", "drug=clonazepam",
                 "--output", str(out))
    assert result.exit_code == 0, result.output
    data = page_data(out)
    labels = {n["label"] for n in data["info"]["nodes"].values()}
    assert "clonazepam" in labels and len(labels) > 1
    assert {e["predicate"] for e in data["info"]["edges"].values()} >= {"hasAdverseEffect"}


def test_output_dash_writes_to_stdout(build):
    directory, _ = build
    result = run("--out", str(directory), "--focus", "clonazepam", "--output", "-")
    assert result.exit_code == 0
    assert result.stdout.startswith("<!DOCTYPE html>")


@pytest.mark.parametrize("args, code, message", [
    (["--focus", "clonazepam", "--path", "a", "b"], 2, "cannot be combined"),
    (["--depth", "2"], 2, "--depth applies"),
    (["--k", "2"], 2, "--k applies"),
    (["--param", "a=b"], 2, "--param applies"),
    (["--query", "adverse-effects", "--param", "oops"], 2, "KEY=VALUE"),
    (["--focus", "no such entity at all"], 1, "error:"),
])
def test_errors(build, tmp_path, args, code, message):
    directory, _ = build
    result = run("--out", str(directory), "--output", str(tmp_path / "x.html"), *args)
    assert result.exit_code == code
    assert message in result.output
