"""Defence in depth: a query cannot open a connection even if the check is wrong (issue 11).

The processes that run queries drop their network before they open the store
(:func:`kg.sandbox.drop_network`: a new, empty Linux network namespace): the endpoint's
query workers, and ``kg query`` on a local build. Here the SERVICE check is switched off
inside those processes (monkeypatched in the child, never through a setting the product
reads) and a SERVICE to a loopback listener must still never connect. Each test has a
control run without the sandbox, in which the same query does reach the listener and its
row comes back: that proves the check really was off, and that the sandbox is what stops it.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap

import pytest

from kg.web.runner import Job
from kg.web.workers import WorkerPool
from tests.test_security_service import SECRET, Listener

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="network namespaces are Linux only (docs/security.md)")

#: Switches the check off in the child: the analysis is still made, nothing is refused.
UNCHECK = ("import kg.sparql, kg.query.engine, kg.web.runner\n"
           "unchecked = lambda text, allowed=(): kg.sparql.analyse(text)\n"
           "kg.query.engine.check_query = kg.web.runner.check_query = unchecked\n")


@pytest.fixture(scope="module")
def listener():
    server = Listener()
    yield server
    server.close()


def _python(code: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "PYTHONPATH": os.getcwd()})


def test_unshare_through_ctypes_c_half_reports_errno():
    # kg.sandbox calls unshare(2) through _ctypes (no ctypes package): a refused call must come
    # back as -1 with its errno, or drop_network would misreport why it could not isolate.
    import errno

    from kg.sandbox import _libc_unshare

    unshare, get_errno = _libc_unshare()
    assert unshare(-1) == -1 and get_errno() == errno.EINVAL


def test_drop_network_blocks_loopback(listener):
    code = textwrap.dedent(f"""
        import socket
        from kg.sandbox import drop_network
        iso = drop_network()
        assert iso.active, iso
        try:
            socket.create_connection(("127.0.0.1", {listener.server.server_address[1]}), timeout=5)
        except OSError as exc:
            print("blocked:", exc)
        else:
            print("connected")
        open({os.devnull!r}, "w").write("files still work")
    """)
    before = listener.count
    out = _python(code)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("blocked:") and listener.count == before


# ------------------------------------------------------------------------------ CLI
def _kg_query_unchecked(build_dir, query: str, own_process: bool) -> subprocess.CompletedProcess:
    # run() is the console entry point (kg, python -m kg); main() is what a program calling
    # the CLI in-process gets, which must not lose its network.
    entry = "run()" if own_process else "main()"
    code = UNCHECK + textwrap.dedent(f"""
        import sys
        from kg.cli import main, run
        sys.argv = ["kg", "query", "--out", sys.argv[1], "--format", "csv", sys.argv[2]]
        {entry}
    """)
    return _python(code, str(build_dir), query)


def test_kg_query_without_the_check_still_cannot_connect(mini_graph, listener):
    query = f"SELECT ?secret WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?secret }} }}"
    before = listener.count
    out = _kg_query_unchecked(mini_graph.directory, query, own_process=True)
    assert listener.count == before, out.stdout
    assert SECRET not in out.stdout
    assert out.returncode == 2 and "unreachable" in out.stderr.lower(), out.stderr
    # Control: the same process without the sandbox connects and prints the service's row.
    control = _kg_query_unchecked(mini_graph.directory, query, own_process=False)
    assert listener.count > before and SECRET in control.stdout, control.stderr


# ------------------------------------------------------------------- endpoint workers
class _UncheckedPool(WorkerPool):
    """Workers whose check is switched off (and, for the control, whose sandbox too)."""

    def __init__(self, *args, sandbox: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.sandbox = sandbox

    def command(self) -> list[str]:
        code = UNCHECK
        if not self.sandbox:
            code += ("import kg.sandbox\n"
                     "kg.sandbox.drop_network = lambda: kg.sandbox.Isolation(False, 'switched off by the test')\n")
        code += "import sys\nfrom kg.web.workers import worker_main\nsys.exit(worker_main(sys.argv[1:]))\n"
        return [sys.executable, "-c", code, self.store_path, "0"]


def _run_in_pool(store, query: str, sandbox: bool):
    async def go():
        pool = _UncheckedPool(store, size=1, sandbox=sandbox)
        await pool.start()
        try:
            return await pool.run(Job(query), timeout=30), pool.network_kept
        finally:
            await pool.close()

    return asyncio.run(go())


def test_endpoint_workers_without_the_check_still_cannot_connect(mini_graph, listener):
    from kg.build.inputs import STORE_DIR

    store = mini_graph.directory / STORE_DIR
    query = f"SELECT ?secret WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?secret }} }}"
    before = listener.count
    outcome, kept = _run_in_pool(store, query, sandbox=True)
    assert listener.count == before
    assert kept is None
    assert outcome.status == 400 and SECRET.encode() not in outcome.body
    assert b"unreachable" in outcome.body.lower(), outcome.body
    # Control: without the sandbox the worker connects and the row comes back; the pool
    # says the workers kept their network.
    outcome, kept = _run_in_pool(store, query, sandbox=False)
    assert listener.count > before and outcome.status == 200 and SECRET.encode() in outcome.body
    assert kept == "switched off by the test"
