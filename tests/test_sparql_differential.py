"""Our parser and the one that executes (pyoxigraph) read generated queries alike.

The check decides on our parse; pyoxigraph runs the query. ``docs/security.md`` says how
they are kept from disagreeing; these tests are that: on queries generated from the grammar
with every construct that fooled the old check (``tests/test_security_fuzz.py``), valid by
construction, both parsers must accept, our analysis must find exactly the SERVICE and FROM
clauses the generator put in, and where it finds no SERVICE, running the query in this
process (network on, check bypassed) must not contact the loopback listener its strings
name. The W3C suites are compared in ``tests/test_sparql_w3c.py``; random edits of these
queries (valid or not) in ``test_security_fuzz.py::test_accepted_mutants_never_connect``;
``bench/bench_security.py`` runs the same comparisons on a much larger corpus.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.errors import QueryError
from kg.namespace import PREFIXES
from kg.sparql import analyse
from tests.test_security_fuzz import TARGET, attacks, lookalikes
from tests.test_security_service import Listener

_SETTINGS = settings(max_examples=200, derandomize=True, database=None, deadline=None,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                            HealthCheck.filter_too_much])

#: (kind, text): look-alikes (kind "none"), and SERVICE / FROM attacks valid for every engine.
valid_queries = st.one_of(
    lookalikes().map(lambda text: ("none", text)),
    attacks(escapes="safe").filter(lambda case: case[0] != "update"),
)


@pytest.fixture(scope="module")
def listener():
    server = Listener()
    yield server
    server.close()


@pytest.fixture(scope="module")
def store():
    s = ox.Store()
    s.add(ox.Quad(ox.NamedNode("http://example.org/s"), ox.NamedNode(PREFIXES["rdfs"] + "label"),
                  ox.Literal("a")))
    return s


def pyoxigraph_accepts(store, text: str) -> bool:
    """Whether pyoxigraph parses the text (running it, errors aside)."""
    try:
        result = store.query(text, prefixes=PREFIXES, use_default_graph_as_union=True)
        if not isinstance(result, ox.QueryBoolean):
            for _ in result:
                pass
    except SyntaxError:
        return False
    except (OSError, RuntimeError, ValueError, TypeError):
        pass  # parsed; a SERVICE failed, or an expression
    return True


@pytest.mark.slow  # a long property-based check (the W3C and lexer tests stay in the edit loop)
@_SETTINGS
@given(valid_queries)
def test_both_parsers_accept_and_we_find_what_was_put_in(listener, store, case):
    kind, text = case
    text = text.replace(TARGET, listener.url)
    try:
        analysis = analyse(text)
    except QueryError as exc:
        pytest.fail(f"refused a valid query: {exc}\n{text!r}")
    assert not analysis.undefined_prefixes
    assert bool(analysis.services) == (kind == "service")
    assert bool(analysis.dataset) == (kind == "from")
    assert analysis.form in ("SELECT", "ASK", "CONSTRUCT")
    before = listener.count
    assert pyoxigraph_accepts(store, text), text
    if not analysis.services:
        assert listener.count == before, text
