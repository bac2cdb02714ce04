"""The build: compile, validate, export, persist the store; atomically, and only when needed.

The output directory is replaced in one step: everything is written into a temporary
sibling directory first, and only a complete, valid build is renamed into place. A failed
build leaves the previous output exactly as it was. A directory that is not a build is
never replaced, and only what a build writes is ever deleted (:mod:`kg.build.directory`).

A build is skipped when its inputs are unchanged *and* the existing build is intact: its
manifest parses, every output file and every file of the query store has the checksum the
manifest records, and the store opens and holds the quads it was loaded with. A damaged
build is rebuilt.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import pyoxigraph as ox

from kg.version import __version__
from kg.build.directory import (MARKER, PROJECT, build_lock, check_replaceable, collect_stale,
                                make_temporary, read_manifest, remove_build, swap_into_place)
from kg.build.exporters import write_graphml, write_kgx, write_rdf
from kg.build.inputs import HPO_MODES, STORE_DIR, default_build_dir, input_fingerprint
from kg.checksums import file_sha256
from kg.curation.compiler import compile_curation, load_curation
from kg.errors import BuildError, CurationError, KGError
from kg.layout import ALIASES_FILE, FULL_STORE_DIR
from kg.namespace import GRAPH_ALIASES, GRAPH_ONTOLOGY
from kg.resources import data_dir, ontology_dir
from kg.schema import load_schema
from kg.tables import make_tables
from kg.validation import validate_quads

__all__ = ["BuildResult", "build", "build_damage", "default_build_dir", "input_fingerprint", "HPO_MODES"]


@dataclass
class BuildResult:
    """What a build did. ``skipped`` is true when the inputs were unchanged."""

    directory: Path
    skipped: bool
    counts: dict[str, int]
    fingerprint: str


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
    given = Path(directory) if directory is not None else default_build_dir()
    # A symbolic link stays: the build replaces the directory it points to.
    directory = given.resolve() if given.is_symlink() else given
    data = Path(data) if data is not None else data_dir()
    # Refuse a foreign directory before any work; checked again (under the lock) at the swap.
    check_replaceable(directory)
    fingerprint = input_fingerprint(hpo, data)
    directory.parent.mkdir(parents=True, exist_ok=True)
    with build_lock(directory, say) as locked:
        if locked:  # no other build of this parent runs: what a killed build left is stale
            for stale in collect_stale(directory, say):
                say(f"removed {stale.name}, left by an interrupted build")
        if not force:
            manifest = _intact_build(directory, fingerprint, say)
            if manifest is not None:
                say(f"inputs unchanged; {given} is up to date")
                return BuildResult(given, True, manifest.get("counts", {}), fingerprint)
        check_replaceable(directory)
        counts = _build_into(directory, hpo, data, fingerprint, validate, say)
    say(f"built {given}")
    return BuildResult(given, False, counts, fingerprint)


def _intact_build(directory: Path, fingerprint: str, say: Callable[[str], None]) -> dict | None:
    """The manifest of ``directory`` if it is an intact build of these inputs, else ``None``
    (and the reason said, when the build is there but damaged)."""
    try:
        manifest = read_manifest(directory)
    except BuildError as exc:
        say(f"{exc}; rebuilding")
        return None
    if manifest is None or manifest.get("fingerprint") != fingerprint:
        return None
    problem = build_damage(directory, manifest)
    if problem is not None:
        say(f"{problem}; rebuilding")
        return None
    return manifest


def build_damage(directory: Path, manifest: dict) -> str | None:
    """What is wrong with a build, in one line, or ``None`` if it is intact.

    Checks every output file and every file of the store against the manifest's checksums,
    then opens the store and counts its quads per graph against the recorded counts.
    """
    from kg.paths.compact import COMPACT_FILE, FORMAT

    paths = manifest.get("paths")
    if not isinstance(paths, dict) or paths.get("format") != FORMAT:
        return (f"{directory / COMPACT_FILE}: the path index is missing or of another format "
                f"(the build predates this version)")
    files = manifest.get("files")
    if not isinstance(files, dict) or not files:
        return f"{directory / 'manifest.json'}: damaged (no file checksums)"
    for name, digest in sorted(files.items()):
        path = directory / str(name)
        try:
            if file_sha256(path) != digest:
                return f"{path}: damaged (its checksum differs from the manifest's)"
        except OSError as exc:
            return f"{path}: missing or unreadable ({exc.strerror or exc})"
    if not isinstance(manifest.get("full_store_files"), dict):
        return (f"{directory / FULL_STORE_DIR}: the store with the aliases graph is missing "
                f"(the build predates this version)")
    digests: dict[tuple[int, int], str] = {}  # the two stores share most files (hard links)
    for name, files_key, quads_key in ((STORE_DIR, "store_files", "store_quads"),
                                       (FULL_STORE_DIR, "full_store_files", "full_store_quads")):
        problem = _store_damage(directory / name, manifest.get(files_key), manifest.get(quads_key), digests)
        if problem is not None:
            return problem
    return None


def _store_damage(store_dir: Path, recorded: object, expected: object,
                  digests: dict[tuple[int, int], str]) -> str | None:
    """What is wrong with one store of a build (checksums of its files, quads per graph);
    ``digests`` keeps the checksums of the files already read (:func:`_linked_sha256`)."""
    if isinstance(recorded, dict):
        for name, digest in sorted(recorded.items()):
            path = store_dir / str(name)
            try:
                if _linked_sha256(path, digests) != digest:
                    return f"{path}: the query store is damaged (its checksum differs from the manifest's)"
            except OSError:
                return f"{path}: missing from the query store"
    try:
        quads = _store_counts(ox.Store.read_only(str(store_dir)))
    except Exception as exc:  # noqa: BLE001 - whatever RocksDB reports, the store is unusable
        return f"{store_dir}: the query store is damaged ({_first_line(exc)})"
    if isinstance(expected, dict) and quads != expected:
        return f"{store_dir}: the query store is damaged (it holds other quads than it was built with)"
    return None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().partition("\n")[0]
    return text[:200] if text else exc.__class__.__name__


def _linked_sha256(path: Path, digests: dict[tuple[int, int], str]) -> str:
    """The checksum of ``path``, read once per file: the full store is a checkpoint of the
    store, hard links to the same files (the store of a full-HPO build is 1.6 GB)."""
    info = path.stat()
    key = (info.st_dev, info.st_ino)
    if key not in digests:
        digests[key] = file_sha256(path)
    return digests[key]


def _store_checksums(store_dir: Path, digests: dict[tuple[int, int], str]) -> dict[str, str]:
    # RocksDB's info log (LOG, LOG.old.*) is not data: left out.
    return {p.name: _linked_sha256(p, digests) for p in sorted(store_dir.iterdir())
            if p.is_file() and not p.name.startswith("LOG")}


def _store_counts(store: ox.Store) -> dict[str, int]:
    rows = store.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    return {row[0].value: int(row[1].value) for row in rows}


def _build_into(directory: Path, hpo: str, data: Path, fingerprint: str, validate: bool,
                say: Callable[[str], None]) -> dict[str, int]:
    say("compiling curation files")
    curation = load_curation(data)
    for records, file in ((curation.entities, "entities.yaml"), (curation.facts, "facts.yaml")):
        if not records:  # an emptied file must not replace a good build with an empty graph
            raise CurationError("no records: a build needs at least one; nothing was written",
                                file=str(data / file))
    compiled = compile_curation(curation)
    curated = compiled.quads
    schema = load_schema()
    report = validate_quads(curated, shacl=validate)
    if not report.conforms:
        raise BuildError("the curated graph does not validate; nothing was written\n" + report.text())
    ontology = _ontology_quads()
    tables = make_tables(curated, schema)

    tmp = make_temporary(directory)
    try:
        say(f"writing {len(curated)} curated triples")
        write_rdf(tmp, curated, curated + ontology)
        write_graphml(tmp, tables, schema)
        write_kgx(tmp, tables, schema)
        say("loading the query store")
        store = ox.Store(str(tmp / STORE_DIR))
        store.bulk_extend(curated + ontology)
        # An in-memory copy of the graphs that the entailment and the path index read: it
        # iterates about ten times faster than RocksDB (not for a full import: ~3 million quads).
        copy = ox.Store() if hpo != "full" else None
        loaded = [store] if copy is None else [store, copy]
        if copy is not None:
            copy.bulk_extend(curated + ontology)
        import_stats = None
        if hpo != "none":
            from kg.hpo.importer import import_hpo

            # Streamed in batches into kg.nq and the store: the import is never held whole
            # in memory (a full import is about 3 million triples).
            with (tmp / "kg.nq").open("a", encoding="utf-8") as nq:
                import_stats = import_hpo(hpo, curated, say, consumers=[
                    nq.write, lambda text: _bulk_load(loaded, text)])  # noqa: F821 (del later)
        # The aliases graph goes to kg.nq and to the full store only (kg.layout.FULL_STORE_DIR).
        aliases_graph: list[str] = []
        entailed = _write_entailed(loaded, curated, tmp / "kg.nq", aliases_graph, say)
        store.flush()
        store.optimize()
        store_quads = _store_counts(store)
        full = _write_full_store(tmp, store, aliases_graph, say)
        if copy is not None and aliases_graph:
            _bulk_load([copy], "".join(aliases_graph))
        del store, loaded, aliases_graph
        full_store_quads = _store_counts(full)
        paths_index = _write_paths_index(tmp, full, full_store_quads, copy, schema, say)
        del full, copy
        (tmp / ALIASES_FILE).write_text(json.dumps(entailed.aliases, indent=0) + "\n", encoding="utf-8")
        counts = {
            "triples_curated": len(curated),
            "triples_ontology": len(ontology),
            "triples_imported": import_stats.triples if import_stats else 0,
            "triples_entailed": entailed.triples,
            "triples_closure": entailed.closure,
            "entities": len(tables.nodes),
            "edges": len(tables.edges),
            "facts": len(compiled.curation.facts),
        }
        # One category scheme everywhere (kg.schema.CATEGORY_ORDER): each entity counts once.
        per_category: dict[str, int] = {}
        for node in tables.nodes.values():
            category = schema.primary_class(node.types)
            per_category[category] = per_category.get(category, 0) + 1
        digests: dict[tuple[int, int], str] = {}  # the two stores share most files (hard links)
        manifest = {
            "name": PROJECT,
            "version": __version__,
            "fingerprint": fingerprint,
            "hpo": hpo,
            # None for the shipped curation; else the directory the records came from.
            "data": None if data == data_dir() else str(data.resolve()),
            "source_sha256": compiled.article_sha256,
            "counts": counts,
            "entities_per_class": dict(sorted(per_category.items())),
            "hpo_import": _import_summary(import_stats),
            # The compact graph that paths and neighbourhoods read (kg.paths.compact).
            "paths": paths_index,
            "entailed": entailed.per_rule,
            "files": {name: file_sha256(tmp / name) for name in sorted(os.listdir(tmp))
                      if (tmp / name).is_file() and name != MARKER},
            # For the integrity check of the next build (RocksDB's files differ between builds,
            # and do not change after it: the store is only ever opened read-only).
            "store_files": _store_checksums(tmp / STORE_DIR, digests),
            "store_quads": dict(sorted(store_quads.items())),
            "full_store_files": _store_checksums(tmp / FULL_STORE_DIR, digests),
            "full_store_quads": dict(sorted(full_store_quads.items())),
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n",
                                           encoding="utf-8")
        swap_into_place(tmp, directory, say)
    except KGError:
        remove_build(tmp)
        raise
    except BaseException as exc:
        remove_build(tmp)
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        raise BuildError(f"writing the build to {directory} failed: {exc}") from exc
    return counts


def _write_paths_index(tmp: Path, store: ox.Store, store_quads: dict[str, int], copy: ox.Store | None,
                       schema, say: Callable[[str], None]) -> dict:
    """Write the compact graph (:mod:`kg.paths.compact`) of the edge graphs (all but the closure
    index) into ``tmp``, from the quads in the order :meth:`kg.query.engine.SparqlEngine.quads`
    reads them from ``store`` (which holds ``store_quads`` per graph). With ``copy`` (the same
    graphs in memory), the quads are read from it, and from ``store`` only where their order
    decides something (:func:`kg.tables.make_tables`)."""
    import itertools

    from kg.paths.compact import COMPACT_FILE, write_compact
    from kg.query.engine import EDGE_GRAPHS, GRAPHS

    say("writing the path index")
    present = {g.value for g in store.named_graphs()}
    graphs = [ox.NamedNode(GRAPHS[name]) for name in EDGE_GRAPHS if GRAPHS[name] in present]

    def in_store_order(subject=None) -> Iterable[ox.Quad]:
        return itertools.chain.from_iterable(store.quads_for_pattern(subject, None, None, g) for g in graphs)

    copy_quads = _store_counts(copy) if copy is not None else {}
    if copy is None or any(copy_quads.get(g.value) != store_quads.get(g.value) for g in graphs):
        tables = make_tables(in_store_order(), schema)
    else:
        quads = itertools.chain.from_iterable(copy.quads_for_pattern(None, None, None, g) for g in graphs)
        tables = make_tables(quads, schema, ordered=in_store_order)
    return write_compact(tmp / COMPACT_FILE, tables, schema)


def _write_full_store(tmp: Path, store: ox.Store, aliases_graph: list[str],
                      say: Callable[[str], None]) -> ox.Store:
    """The full store (kg.layout.FULL_STORE_DIR): a checkpoint of ``store`` (hard links to its
    files, on the same file system) with the aliases graph added; returned open."""
    say("writing the store with the aliases graph")
    store.backup(str(tmp / FULL_STORE_DIR))
    full = ox.Store(str(tmp / FULL_STORE_DIR))
    if aliases_graph:
        full.bulk_load(input="".join(aliases_graph).encode("utf-8"), format=ox.RdfFormat.N_QUADS)
    full.flush()
    return full


@dataclass
class _Entailed:
    triples: int
    per_rule: dict[str, int]
    closure: int = 0
    aliases: list[str] = field(default_factory=list)


def _write_entailed(stores: list[ox.Store], curated: list[ox.Quad], nquads: Path, aliases_graph: list[str],
                    say: Callable[[str], None]) -> _Entailed:
    """The entailed graph (kg.entailment): derived from the curated and imported graphs in the
    stores (the last one read: the in-memory copy, if there is one), appended to ``kg.nq`` and
    loaded into the stores, in batches; the chunks of the aliases graph are appended to
    ``kg.nq`` and to ``aliases_graph``, not loaded. The subtype closure is loaded into the
    first store only (it is not an edge graph)."""
    from kg.entailment import entail_store

    say("deriving the entailed graph")
    result = entail_store(stores[-1], curated)
    # One chunk per edge: the edge and its statement.
    _append_graphs(result.graph_chunks(), nquads, stores, aliases_graph, batch_size=10_000)
    counts = result.counts()
    say(f"entailed {sum(counts.values())} edges ({', '.join(f'{n} {r}' for r, n in counts.items())})")
    closure = _write_closure(stores, result, nquads, aliases_graph, say)
    aliases = sorted({alias for names in result.aliases.values() for alias in names})
    return _Entailed(result.triple_count(), counts, closure, aliases)


def _write_closure(stores: list[ox.Store], entailed, nquads: Path, aliases_graph: list[str],
                   say: Callable[[str], None]) -> int:
    """The subtype closure (kg.closure), computed from the last of ``stores``, appended to
    ``kg.nq`` and loaded into the first (its alias twins appended to ``aliases_graph`` instead)."""
    from kg.closure import closure_from_store

    say("materialising the subtype closure")
    closure = closure_from_store(stores[-1], entailed)
    _append_graphs(closure.graph_lines(), nquads, stores[:1], aliases_graph, batch_size=100_000)
    say(f"subtype closure: {len(closure.pairs)} pairs, {len(closure.alias_pairs)} alias twins")
    return len(closure.pairs) + len(closure.alias_pairs)


def _append_graphs(chunks: Iterable[tuple[str, str]], nquads: Path, stores: list[ox.Store],
                   aliases_graph: list[str], *, batch_size: int) -> None:
    """Append ``(graph, N-Quads text)`` chunks to ``kg.nq``, loading them into the stores in
    batches; the aliases graph's chunks go to ``aliases_graph`` instead of the stores (they
    belong to ``store-full`` only)."""
    batch: list[str] = []
    with nquads.open("a", encoding="utf-8") as nq:
        for graph, chunk in chunks:
            if graph == GRAPH_ALIASES:
                nq.write(chunk)
                aliases_graph.append(chunk)
                continue
            batch.append(chunk)
            if len(batch) >= batch_size:
                _load(nq, stores, batch)
                batch = []
        _load(nq, stores, batch)


def _load(nq, stores: list[ox.Store], chunks: list[str]) -> None:
    if chunks:
        text = "".join(chunks)
        nq.write(text)
        _bulk_load(stores, text)


def _bulk_load(stores: list[ox.Store], text: str) -> None:
    data = text.encode("utf-8")
    for store in stores:
        store.bulk_load(input=data, format=ox.RdfFormat.N_QUADS)


def _import_summary(stats) -> dict | None:
    """What the HPO import read and skipped, for the manifest (no timings: deterministic)."""
    if stats is None:
        return None
    from kg.hpo.files import hpo_release

    return {"release": hpo_release(), "terms": stats.terms, "diseases": stats.diseases,
            "genes": stats.genes, "edges": dict(sorted(stats.edges.items())), "triples": stats.triples,
            "not_qualified_rows_skipped": stats.not_rows, "skipped_rows": dict(sorted(stats.skipped_rows.items())),
            "pme_name_rule": [list(p) for p in stats.pme_rule],
            "diseases_per_branch": dict(sorted(stats.branch_diseases.items())),
            "aliased_identifiers": stats.aliased}
