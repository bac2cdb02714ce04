"""The HTTP server's defences (issue 11, "risks" of item 6, item 8): against real sockets.

* Host allow-list: a request for another host name (DNS rebinding) gets 400 and no data.
* Read deadlines: a client that dribbles its headers, sends nothing, or dribbles its body
  is cut off after ``--read-timeout``; the server stays up.
* Graph views: a time budget (503, the drawing goes on and is cached), size caps (422), and
  no page waits for another one (there is no lock around the graph any more).
"""

from __future__ import annotations

import http.client
import socket
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from kg.web.testing import free_ports, serve

SELECT = "SELECT ?s WHERE { ?s a mkv:Drug } LIMIT 3"




@pytest.fixture(scope="module")
def server(mini_build):
    with serve(mini_build, timeout=5, workers=1,
               args=["--read-timeout", "0.5", "--allowed-host", "kg.example.org",
                     "--allowed-host", "*.lab.example"]) as base:
        yield base


def request(base: str, path: str, host: str | None, method: str = "GET", body: bytes | None = None,
            headers: dict | None = None) -> tuple[int, bytes]:
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        if host is not None:
            conn.putheader("Host", host)
        for k, v in (headers or {}).items():
            conn.putheader(k, v)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


# ----------------------------------------------------------------------------- Host
QUERY_PATH = "/sparql?" + urllib.parse.urlencode({"query": SELECT})


@pytest.mark.parametrize("host", ["evil.example", "evil.example:{port}", "127.0.0.1.evil.example",
                                  "localhost.evil.example:{port}", "kg.example.org.evil", "lab.example",
                                  "", "[::1", "a b", "127.0.0.1@evil.example"])
@pytest.mark.parametrize("path", [QUERY_PATH, "/", "/health", "/entity/clonazepam",
                                  "/view/entity/clonazepam", "/queries"])
def test_other_host_names_get_400_and_no_data(server, host, path):
    status, body = request(server, path, host.format(port=server.port))
    assert status == 400
    assert b"is not one this server answers to" in body
    assert b"clonazepam" not in body.lower() and b"bindings" not in body and b"<html" not in body.lower()


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "LOCALHOST", "[::1]:{port}",
                                  "kg.example.org", "kg.example.org:{port}", "a.lab.example:{port}"])
def test_allowed_host_names_are_answered(server, host):
    status, body = request(server, QUERY_PATH, host.format(port=server.port),
                           headers={"Accept": "application/sparql-results+json"})
    assert status == 200 and b"bindings" in body


def test_request_without_host_is_refused(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(b"GET /health HTTP/1.0\r\n\r\n")
        answer = s.recv(4096)
    assert answer.startswith(b"HTTP/1.1 400") and b'"status"' not in answer


def test_hint_names_the_option(server):
    status, body = request(server, "/", f"evil.example:{server.port}")
    assert status == 400 and b"--allowed-host evil.example" in body


def test_bound_address_and_wildcards():
    from kg.web.hardening import allowed_hosts, host_allowed

    assert allowed_hosts("0.0.0.0") == allowed_hosts("::") == ("localhost", "127.0.0.1", "::1")
    assert "192.168.1.5" in allowed_hosts("192.168.1.5")
    assert host_allowed("192.168.1.5:8000", allowed_hosts("192.168.1.5"))
    assert not host_allowed("192.168.1.6:8000", allowed_hosts("192.168.1.5"))
    assert host_allowed("anything", allowed_hosts("127.0.0.1", ["*"]))
    assert not host_allowed("example.org", allowed_hosts("127.0.0.1", ["*.example.org"]))


# ----------------------------------------------------------------------------- slow clients
def _closed_within(sock: socket.socket, seconds: float, dribble: bytes = b"") -> float | None:
    """Seconds until the server closed the connection (sending ``dribble`` byte by byte, one
    every 0.2 s, meanwhile), or None if it was still open after ``seconds``."""
    start = time.monotonic()
    sock.settimeout(0.2)
    i = 0
    while time.monotonic() - start < seconds:
        try:
            data = sock.recv(4096)
            if data == b"" or data.startswith(b"HTTP/1.1 408"):
                return time.monotonic() - start
        except socket.timeout:
            pass
        except ConnectionError:
            return time.monotonic() - start
        if dribble:
            try:
                sock.sendall(dribble[i % len(dribble):i % len(dribble) + 1])
            except OSError:
                return time.monotonic() - start
            i += 1
    return None


def test_dribbled_headers_are_cut_off(server):
    with socket.create_connection(("127.0.0.1", server.port)) as s:
        s.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        closed = _closed_within(s, 8, dribble=b"X-Slow: 1\r\n")
    assert closed is not None and closed < 4, closed


def test_silent_connection_is_cut_off(server):
    with socket.create_connection(("127.0.0.1", server.port)) as s:
        closed = _closed_within(s, 8)
    assert closed is not None and closed < 4, closed


def test_dribbled_body_gets_408(server):
    body = b"query=" + urllib.parse.quote(SELECT).encode()
    with socket.create_connection(("127.0.0.1", server.port)) as s:
        s.sendall(b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded"
                  b"\r\nContent-Length: " + str(len(body) + 50).encode() + b"\r\n\r\n")
        closed = _closed_within(s, 8, dribble=body)
    assert closed is not None and closed < 4, closed


def test_server_stays_up_and_keep_alive_still_works(server):
    # After the slow clients above: a normal client, several requests on one connection.
    url = urllib.parse.urlsplit(server)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    try:
        for _ in range(3):
            conn.request("GET", "/health")
            response = conn.getresponse()
            assert response.status == 200
            response.read()
            time.sleep(0.3)
    finally:
        conn.close()


# ----------------------------------------------------------------------------- graph views
class InProcess:
    """``create_app`` served by uvicorn (with kg serve's settings) in a thread of this process,
    so a test can slow down the drawing of views."""

    def __init__(self, app) -> None:
        import uvicorn

        from kg.web.hardening import uvicorn_settings

        (self.port,) = free_ports(1)
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                **uvicorn_settings(5.0))
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(30)


SLOW = 3.0


def _busy(seconds: float) -> None:
    # Pure-Python work that holds the GIL, as the real renderer does.
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        sum(range(100))


@pytest.fixture()
def slow_views(mini_build, monkeypatch):
    """An app whose neighbourhood views of depth 2 take SLOW seconds of CPU to draw."""
    import kg.web.graphview as graphview
    from kg.web import create_app

    real = graphview.neighbourhood_page

    def slow(sub, center, depth, title):
        if depth == 2:
            _busy(SLOW)
        return real(sub, center, depth, title)

    monkeypatch.setattr(graphview, "neighbourhood_page", slow)
    app = create_app(mini_build, workers=1, timeout=5, view_budget=SLOW + 5)
    with InProcess(app) as base:
        yield base, app.state.server


def _timed(base: str, path: str) -> tuple[int, float, float]:
    start = time.monotonic()
    status, _ = request(base, path, "127.0.0.1")
    return status, start, time.monotonic()


@pytest.mark.slow  # timed concurrent requests and sleeps: a load test, not the edit loop's
def test_cheap_pages_answer_while_an_expensive_view_draws(slow_views):
    base, _ = slow_views
    with ThreadPoolExecutor(4) as pool:
        expensive = pool.submit(_timed, base, "/view/entity/myoclonus?depth=2")
        time.sleep(0.5)  # the drawing is under way
        cheap = [pool.submit(_timed, base, path) for path in
                 ("/entity/clonazepam", "/view/entity/clonazepam?depth=1", "/path?from=hypoxia&to=clonazepam",
                  "/entity/")]
        cheap_results = [f.result() for f in cheap]
        status, _, expensive_end = expensive.result()
    assert status == 200
    for status, start, end in cheap_results:
        assert status == 200
        # Every cheap page was answered before the expensive view was done.
        assert end < expensive_end, (end, expensive_end)


@pytest.mark.slow  # timed concurrent requests and sleeps: a load test, not the edit loop's
def test_view_budget_gives_503_then_the_cached_page(slow_views):
    base, server = slow_views
    server.view_budget = 1.0
    status, start, end = _timed(base, "/view/entity/myoclonus?depth=2")
    assert status == 503 and end - start < SLOW
    status, body = request(base, "/view/entity/myoclonus?depth=2", "127.0.0.1")
    assert status == 503 and b"Still drawing" in body  # shares the drawing under way
    time.sleep(SLOW)
    status, start, end = _timed(base, "/view/entity/myoclonus?depth=2")
    assert status == 200 and end - start < 1.0  # drawn meanwhile, served from the cache


def test_view_size_caps_give_422_with_a_message(slow_views):
    base, server = slow_views
    server.view_max_nodes = 1
    status, body = request(base, "/view/entity/myoclonus?depth=1", "127.0.0.1")
    assert status == 422
    assert b"this view draws at most 1 entities" in body and b"kg viz" in body
    server.view_max_nodes, server.view_max_bytes = 10_000, 1000
    status, body = request(base, "/view/entity/clonazepam?depth=1", "127.0.0.1")
    assert status == 422 and b"MB served" in body
    status, _ = request(base, "/health", "127.0.0.1")
    assert status == 200


def test_budget_and_caps_defaults_are_documented():
    from kg.web.app import VIEW_BUDGET, VIEW_MAX_BYTES, VIEW_MAX_EDGES, VIEW_MAX_NODES

    text = (Path(__file__).parents[1] / "docs" / "security.md").read_text(encoding="utf-8")
    for value in (f"{VIEW_BUDGET:g} s", f"{VIEW_MAX_NODES:,}", f"{VIEW_MAX_EDGES:,}",
                  f"{VIEW_MAX_BYTES // 1024 // 1024} MiB"):
        assert value in text, value
