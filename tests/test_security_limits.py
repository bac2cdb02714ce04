"""No query text crashes a process (issue 11, item 3 and "must deliver" 4).

About 6 KB of nested ``{`` or ``(`` made pyoxigraph overflow its stack (SIGSEGV): ``kg query``
exited 139, an endpoint worker died per request, and ``kg serve --endpoint`` (which parsed in
the web process) died whole. Long *chains* did the same (thousands of BIND, ``+`` or UNION in
a row, each one more level of the algebra). Now the nesting is checked by a linear scan before
any parser runs (at most :data:`~kg.sparql.MAX_DEPTH` levels), and the algebra's weight by
our parser (at most :data:`~kg.sparql.MAX_WEIGHT`): beyond either, a clear error, exit 2 in
the CLI, HTTP 400 at the endpoint, and the process stays up.
"""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

import pytest

from kg.errors import QueryError
from kg.sparql import MAX_DEPTH, MAX_WEIGHT, analyse, nesting_depth
from kg.web.testing import serve

#: Deep enough to crash pyoxigraph (about 6 KB of brackets).
CRASHERS = {
    "braces": "SELECT * WHERE " + "{" * 3000 + "}" * 3000,
    "parentheses": "SELECT * WHERE { FILTER(" + "(" * 6000 + "1" + ")" * 6000 + ") }",
    "brackets": "SELECT * WHERE { ?s ?p " + "[ <p:x> " * 3000 + "1" + " ]" * 3000 + " }",
    "bind-chain": "SELECT * WHERE { " + " ".join(f"BIND(1 AS ?v{i})" for i in range(3000)) + " }",
    "plus-chain": "SELECT * WHERE { FILTER(" + "+".join(["1"] * 8000) + " > 0) }",
    "union-chain": "SELECT * WHERE { " + " UNION ".join(["{}"] * 7000) + " }",
}
#: The deepest nesting of each kind still accepted (and run).
AT_THE_LIMIT = {
    "braces": "SELECT * WHERE " + "{" * MAX_DEPTH + "}" * MAX_DEPTH,
    "parentheses": "SELECT * WHERE { FILTER(" + "(" * (MAX_DEPTH - 2) + "1" + ")" * (MAX_DEPTH - 2) + ") }",
    "brackets": "SELECT * WHERE { ?s ?p " + "[ <p:x> " * (MAX_DEPTH - 1) + "1" + " ]" * (MAX_DEPTH - 1) + " }",
    "collections": "SELECT * WHERE { ?s <p:x> " + "( " * (MAX_DEPTH - 1) + "1" + " )" * (MAX_DEPTH - 1) + " }",
    "sub-queries": "SELECT * WHERE " + "{ SELECT * WHERE " * (MAX_DEPTH - 1) + "{}" + " }" * (MAX_DEPTH - 1),
    "calls": "SELECT * WHERE { FILTER(BOUND(?x) || " + "STR(" * (MAX_DEPTH - 2) + "1" + ")" * (MAX_DEPTH - 2) + ") }",
}


def _kg(build_dir, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg", "query", "--out", str(build_dir), *args],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "KG_BUILD_DIR": str(build_dir)})


def _get(base: str, path: str, query: str | None = None, post: bool = False) -> tuple[int, str]:
    if post:  # a long query does not fit in a request line
        url = base + path
        request = urllib.request.Request(url, data=query.encode("utf-8"),
                                         headers={"Content-Type": "application/sparql-query"})
    else:
        url = base + path + (f"?{urllib.parse.urlencode({'query': query})}" if query is not None else "")
        request = urllib.request.Request(url)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


# ------------------------------------------------------------------------------ API
@pytest.mark.parametrize("name", sorted(CRASHERS))
def test_crashers_are_a_query_error(mini_graph, name):
    with pytest.raises(QueryError, match="nested deeper than 64|too complex"):
        mini_graph.sparql(CRASHERS[name])


def test_the_nesting_error_names_line_and_column():
    with pytest.raises(QueryError) as info:
        analyse("SELECT *\nWHERE " + "{" * 100 + "}" * 100)
    assert (info.value.line, info.value.column) == (2, 7 + MAX_DEPTH)


@pytest.mark.parametrize("name", sorted(AT_THE_LIMIT))
def test_the_deepest_accepted_queries_run(mini_graph, name):
    query = AT_THE_LIMIT[name]
    assert analyse(query).depth == MAX_DEPTH
    mini_graph.sparql(query)  # pyoxigraph parses and runs it without crashing


@pytest.mark.parametrize("kind", ["BIND(1 AS ?v{i})", "OPTIONAL {{ ?s <p:{i}> ?o }}", "FILTER(?x != {i})"])
def test_chains_up_to_the_weight_limit_run(mini_graph, kind):
    def chain(n):
        return "SELECT * WHERE { " + " ".join(kind.format(i=i) for i in range(n)) + " }"

    def fits(n):
        try:
            return analyse(chain(n)).weight <= MAX_WEIGHT
        except QueryError:
            return False

    low, high = 1, MAX_WEIGHT + 1  # the longest chain that fits, by bisection
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if fits(middle) else (low, middle)
    n = low
    assert n > MAX_WEIGHT * 0.9  # each link weighs about one level
    mini_graph.sparql(chain(n))
    with pytest.raises(QueryError, match="too complex"):
        mini_graph.sparql(chain(n + 1))


def test_the_prescan_is_linear_and_does_not_recurse():
    # A megabyte of brackets, checked with almost no stack left: a QueryError, not a
    # RecursionError, and the scan reports the first bracket beyond the limit.
    text = "ASK " + "(" * 1_000_000
    limit = sys.getrecursionlimit()
    try:
        sys.setrecursionlimit(len(inspect.stack(0)) + 30)
        with pytest.raises(QueryError, match="nested deeper"):
            nesting_depth(text)
    finally:
        sys.setrecursionlimit(limit)


def test_the_parser_needs_a_bounded_stack_at_the_limit():
    # 64 levels of every kind need under 300 Python frames: callers keep most of the
    # default limit of 1000.
    from kg.sparql.analysis import _analyse

    limit = sys.getrecursionlimit()
    try:
        for name, query in AT_THE_LIMIT.items():
            _analyse.cache_clear()
            sys.setrecursionlimit(len(inspect.stack(0)) + 300)
            analyse(query)
    finally:
        sys.setrecursionlimit(limit)


# ------------------------------------------------------------------------------ CLI
@pytest.mark.parametrize("name", ["braces", "parentheses", "bind-chain"])
def test_kg_query_exits_2_not_139(mini_graph, name):
    out = _kg(mini_graph.directory, CRASHERS[name])
    assert out.returncode == 2, (out.returncode, out.stderr[-500:])
    assert ("nested deeper than 64" in out.stderr or "too complex" in out.stderr)
    assert "Traceback" not in out.stderr and len(out.stderr) < 1000


# ------------------------------------------------------------------------- endpoint
@pytest.fixture(scope="module")
def endpoint(mini_graph):
    with serve(mini_graph.directory, timeout=10, workers=1) as base:
        yield base


def test_the_endpoint_answers_400_and_stays_up(endpoint):
    for name, query in CRASHERS.items():
        status, body = _get(endpoint, "/sparql", query, post=True)
        assert status == 400, (name, status, body[:200])
        assert "nested deeper than 64" in body or "too complex" in body, name
        assert _get(endpoint, "/sparql", "ASK {}")[0] == 200, name  # the worker is alive
    assert _get(endpoint, "/health")[0] == 200


def test_the_view_answers_400(endpoint):
    status, body = _get(endpoint, "/view/results", CRASHERS["braces"])
    assert status == 400 and "nested deeper than 64" in body


@pytest.fixture(scope="module")
def remote_endpoint(oxigraph_target):
    """``kg serve --endpoint`` in front of the session's ``oxigraph serve`` (tests/servers.py)."""
    with serve(endpoint=oxigraph_target.url, timeout=10, workers=1) as base:
        yield base


def test_serve_endpoint_answers_400_and_stays_up(remote_endpoint):
    for name, query in CRASHERS.items():
        status, body = _get(remote_endpoint, "/sparql", query, post=True)
        assert status == 400, (name, status, body[:200])
        assert _get(remote_endpoint, "/health")[0] == 200, name
