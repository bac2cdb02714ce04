"""Real SPARQL servers for the tests and the benchmark: Oxigraph, Virtuoso, and HAProxy.

Each server is a private process: its own data directory, free ports on 127.0.0.1, and it
is stopped (SIGTERM, then SIGKILL) by :meth:`Server.stop`. Nothing here uses a system
service or a server's default ports.

* :class:`Oxigraph` — ``oxigraph serve`` (or ``serve-read-only``) from the ``oxigraph``
  package (the version pinned in ``pyproject.toml``), optionally bulk-loaded first with
  ``oxigraph load``, and with ``--timeout-s`` (the server-side query time limit).
* :class:`Virtuoso` — OpenLink Virtuoso Open-Source (``virtuoso-t`` from Debian's
  ``virtuoso-opensource-7``) with a ``virtuoso.ini`` written here: SQL and HTTP ports on
  loopback, the ``[SPARQL]`` limits, a random ``dba`` password, and a user granted
  ``SPARQL_UPDATE`` for ``kg push`` (HTTP Digest on ``/sparql-graph-crud-auth`` and
  ``/sparql-auth``). :meth:`Virtuoso.bulk_load` runs Virtuoso's bulk loader (``ld_dir`` +
  ``rdf_loader_run``).
* :class:`HAProxy` — Debian's ``haproxy``, round-robin over read-only replicas, adding an
  ``X-Replica`` header that names the replica that answered.

:func:`require` finds a binary, or skips the test (fails it when ``CI`` is set: CI installs
every server, see ``.ci/run``).
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

__all__ = ["require", "free_port", "Server", "Oxigraph", "Virtuoso", "HAProxy", "Target", "cpu_seconds",
           "ENGINES"]

#: The SPARQL servers every remote test runs against.
ENGINES = ("oxigraph", "virtuoso")

#: How each binary is installed (for the skip / failure message).
INSTALL = {
    "oxigraph": "pip install oxigraph==0.5.13 (the test extra)",
    "virtuoso-t": "apt-get install virtuoso-opensource-7 (Debian)",
    "isql-vt": "apt-get install virtuoso-opensource-7 (Debian)",
    "haproxy": "apt-get install haproxy (Debian)",
}


def require(binary: str) -> str:
    """The path of ``binary``; skip the test without it, or fail it when ``CI`` is set."""
    import pytest

    found = shutil.which(binary)
    if binary == "oxigraph" and not found:
        candidate = Path(sys.executable).parent / "oxigraph"
        found = str(candidate) if candidate.is_file() else None
    if not found:
        message = f"{binary} is not installed ({INSTALL.get(binary, 'see .ci/run')})"
        if os.environ.get("CI"):
            pytest.fail(message + "; CI is set, so this is an error (.ci/run installs it)", pytrace=False)
        pytest.skip(message)
    return found


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Server:
    """A server process on loopback; ``url`` is its base URL."""

    name = "server"
    url: str
    proc: subprocess.Popen
    log: Path | None = None

    def _wait(self, probe: str, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                tail = self.log.read_text(errors="replace")[-2000:] if self.log and self.log.exists() else ""
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}: {tail}")
            try:
                with urllib.request.urlopen(probe, timeout=2) as answer:
                    answer.read()
                    return
            except urllib.error.HTTPError:
                return  # it answers
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer at {probe} within {seconds:g} s")

    def cpu_seconds(self) -> float:
        """CPU time the server process has used so far."""
        return cpu_seconds(self.proc.pid)

    def stop(self) -> None:
        """Stop the process (SIGTERM, then SIGKILL after 30 s)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


class Oxigraph(Server):
    """``oxigraph serve`` on ``location`` and a free loopback port.

    Parameters
    ----------
    location : Path
        The store directory (created if missing).
    preload : Path, optional
        An N-Quads file bulk-loaded first with ``oxigraph load`` (the offline loader).
    timeout_s : int, optional
        ``--timeout-s``: the server stops a query after this many seconds.
    read_only : bool
        ``serve-read-only`` (no update, no Graph Store writes).
    """

    name = "oxigraph"

    def __init__(self, location: Path, *, preload: Path | None = None, timeout_s: int | None = None,
                 read_only: bool = False) -> None:
        self.binary = require("oxigraph")
        self.location = Path(location)
        if preload is not None:
            load(self.binary, self.location, preload)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [self.binary, "serve-read-only" if read_only else "serve", "--location", str(self.location),
                   "--bind", f"127.0.0.1:{self.port}"]
        if timeout_s is not None:
            command += ["--timeout-s", str(timeout_s)]
        self.log = self.location.parent / f"{self.location.name}-{self.port}.log"
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        self.query_url = self.url + "/query"
        self._wait(self.query_url + "?query=ASK%7B%7D", 60)


def load(binary: str, location: Path, path: Path) -> None:
    """``oxigraph load --location LOCATION --file PATH`` (the offline bulk loader)."""
    subprocess.run([binary, "load", "--location", str(location), "--file", str(path)],
                   check=True, capture_output=True)


_VIRTUOSO_INI = """\
; A private Virtuoso instance (written by tests/servers.py; docs/remote.md explains each line).
[Database]
DatabaseFile       = {dir}/virtuoso.db
ErrorLogFile       = {dir}/virtuoso.log
LockFile           = {dir}/virtuoso.lck
TransactionFile    = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel      = 7
FileExtend         = 200
MaxCheckpointRemap = 2000
Striping           = 0
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile       = {dir}/virtuoso-temp.db
TransactionFile    = {dir}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping           = 0

[Parameters]
ServerPort           = 127.0.0.1:{sql_port}
DisableUnixSocket    = 1
MaxClientConnections = 10
CheckpointInterval   = 60
CaseMode             = 2
DirsAllowed          = {dir}/load
NumberOfBuffers      = {buffers}
MaxDirtyBuffers      = {dirty}
ThreadsPerQuery      = 2
{after_image}
[HTTPServer]
ServerPort           = 127.0.0.1:{http_port}
ServerRoot           = {dir}
MaxClientConnections = 10
ServerThreads        = 10
Charset              = UTF-8
EnabledGzipContent   = 0

[SPARQL]
ResultSetMaxRows      = {max_rows}
MaxQueryExecutionTime = {max_seconds}
"""


class Virtuoso(Server):
    """A private Virtuoso instance (``virtuoso-t``) in ``directory``.

    Parameters
    ----------
    directory : Path
        Its own data directory (``virtuoso.ini``, the database, the log).
    max_rows : int
        ``ResultSetMaxRows``: the most rows (or triples) one answer may have.
    max_seconds : int
        ``MaxQueryExecutionTime``: the upper bound of any query's time limit.
    buffers : int
        ``NumberOfBuffers`` (8 KB pages of cache).
    after_image_limit : int, optional
        ``TransactionAfterImageLimit`` in bytes (Virtuoso's default, 50 MB, stops a
        transaction that logs more: a swap of millions of triples).

    Attributes
    ----------
    url, query_url : str
        The base URL and the query endpoint (``/sparql``).
    user, password : str
        The account granted ``SPARQL_UPDATE`` (for ``kg push``).
    """

    name = "virtuoso"

    def __init__(self, directory: Path, *, max_rows: int = 2_000_000, max_seconds: int = 120,
                 buffers: int = 20_000, after_image_limit: int | None = None) -> None:
        self.binary = require("virtuoso-t")
        self.isql = require("isql-vt")
        self.directory = Path(directory)
        (self.directory / "load").mkdir(parents=True, exist_ok=True)
        self.sql_port, self.http_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.http_port}"
        self.query_url = self.url + "/sparql"
        self.ini = self.directory / "virtuoso.ini"
        self.ini.write_text(_VIRTUOSO_INI.format(dir=self.directory, sql_port=self.sql_port,
                                                 http_port=self.http_port, max_rows=max_rows,
                                                 max_seconds=max_seconds, buffers=buffers,
                                                 dirty=buffers * 3 // 4,
                                                 after_image=(f"TransactionAfterImageLimit = {after_image_limit}\n"
                                                              if after_image_limit else "")),
                           encoding="utf-8")
        self.log = self.directory / "virtuoso.log"
        with open(self.directory / "stdout.log", "wb") as out:
            self.proc = subprocess.Popen([self.binary, "+configfile", str(self.ini), "+foreground"],
                                         cwd=self.directory, stdout=out, stderr=subprocess.STDOUT)
        self._wait(self.query_url + "?query=ASK%7B%7D", 120)
        self._dba = "dba"
        self.user = "kgpush"
        self.password = secrets.token_hex(12)
        dba = secrets.token_hex(12)
        try:
            self.sql(f"USER_CHANGE_PASSWORD ('dba', 'dba', '{dba}');")
            self._dba = dba
            self.sql(f"DB.DBA.USER_CREATE ('{self.user}', '{self.password}');\n"
                     f"GRANT SPARQL_UPDATE TO \"{self.user}\";")
        except BaseException:
            self.stop()
            raise

    @property
    def env(self) -> dict[str, str]:
        """The environment variables that give ``kg push`` the account."""
        return {"KG_ENDPOINT_USER": self.user, "KG_ENDPOINT_PASSWORD": self.password}

    def sql(self, statements: str) -> str:
        """Run SQL statements as ``dba`` with ``isql-vt``; return its output.

        Raises
        ------
        RuntimeError
            If isql fails or reports an error.
        """
        done = subprocess.run([self.isql, f"127.0.0.1:{self.sql_port}", "dba", self._dba],
                              input=statements + "\n", capture_output=True, text=True, timeout=3600)
        output = done.stdout + done.stderr
        if done.returncode != 0 or "*** Error" in output:
            raise RuntimeError(f"isql failed ({done.returncode}): {output[-2000:]}")
        return output

    def bulk_load(self, path: Path) -> float:
        """Load an N-Quads (or N-Triples) file with Virtuoso's bulk loader; return seconds.

        The file is copied into the instance's ``load`` directory (the only one in
        ``DirsAllowed``), registered with ``ld_dir`` and loaded by ``rdf_loader_run``; a
        checkpoint makes it durable. Quads keep their graphs.
        """
        target = self.directory / "load" / Path(path).name
        shutil.copyfile(path, target)
        start = time.perf_counter()
        self.sql(f"ld_dir ('{target.parent}', '{target.name}', 'urn:kg:bulk-default');\n"
                 "rdf_loader_run ();\ncheckpoint;")
        seconds = time.perf_counter() - start
        failed = self.sql(f"SELECT ll_error FROM DB.DBA.LOAD_LIST WHERE ll_file = '{target}' "
                          "AND ll_error IS NOT NULL;")
        target.unlink()
        if "0 Rows." not in failed:
            raise RuntimeError(f"the bulk load of {path} failed: {failed[-2000:]}")
        return seconds


_HAPROXY_CFG = """\
# Round robin over read-only replicas (written by tests/servers.py; see docs/remote.md).
global
    maxconn 256

defaults
    mode http
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    retries 2
    option redispatch

frontend sparql
    bind 127.0.0.1:{port}
    default_backend replicas

backend replicas
    balance roundrobin
    option httpchk
    http-check send meth GET uri /query?query=ASK%7B%7D ver HTTP/1.1 hdr Host localhost hdr Accept application/sparql-results+json
    http-response set-header X-Replica %s
{servers}
"""


class HAProxy(Server):
    """HAProxy on a free loopback port, round robin over ``backends`` (base URLs)."""

    name = "haproxy"

    def __init__(self, directory: Path, backends: list[str]) -> None:
        self.binary = require("haproxy")
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        servers = "\n".join(
            f"    server replica{i} {urllib.parse.urlsplit(b).netloc} check inter 500ms fall 2 rise 1"
            for i, b in enumerate(backends, 1))
        self.config = directory / "haproxy.cfg"
        self.config.write_text(_HAPROXY_CFG.format(port=self.port, servers=servers), encoding="utf-8")
        subprocess.run([self.binary, "-c", "-q", "-f", str(self.config)], check=True, capture_output=True)
        self.log = directory / "haproxy.log"
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen([self.binary, "-db", "-f", str(self.config)],
                                         stdout=log, stderr=subprocess.STDOUT)
        self._wait_for_replicas(30)

    def _wait_for_replicas(self, seconds: float) -> None:
        # The proxy answers 503 until a health check has found a replica up.
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"haproxy exited: {self.log.read_text(errors='replace')[-2000:]}")
            try:
                with urllib.request.urlopen(self.url + "/query?query=ASK%7B%7D", timeout=2) as answer:
                    answer.read()
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"haproxy found no replica up within {seconds:g} s: "
                           f"{self.log.read_text(errors='replace')[-2000:]}")


class Target:
    """A running server seen as ``kg`` sees it: its profile, endpoints and credentials.

    Parameters
    ----------
    server : Server
        The running process (:class:`Oxigraph` or :class:`Virtuoso`).
    """

    def __init__(self, server: Server) -> None:
        from kg.remote.dialects import dialect

        self.server = server
        self.name = server.name
        self.dialect = dialect(server.name)
        self.url = server.url
        self.query_url = server.query_url
        self.endpoints = self.dialect.endpoints(server.url)
        self.credentials = (server.user, server.password) if hasattr(server, "user") else None

    def __repr__(self) -> str:
        return f"Target({self.name}, {self.url})"

    @property
    def env(self) -> dict[str, str]:
        """Environment variables for ``kg push`` (the write account, if the server has one)."""
        return dict(self.server.env) if self.credentials else {}

    @property
    def push_args(self) -> list[str]:
        """``kg push`` arguments that reach this server."""
        return ["--endpoint", self.url, "--server", self.name]

    def client(self, timeout: float = 300.0):
        """An HTTP client with the write account."""
        from kg.remote.http import HttpClient

        return HttpClient(timeout, auth=self.dialect.auth, credentials=self.credentials)

    def path(self, role: str) -> str:
        """The URL path of the ``query``, ``update`` or ``store`` endpoint."""
        return urllib.parse.urlsplit(getattr(self.endpoints, role)).path
