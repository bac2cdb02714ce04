"""Units of the web layer's structure: the Backend contract and the typed failures (no server
process needed, except a silent socket)."""

from __future__ import annotations

import socket
import threading

import pytest

from kg.errors import KGError, QueryStopped, QueryTimeout, WorkerFailed
from kg.remote.errors import RemoteError, RemoteTimeout
from kg.web.backend import Backend, LocalBackend, RemoteBackend
from kg.web.endpoint import upstream_status


def test_both_backends_keep_the_contract(tmp_path):
    class Engine:
        url = "http://127.0.0.1:9/sparql"

    local = LocalBackend(tmp_path / "store", 1, timeout=1)
    remote = RemoteBackend(Engine(), 1, timeout=1)
    for backend in (local, remote):
        assert isinstance(backend, Backend)
    assert local.watches_builds and not remote.watches_builds
    assert remote.stats() == {"size": 1, "threads": True, "queries": 0, "timeouts": 0,
                              "upstream_errors": 0}


def test_failures_are_told_apart_by_type():
    """503 for a stopped query or a remote server out of time, 502 for any other failure;
    the message plays no part."""
    assert issubclass(QueryTimeout, QueryStopped) and issubclass(WorkerFailed, QueryStopped)
    assert issubclass(QueryStopped, KGError)
    assert upstream_status(RemoteTimeout("anything", url="http://h/")) == 503
    assert upstream_status(RemoteError("no answer from http://h/ (worded like a timeout)",
                                       url="http://h/")) == 502


def test_a_silent_server_is_a_remote_timeout():
    from kg.remote.http import HttpClient

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    accepted = []
    thread = threading.Thread(target=lambda: accepted.append(listener.accept()[0]), daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/sparql"
        with pytest.raises(RemoteTimeout, match="no answer from"):
            HttpClient(0.5).request("GET", url)
    finally:
        thread.join(2)
        for conn in accepted:
            conn.close()
        listener.close()
