"""Fixtures shared by the test suite (tests/) and the doctests of the package (kg/).

The session's graphs are built here, once per run whatever the number of pytest-xdist workers,
so that the doctests and every test module use the same builds: a doctest calls ``kg.load()``
as a user would and gets the curated build (through ``$KG_BUILD_DIR``) instead of building a
graph of its own.

The builds are kept between runs in pytest's cache (``.pytest_cache/d/kg-builds``), under a
name that changes with the package's code and inputs, and each run checks the kept build with
``kg.build.build`` itself (which rebuilds a damaged one): the edit loop then pays for a build
only when something it depends on changed. ``pytest --cache-clear`` starts from nothing, and so
does CI (a fresh clone).
"""

from __future__ import annotations

import fcntl
import gc
import hashlib
import json
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from _pytest.doctest import DoctestItem

ROOT = Path(__file__).resolve().parent

# Bytecode is cached as for a user (in __pycache__, which git ignores), here, in the xdist
# workers and in the `kg` processes the tests start, even where the environment says not to
# (some sandboxes set PYTHONDONTWRITEBYTECODE): without the cache, pytest rewrites the asserts
# of every test module again in every worker on every run, about 6 s of CPU per worker.
sys.dont_write_bytecode = False
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)

#: The fixture curation: a handful of records, for tests that break or rebuild the curation.
MINI_DATA = ROOT / "tests" / "fixtures" / "mini"


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (xdist workers wait for one another here)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _code_digest() -> str:
    """A digest of the package's code and shipped files: a kept build is reused only while it
    matches (the build's own fingerprint covers the inputs, not the code that compiles them)."""
    digest = hashlib.sha256()
    package = ROOT / "kg"
    for path in sorted(package.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def shared_build(config: pytest.Config, flavour: str, make: Callable[[Path], object]) -> Path:
    """The build ``flavour``, made once by ``make(out)`` for every worker of this run and kept
    for the next run while the code is unchanged. Tests must not change it (copy it first)."""
    root = Path(config.cache.mkdir("kg-builds"))
    out = root / f"{flavour}-{_code_digest()}" / "build"
    with _locked(root / f"{flavour}.lock"):
        make(out)  # kg.build.build: skipped when the inputs are unchanged and the build intact
        (out.parent / "used").touch()
        # Builds of older code, made here and unused for an hour (a run still going keeps its own).
        for old in root.glob(f"{flavour}-*"):
            stamp = old / "used"
            if old != out.parent and (not stamp.exists() or time.time() - stamp.stat().st_mtime > 3600):
                shutil.rmtree(old)
    return out


@pytest.fixture(scope="session")
def real_build(pytestconfig) -> Path:
    """The real curated graph (SHACL included): the fixture graph of the curated flavour."""
    from kg.build import build

    return shared_build(pytestconfig, "curated", lambda out: build(out))


@pytest.fixture(scope="session")
def hpo_build(pytestconfig) -> Path:
    """The real curated graph with the HPO subset import (and its entailed graph): the fixture
    graph of the HPO flavour, shared by the HPO tests, the one-graph questions and the
    differential hpo-* cases."""
    from kg.build import build

    return shared_build(pytestconfig, "hpo-subset", lambda out: build(out, hpo="subset", validate=False))


@pytest.fixture(scope="session")
def mini_build(pytestconfig) -> Path:
    """The tiny fixture curation (tests/fixtures/mini) built without SHACL, for tests that
    need a build they may copy and damage cheaply."""
    from kg.build import build

    return shared_build(pytestconfig, "mini", lambda out: build(out, data=MINI_DATA, validate=False))


@pytest.fixture(autouse=True)
def _doctests_use_the_session_build(request, monkeypatch):
    if isinstance(request.node, DoctestItem) and "kg.load()" in "".join(
            example.source for example in request.node.dtest.examples):
        monkeypatch.setenv("KG_BUILD_DIR", str(request.getfixturevalue("real_build")))


#: Fixtures that make a test slow wherever it uses them (directly or through another fixture):
#: the HPO-subset build (about a minute to build, rdflib reads it slowly), the SPARQL servers,
#: and headless Chromium. ``pytest -m "not slow"`` leaves such tests out (the edit loop).
SLOW_FIXTURES = {
    "hpo_build": "hpo",
    "oxigraph_target": "remote",
    "virtuoso_target": "remote",
    "chromium": "browser",
}


#: Doctests that are slow (they cannot carry a marker), with the reason.
SLOW_DOCTESTS = {
    # pySHACL (its import, the shapes, a one-edge graph: about 1.2 s); the curated session
    # build (``real_build``) makes the SHACL pass over the whole curation with the same code.
    "kg.validation.validate_quads": "pySHACL",
}


@pytest.hookimpl(tryfirst=True)  # before -m deselects
def pytest_collection_modifyitems(config, items):
    for item in items:
        uses = [mark for name, mark in SLOW_FIXTURES.items() if name in getattr(item, "fixturenames", ())]
        for mark in dict.fromkeys(uses):
            item.add_marker(mark)
        if (uses or item.get_closest_marker("browser") or item.get_closest_marker("remote")
                or (isinstance(item, DoctestItem) and item.name in SLOW_DOCTESTS)):
            item.add_marker("slow")


# ------------------------------------------------------------------ xdist scheduling
# `make test` runs `pytest -n 2` with --dist loadfile (pyproject.toml): each test file goes whole
# to one worker, which keeps a file's module-scoped servers and Chromium in one process. xdist
# hands the files out in collection order (pyproject.toml sets --no-loadscope-reorder), and a
# worker takes its next file while its current one still has two tests to go. So the workers
# get the files longest first: a long file handed out last would leave the other worker idle
# until it ends.

#: Seconds each test file took in a recent whole run, its slow tests and its others apart
#: (written by `pytest -n 2 --record-weights`). Only the order of the files depends on it: a
#: file missing here, or a stale number, costs time and nothing else.
WEIGHTS = ROOT / "tests" / "weights.json"


def pytest_addoption(parser):
    parser.addoption("--record-weights", action="store_true",
                     help="write the seconds each test file took to tests/weights.json "
                          "(the order in which xdist workers get the files)")


def _file_of(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


class _LongestFilesFirst:
    """In an xdist worker, sorts the selected tests by file, longest file first (by the
    weights of the kinds, slow or not, selected in it)."""

    @pytest.hookimpl(trylast=True)  # after -m and -k have deselected
    def pytest_collection_modifyitems(self, items):
        try:
            weights = json.loads(WEIGHTS.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            weights = {}
        kinds: dict[str, set[str]] = {}
        first: dict[str, int] = {}
        for index, item in enumerate(items):
            name = _file_of(item.nodeid)
            first.setdefault(name, index)
            kinds.setdefault(name, set()).add("slow" if item.get_closest_marker("slow") else "fast")
        weight = {name: sum(weights.get(name, {}).get(kind, 0.0) for kind in found)
                  for name, found in kinds.items()}
        order = sorted(first, key=lambda name: (-weight[name], first[name]))
        # The two workers start at once: the second file should not wait for the HPO-subset
        # build that the first one is making (the longest files all use it).
        hpo = {_file_of(item.nodeid) for item in items if "hpo_build" in getattr(item, "fixturenames", ())}
        if len(order) > 2 and order[0] in hpo and order[1] in hpo:
            other = next((name for name in order if name not in hpo), None)
            if other is not None:
                order.remove(other)
                order.insert(1, other)
        rank = {name: index for index, name in enumerate(order)}
        items.sort(key=lambda item: rank[_file_of(item.nodeid)])


class _WeightRecorder:
    """Sums the durations of each file's test phases, slow tests and others apart (in the
    main process, which gets the reports of every worker)."""

    def __init__(self) -> None:
        self.seconds: dict[str, dict[str, float]] = {}

    def pytest_runtest_logreport(self, report):
        kind = "slow" if "slow" in report.keywords else "fast"
        per_kind = self.seconds.setdefault(_file_of(report.nodeid), {})
        per_kind[kind] = per_kind.get(kind, 0.0) + report.duration

    def pytest_sessionfinish(self, session):
        try:  # files this run did not take keep their weights
            weights = json.loads(WEIGHTS.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            weights = {}
        weights.update({name: {kind: round(value, 1) for kind, value in sorted(kinds.items())}
                        for name, kinds in self.seconds.items()})
        WEIGHTS.write_text(json.dumps(dict(sorted(weights.items())), indent=1) + "\n", encoding="utf-8")


def pytest_configure(config):
    # The session's graphs hold millions of Python objects (pyoxigraph quads, NetworkX graphs,
    # rdflib datasets), and building them allocates millions more: with the default thresholds
    # (700, 10, 10) the cycle collector walks them again and again (~15% of the CPU of the HPO
    # tests). Fewer young collections; cycles are still collected.
    gc.set_threshold(50_000, 20, 10)
    if config.pluginmanager.is_blocked("cacheprovider"):
        # shared_build keeps the session builds in pytest's cache, which every worker finds.
        raise pytest.UsageError("the tests keep their builds in pytest's cache: run them without "
                                "-p no:cacheprovider")
    if hasattr(config, "workerinput"):  # the order of a run without xdist is left alone
        config.pluginmanager.register(_LongestFilesFirst(), "kg-longest-files-first")
    elif config.getoption("record_weights"):
        config.pluginmanager.register(_WeightRecorder(), "kg-weight-recorder")
