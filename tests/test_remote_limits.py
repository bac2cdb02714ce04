"""Server-side time limits: a runaway query is stopped on the server, not only abandoned.

``kg serve --endpoint`` gives up on a query after ``--timeout`` (503), but the server would
go on computing unless it has a limit of its own. Here the server's CPU time is watched
after the client gave up: it must stop growing.

* Oxigraph has no per-query limit in its protocol; ``oxigraph serve --timeout-s N`` is the
  server's own limit (docs/remote.md says to run it so).
* Virtuoso takes a ``timeout`` parameter with each query (the engine sends half of
  the client's timeout, :data:`kg.remote.dialects.SERVER_SHARE`) and answers with a
  *partial* result when it stops a query; that answer is refused.
"""

from __future__ import annotations

import time

import pytest

from kg.remote import push
from kg.remote.engine import RemoteEngine
from kg.remote.errors import RemoteError, RemoteTimeout
from kg.web.testing import serve
from tests.servers import ENGINES, Oxigraph
from tests.test_web import call, q

pytestmark = pytest.mark.remote  # Oxigraph / Virtuoso server processes (slow)

#: A cross product of the whole graph three times: trillions of rows, seconds to minutes
#: of work at least on either server.
RUNAWAY_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
RUNAWAY_ROWS = ("SELECT ?a WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i "
                "FILTER(STR(?c) = CONCAT(STR(?f), STR(?i), \"never\")) }")


def _settles(server, within: float = 30.0, quiet: float = 0.15) -> float:
    """Seconds until the server's CPU time stops growing (under ``quiet`` s in one second)."""
    start = time.monotonic()
    before = server.cpu_seconds()
    while time.monotonic() - start < within:
        time.sleep(1.0)
        now = server.cpu_seconds()
        if now - before < quiet:
            return time.monotonic() - start
        before = now
    pytest.fail(f"{server.name} still computing {within:g} s after the client gave up "
                f"(CPU time {before:.1f} s): the runaway query was not stopped on the server")


@pytest.fixture(scope="module", params=ENGINES)
def limited(request, real_build, tmp_path_factory):
    """A server with a time limit of its own, holding the real build."""
    if request.param == "oxigraph":
        from tests.servers import Target

        with Oxigraph(tmp_path_factory.mktemp("oxigraph-limited") / "store", timeout_s=2) as server:
            target = Target(server)
            push(real_build, target.endpoints, client=target.client())
            yield target
        return
    target = request.getfixturevalue("virtuoso_target")
    push(real_build, target.endpoints, client=target.client())
    yield target


def test_serve_endpoint_leaves_no_runaway_query_on_the_server(limited):
    with serve(endpoint=limited.query_url, timeout=2, max_rows=100, workers=2) as base:
        started = time.monotonic()
        runaway = call(base, "GET", q(RUNAWAY_COUNT), timeout=30)
        assert runaway.status == 503, runaway.text
        assert time.monotonic() - started < 10
        _settles(limited.server)
        after = call(base, "GET", q("ASK { mk:clonazepam mkv:treats mk:action_myoclonus }"))
        assert after.status == 200 and after.json()["boolean"] is True


def test_partial_answer_is_refused(virtuoso_target, real_build):
    target = virtuoso_target
    push(real_build, target.endpoints, client=target.client())
    engine = RemoteEngine(target.query_url, timeout=3)
    assert engine.dialect.name == "virtuoso"  # recognised from its Server header
    with pytest.raises(RemoteTimeout, match="partial result, which is not used") as info:
        engine.query(RUNAWAY_ROWS)
    assert isinstance(info.value, RemoteError) and info.value.status is None
    _settles(target.server)
    # The same query with a row cap answers quickly and completely: the cap is the server's.
    table = engine.query("SELECT ?s WHERE { ?s ?p ?o }", limit=7)
    assert len(table) == 7 and table.truncated
