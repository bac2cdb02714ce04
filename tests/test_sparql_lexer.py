"""The lexer's fast path (one pattern of the terminals) against its step-by-step definition.

:func:`kg.sparql.lexer.lex` first tries one compiled pattern of the grammar's terminals and
falls back to ``_lex``, which checks the terminals one after another. Both must give the same
token (kind, value, start, end) or the same error at every position of every text, at
operator positions and elsewhere: the W3C corpus, the named queries, hand-written queries,
and generated text made of SPARQL's characters.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.errors import QueryError
from kg.sparql import analyse, nesting_depth
from kg.sparql.lexer import _lex, lex
from kg.sparql.limits import _nesting_depth_general

CORPUS = Path(__file__).parent / "fixtures" / "w3c-sparql"
W3C = sorted(p for p in CORPUS.rglob("*") if p.suffix in (".rq", ".ru"))


def _outcome(fn, text: str, pos: int, operator: bool):
    try:
        tok = fn(text, pos, operator)
    except QueryError as exc:
        return "error", str(exc)
    return tok.kind, tok.value, tok.start, tok.end


def _same_everywhere(text: str, stride: int = 1) -> None:
    for pos in range(0, len(text) + 1, stride):
        for operator in (False, True):
            assert _outcome(lex, text, pos, operator) == _outcome(_lex, text, pos, operator), (text, pos)


def _named_and_handwritten() -> list[str]:
    from bench.bench_sparql import corpus

    return [text for _, text in corpus()]


def test_w3c_texts_lex_alike():
    """The W3C corpus lexes alike on both paths."""
    # Every third position (any offset may follow a token, a comment or whitespace).
    for path in W3C:
        _same_everywhere(path.read_text(encoding="utf-8"), stride=3)


def test_named_and_handwritten_queries_lex_alike():
    """The benchmark's queries lex alike at every position."""
    texts = _named_and_handwritten()
    assert len(texts) > 30
    for text in texts:
        _same_everywhere(text)


_ALPHABET = st.sampled_from(list("?$<>'\"#@_:.-+*/^|&!=(){}[];,\\\n\r\t 0123456789eEaAsSxuU%é·\u0300\u00d7")
                            + ["SELECT", "a", "ex:", "'''", '"""', "\\u0041", "<http://x/>", "<a#b>", "<x(y)>", "true"])


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(st.lists(_ALPHABET, max_size=40).map("".join))
def test_generated_text_lexes_alike(text):
    """Generated text of SPARQL's characters lexes alike."""
    _same_everywhere(text)


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(st.lists(_ALPHABET, max_size=60).map("".join), st.integers(1, 6))
def test_nesting_depth_fast_path_agrees(text, limit):
    """The single-reading scan agrees with the all-readings scan on generated text."""
    def outcome(fn):
        try:
            return fn(text, limit)
        except QueryError as exc:
            return str(exc)
    assert outcome(nesting_depth) == outcome(_nesting_depth_general)


def test_nesting_depth_fast_path_agrees_on_corpora():
    """... and on the W3C corpus and the benchmark's queries."""
    for text in [p.read_text(encoding="utf-8") for p in W3C] + _named_and_handwritten():
        for limit in (3, 64):
            try:
                expected = _nesting_depth_general(text, limit)
            except QueryError as exc:
                with pytest.raises(QueryError) as got:
                    nesting_depth(text, limit)
                assert str(got.value) == str(exc)
            else:
                assert nesting_depth(text, limit) == expected


@pytest.mark.parametrize("text, found", [
    ("SELECT * WHERE { ?s ?p ?o ?x ?y }", "?x"),            # objects need ',' between them
    ("SELECT * WHERE { ?s ?p ?o <urn:x> ?y }", "<urn:x>"),
    ("SELECT * WHERE { FILTER(<urn:f>(?a ?b ?c)) }", "?b"),  # arguments need ','
    ("SELECT * WHERE { FILTER(?a IN (1 2 3)) }", "2"),
    ("SELECT * WHERE { BIND(CONCAT('a' 'b' 'c') AS ?c) }", "'b'"),
])
def test_a_term_where_a_comma_is_required_is_refused(text, found):
    """A token that is neither a keyword nor punctuation (``mark`` ``""``) is never taken for one."""
    with pytest.raises(QueryError, match=re.escape(f"found {found!r}")):
        analyse(text)
