r"""Property-based tests of the query check (issue 11, "must deliver" 3), with Hypothesis.

Queries are generated from the SPARQL grammar, mixing what fooled the old check: comments
ended by ``\r`` or ``\n``, strings in all four quote styles with escapes, comparison
operators (``<``, ``<=``, ``>``, ``>=``) next to IRIs and strings, prefixed names (named
``service:``, ``from:``, with escaped characters), ``\u`` escapes, and nesting (OPTIONAL,
MINUS, UNION, EXISTS, sub-queries, GRAPH) around SERVICE, FROM, LOAD and updates.

* :func:`attacks` embed a live SERVICE, a foreign FROM or an update: the check refuses
  every one.
* :func:`lookalikes` hold the same words only inside strings, comments, IRIs and names, or
  as variables (``?from``, ``?service``): the check accepts every one, and running it never
  contacts the loopback listener named in its strings.
* :func:`mutants` are attacks and look-alikes edited at random (spaces turned into line breaks
  and comments ending in ``\r`` or ``\n``, quotes, ``#``, ``<``, ``\u0022`` inserted, characters
  removed), valid or not: whenever the check accepts one, pyoxigraph runs it *in the test
  process*, which has its network, and the listener must see no connection. This is the
  property that the old check failed.

Then samples go through the CLI (in-process, so the check is the only defence) and the
endpoint (``/sparql``). Each property runs a fixed number of derandomized examples, without
the example database, so CI is repeatable; ``bench/bench_security.py`` runs many more and
records the counts in ``bench/results/security.md``.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kg.errors import QueryError, UnsafeQueryError
from kg.namespace import PREFIXES
from kg.query.safety import check_query
from tests.test_security_service import Listener

#: Stands for the listener's URL in generated text (replaced when a test runs).
TARGET = "http://127.0.0.1:1/target"
EXAMPLES = 150

_FUZZ = settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                        HealthCheck.filter_too_much])

# ------------------------------------------------------------------------ fragments
PROLOGUE = ("PREFIX service: <http://example.org/service#> PREFIX from: <http://example.org/from#> "
            "PREFIX : <http://example.org/default#> PREFIX ex: <http://example.org/ex/> ")
_TRICKY = ["a", "b", " ", "<", ">", "<=", "{", "}", "(", ")", "#", "?", ":", ".", ";", ",", "-", "+",
           "*", "/", "=", "!", "&&", "||", "^", "$", " SERVICE <" + TARGET + "> { } ", " FROM <file:///etc/passwd> ",
           " LOAD <" + TARGET + "> ", " INSERT DATA { } ", "service", "from", "named", "é"]
_SAFE_ESCAPES = ["\\t", "\\n", "\\r", "\\\\", "\\'", '\\"', "\\u0041", "\\u00e9", "\\U0001F600"]
# These change what the text is when escapes are applied before parsing (SPARQL 1.1 19.2).
_STRUCTURAL_ESCAPES = ["\\u0022", "\\u0027", "\\u0023", "\\u003C", "\\u007B", "\\u000A"]
_IRI_CHARS = ["a", "b", "'", "(", ")", "!", "$", "&", "*", "+", ",", ";", "=", "%41", "-", "~", "\\u0041",
              "@", ":", "/"]

whitespace = st.sampled_from([" ", "\t", "\n", "\r", "\r\n", "  ", " # note\n", " #note\r",
                              " # SERVICE <" + TARGET + "> { }\r", " # ' \" <\n", "\n# FROM <x>\r\n"])
tight = st.sampled_from(["", " "])


def _string(escapes: list[str]) -> st.SearchStrategy[str]:
    """A string literal in one of the four quote styles, with escapes."""
    short_units = st.sampled_from(_TRICKY + escapes)
    long_units = st.sampled_from(_TRICKY + escapes + ["\n", "\r", "\r\n", "x'", "x''", 'x"', 'x""'])

    def build(style: str, units: list[str]) -> str:
        body = "".join(units)
        if style in ("'", '"'):
            other = '"' if style == "'" else "'"
            return style + body + other + style
        # A long string: no run of three of its own quote, no quote at its very end.
        q = style[0]
        body = body.replace(q * 3, q * 2 + "x").replace(q * 2 + q, q * 2 + "x")
        if body.endswith(q):
            body += "x"
        return style + body + style

    short = st.builds(build, st.sampled_from(["'", '"']), st.lists(short_units, max_size=8))
    long = st.builds(build, st.sampled_from(["'''", '"""']), st.lists(long_units, max_size=8))
    return st.one_of(short, long)


def _literal(escapes: list[str]) -> st.SearchStrategy[str]:
    suffix = st.sampled_from(["", "@en", "@en-GB", "^^xsd:string", "^^<http://www.w3.org/2001/XMLSchema#string>"])
    return st.builds(lambda s, t: s + t, _string(escapes), suffix)


iri = st.builds(lambda units, tail: "<http://example.org/" + "".join(units) + tail + ">",
                st.lists(st.sampled_from(_IRI_CHARS), max_size=6), st.sampled_from(["", "#f", "?q=1", "?q#'(f)"]))
prefixed = st.sampled_from(["service:load", "from:named", ":x", "ex:a\\(b\\)", "ex:SERVICE", "mkv:treats",
                            "rdfs:label", "service:", "ex:a.b", "from:FROM"])
variable = st.sampled_from(["?s", "?o", "?from", "?service", "$load", "?named", "?x"])
number = st.sampled_from(["1", "-1", "+2.5", "3e2", ".5"])


def _decoy(escapes) -> st.SearchStrategy[str]:
    """A harmless group element that looks like trouble."""
    literal = _literal(escapes)
    operand = st.one_of(variable, number, literal, iri, prefixed)
    comparison = st.builds(lambda a, w1, o, w2, b: a + w1 + o + w2 + b, operand, tight,
                           st.sampled_from(["<", "<=", ">", ">=", "=", "!="]), tight, operand)
    join = st.sampled_from([" || ", "||", " && ", "&&"])
    return st.one_of(
        st.builds(lambda cs, j: "FILTER(COALESCE(" + j.join(f"({c})" for c in cs) + ", true))",
                  st.lists(comparison, min_size=1, max_size=3), join),
        st.builds(lambda lit: f"BIND({lit} AS ?BOUND)", literal),
        st.builds(lambda v, p, o: f"{v} {p} {o} .", variable, st.one_of(iri, prefixed), operand),
        st.builds(lambda v, vals: f"VALUES {v}v {{ {' '.join(vals)} }}", variable,
                  st.lists(st.one_of(literal, iri, prefixed, number), max_size=3)),
        st.builds(lambda lit: f"OPTIONAL {{ ?s rdfs:label {lit} }}", literal),
    )


# Built once: making strategies inside a draw is what makes Hypothesis slow.
_DECOYS = {"safe": _decoy(_SAFE_ESCAPES), "all": _decoy(_SAFE_ESCAPES + _STRUCTURAL_ESCAPES)}


_ATTACK_CORES = [
    "SERVICE <" + TARGET + "> { ?s ?p ?o }",
    "SERVICE SILENT <" + TARGET + "> { }",
    "service <" + TARGET + ">{}",
    "VALUES ?svc { <" + TARGET + "> } SERVICE ?svc { ?s ?p ?o }",
    "SERVICE tgt: { ?s ?p ?o }",
    "SERVICE <" + TARGET.replace("1", "\\u0031") + "> { }",
]
_WRAPPERS = ["OPTIONAL {{ {} }}", "MINUS {{ {} }}", "{{ {} }} UNION {{ }}", "{{ }} UNION {{ {} }}",
             "FILTER EXISTS {{ {} }}", "FILTER NOT EXISTS {{ {} }}", "BIND(EXISTS {{ {} }} AS ?e)",
             "{{ SELECT * WHERE {{ {} }} }}", "GRAPH ?g {{ {} }}", "{{ {} }}"]


@st.composite
def _group(draw, core: str | None, escapes: str) -> str:
    elements = draw(st.lists(_DECOYS[escapes], max_size=4))
    if core is not None:
        for _ in range(draw(st.integers(0, 4))):
            core = draw(st.sampled_from(_WRAPPERS)).format(core)
        elements.insert(draw(st.integers(0, len(elements))), core)
    parts = []
    for i, element in enumerate(elements):
        # A BIND may not rebind a variable in scope: each gets its own.
        parts.append(draw(whitespace) + element.replace("?BOUND", f"?bound{i}"))
    return "{" + "".join(parts) + draw(whitespace) + "}"


@st.composite
def attacks(draw, escapes: str = "all") -> tuple[str, str]:
    """(kind, text) of a query that must be refused: a live SERVICE, a foreign FROM, an update.

    ``escapes="safe"`` leaves out the ``\\u`` escapes that change the text's structure when
    applied before parsing (then the text is valid for every engine)."""
    kind = draw(st.sampled_from(["service", "service", "service", "from", "update"]))
    head = PROLOGUE + f"PREFIX tgt: <{TARGET}>" + draw(whitespace)
    if kind == "update":
        op = draw(st.sampled_from([f"LOAD <{TARGET}>", f"LOAD SILENT <{TARGET}> INTO GRAPH <urn:g>", "DROP ALL",
                                   "INSERT DATA { <urn:a> <urn:b> <urn:c> }", "DELETE WHERE { ?s ?p ?o }",
                                   "CLEAR DEFAULT", "INSERT { ?s ?p ?o } WHERE { ?s ?p ?o }"]))
        return kind, head + op
    dataset = ""
    if kind == "from":
        dataset = draw(st.sampled_from([f" FROM <{TARGET}>", " FROM<file:///etc/passwd>", " FROM NAMED <urn:x>",
                                        " FROM tgt:", " from ex:graph"]))
    core = draw(st.sampled_from(_ATTACK_CORES)) if kind == "service" else None
    form = draw(st.sampled_from(["SELECT *", "SELECT ?s", "ASK", "CONSTRUCT { ?s ?p ?o }"]))
    where = draw(st.sampled_from([" WHERE ", " ", "\rWHERE\n"]))
    return kind, head + form + dataset + where + draw(_group(core, escapes))


@st.composite
def lookalikes(draw) -> str:
    """A query that only mentions SERVICE, FROM, LOAD... in strings, comments, IRIs, names."""
    form = draw(st.sampled_from(["SELECT *", "SELECT ?from ?service", "ASK", "CONSTRUCT { ?s ?p ?o }"]))
    where = draw(st.sampled_from([" WHERE ", " ", "\nWHERE\r"]))
    return PROLOGUE + draw(whitespace) + form + where + draw(_group(None, "safe"))


_NOISE = ["#", "\r", "\n", "'", '"', "'''", '"""', "<", ">", "<=", "{", "}", "(", ")", "\\u0022", "\\u0027",
          "\\", ":", "SERVICE", " ", "<" + TARGET + ">", "\\u0023", "?", "$"]


# Where a space stands, these keep most texts valid while moving comment and line ends around.
_SPACERS = ["\r", "\n", "\t", "\r\n", " #c\r", " #c\n", " # SERVICE <" + TARGET + "> {\r", " #'\n",
            " #\"<\r", "#", " #"]


@st.composite
def mutants(draw) -> str:
    """An attack (or a look-alike) edited: spaces turned into line breaks and comments, random
    characters inserted or removed. Valid or not, anything goes; many stay valid."""
    text = draw(st.one_of(attacks().map(lambda case: case[1]), lookalikes()))
    for _ in range(draw(st.integers(1, 4))):
        if draw(st.integers(0, 9)) < 6:  # at a space: keeps the text valid more often
            spaces = [i for i, ch in enumerate(text) if ch == " "]
            if spaces:
                at = draw(st.sampled_from(spaces))
                text = text[:at] + draw(st.sampled_from(_SPACERS)) + text[at + 1:]
                continue
        at = draw(st.integers(0, len(text)))
        if draw(st.booleans()):
            text = text[:at] + draw(st.sampled_from(_NOISE)) + text[at:]
        else:
            text = text[:at] + text[at + draw(st.integers(1, 3)):]
    return text


# ------------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def listener():
    server = Listener()
    yield server
    server.close()


@pytest.fixture(scope="module")
def store():
    """An in-memory store with a little data, for running accepted texts with the network on."""
    s = ox.Store()
    s.add(ox.Quad(ox.NamedNode("http://example.org/s"), ox.NamedNode(PREFIXES["rdfs"] + "label"),
                  ox.Literal("a")))
    return s


def _run(store, text: str) -> None:
    """Run an accepted text as the engine would, errors ignored (only connections count)."""
    try:
        result = store.query(text, prefixes=PREFIXES, use_default_graph_as_union=True)
        if not isinstance(result, ox.QueryBoolean):
            for _ in result:
                pass
    except (SyntaxError, OSError, RuntimeError, ValueError, TypeError):
        pass


def _live(text: str, listener) -> str:
    return text.replace(TARGET, listener.url)


# ------------------------------------------------------------------------ properties
@_FUZZ
@given(attacks())
def test_attacks_are_refused(listener, case):
    kind, text = case
    text = _live(text, listener)
    with pytest.raises(QueryError) as info:
        check_query(text)
    if "malformed" not in str(info.value):  # refused for what it does, not for its form
        assert isinstance(info.value, UnsafeQueryError), str(info.value)
        assert {"service": "SERVICE", "from": "FROM", "update": "not allowed"}[kind] in str(info.value)


@_FUZZ
@given(lookalikes())
def test_lookalikes_are_accepted_and_never_connect(listener, store, text):
    text = _live(text, listener)
    analysis = check_query(text)
    assert not analysis.services and not analysis.updates and not analysis.dataset
    before = listener.count
    _run(store, text)
    assert listener.count == before


@settings(_FUZZ, max_examples=EXAMPLES * 2)
@given(mutants())
# The bypasses of the old check, always run: a comment ended by \r, '<' then a quote, '<'...'>'.
@example(f"SELECT * WHERE {{ # note\rSERVICE <{TARGET}> {{ ?s ?p ?o }}\n}}")
@example(f"SELECT * WHERE {{ BIND(1<'>' AS ?z) SERVICE <{TARGET}> {{ ?s ?p ?o }} BIND(1='x' AS ?y) }}")
@example(f"PREFIX : <{TARGET}#> SELECT * WHERE {{FILTER(COALESCE(?a<?b,true))SERVICE:{{?s?p?o}}"
         "FILTER(COALESCE(?c>?d,true))}")
def test_accepted_mutants_never_connect(listener, store, text):
    text = _live(text, listener)
    try:
        check_query(text)
    except QueryError:
        return
    before = listener.count
    _run(store, text)  # the test process has its network: only the check stands
    assert listener.count == before, text


# ------------------------------------------------------------------ through interfaces
@pytest.mark.slow  # a long property-based check: 40 runs of the CLI
@settings(_FUZZ, max_examples=40)
@given(st.one_of(attacks().map(lambda c: c[1]), mutants()))
def test_the_cli_never_connects(mini_graph, listener, text):
    from click.testing import CliRunner

    from kg.cli import main

    before = listener.count
    result = CliRunner().invoke(main, ["query", "--out", str(mini_graph.directory), _live(text, listener)])
    assert listener.count == before
    assert result.exit_code != 0 or not text.strip().startswith(PROLOGUE)  # attacks fail


@pytest.fixture(scope="module")
def endpoint(mini_graph):
    from kg.web.testing import serve

    with serve(mini_graph.directory, timeout=10, workers=1) as base:
        yield base


@pytest.mark.slow  # a server process (kg.web.testing.serve) answering 60 requests
@settings(_FUZZ, max_examples=60)
@given(st.one_of(attacks().map(lambda c: c[1]), mutants(), lookalikes()))
def test_the_endpoint_never_connects(endpoint, listener, text):
    text = _live(text, listener)
    request = urllib.request.Request(endpoint + "/sparql", data=text.encode("utf-8"),
                                     headers={"Content-Type": "application/sparql-query",
                                              "Accept": "application/sparql-results+json, text/turtle"})
    before = listener.count
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, body = exc.code, exc.read()
    assert listener.count == before
    try:
        accepted = not check_query(text).services
    except QueryError:
        accepted = False
    assert (status == 200) == accepted, (status, body[:300])
    if status == 200 and body.startswith(b"{"):
        assert "internal-secret-row" not in json.dumps(json.loads(body))
