"""Credentials and push (issue 11, "risks" of item 6, item 8).

* Credentials never go through a proxy in clear, and loopback is always reached directly.
* Credentials are never printed, not even in part (a malformed ``~/.netrc``, an error body
  that echoes them).
* The temporary upload graphs of an interrupted (killed) push are removed by the next
  push, and by ``kg push --clean-uploads``; look-alikes are left alone.
"""

from __future__ import annotations

import http.server
import os
import signal
import subprocess
import sys
import textwrap
import threading
import urllib.parse

import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.query.engine import GRAPHS
from kg.remote import Endpoints, RemoteError, push
from kg.remote.http import HttpClient, authorization

pytestmark = pytest.mark.remote  # Oxigraph / Virtuoso server processes (slow)

CURATED = GRAPHS["curated"]
PASSWORD = "correct horse battery staple"
TOKEN = "tok-3f9a77c1d2e4"


@pytest.fixture(autouse=True)
def no_credentials(monkeypatch):
    for var in ("KG_ENDPOINT_TOKEN", "KG_ENDPOINT_USER", "KG_ENDPOINT_PASSWORD", "NETRC",
                "http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "no_proxy", "NO_PROXY",
                "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)


class Recorder(http.server.BaseHTTPRequestHandler):
    """A stand-in proxy (or server) that records every request and answers ``status``,
    echoing the request's headers in its body (as some servers do in error pages)."""

    seen: list = []
    status = 502

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        type(self).seen.append((self.command, self.path, dict(self.headers)))
        body = ("echo: " + " ".join(f"{k}: {v}" for k, v in self.headers.items())).encode()
        self.send_response(self.status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = _answer

    def log_message(self, *args) -> None:
        pass


@pytest.fixture()
def recorder():
    handler = type("Handler", (Recorder,), {"seen": [], "status": 502})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield handler, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory):
    from tests.test_remote import _serve

    yield from _serve(tmp_path_factory)


# ----------------------------------------------------------------------------- proxies
def _kg(*args, env: dict) -> subprocess.CompletedProcess:
    # A fresh process: urllib reads the proxy variables when it first builds its opener.
    return subprocess.run([sys.executable, "-m", "kg", *map(str, args)], capture_output=True, text=True,
                          timeout=120, env={**os.environ, **env})


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_loopback_push_with_credentials_never_uses_the_proxy(recorder, oxigraph, mini_build, host):
    handler, proxy = recorder
    port = urllib.parse.urlsplit(oxigraph).port
    done = _kg("push", "--endpoint", f"http://{host}:{port}", "--out", mini_build, "-q",
               env={"http_proxy": proxy, "HTTP_PROXY": proxy, "KG_ENDPOINT_TOKEN": TOKEN})
    assert done.returncode == 0, done.stderr
    assert CURATED in done.stdout
    assert handler.seen == []


def test_credentials_never_go_through_a_proxy_in_clear(monkeypatch, recorder):
    handler, proxy = recorder
    monkeypatch.setenv("http_proxy", proxy)
    client = HttpClient(timeout=5)
    # Without credentials, a plain-http request to another host uses the proxy, as configured ...
    with pytest.raises(RemoteError, match="HTTP 502"):
        client.request("GET", "http://kg-test.invalid/query", what="test")
    assert len(handler.seen) == 1 and "Authorization" not in handler.seen[0][2]
    # ... with credentials it goes direct (here: a name that does not resolve), never to the proxy.
    monkeypatch.setenv("KG_ENDPOINT_TOKEN", TOKEN)
    with pytest.raises(RemoteError, match="cannot reach"):
        HttpClient(timeout=5).request("GET", "http://kg-test.invalid/query", what="test")
    assert len(handler.seen) == 1


# ----------------------------------------------------------------------------- never printed
@pytest.mark.parametrize("netrc_text", [
    f"machine 127.0.0.1 login bob password {PASSWORD}\n",
    f"machine 127.0.0.1\n  login bob\n  password {PASSWORD} \n  port 80\n",
    f"default login bob password {PASSWORD.replace(' ', '')} machine\n",
    f'machine 127.0.0.1 login bob password "{PASSWORD}\n',
])
def test_malformed_netrc_never_shows_the_password(tmp_path, monkeypatch, netrc_text):
    path = tmp_path / "netrc"
    path.write_text(netrc_text, encoding="utf-8")
    path.chmod(0o600)
    monkeypatch.setenv("NETRC", str(path))
    try:
        authorization("http://127.0.0.1:9/query")
        message = None
    except RemoteError as exc:
        message = str(exc)
    result = CliRunner().invoke(main, ["push", "--endpoint", "http://127.0.0.1:9", "--clean-uploads"])
    for text in (message or "", result.output):
        for part in PASSWORD.split() + [PASSWORD.replace(" ", "")]:
            assert part not in text
    if message is not None:
        assert str(path) in message and "line" in message


def test_error_bodies_that_echo_credentials_are_blanked(monkeypatch, recorder):
    handler, server = recorder
    handler.status = 400
    monkeypatch.setenv("KG_ENDPOINT_TOKEN", TOKEN)
    with pytest.raises(RemoteError) as info:
        HttpClient(timeout=5).request("GET", server + "/query", what="test")
    assert "echo:" in str(info.value) and TOKEN not in str(info.value)
    assert handler.seen[0][2]["Authorization"] == f"Bearer {TOKEN}"  # it was sent, to the server
    monkeypatch.delenv("KG_ENDPOINT_TOKEN")
    monkeypatch.setenv("KG_ENDPOINT_USER", "bob")
    monkeypatch.setenv("KG_ENDPOINT_PASSWORD", PASSWORD)
    with pytest.raises(RemoteError) as info:
        HttpClient(timeout=5).request("GET", server + "/query", what="test")
    basic = handler.seen[1][2]["Authorization"].split()[1]
    assert basic not in str(info.value) and PASSWORD not in str(info.value)


# ----------------------------------------------------------------------------- leftover uploads
_KILLED_PUSH = textwrap.dedent("""
    import os, signal, sys
    from kg.remote import Endpoints, push

    def progress(message):
        if "triples sent" in message:
            os.kill(os.getpid(), signal.SIGKILL)

    # --swap move: whole copies go to temporary graphs (the diff swap makes none)
    push(sys.argv[1], Endpoints.from_url(sys.argv[2]), batch_size=100, progress=progress, swap="move")
""")


def _graphs(url: str) -> set[str]:
    from kg.remote.engine import RemoteEngine

    table = RemoteEngine(url)._select("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }", what="test")
    return {row[0].value for row in table.rows}


def _put(url: str, graph: str) -> None:
    HttpClient(timeout=10).request("PUT", url + "/store", params=[("graph", graph)],
                                   body=b"<http://x/s> <http://x/p> <http://x/o> .\n",
                                   content_type="application/n-triples", what="test").read()


def test_a_killed_push_leaves_uploads_that_the_next_push_removes(oxigraph, mini_build):
    proc = subprocess.run([sys.executable, "-c", _KILLED_PUSH, str(mini_build), oxigraph],
                          capture_output=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()
    left = {g for g in _graphs(oxigraph) if "-upload-" in g}
    assert left and all(g.startswith(CURATED + "-upload-") or "-upload-" in g for g in left)
    # Look-alikes that are not ours to remove.
    not_ours = {CURATED + "-upload-mine", "http://example.org/other-upload-0123456789ab",
                CURATED + "-upload-0123456789abX"}
    for graph in not_ours:
        _put(oxigraph, graph)
    messages: list[str] = []
    push(mini_build, Endpoints.from_url(oxigraph), progress=messages.append)
    on_server = _graphs(oxigraph)
    assert not (left & on_server)
    assert not_ours <= on_server
    assert any(f"removed {len(left)} temporary graph(s) left by an interrupted push" in m for m in messages)


def test_kg_push_clean_uploads(oxigraph, mini_build):
    leftover = GRAPHS["ontology"] + "-upload-00112233aabb"
    _put(oxigraph, leftover)
    before = _graphs(oxigraph)
    result = CliRunner().invoke(main, ["push", "--endpoint", oxigraph, "--clean-uploads"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == leftover
    assert _graphs(oxigraph) == before - {leftover}
    again = CliRunner().invoke(main, ["push", "--endpoint", oxigraph, "--clean-uploads"])
    assert again.exit_code == 0 and again.stdout == "" and "removed 0 leftover" in again.stderr
