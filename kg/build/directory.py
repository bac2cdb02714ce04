"""The build directory: whose it is, how a new build replaces it, and what a killed build left.

A build replaces its whole output directory (``--out``), so it must never replace or delete
anything it did not make. The rules:

* **The marker.** Every build directory holds :data:`MARKER` (``.myoclonus-kg-build``), a
  small JSON file ``{"name": "myoclonus-kg", ...}``. A directory is *a build* if it holds
  the marker, or (builds made before the marker existed) a ``manifest.json`` whose
  ``"name"`` is ``"myoclonus-kg"``.
* **Refusal.** A build goes into a directory that does not exist, an empty directory, or a
  build holding nothing but what a build writes (:func:`build_entries`). Anything else is
  refused with a :class:`~kg.errors.BuildError` naming the directory (and the foreign
  files), before any work is done; nothing is touched.
* **Only our files are removed.** The old build is moved aside when the new one is complete,
  and then only the entries a build writes are deleted from it, one by one; the directory
  itself goes with ``rmdir``, which fails (and leaves it, with a warning) if anything else
  appeared in it meanwhile.
* **Stale temporaries.** A build writes into ``.<name>.tmp-<random>`` next to ``--out`` (a
  rename must stay on one file system), and moves the old build to ``.<name>.old-<random>``.
  A build killed by a signal leaves them behind. Builds hold an exclusive lock
  (``flock``) on the parent directory from the up-to-date check to the end of the swap;
  so the next build, holding that lock, knows that any such directory is not in use, and
  removes those that are provably ours: the name pattern of the same ``--out``, our marker
  inside, and nothing but build entries (or an empty directory). Anything else is left
  alone. Without ``fcntl`` (Windows) there is no lock and nothing is collected.

Examples
--------
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> (d / "thesis.txt").write_text("x")
1
>>> check_replaceable(d)
Traceback (most recent call last):
...
kg.errors.BuildError: ... refusing to build here: it is not empty and it is not a myoclonus-kg build ...
>>> (d / "thesis.txt").read_text()
'x'
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Callable, Iterator

from kg.errors import BuildError
from kg.layout import ALIASES_FILE, FULL_STORE_DIR, STORE_DIR

__all__ = ["MARKER", "PROJECT", "build_entries", "read_manifest", "is_build", "check_replaceable",
           "build_lock", "make_temporary", "swap_into_place", "collect_stale", "remove_build"]

#: The marker file of a build directory (and of a build's temporary directory).
MARKER = ".myoclonus-kg-build"
#: The ``name`` recorded in the marker and in ``manifest.json``.
PROJECT = "myoclonus-kg"
# paths.sqlite: kg.paths.compact.COMPACT_FILE, the path index.
_BUILD_FILES = ("kg.ttl", "kg.nt", "kg.jsonld", "kg.nq", "kg.graphml", "nodes.tsv", "edges.tsv",
                "paths.sqlite", ALIASES_FILE, "manifest.json")


def build_entries() -> frozenset[str]:
    """The names a build writes in its directory (files, the store, the marker).

    Examples
    --------
    >>> sorted(build_entries())[:3]
    ['.myoclonus-kg-build', 'aliases.json', 'edges.tsv']
    """
    return frozenset(_BUILD_FILES) | {STORE_DIR, FULL_STORE_DIR, MARKER}


def _read_json(path: Path) -> object:
    # ValueError covers JSONDecodeError and UnicodeDecodeError; RecursionError a deeply nested file.
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, RecursionError) as exc:
        raise BuildError(f"{path}: damaged ({exc.__class__.__name__}: {str(exc)[:120]})") from None


def read_manifest(directory: Path | str) -> dict | None:
    """The ``manifest.json`` of a build, or ``None`` if there is none.

    Raises
    ------
    BuildError
        If the file exists but is not a JSON object (a one-line message naming the file).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> read_manifest(d) is None
    True
    >>> _ = (d / "manifest.json").write_text("{oops")
    >>> read_manifest(d)
    Traceback (most recent call last):
    ...
    kg.errors.BuildError: .../manifest.json: damaged (JSONDecodeError: ...)
    """
    path = Path(directory) / "manifest.json"
    try:
        if not path.is_file():
            return None
    except OSError:
        return None
    try:
        value = _read_json(path)
    except OSError as exc:
        raise BuildError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if not isinstance(value, dict):
        raise BuildError(f"{path}: damaged (not a JSON object)")
    return value


def _has_marker(directory: Path) -> bool:
    try:
        value = _read_json(directory / MARKER)
    except (BuildError, OSError):
        return False
    return isinstance(value, dict) and value.get("name") == PROJECT


def is_build(directory: Path | str) -> bool:
    """Whether ``directory`` is a myoclonus-kg build: it holds our marker, or a
    ``manifest.json`` of ours (builds made before the marker)."""
    directory = Path(directory)
    if _has_marker(directory):
        return True
    try:
        manifest = read_manifest(directory)
    except BuildError:
        return False
    return manifest is not None and manifest.get("name") == PROJECT


def _foreign(directory: Path) -> list[str]:
    known = build_entries()
    return sorted(p.name for p in directory.iterdir() if p.name not in known)


def check_replaceable(directory: Path | str) -> None:
    """Raise unless a build may replace ``directory``: it is missing, empty, or a build that
    holds nothing but build entries.

    Raises
    ------
    BuildError
        With a one-line message naming the directory and, if any, the foreign entries.
    """
    directory = Path(directory)
    if not directory.exists() and not directory.is_symlink():
        return
    if not directory.is_dir():
        raise BuildError(f"{directory}: not a directory; give a new or empty directory as --out")
    try:
        entries = list(directory.iterdir())
    except OSError as exc:
        raise BuildError(f"{directory}: cannot read the directory: {exc.strerror or exc}") from None
    if not entries:
        return
    if not is_build(directory):
        damaged = ""
        try:
            read_manifest(directory)
        except BuildError as exc:
            damaged = f" ({exc})"
        raise BuildError(
            f"{directory}: refusing to build here: it is not empty and it is not a myoclonus-kg build "
            f"(no {MARKER} marker, no manifest.json of ours{damaged}); a build replaces its whole "
            "directory, so give a new or empty directory as --out")
    foreign = _foreign(directory)
    if foreign:
        shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
        raise BuildError(f"{directory}: refusing to replace this build: it holds files a build did not "
                         f"make ({shown}); move them out of the directory or give another --out")


@contextlib.contextmanager
def build_lock(directory: Path, say: Callable[[str], None] = lambda message: None) -> Iterator[bool]:
    """Hold an exclusive lock on the parent directory of ``directory`` for the duration.

    Yields ``True`` when the lock is held (then no other build with the same parent runs),
    ``False`` where locking is not available.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield False
        return
    parent = directory.parent
    try:
        fd = os.open(parent, os.O_RDONLY)
    except OSError:
        yield False
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say(f"waiting for another build in {parent} to finish")
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError:  # a file system without locks
            yield False
            return
        yield True
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _write_marker(directory: Path, state: str) -> None:
    marker: dict = {"name": PROJECT, "state": state,
                    "note": "made by `kg build`; the next build replaces this directory"}
    if state == "temporary":  # for whoever finds it after a crash
        import socket  # here, not at the top: every command reads the manifest, few write one

        marker.update(pid=os.getpid(), host=socket.gethostname())
    (directory / MARKER).write_text(json.dumps(marker, indent=1) + "\n", encoding="utf-8")


def make_temporary(directory: Path) -> Path:
    """Create the temporary sibling directory a build writes into (marked as ours)."""
    directory.parent.mkdir(parents=True, exist_ok=True)
    import tempfile

    tmp = Path(tempfile.mkdtemp(prefix=f".{directory.name}.tmp-", dir=directory.parent))
    _write_marker(tmp, "temporary")
    return tmp


def finish_temporary(tmp: Path) -> None:
    """Mark a complete temporary build as a build (just before it is swapped into place)."""
    _write_marker(tmp, "build")


def remove_build(path: Path, warn: Callable[[str], None] = lambda message: None) -> bool:
    """Delete a build (or a build's temporary directory) entry by entry: only the entries a
    build writes, then the directory itself if it is empty. Return whether it is gone."""
    for name in build_entries():
        entry = path / name
        try:
            if entry.is_dir() and not entry.is_symlink():
                import shutil

                shutil.rmtree(entry)
            elif entry.exists() or entry.is_symlink():
                entry.unlink()
        except OSError:
            pass
    try:
        path.rmdir()
        return True
    except OSError:
        if path.exists():
            warn(f"warning: {path} was not removed: it holds files a build did not make "
                 f"({', '.join(_foreign(path)[:5])})")
        return not path.exists()


def swap_into_place(tmp: Path, directory: Path, warn: Callable[[str], None] = lambda message: None) -> None:
    """Move the complete build ``tmp`` to ``directory``; the old build, if any, is moved aside
    first and removed after (only its build entries)."""
    finish_temporary(tmp)
    old = None
    if directory.exists():
        check_replaceable(directory)  # checked before the build too; the directory may have changed
        import tempfile

        old = Path(tempfile.mkdtemp(prefix=f".{directory.name}.old-", dir=directory.parent))
        old.rmdir()
        os.replace(directory, old)
    try:
        os.replace(tmp, directory)
    except OSError:
        if old is not None:
            os.replace(old, directory)
        raise
    if old is not None:
        remove_build(old, warn)


def collect_stale(directory: Path, warn: Callable[[str], None] = lambda message: None) -> list[Path]:
    """Remove the temporary directories that killed builds of ``directory`` left behind.

    Call only while holding :func:`build_lock` (then none of them belongs to a live build).
    Only directories named ``.<name>.tmp-*`` or ``.<name>.old-*`` that are empty, or hold our
    marker (or, for ``.old-*``, a manifest of ours) and nothing but build entries, are removed.

    Returns
    -------
    list of Path
        The directories removed.
    """
    removed: list[Path] = []
    prefixes = (f".{directory.name}.tmp-", f".{directory.name}.old-")
    try:
        candidates = [p for p in directory.parent.iterdir() if p.name.startswith(prefixes)]
    except OSError:
        return removed
    for path in sorted(candidates):
        if path.is_symlink() or not path.is_dir():
            continue
        try:
            empty = not any(path.iterdir())
            if empty:
                path.rmdir()
                removed.append(path)
                continue
            if not is_build(path) or _foreign(path):
                continue
        except OSError:
            continue
        if remove_build(path, warn):
            removed.append(path)
    return removed
