"""What a build depends on: its input files, their fingerprint, and the default location.

Kept free of heavy imports: every ``kg`` command checks the fingerprint before it starts.
"""

from __future__ import annotations

import os
from pathlib import Path

from kg.checksums import sha256
from kg.layout import STORE_DIR
from kg.version import __version__
from kg.resources import article_path, data_dir, ontology_dir

__all__ = ["HPO_MODES", "STORE_DIR", "default_build_dir", "input_files", "input_fingerprint"]

#: ``none``: curated graph only; ``subset``: plus the HPO myoclonus subtree and its diseases;
#: ``full``: plus the whole HPO with all annotations.
HPO_MODES = ("none", "subset", "full")


def default_build_dir() -> Path:
    """The build directory every command uses when not given one.

    ``$KG_BUILD_DIR`` if set; else ``myoclonus-kg/build`` in the user's cache directory
    (``$XDG_CACHE_HOME``, or ``~/.cache`` when that is unset or not absolute, as the XDG
    Base Directory specification says). ``kg status`` shows which one is in use.

    Examples
    --------
    >>> import os
    >>> saved = os.environ.pop("KG_BUILD_DIR", None)
    >>> default_build_dir().parts[-2:]
    ('myoclonus-kg', 'build')
    >>> os.environ["KG_BUILD_DIR"] = "/tmp/kg-build"
    >>> str(default_build_dir())
    '/tmp/kg-build'
    >>> if saved is None: del os.environ["KG_BUILD_DIR"]
    ... else: os.environ["KG_BUILD_DIR"] = saved
    """
    env = os.environ.get("KG_BUILD_DIR")
    if env:
        return Path(env).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(cache) if cache and os.path.isabs(cache) else Path.home() / ".cache"
    return base / "myoclonus-kg" / "build"


def input_files(data: Path | None = None) -> list[Path]:
    """The curation files, the ontology and shapes, and the source article."""
    data = data or data_dir()
    onto = ontology_dir()
    return sorted([data / "entities.yaml", data / "facts.yaml", data / "not_asserted.yaml",
                   onto / "myoclonus.ttl", onto / "shapes.ttl"]) + [article_path()]


def input_fingerprint(hpo: str = "none", data: Path | None = None) -> str:
    """A sha256 over every input (curation files, ontology, article, HPO mode and release, package
    version).

    Examples
    --------
    >>> input_fingerprint() == input_fingerprint()
    True
    >>> input_fingerprint("none") != input_fingerprint("subset")
    True
    """
    digest = sha256(f"myoclonus-kg {__version__} hpo={hpo}\n".encode())
    for path in input_files(data):
        if path.exists():
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    from kg.hpo.errors import HPOImportError
    from kg.hpo.files import hpo_fingerprint

    # The curated graph names the HPO release its identifiers are checked against (see
    # kg.curation.compiler.checked_by_tests), so the release is an input of every build.
    try:
        digest.update(hpo_fingerprint().encode())
    except HPOImportError:
        if hpo != "none":
            raise
    return digest.hexdigest()

