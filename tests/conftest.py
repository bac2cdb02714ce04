"""Shared fixtures: the tiny fixture graph (tests/fixtures/mini) and the real curated build."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import kg
from kg.build import build

FIXTURE = Path(__file__).parent / "fixtures" / "mini"


@pytest.fixture(scope="session")
def fixture_data() -> Path:
    """The tiny fixture curation directory (read-only: copy it before changing it)."""
    return FIXTURE


@pytest.fixture()
def fixture_copy(tmp_path: Path) -> Path:
    """A writable copy of the fixture curation, for tests that break it."""
    target = tmp_path / "data"
    shutil.copytree(FIXTURE, target)
    return target


@pytest.fixture(scope="session")
def mini_graph(tmp_path_factory) -> kg.api.KnowledgeGraph:
    """The fixture graph, built once per session."""
    out = tmp_path_factory.mktemp("mini") / "build"
    build(out, data=FIXTURE)
    return kg.load(out, build=False)


@pytest.fixture(scope="session")
def real_build(tmp_path_factory) -> Path:
    """The real curated graph, built once per session (SHACL included)."""
    out = tmp_path_factory.mktemp("real") / "build"
    build(out)
    return out


@pytest.fixture(scope="session")
def real_graph(real_build: Path) -> kg.api.KnowledgeGraph:
    return kg.load(real_build, build=False)


@pytest.fixture(scope="session")
def cur():
    """The shipped curation records (entities, facts, exclusions)."""
    from kg.curation import load_curation

    return load_curation()


@pytest.fixture(scope="session")
def article() -> str:
    """The vendored source article."""
    from kg.resources import article_path

    return article_path().read_text(encoding="utf-8")


# ------------------------------------------------------------------ SPARQL servers
# One private instance of each server per session (tests/servers.py); a module that
# changes a server's graphs puts them back or pushes its own before use.
@pytest.fixture(scope="session")
def oxigraph_target(tmp_path_factory):
    """``oxigraph serve`` on a free loopback port (empty store)."""
    from tests.servers import Oxigraph, Target

    with Oxigraph(tmp_path_factory.mktemp("oxigraph") / "store") as server:
        yield Target(server)


@pytest.fixture(scope="session")
def virtuoso_target(tmp_path_factory):
    """A private Virtuoso instance (own directory, virtuoso.ini and loopback ports)."""
    from tests.servers import Target, Virtuoso

    with Virtuoso(tmp_path_factory.mktemp("virtuoso")) as server:
        yield Target(server)
