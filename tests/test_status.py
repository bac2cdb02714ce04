"""One build directory for every command: ``kg status``, and builds on first use that say so."""

from __future__ import annotations

import json

import pytest

from click.testing import CliRunner

from kg.build import build
from kg.cli import main


def _run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture()
def without_shacl(monkeypatch):
    """The commands' own builds without the SHACL pass (slow, and tested by the build tests):
    these tests are about which directory is built, when, and what is said."""
    import kg.build.builder as builder

    real = builder.build

    def build_without_shacl(directory=None, **kwargs):
        kwargs["validate"] = False
        return real(directory, **kwargs)

    monkeypatch.setattr(builder, "build", build_without_shacl)


@pytest.mark.slow  # a `kg` process that builds the graph
def test_first_use_builds_loudly_in_the_default_directory(tmp_path, monkeypatch, without_shacl):
    cache = tmp_path / "cache"
    monkeypatch.delenv("KG_BUILD_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    expected = cache / "myoclonus-kg" / "build"

    before = _run("status", "--json")
    assert before.exit_code == 0
    status = json.loads(before.stdout)
    assert status["directory"] == str(expected) and status["exists"] is False
    assert status["reason"].startswith("the default")

    result = _run("query", "ASK { mk:clonazepam mkv:treats mk:action_myoclonus }", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"head": {}, "boolean": True}   # data alone on stdout
    assert f"no graph built in {expected} yet: building it now" in result.stderr
    assert "  loading the query store" in result.stderr                # progress, indented
    assert "done in" in result.stderr

    after = _run("status")
    assert after.exit_code == 0
    text = after.stdout
    assert f"build: {expected} (the default" in text
    assert "state: up to date" in text and "contents: curated graph only (no HPO import)" in text
    manifest = json.loads((expected / "manifest.json").read_text())
    assert f"{manifest['counts']['entities']} entities" in text
    assert _run("status", "--path").stdout.strip() == str(expected)

    # The next command reuses it without a word on stderr.
    again = _run("query", "ASK { mk:clonazepam mkv:treats mk:action_myoclonus }", "--format", "json")
    assert again.stderr == ""


def test_env_and_out_choose_the_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("KG_BUILD_DIR", str(tmp_path / "env"))
    status = json.loads(_run("status", "--json").stdout)
    assert status["directory"] == str(tmp_path / "env") and status["reason"] == "from $KG_BUILD_DIR"
    status = json.loads(_run("status", "--json", "--out", str(tmp_path / "given")).stdout)
    assert status["directory"] == str(tmp_path / "given") and status["reason"] == "given with --out"


def test_stale_build_is_reported_then_rebuilt_with_a_message(fixture_copy, tmp_path, without_shacl):
    out = tmp_path / "build"
    build(out, data=fixture_copy, validate=False)
    status = json.loads(_run("status", "--json", "--out", str(out)).stdout)
    assert status["state"] == "up to date" and status["data"] == str(fixture_copy.resolve())
    assert status["counts"]["entities"] > 0 and status["built_at"]

    facts = fixture_copy / "facts.yaml"
    facts.write_text(facts.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    status = json.loads(_run("status", "--json", "--out", str(out)).stdout)
    assert status["state"] == "stale"
    assert "stale" in _run("status", "--out", str(out)).stdout

    result = _run("neighbors", "--out", str(out), "myoclonus")
    assert result.exit_code == 0, result.output
    assert f"the build in {out} is stale (its inputs changed): rebuilding it" in result.stderr
    assert json.loads(_run("status", "--json", "--out", str(out)).stdout)["state"] == "up to date"
