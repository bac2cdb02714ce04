"""The build: compile, validate, export, persist the store; atomically, and only when needed.

The output directory is replaced in one step: everything is written into a temporary
sibling directory first, and only a complete, valid build is renamed into place. A failed
build leaves the previous output exactly as it was.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pyoxigraph as ox

from kg import __version__
from kg.build.exporters import write_graphml, write_kgx, write_rdf
from kg.build.inputs import HPO_MODES, STORE_DIR, default_build_dir, input_fingerprint
from kg.curation.compiler import compile_curation, load_curation
from kg.errors import BuildError, KGError
from kg.namespace import GRAPH_ONTOLOGY
from kg.resources import data_dir, ontology_dir
from kg.schema import load_schema
from kg.tables import make_tables
from kg.validation import validate_quads

__all__ = ["BuildResult", "build", "default_build_dir", "input_fingerprint", "HPO_MODES"]


@dataclass
class BuildResult:
    """What a build did. ``skipped`` is true when the inputs were unchanged."""

    directory: Path
    skipped: bool
    counts: dict[str, int]
    fingerprint: str


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _ontology_quads() -> list[ox.Quad]:
    graph = ox.NamedNode(GRAPH_ONTOLOGY)
    path = ontology_dir() / "myoclonus.ttl"
    try:
        triples = list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
    except SyntaxError as exc:
        raise BuildError(f"{path}: {exc}") from None
    # The parser names blank nodes at random; rename them in order of appearance so that
    # the same ontology file always gives the same N-Quads.
    names: dict[str, ox.BlankNode] = {}

    def stable(term):
        if isinstance(term, ox.BlankNode):
            return names.setdefault(term.value, ox.BlankNode(f"onto{len(names)}"))
        return term

    return [ox.Quad(stable(t.subject), t.predicate, stable(t.object), graph) for t in triples]


def build(directory: Path | str | None = None, *, hpo: str = "none", force: bool = False,
          data: Path | None = None, validate: bool = True,
          progress: Callable[[str], None] | None = None) -> BuildResult:
    """Build the graph into ``directory`` (all formats plus the query store).

    Parameters
    ----------
    directory : path, optional
        Output directory; defaults to :func:`default_build_dir`.
    hpo : {"none", "subset", "full"}
        Which HPO import to include (see :data:`HPO_MODES`).
    force : bool
        Rebuild even if the inputs are unchanged.
    data : path, optional
        Directory of the curation files (tests use this for broken inputs).
    validate : bool
        Run the SHACL shapes before publishing (the quote check always runs).
    progress : callable, optional
        Receives one-line progress messages.

    Returns
    -------
    BuildResult

    Raises
    ------
    CurationError
        A curation record is wrong (names file, line and record); nothing is written.
    BuildError
        The graph fails validation, or writing failed; the previous output is untouched.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "build"
    >>> build(out, validate=False).counts["entities"] > 50
    True
    >>> build(out, validate=False).skipped
    True
    """
    if hpo not in HPO_MODES:
        raise BuildError(f"unknown HPO mode {hpo!r}; choose one of {', '.join(HPO_MODES)}")
    say = progress or (lambda message: None)
    directory = Path(directory) if directory is not None else default_build_dir()
    data = Path(data) if data is not None else data_dir()
    fingerprint = input_fingerprint(hpo, data)
    manifest_path = directory / "manifest.json"
    if not force and manifest_path.is_file():
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            manifest = {}
        if manifest.get("fingerprint") == fingerprint and (directory / STORE_DIR).is_dir():
            say(f"inputs unchanged; {directory} is up to date")
            return BuildResult(directory, True, manifest.get("counts", {}), fingerprint)

    say("compiling curation files")
    compiled = compile_curation(load_curation(data))
    curated = compiled.quads
    schema = load_schema()
    report = validate_quads(curated, shacl=validate)
    if not report.conforms:
        raise BuildError("the curated graph does not validate; nothing was written\n" + report.text())
    ontology = _ontology_quads()
    tables = make_tables(curated, schema)

    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{directory.name}.tmp-", dir=directory.parent))
    try:
        say(f"writing {len(curated)} curated triples")
        write_rdf(tmp, curated, curated + ontology)
        write_graphml(tmp, tables, schema)
        write_kgx(tmp, tables, schema)
        say("loading the query store")
        store = ox.Store(str(tmp / STORE_DIR))
        store.bulk_extend(curated + ontology)
        import_stats = None
        if hpo != "none":
            from kg.hpo.importer import stream_hpo

            # Streamed in batches into kg.nq and the store: the import is never held whole
            # in memory (a full import is about 3 million triples).
            with (tmp / "kg.nq").open("a", encoding="utf-8") as nq:
                import_stats = stream_hpo(hpo, curated, say, consumers=[
                    nq.write, lambda text: store.bulk_load(input=text.encode("utf-8"),
                                                           format=ox.RdfFormat.N_QUADS)])
        store.flush()
        store.optimize()
        del store
        counts = {
            "triples_curated": len(curated),
            "triples_ontology": len(ontology),
            "triples_imported": import_stats.triples if import_stats else 0,
            "entities": len(tables.nodes),
            "edges": len(tables.edges),
            "facts": len(compiled.curation.facts),
        }
        per_category: dict[str, int] = {}
        for node in tables.nodes.values():
            for t in node.types:
                per_category[t] = per_category.get(t, 0) + 1
        manifest = {
            "name": "myoclonus-kg",
            "version": __version__,
            "fingerprint": fingerprint,
            "hpo": hpo,
            # None for the shipped curation; else the directory the records came from.
            "data": None if data == data_dir() else str(data.resolve()),
            "source_sha256": compiled.article_sha256,
            "counts": counts,
            "entities_per_class": dict(sorted(per_category.items())),
            "hpo_import": _import_summary(import_stats),
            "files": {name: _sha256(tmp / name) for name in sorted(os.listdir(tmp))
                      if (tmp / name).is_file()},
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n",
                                           encoding="utf-8")
        _swap_into_place(tmp, directory)
    except KGError:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        raise BuildError(f"writing the build to {directory} failed: {exc}") from exc
    say(f"built {directory}")
    return BuildResult(directory, False, counts, fingerprint)


def _import_summary(stats) -> dict | None:
    """What the HPO import read and skipped, for the manifest (no timings: deterministic)."""
    if stats is None:
        return None
    from kg.hpo.files import hpo_release

    return {"release": hpo_release(), "terms": stats.terms, "diseases": stats.diseases,
            "genes": stats.genes, "edges": dict(sorted(stats.edges.items())), "triples": stats.triples,
            "not_qualified_rows_skipped": stats.not_rows, "skipped_rows": dict(sorted(stats.skipped_rows.items())),
            "pme_name_rule": [list(p) for p in stats.pme_rule]}


def _swap_into_place(tmp: Path, directory: Path) -> None:
    # Two renames: the old build is moved aside only once the new one is complete.
    old = None
    if directory.exists():
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
        shutil.rmtree(old, ignore_errors=True)
