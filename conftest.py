"""Fixtures shared by the test suite (tests/) and the doctests of the package (kg/).

The real curated graph is built once per session, here, so that the doctests and the tests
use the same build: a doctest calls ``kg.load()`` as a user would and gets it (through
``$KG_BUILD_DIR``) instead of building a graph of its own.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _pytest.doctest import DoctestItem


@pytest.fixture(scope="session")
def real_build(tmp_path_factory) -> Path:
    """The real curated graph, built once per session (SHACL included)."""
    from kg.build import build

    out = tmp_path_factory.mktemp("real") / "build"
    build(out)
    return out


@pytest.fixture(autouse=True)
def _doctests_use_the_session_build(request, monkeypatch):
    if isinstance(request.node, DoctestItem) and "kg.load()" in "".join(
            example.source for example in request.node.dtest.examples):
        monkeypatch.setenv("KG_BUILD_DIR", str(request.getfixturevalue("real_build")))
