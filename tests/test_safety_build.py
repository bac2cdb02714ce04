"""A build never deletes what it did not make (issue 11, items 2 and 5 of "Must deliver").

* A non-empty ``--out`` that is not a build is refused, by every command that builds on
  first use, and nothing in it is touched.
* A build holding a file a build did not write is not replaced either.
* ``-o`` is never the build directory; in ``kg viz`` it is the output file.
* The temporary directories of a build killed by a signal are collected by the next build;
  look-alikes that are not provably ours are left alone.
* A damaged store, manifest or output file: ``kg build`` rebuilds; other commands give a
  one-line error naming the file and what to do.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

import kg
from kg.build import build
from kg.build.directory import MARKER, check_replaceable, is_build
from kg.cli import main
from kg.errors import BuildError, KGError

FIXTURE = Path(__file__).parent / "fixtures" / "mini"
REFUSAL = "refusing to build here: it is not empty and it is not a myoclonus-kg build"


def _thesis(tmp_path: Path) -> Path:
    d = tmp_path / "d"
    d.mkdir()
    (d / "thesis.txt").write_text("x\n", encoding="utf-8")
    return d


def _run(*args, env=None):
    return CliRunner().invoke(main, [str(a) for a in args], env=env, catch_exceptions=False)


@pytest.fixture()
def mini_build(mini_build, tmp_path) -> Path:
    """A copy of the session's fixture build (tests/fixtures/mini) that the test may damage."""
    out = tmp_path / "build"
    shutil.copytree(mini_build, out)
    return out


# ------------------------------------------------------------------ -o and foreign directories
def test_kg_viz_dash_o_directory_does_not_delete_the_thesis(tmp_path, mini_build):
    d = _thesis(tmp_path)
    result = _run("viz", "-o", d, "--out", mini_build)
    assert (d / "thesis.txt").read_text(encoding="utf-8") == "x\n"
    assert sorted(p.name for p in d.iterdir()) == ["thesis.txt"]
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and "is a directory" in result.output
    assert "Traceback" not in result.output


def test_kg_viz_dash_o_is_the_output_file(tmp_path, mini_build):
    page = tmp_path / "page.html"
    result = _run("viz", "-o", page, "--out", mini_build, "--focus", "clonazepam")
    assert result.exit_code == 0, result.output
    assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_kg_viz_dash_o_as_in_the_issue_with_the_default_build_dir(tmp_path, mini_build):
    # The exact reproduction: `mkdir d; echo x > d/thesis.txt; kg viz -o d`.
    d = _thesis(tmp_path)
    result = _run("viz", "-o", d, env={"KG_BUILD_DIR": str(mini_build)})
    assert (d / "thesis.txt").read_text(encoding="utf-8") == "x\n"
    assert result.exit_code == 1


def _all_commands(group: click.Group):
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if isinstance(command, click.Group):
            yield from _all_commands(command)
        else:
            yield name, command


def test_no_command_has_dash_o_for_the_build_directory():
    seen = 0
    for name, command in _all_commands(main):
        for param in command.params:
            if param.name == "out":
                seen += 1
                assert param.opts == ["--out"] and not param.secondary_opts, name
            if "-o" in param.opts:
                assert (name, param.name) == ("viz", "output")
    assert seen >= 5


def test_build_refuses_a_foreign_directory_and_touches_nothing(tmp_path):
    d = _thesis(tmp_path)
    with pytest.raises(BuildError, match=REFUSAL):
        build(d, data=FIXTURE, validate=False)
    assert sorted(p.name for p in d.iterdir()) == ["thesis.txt"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    with pytest.raises(BuildError, match=REFUSAL):
        kg.load(d)
    assert (d / "thesis.txt").read_text(encoding="utf-8") == "x\n"


@pytest.mark.parametrize("argv", [
    ["build"], ["query", "ASK {}"], ["path", "a", "b"], ["neighbourhood", "a"],
    ["viz"], ["serve"], ["push", "--endpoint", "http://127.0.0.1:9"], ["crosscheck"]])
def test_every_command_that_builds_refuses_a_foreign_directory(tmp_path, argv):
    d = _thesis(tmp_path)
    result = _run(*argv, "--out", d)
    assert (d / "thesis.txt").read_text(encoding="utf-8") == "x\n"
    assert sorted(p.name for p in d.iterdir()) == ["thesis.txt"]
    assert result.exit_code == 1, result.output
    assert REFUSAL in result.output and "Traceback" not in result.output
    assert result.output.strip().count("\n") == 0


def test_a_file_added_to_a_build_is_not_deleted(mini_build):
    (mini_build / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(BuildError, match=r"holds files a build did not make \(notes.txt\)"):
        build(mini_build, data=FIXTURE, validate=False, force=True)
    assert (mini_build / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert (mini_build / "kg.nq").is_file()


def test_builds_and_empty_directories_are_replaced(tmp_path, mini_build):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert build(empty, data=FIXTURE, validate=False).skipped is False
    assert is_build(empty) and (empty / MARKER).is_file()
    # A build made before the marker existed (manifest only) is still recognised.
    (mini_build / MARKER).unlink()
    check_replaceable(mini_build)
    assert build(mini_build, data=FIXTURE, validate=False, force=True).skipped is False
    assert (mini_build / MARKER).is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_marker_is_not_an_output_checksum(mini_build):
    manifest = json.loads((mini_build / "manifest.json").read_text(encoding="utf-8"))
    assert MARKER not in manifest["files"]
    assert json.loads((mini_build / MARKER).read_text(encoding="utf-8"))["name"] == "myoclonus-kg"


# ------------------------------------------------------------------ killed builds
_KILLED_BUILD = textwrap.dedent("""
    import os, signal, sys
    from kg.build import build

    def progress(message):
        if message.startswith(sys.argv[2]):
            os.kill(os.getpid(), signal.SIGKILL)

    build(sys.argv[1], data=sys.argv[3], validate=False, force=True, progress=progress)
""")


def _killed_build(out: Path, at: str) -> None:
    proc = subprocess.run([sys.executable, "-c", _KILLED_BUILD, str(out), at, str(FIXTURE)],
                          capture_output=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()


@pytest.mark.slow  # a build process killed mid-way
def test_temporaries_of_a_killed_build_are_collected_and_look_alikes_kept(mini_build):
    parent = mini_build.parent
    _killed_build(mini_build, "loading the query store")
    first = [p.name for p in parent.iterdir() if p.name.startswith(".build.tmp-")]
    assert len(first) == 1
    # The next build (killed too, later on) collects what the first one left.
    _killed_build(mini_build, "writing")
    second = [p.name for p in parent.iterdir() if p.name.startswith(".build.tmp-")]
    assert len(second) == 1 and second != first
    # What a build killed mid-swap leaves: the old build moved aside.
    old = parent / ".build.old-k1ll3d"
    subprocess.run(["cp", "-a", str(mini_build), str(old)], check=True)
    # Look-alikes that are not provably ours: no marker, or a foreign file, or another name.
    foreign_tmp = parent / ".build.tmp-notours"
    foreign_tmp.mkdir()
    (foreign_tmp / "kg.nq").write_text("precious", encoding="utf-8")
    foreign_old = parent / ".build.old-withthesis"
    subprocess.run(["cp", "-a", str(mini_build), str(foreign_old)], check=True)
    (foreign_old / "thesis.txt").write_text("x", encoding="utf-8")
    other = parent / ".other.tmp-abc"
    subprocess.run(["cp", "-a", str(mini_build), str(other)], check=True)

    messages: list[str] = []
    assert build(mini_build, data=FIXTURE, validate=False, progress=messages.append).skipped
    left = sorted(p.name for p in parent.iterdir() if p.name.startswith("."))
    assert left == [".build.old-withthesis", ".build.tmp-notours", ".other.tmp-abc"]
    assert (foreign_tmp / "kg.nq").read_text(encoding="utf-8") == "precious"
    assert (foreign_old / "thesis.txt").is_file() and (foreign_old / "kg.nq").is_file()
    assert sum("left by an interrupted build" in m for m in messages) == 2


def test_a_live_build_keeps_its_temporary_directory(mini_build):
    # A build waiting for the lock, or running, is never collected: the lock says it is alive.
    from kg.build.directory import build_lock, collect_stale, make_temporary

    with build_lock(mini_build):
        tmp = make_temporary(mini_build)
        (tmp / "kg.nq").write_text("", encoding="utf-8")
        code = ("import sys, fcntl, os; fd = os.open(sys.argv[1], os.O_RDONLY)\n"
                "try:\n    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)\nexcept BlockingIOError:\n"
                "    sys.exit(3)\n")
        proc = subprocess.run([sys.executable, "-c", code, str(mini_build.parent)])
        assert proc.returncode == 3  # another process cannot take the lock meanwhile
        assert tmp.is_dir()
    with build_lock(mini_build):
        assert collect_stale(mini_build) == [tmp]


# ------------------------------------------------------------------ damaged files
def _damage_store(build_dir: Path) -> None:
    (build_dir / "store" / "CURRENT").write_text("garbage\n", encoding="utf-8")


def _flip_middle(sst: Path) -> None:
    """Invert 16 bytes in the middle of ``sst``, in place (hard links to it see the change)."""
    data = bytearray(sst.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 16] = bytes(b ^ 0xFF for b in data[middle:middle + 16])
    sst.write_bytes(bytes(data))


def _flip_sst(build_dir: Path) -> None:
    _flip_middle(max((build_dir / "store").glob("*.sst"), key=lambda p: p.stat().st_size))


def _flip_full_store_sst(build_dir: Path) -> None:
    # A file of the full store only (not a hard link to the store's: checksummed on its own).
    own = [p for p in (build_dir / "store-full").glob("*.sst") if p.stat().st_nlink == 1]
    assert own, "the full store has no file of its own"
    _flip_middle(max(own, key=lambda p: p.stat().st_size))


@pytest.mark.parametrize("damage", [_damage_store, _flip_sst, _flip_full_store_sst],
                         ids=["CURRENT", "sst-bits", "full-store-sst-bits"])
def test_kg_build_rebuilds_a_damaged_store(mini_build, damage):
    damage(mini_build)
    messages: list[str] = []
    result = build(mini_build, data=FIXTURE, validate=False, progress=messages.append)
    assert not result.skipped
    assert any("damaged" in m and "rebuilding" in m for m in messages), messages
    graph = kg.load(mini_build, build=False)
    assert graph.sparql("ASK { ?s ?p ?o }").value is True


def test_kg_build_rebuilds_a_damaged_export(mini_build):
    with open(mini_build / "kg.nq", "a", encoding="utf-8") as fh:
        fh.write("<a> <b> \n")
    result = _run("build", "--out", mini_build, "--data", FIXTURE, "--no-shacl")
    assert result.exit_code == 0 and "kg.nq: damaged" in result.output and "built:" in result.output


def test_damaged_store_is_one_line_in_every_command(mini_build):
    _damage_store(mini_build)
    # Paths and neighbourhoods read the path index (paths.sqlite, checksummed), not the store:
    # they still answer; its damage is tested in tests/test_paths_compact.py.
    answered = _run("neighbors", "clonazepam", "--out", mini_build)
    assert answered.exit_code == 0 and "clonazepam" in answered.output and "Traceback" not in answered.output
    for argv in (["query", "ASK {}"], ["serve"]):
        result = _run(*argv, "--out", mini_build)
        assert result.exit_code == 1, (argv, result.output)
        line = result.output.strip()
        assert "\n" not in line and "Traceback" not in line
        assert "store: the query store is damaged or unreadable (Corruption" in line
        assert f"kg build --out {mini_build}" in line
    with pytest.raises(KGError, match="damaged or unreadable"):
        kg.load(mini_build, build=False).sparql("ASK {}")


@pytest.mark.parametrize("content", ["{oops", "[1, 2]", "\xff\xfe", "[" * 20000 + "]" * 20000],
                         ids=["syntax", "not-an-object", "not-utf8", "20000-deep"])
def test_malformed_manifest_is_one_line_then_rebuilt(mini_build, content):
    (mini_build / "manifest.json").write_bytes(content.encode("latin-1"))
    with pytest.raises(KGError, match=r"manifest.json: damaged .*; rebuild it: kg build --out"):
        kg.load(mini_build, build=False)
    result = _run("build", "--out", mini_build, "--data", FIXTURE, "--no-shacl")
    assert result.exit_code == 0, result.output
    assert "manifest.json: damaged" in result.output and "Traceback" not in result.output
    assert kg.load(mini_build, build=False).manifest["name"] == "myoclonus-kg"


def test_manifest_with_wrong_field_types_is_rebuilt(mini_build, monkeypatch):
    import kg.build.builder

    (mini_build / "manifest.json").write_text(
        json.dumps({"name": "myoclonus-kg", "hpo": 7, "data": 3}), encoding="utf-8")
    calls = []
    def fake_build(*a, **k):
        calls.append((a, {key: k[key] for key in ("hpo", "data")}))
        return kg.build.builder.BuildResult(mini_build, False, {}, "")

    monkeypatch.setattr(kg.build.builder, "build", fake_build)
    kg.load(mini_build, progress=lambda message: None)  # rebuilt (the fingerprint is not the inputs'), with sane defaults
    assert calls == [((mini_build,), {"hpo": "none", "data": None})]


def test_malformed_manifest_without_marker_is_refused_not_replaced(mini_build):
    (mini_build / MARKER).unlink()
    (mini_build / "manifest.json").write_text("{oops", encoding="utf-8")
    result = _run("query", "ASK {}", "--out", mini_build)
    assert result.exit_code == 1
    assert REFUSAL in result.output and "manifest.json: damaged" in result.output
    assert (mini_build / "kg.nq").is_file()


# ------------------------------------------------------------------ bad curation inputs
@pytest.mark.parametrize("file, content", [("entities.yaml", ""), ("facts.yaml", ""), ("not_asserted.yaml", ""),
                                           ("facts.yaml", "# all gone\n"), ("facts.yaml", "\n\n")],
                         ids=["entities", "facts", "not_asserted", "comment-only", "blank-lines"])
def test_an_emptied_curation_file_never_replaces_a_good_build(fixture_copy, mini_build, file, content):
    out = mini_build  # a good build of the fixture curation (a copy of the session's)
    before = (out / "kg.nq").read_bytes()
    (fixture_copy / file).write_text(content, encoding="utf-8")
    result = _run("build", "--out", out, "--data", fixture_copy, "--no-shacl")
    assert result.exit_code == 1
    errors = [line for line in result.output.split("\n") if line.startswith("error:")]
    assert len(errors) == 1 and f"{file}: the file is empty" in errors[0]
    assert (out / "kg.nq").read_bytes() == before


@pytest.mark.parametrize("file", ["entities.yaml", "facts.yaml"])
def test_a_curation_file_with_no_records_is_refused(fixture_copy, mini_build, file):
    out = mini_build  # a good build of the fixture curation (a copy of the session's)
    (fixture_copy / file).write_text("[]\n", encoding="utf-8")
    with pytest.raises(KGError, match=rf"{file}: no records"):
        build(out, data=fixture_copy, validate=False)
    assert kg.load(out, build=False).sparql("ASK { ?s ?p ?o }").value is True


@pytest.mark.parametrize("text", ["[" * 20000 + "]" * 20000, "- " * 20000 + "x\n",
                                  "- {a: " + "[" * 5000 + "]" * 5000 + "}\n"],
                         ids=["flow-list", "block-list", "in-a-record"])
def test_deeply_nested_yaml_is_a_clean_error(fixture_copy, tmp_path, text):
    (fixture_copy / "facts.yaml").write_text(text, encoding="utf-8")
    result = _run("build", "--out", tmp_path / "o", "--data", fixture_copy, "--no-shacl")
    assert result.exit_code == 1 and "Traceback" not in result.output
    errors = [line for line in result.output.split("\n") if line.startswith("error:")]
    assert len(errors) == 1 and "facts.yaml:1: invalid YAML: nested more than 32 levels deep" in errors[0]
    assert not (tmp_path / "o").exists()


def test_a_symlinked_build_directory_stays_a_link(tmp_path, mini_build):
    link = tmp_path / "link"
    link.symlink_to(mini_build, target_is_directory=True)
    assert build(link, data=FIXTURE, validate=False, force=True).directory == link
    assert link.is_symlink() and (link / "kg.nq").is_file() and (mini_build / "kg.nq").is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
