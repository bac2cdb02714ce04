"""Where the shipped data and ontology files are, from a checkout or an installed wheel.

The curated data lives in the package (``kg/data``) and is read with
the package's directory. The ontology lives at the top of the repository
(``ontology/``); the wheel carries a copy as ``kg/ontology``.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["data_dir", "ontology_dir", "article_path", "child_environment", "ARTICLE_ID", "ARTICLE_URL"]

#: Local name of the vendored source document.
ARTICLE_ID = "what-is-myoclonus"
#: Where the authoritative text lives (the article is a machine translation of it).
ARTICLE_URL = "https://www.ninds.nih.gov/health-information/disorders/myoclonus"


#: The package's own directory (importlib.resources gives the same path for an installed
#: package, and costs every command a dozen stdlib imports).
_ROOT = Path(__file__).resolve().parent


def _package_root() -> Path:
    return _ROOT


def data_dir() -> Path:
    """Return the directory holding ``entities.yaml``, ``facts.yaml`` and the sources.

    Examples
    --------
    >>> (data_dir() / "facts.yaml").name
    'facts.yaml'
    """
    return _package_root() / "data"


def ontology_dir() -> Path:
    """Return the directory holding ``myoclonus.ttl`` and ``shapes.ttl``.

    Raises
    ------
    FileNotFoundError
        If neither the wheel's copy nor the checkout's ``ontology/`` exists.
    """
    for candidate in (_package_root() / "ontology", _package_root().parent / "ontology"):
        if (candidate / "myoclonus.ttl").is_file():
            return candidate
    raise FileNotFoundError("ontology/myoclonus.ttl not found next to the kg package")


def article_path() -> Path:
    """Return the path of the vendored article (the provenance anchor)."""
    return data_dir() / "sources" / f"{ARTICLE_ID}.txt"


def child_environment() -> dict[str, str]:
    """The environment of this process, with the directory holding this ``kg`` package first on
    ``PYTHONPATH``: a child process (``python -m kg ...``, a query worker) imports the same
    package as its parent, a checkout or an installed one.

    Examples
    --------
    >>> child_environment()["PYTHONPATH"].split(os.pathsep)[0] == str(_ROOT.parent)
    True
    """
    env = dict(os.environ)
    env["PYTHONPATH"] = str(_ROOT.parent) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env
