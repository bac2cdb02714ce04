"""The ontology, data and queries are found from an installed wheel, not only from a checkout."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # --no-isolation: use the build backend installed with the test extras (no download).
    result = subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out),
                             str(ROOT)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    wheels = list(out.glob("myoclonus_kg-*.whl"))
    assert len(wheels) == 1
    return wheels[0]


@pytest.mark.slow
def test_wheel_contains_ontology_data_and_queries(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in ["kg/ontology/myoclonus.ttl", "kg/ontology/shapes.ttl", "kg/data/entities.yaml",
                     "kg/data/facts.yaml", "kg/data/not_asserted.yaml", "kg/data/sources/what-is-myoclonus.txt",
                     "kg/queries/first-line-drug.rq", "kg/py.typed"]:
        assert required in names, required
    assert any(n.endswith("entry_points.txt") for n in names)
    assert not any(n.startswith("tests/") for n in names)


@pytest.mark.slow
def test_installed_wheel_builds_and_answers(wheel, tmp_path):
    """Unpack the wheel as an installed package and run it from a directory without the checkout."""
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    work = tmp_path / "elsewhere"
    work.mkdir()
    code = (
        "import kg, kg.resources as r, sys;"
        "assert str(r.ontology_dir()).startswith(sys.argv[1]), r.ontology_dir();"
        "assert str(r.data_dir()).startswith(sys.argv[1]), r.data_dir();"
        "g = kg.load(sys.argv[2]);"
        "print(g.named('first-line-drug').column('label'))"
    )
    env = dict(os.environ, PYTHONPATH=str(site))
    result = subprocess.run([sys.executable, "-c", code, str(site), str(tmp_path / "build")], cwd=work,
                            capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "clonazepam" in result.stdout
