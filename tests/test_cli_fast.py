"""``kg query``'s fast path (:mod:`kg.cli.fast`): it reads arguments exactly as click does, or
leaves them to click; in a fresh process it runs without importing click, and what it prints
is what the click command prints (usage errors included)."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from pathlib import Path

import click
from click.testing import CliRunner
import pytest

from kg.cli import main
from kg.cli.fast import QUERY_OPTIONS, parse_query_args
from kg.cli.query import query_command

ROOT = Path(__file__).resolve().parent.parent

#: Options the fast path leaves to click on purpose.
LEFT_TO_CLICK = {"-h", "--help", "--endpoint"}


def test_the_spec_matches_the_click_command():
    from_click = {}
    for param in query_command.params:
        if isinstance(param, click.Option):
            for opt in param.opts:
                from_click[opt] = (param.name, param)
            for opt in param.secondary_opts:
                from_click[opt] = (param.name, param)
    assert set(QUERY_OPTIONS) == set(from_click) - LEFT_TO_CLICK
    for opt, (name, kind) in QUERY_OPTIONS.items():
        click_name, param = from_click[opt]
        assert name == click_name, opt
        expected = ("many" if param.multiple else "on" if opt in param.opts and param.is_flag
                    else "off" if param.is_flag else "format" if isinstance(param.type, click.Choice)
                    else "int" if param.type is click.INT else
                    "seconds" if isinstance(param.type, click.FloatRange) and param.type.min == 0 else
                    ("file" if not param.type.dir_okay else "dir") if isinstance(param.type, click.Path)
                    else "text")
        assert kind == expected, opt
    arguments = [p.name for p in query_command.params if isinstance(p, click.Argument)]
    assert arguments == ["query"]


def _click_params(args: list[str]) -> dict:
    with query_command.make_context("query", list(args)) as ctx:
        return dict(ctx.params)


_SAMPLES = [
    [], ["SELECT * WHERE { ?s ?p ?o }"], ["-"], ["--name", "first-line-drug"], ["-n", "first-line-drug"],
    ["--name=first-line-drug"], ["-p", "drug=clonazepam"], ["--param", "a=b", "-p", "c=d"],
    ["--param=a=b"], ["--format", "csv"], ["--format=json"], ["--format", "CSV"], ["--format", "nope"],
    ["--limit", "3"], ["--limit=0"], ["--limit", "x"], ["--limit", "-1"], ["--limit", "+3"],
    ["--hpo"], ["--no-hpo"], ["--hpo", "--no-hpo"], ["--out", "/nonexistent/build"],
    ["--out", str(ROOT)], ["--out", str(ROOT / "README.md")], ["--file", "/nonexistent/q.rq"],
    ["--file", str(ROOT / "README.md")], ["--file", str(ROOT)], ["-f", "q.rq"],
    ["--name", "--format"], ["--name"], ["--bogus"], ["-nfirst-line-drug"], ["--endpoint", "http://x"],
    ["--help"], ["-h"], ["--"], ["--name", "a", "--name", "b"], ["SELECT 1", "extra"], ["--hpo=1"],
    ["--timeout", "5"], ["--timeout=0.5"], ["--timeout", "0"], ["--timeout", "-1"], ["--timeout", "1e3"],
    ["--timeout", "x"], ["--timeout", "5."], ["--timeout", ".5"], ["--timeout", "inf"], ["--timeout", "١"],
]


@pytest.mark.parametrize("args", [list(a) + list(b) for a, b in itertools.product(_SAMPLES, _SAMPLES[:12])],
                         ids=lambda a: " ".join(a)[:60] or "(none)")
def test_the_fast_parser_reads_as_click_does_or_declines(args):
    fast = parse_query_args(["query", *args])
    try:
        expected = _click_params(args)
    except (click.exceptions.Exit, click.ClickException):
        expected = None  # click answers with help or a usage error: the fast path must not run
    if fast is None:
        return  # declined: click parses it (the commands the fast path must take are below)
    assert expected is not None, f"click refuses {args}, the fast path ran it"
    assert fast == expected


@pytest.mark.parametrize("args", [
    ["--name", "first-line-drug", "--format", "csv"],
    ["-n", "first-line-drug", "-p", "drug=clonazepam", "--limit", "5", "--no-hpo"],
    ["--name", "first-line-drug", "--timeout", "30"], ["--name", "first-line-drug", "--timeout=0"],
    ["SELECT * WHERE { ?s ?p ?o }", "--format=json", "--out", "/nonexistent/build"],
    ["-", "--hpo"],
])
def test_the_common_invocations_take_the_fast_path(args):
    assert parse_query_args(["query", *args]) == _click_params(args)


@pytest.mark.parametrize("argv", [["path", "a", "b"], ["--version"], ["query", "--help"],
                                  ["query", "--endpoint", "http://localhost:1/"], []])
def test_other_commands_go_to_click(argv):
    assert parse_query_args(argv) is None


def _kg(args: list[str], build: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "KG_BUILD_DIR": str(build)}
    return subprocess.run([sys.executable, "-m", "kg", *args], env=env, capture_output=True, text=True,
                          timeout=120, cwd=ROOT, input=stdin)


@pytest.mark.parametrize("args, stdin", [
    (["query", "--name", "first-line-drug", "--format", "csv"], None),
    (["query", "--name", "first-line-drug", "--format", "turtle"], None),  # usage error after the run
    (["query", "--name", "first-line-drug", "-p", "nokey"], None),
    (["query", "--name", "no-such-query"], None),
    (["query", "SELEC x"], None),
    (["query", "SELECT * WHERE { SERVICE <http://localhost:9/> { ?s ?p ?o } }"], None),
    (["query"], None),
    (["query", "-", "--format", "csv"], "ASK { ?s ?p ?o }"),
    (["query", "-", "--format", "turtle"], "ASK { ?s ?p ?o }"),  # click reruns: same stdin
], ids=["ok", "format", "param", "unknown", "malformed", "service", "no-source", "stdin", "stdin-format"])
def test_a_fresh_process_prints_what_the_click_command_prints(real_build, args, stdin):
    fresh = _kg(args, real_build, stdin)
    in_process = CliRunner().invoke(main, args, prog_name="python -m kg", input=stdin,
                                    env={"KG_BUILD_DIR": str(real_build)})
    assert fresh.returncode == in_process.exit_code, fresh.stderr
    assert fresh.stdout == in_process.stdout
    assert fresh.stderr == in_process.stderr


#: Three unconstrained patterns on the curated graph: 4,000^3 solutions to count.
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.mark.parametrize("limit", ["0.5", "5e-1"], ids=["fast-path", "click"])
def test_a_runaway_query_is_stopped_at_its_timeout(real_build, limit):
    # "5e-1" is left to click by the fast parser: both parsers pass the limit on. Without it the
    # query would run for hours (the subprocess timeout would fail the test).
    done = _kg(["query", RUNAWAY, "--timeout", limit, "--format", "csv"], real_build)
    assert done.returncode == 1, done.stderr
    assert done.stderr == "error: the query ran longer than the 0.5 s limit (--timeout) and was stopped\n"
    assert done.stdout == ""


def test_a_query_within_its_timeout_answers_as_without_one(real_build):
    args = ["query", "--name", "first-line-drug", "--format", "csv"]
    answers = {_kg(args + ["--timeout", limit], real_build).stdout for limit in ("60", "0", "inf", "1e300")}
    assert len(answers) == 1 and answers.pop().startswith("type,drug")


def test_a_timeout_that_is_not_a_number_is_bad_usage(real_build):
    done = _kg(["query", "--name", "first-line-drug", "--timeout", "nan"], real_build)
    assert done.returncode == 2 and "--timeout takes a number of seconds" in done.stderr


_PROBE = """
import runpy, sys
sys.argv = ["kg"] + sys.argv[1:]
try:
    runpy.run_module("kg", run_name="__main__", alter_sys=True)
finally:
    print("click loaded:", "click" in sys.modules, file=sys.stderr)
"""


def _probe(build: Path, args: list[str]) -> subprocess.CompletedProcess:
    env = {**os.environ, "KG_BUILD_DIR": str(build)}
    return subprocess.run([sys.executable, "-c", _PROBE, *args], env=env, capture_output=True, text=True,
                          timeout=120, cwd=ROOT)


def test_kg_query_in_a_fresh_process_does_not_import_click(real_build):
    done = _probe(real_build, ["query", "--name", "first-line-drug", "--format", "csv"])
    assert done.returncode == 0, done.stderr
    assert "click loaded: False" in done.stderr and done.stdout.startswith("type,drug")
    # Control: what the fast path leaves to click does load it (the probe sees click).
    helped = _probe(real_build, ["query", "--name", "first-line-drug", "--format", "nope"])
    assert helped.returncode == 2 and "click loaded: True" in helped.stderr
