"""``kg serve --prefork``: sandboxed server processes that share the port and run queries
in-process (:mod:`kg.web.prefork`). The same guarantees as the worker-pool server: a query
that runs long is stopped (503) and the server answers the next request; the processes have
no network, so a SERVICE that got past the check (switched off here) never connects; the
answers are the worker-pool server's."""

from __future__ import annotations

import json
import os
import socket
import sys
import threading
import time
import urllib.parse

import pytest

from kg.web.prefork import Supervisor
from kg.web.testing import free_ports, serve, wait_for
from tests.test_security_sandbox import UNCHECK
from tests.test_security_service import SECRET, Listener
from tests.test_web import RUNAWAY, call, q

TIMEOUT = 2.0

pytestmark = [pytest.mark.skipif(not sys.platform.startswith("linux"),
                                 reason="pre-forked servers are sandboxed with Linux namespaces"),
              pytest.mark.slow]  # each test starts server processes


def _children(pid: int) -> set[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as f:
        return {int(x) for x in f.read().split()}


@pytest.fixture(scope="module")
def prefork(mini_graph):
    with serve(mini_graph.directory, timeout=TIMEOUT, workers=2, args=["--prefork"]) as base:
        yield base


def test_answers_like_the_worker_pool_server(prefork, mini_graph):
    """Queries, refusals and the cache behave as in the worker-pool server."""
    text = "SELECT ?s WHERE { ?s a ?t } ORDER BY ?s LIMIT 7"
    with serve(mini_graph.directory, timeout=TIMEOUT, workers=1) as pooled:
        for path in (q(text), q("ASK { ?s ?p ?o }"),
                     q("SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }")):
            ours, theirs = call(prefork, "GET", path), call(pooled, "GET", path)
            assert (ours.status, ours.body) == (theirs.status, theirs.body)
    assert call(prefork, "GET", q(text + " # cached")).headers["x-kg-cache"] == "miss"
    health = call(prefork, "GET", "/health").json()
    assert health["status"] == "ok" and health["workers"]["in_process"] is True


def _open_under(pid: int, directory) -> bool:
    """Whether the process holds a file of ``directory`` open."""
    prefix = str(os.path.realpath(directory)) + os.sep
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}").startswith(prefix):
                return True
        except OSError:
            continue
    return False


def _vm_peak(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmPeak:"))


def test_alias_query_opens_the_full_store_in_a_server_process(prefork, mini_graph):
    """A query that names an alias runs on the second store (``store-full``, opened on first
    use by the query runner of the server process that gets it; the UI's graph may have it
    open already): the answer is the embedded engine's, the
    process stays up (no replacement) and within the address-space limit of kg serve
    --prefork (4 GiB)."""
    from kg.layout import ALIASES_FILE, FULL_STORE_DIR

    aliases = json.loads((mini_graph.directory / ALIASES_FILE).read_text(encoding="utf-8"))
    assert aliases, "the fixture build has no alias: this test would test nothing"
    text = f"SELECT ?s ?p WHERE {{ ?s ?p <{aliases[0]}> }}"
    expected = sorted((s.value, p.value) for s, p in mini_graph.sparql(text).rows)
    assert expected  # the twins of the alias are there
    before = _children(prefork.pid)
    full_store = mini_graph.directory / FULL_STORE_DIR
    for i in range(4):  # new connections: both processes get one
        answer = call(prefork, "GET", q(text + f" # {i}"), headers={"Accept": "application/sparql-results+json"})
        assert answer.status == 200, answer.text
        rows = sorted((b["s"]["value"], b["p"]["value"]) for b in answer.json()["results"]["bindings"])
        assert rows == expected
    assert _children(prefork.pid) == before
    assert any(_open_under(pid, full_store) for pid in before)
    assert all(_vm_peak(pid) < 4 * 1024 ** 3 for pid in before)


def test_runaway_query_stopped_and_the_server_answers_on(prefork):
    """A cross product that would run for hours: 503 after the limit; the next requests are
    answered; the process that ran it is replaced, twice in a row."""
    before = _children(prefork.pid)
    assert len(before) == 2
    seen = set(before)
    for round_ in range(2):
        started = time.perf_counter()
        answer = call(prefork, "GET", q(RUNAWAY + f" # {round_}"), timeout=60)
        seconds = time.perf_counter() - started
        assert answer.status == 503 and "stopped" in answer.text
        assert TIMEOUT - 0.1 <= seconds < TIMEOUT + 3
        for i in range(6):  # new connections, spread over the processes
            assert call(prefork, "GET", q(f"ASK {{}} # after {round_} {i}")).status == 200
        seen |= _children(prefork.pid)
    # Each runaway's process ended and a fresh one took its place (two replacements).
    deadline = time.monotonic() + TIMEOUT + 10
    while time.monotonic() < deadline:
        now = _children(prefork.pid)
        seen |= now
        if len(now) == 2 and len(seen - now) == 2:
            break
        time.sleep(0.1)
    assert len(now) == 2 and len(seen - now) == 2, (before, seen, now)
    assert call(prefork, "GET", q("ASK {} # replaced")).status == 200


# ------------------------------------------------------------------------ the sandbox
class _UncheckedSupervisor(Supervisor):
    """Server processes whose check is switched off (and, for the control, their sandbox)."""

    sandbox = True

    def command(self, status_fd: int) -> list[str]:
        code = UNCHECK
        if not self.sandbox:
            code += ("import kg.sandbox\n"
                     "kg.sandbox.drop_network = lambda: kg.sandbox.Isolation(False, 'switched off by the test')\n")
        code += "import sys\nfrom kg.web.prefork import server_main\nsys.exit(server_main(sys.argv[1:]))\n"
        return [sys.executable, "-c", code, str(self.sock.fileno()), str(status_fd),
                json.dumps(self.config)]


def _ask_unchecked(directory, query: str, sandbox: bool):
    (port,) = free_ports(1)
    config = {"directory": str(directory), "timeout": 30, "max_rows": 100, "read_timeout": 10,
              "view_budget": 10, "threads": 1, "memory_limit": 0}
    sup = _UncheckedSupervisor(socket.create_server(("127.0.0.1", port)), 1, config)
    sup.sock.set_inheritable(True)
    sup.sandbox = sandbox
    sup.start(120)
    runner = threading.Thread(target=sup.run, daemon=True)
    runner.start()
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(base + "/health", 60)
        return call(base, "GET", "/sparql?" + urllib.parse.urlencode({"query": query}),
                    headers={"Accept": "application/sparql-results+json"}), sup.network_kept
    finally:
        sup.stopping = True
        runner.join(5)
        sup.stop()


def test_server_processes_without_the_check_still_cannot_connect(mini_graph):
    listener = Listener()
    try:
        query = f"SELECT ?secret WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?secret }} }}"
        before = listener.count
        answer, kept = _ask_unchecked(mini_graph.directory, query, sandbox=True)
        assert listener.count == before
        assert kept is None
        assert answer.status == 400 and SECRET not in answer.text
        assert "unreachable" in answer.text.lower(), answer.text
        # Control: without the sandbox the same process connects and the row comes back.
        answer, kept = _ask_unchecked(mini_graph.directory, query, sandbox=False)
        assert listener.count > before and answer.status == 200 and SECRET in answer.text
        assert kept == "switched off by the test"
    finally:
        listener.close()


def test_start_failure_is_one_line(tmp_path):
    """A server process that cannot start (no store) makes the supervisor fail with its message."""
    (tmp_path / "manifest.json").write_text("{}")
    (port,) = free_ports(1)
    sup = Supervisor(socket.create_server(("127.0.0.1", port)), 1,
                     {"directory": str(tmp_path), "timeout": 5, "max_rows": 10, "read_timeout": 5,
                      "view_budget": 5})
    sup.sock.set_inheritable(True)
    with pytest.raises(RuntimeError, match="failed to start"):
        sup.start(120)
    assert not sup.children
    assert os.path.exists(tmp_path / "manifest.json")
