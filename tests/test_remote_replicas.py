"""The read-scaling recipe of docs/remote.md, run: read-only replicas behind one URL.

The build's ``kg.nq`` is bulk-loaded into two store directories (``oxigraph load``: what each
replica machine would do), each served by ``oxigraph serve-read-only`` with a time limit,
and HAProxy (Debian's ``haproxy``) balances them round robin on one loopback URL. Every
named query through that URL must answer as the embedded store; both replicas must have
answered some; and with one replica stopped, the URL must still answer.
"""

from __future__ import annotations

import urllib.request
from collections import Counter

import pytest

import kg
from kg.query.library import list_queries
from tests.servers import HAProxy, Oxigraph
from tests.test_remote import _plain

pytestmark = pytest.mark.remote  # Oxigraph / Virtuoso server processes (slow)


@pytest.fixture(scope="module")
def replicas(real_build, tmp_path_factory):
    root = tmp_path_factory.mktemp("replicas")
    servers = []
    try:
        for name in ("replica1", "replica2"):
            servers.append(Oxigraph(root / name, preload=real_build / "kg.nq", read_only=True, timeout_s=30))
        with HAProxy(root / "haproxy", [s.url for s in servers]) as proxy:
            yield proxy, servers
    finally:
        for server in servers:
            server.stop()


def _replica(url: str) -> str:
    with urllib.request.urlopen(url + "/query?query=ASK%7B%7D", timeout=10) as answer:
        answer.read()
        return answer.headers.get("X-Replica", "")


def test_every_named_query_through_the_balancer(replicas, real_build):
    proxy, _ = replicas
    embedded = kg.load(real_build, build=False)
    remote = kg.load(endpoint=proxy.url)
    for nq in list_queries():
        if nq.name.startswith("hpo-"):
            continue  # the curated build has no HPO graph
        local, there = embedded.named(nq.name), remote.named(nq.name)
        assert there.variables == local.variables, nq.name
        assert _plain(there, nq.text) == _plain(local, nq.text), nq.name
    assert [p.text() for p in remote.path("hypoxia", "clonazepam", k=3)] == \
        [p.text() for p in embedded.path("hypoxia", "clonazepam", k=3)]


def test_both_replicas_answer_and_one_may_fail(replicas):
    proxy, servers = replicas
    assert Counter(_replica(proxy.url) for _ in range(6)) == {"replica1": 3, "replica2": 3}
    servers[0].stop()
    # HAProxy retries a request that found the replica gone on the other one, and its
    # health check takes the replica out of the rotation.
    assert {_replica(proxy.url) for _ in range(6)} == {"replica2"}


def test_replicas_refuse_writes(replicas):
    proxy, _ = replicas
    request = urllib.request.Request(proxy.url + "/update", data=b"CLEAR ALL", method="POST",
                                     headers={"Content-Type": "application/sparql-update"})
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(request, timeout=10)
    assert info.value.code in (403, 404, 405)
