"""Shared fixtures: the graphs loaded from the session's builds, the curation, the servers, Chromium.

The builds themselves (``real_build``: curated; ``hpo_build``: HPO subset; ``mini_build``: the tiny
fixture curation in tests/fixtures/mini) are made in the repository's top ``conftest.py``, once per
run for every xdist worker, and shared with the doctests.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import kg

FIXTURE = Path(__file__).parent / "fixtures" / "mini"


@pytest.fixture()
def fixture_copy(tmp_path: Path) -> Path:
    """A writable copy of the fixture curation, for tests that break it."""
    target = tmp_path / "data"
    shutil.copytree(FIXTURE, target)
    return target


@pytest.fixture(scope="session")
def mini_graph(mini_build: Path) -> kg.api.KnowledgeGraph:
    """The tiny fixture graph (tests/fixtures/mini)."""
    return kg.load(mini_build, build=False)


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


@pytest.fixture(scope="session")
def hpo_graph(hpo_build: Path) -> kg.api.KnowledgeGraph:
    return kg.load(hpo_build, build=False)


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


# ------------------------------------------------------------------ headless Chromium
CHROMIUM = os.environ.get("KG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def browser_unavailable() -> str | None:
    """Why the browser tests cannot run here, or ``None``."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the Python package playwright is not installed (pip install playwright)"
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium, or set KG_CHROMIUM)"
    return None


def browser_missing(reason: str):
    """Skip locally, fail in CI (``CI`` set): CI installs Chromium."""
    if os.environ.get("CI"):
        pytest.fail(f"browser tests must run in CI, but: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def chromium():
    """One headless Chromium per browser test module (Debian's, driven by Playwright).

    Not per session: while Playwright's sync API is open it keeps an event loop running in
    the main thread, and the other modules' ``asyncio.run`` would then refuse to start."""
    reason = browser_unavailable()
    if reason:
        browser_missing(reason)
    from playwright.sync_api import Error, sync_playwright

    with sync_playwright() as p:
        try:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        except Error as exc:
            browser_missing(f"Chromium at {CHROMIUM} does not start: {exc}")
        yield browser
        browser.close()
