r"""The SPARQL analysis (:mod:`kg.sparql`): what it reports, and where the grammar decides.

Each case is a text whose answer follows from the SPARQL 1.1 grammar (section 19.8) or from
how pyoxigraph reads it, written here by hand: the query form, every SERVICE wherever it
sits, dataset clauses, updates, variables, prefixes and IRIs with their positions, the
WHERE group, the two readings of ``\u`` escapes, and errors with line and column.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.errors import QueryError, UnsafeQueryError
from kg.namespace import ENTITY, PREFIXES, VOCAB
from kg.query.safety import check_query
from kg.sparql import QueryAnalysis, analyse, cache_info

S = "<http://example.org/sparql>"


# ---------------------------------------------------------------------------- forms
@pytest.mark.parametrize("text,form", [
    ("SELECT * {}", "SELECT"),
    ("select ?x where { ?x ?p ?o }", "SELECT"),
    ("PREFIX ask: <urn:a#> ASK { ?ask ask:select ask:x }", "ASK"),
    ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "CONSTRUCT"),
    ("CONSTRUCT WHERE { ?s ?p ?o }", "CONSTRUCT"),
    ("DESCRIBE <urn:x>", "DESCRIBE"),
    ("# SELECT\nDESCRIBE ?x WHERE { ?x ?p 'ASK' }", "DESCRIBE"),
    ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "UPDATE"),
    ("", "UPDATE"),
])
def test_the_query_form(text, form):
    assert analyse(text).form == form


def test_an_empty_text_is_not_a_query():
    assert analyse("  # nothing\n").updates == ()
    with pytest.raises(QueryError, match="no query"):
        check_query("")


# ------------------------------------------------------------------------- SERVICE
@pytest.mark.parametrize("pattern", [
    "SERVICE {S} {{ ?s ?p ?o }}",
    "OPTIONAL {{ SERVICE {S} {{ }} }}",
    "MINUS {{ SERVICE {S} {{ }} }}",
    "{{ }} UNION {{ SERVICE {S} {{ }} }}",
    "{{ {{ {{ SERVICE {S} {{ }} }} }} }}",
    "{{ SELECT * WHERE {{ SERVICE {S} {{ }} }} }}",
    "GRAPH ?g {{ SERVICE {S} {{ }} }}",
    "FILTER EXISTS {{ SERVICE {S} {{ }} }}",
    "FILTER(!EXISTS {{ SERVICE {S} {{ }} }})",
    "FILTER NOT EXISTS {{ SERVICE SILENT {S} {{ }} }}",
    "BIND(IF(EXISTS {{ SERVICE {S} {{ }} }}, 1, 0) AS ?x)",
    "SERVICE ?endpoint {{ }}",
    "service {S}{{}}",
])
def test_service_is_found_anywhere(pattern):
    analysis = analyse("SELECT * WHERE {\n  " + pattern.format(S=S) + "\n}")
    assert len(analysis.services) == 1
    assert analysis.services[0].line == 2
    with pytest.raises(UnsafeQueryError, match=r"SERVICE is not allowed \(line 2, column"):
        check_query("SELECT * WHERE {\n  " + pattern.format(S=S) + "\n}")


@pytest.mark.parametrize("text", [
    f"SELECT (EXISTS {{ SERVICE {S} {{ }} }} AS ?e) {{ }}",
    f"SELECT * {{ ?s ?p ?o }} ORDER BY (EXISTS {{ SERVICE {S} {{ }} }})",
    f"SELECT ?s {{ ?s ?p ?o }} GROUP BY ?s HAVING (EXISTS {{ SERVICE {S} {{ }} }})",
    f"DELETE {{ ?s ?p ?o }} WHERE {{ SERVICE {S} {{ ?s ?p ?o }} }}",
])
def test_service_outside_the_where_group(text):
    assert len(analyse(text).services) == 1


def test_the_service_target_is_expanded():
    a = analyse(f"PREFIX ex: <http://example.org/> ASK {{ SERVICE ex:s {{}} SERVICE {S} {{}} SERVICE ?v {{}} }}")
    assert [s.target for s in a.services] == ["http://example.org/s", "http://example.org/sparql", "?v"]
    assert [s.silent for s in a.services] == [False, False, False]


# ------------------------------------------------------------------- where '<' is what
def test_less_than_at_an_operator_position_is_the_operator():
    # Read as an IRI, <?b)SERVICE:{?s?p?o}FILTER(?c> would hide the SERVICE; the grammar
    # puts an operator here, as pyoxigraph does.
    a = analyse(f"ASK {{ FILTER(?a<?b) SERVICE {S} {{?s?p?o}} FILTER(?c>?d) }}")
    assert len(a.services) == 1
    # The W3C tokenizer would read <?a&&?b> as an IRI; an operator position decides.
    assert analyse("ASK { FILTER(?x<?a&&?b>?y) }").variables == {"x", "a", "b", "y"}


def test_less_than_then_a_quote():
    a = analyse(f"ASK {{ BIND(1<'>' AS ?z) SERVICE {S} {{ }} BIND(1='x' AS ?y) }}")
    assert len(a.services) == 1 and a.variables == {"z", "y"}


def test_less_than_at_a_term_position_is_an_iri():
    a = analyse("SELECT * { ?s <urn:p> ?o } ORDER BY ?s <urn:f>(?o)")
    assert [i.iri for i in a.iris] == ["urn:p", "urn:f"]


def test_signs_depend_on_the_position():
    assert analyse("ASK { ?s ?p -1 FILTER(?a -1 > 0) }").variables == {"s", "p", "a"}


# --------------------------------------------------------------------- comments, strings
@pytest.mark.parametrize("end", ["\n", "\r", "\r\n"])
def test_a_comment_ends_at_either_line_break(end):
    assert len(analyse(f"ASK {{ # note{end}SERVICE {S} {{ }} }}").services) == 1
    assert analyse(f"ASK {{ }} # SERVICE {S} {{ }}{end}").services == ()


@pytest.mark.parametrize("literal", [
    f"'SERVICE {S} {{ }}'", f'"SERVICE {S} {{ }}"', f"'''SERVICE\n{S} {{ }}'''", f'"""SERVICE\r{S} {{ }}"""',
    "'it\\'s SERVICE'", '"say \\"SERVICE\\""', "'''a''b SERVICE'''", '""""quoted" SERVICE"""',
    "'\\u0053ERVICE'",
])
def test_keywords_in_strings_are_words(literal):
    a = analyse(f"SELECT ?from ?service WHERE {{ ?from ?service {literal} }}")
    assert a.services == () and a.dataset == () and a.variables == {"from", "service"}


@pytest.mark.parametrize("bad", ["'a\nb'", '"a\rb"', "'\\q'", "'open", '"""open'])
def test_malformed_strings_are_refused(bad):
    with pytest.raises(QueryError, match="string"):
        analyse(f"ASK {{ ?s ?p {bad} }}")


def test_keywords_ignore_case_but_a_does_not():
    assert len(analyse(f"sElEcT * wHeRe {{ SeRvIcE {S} {{ }} }}").services) == 1
    assert analyse("ASK { ?s a ?o }").form == "ASK"
    with pytest.raises(QueryError):
        analyse("ASK { ?s A ?o }")


def test_keywords_need_their_boundary():
    # pyoxigraph would read SERVICE:{...} as SERVICE + ':'; the grammar reads a prefixed name,
    # which cannot be followed by '{': refused.
    with pytest.raises(QueryError):
        analyse(f"PREFIX : {S} ASK {{ FILTER(true) SERVICE:{{?s ?p ?o}} }}")
    with pytest.raises(QueryError):
        analyse(f"ASK {{ SERVICESILENT {S} {{ }} }}")


def test_names_and_variables_that_look_like_keywords():
    a = analyse("PREFIX from: <urn:f#> PREFIX service: <urn:s#> "
                "SELECT ?from ?service WHERE { ?from from:named service:load . ?service a from:FROM }")
    assert a.dataset == () and a.services == () and a.projection == ("from", "service")
    assert a.prefixes == (("from", "urn:f#"), ("service", "urn:s#"))


# ---------------------------------------------------------------------- dataset
def test_dataset_clauses():
    a = analyse("PREFIX g: <urn:g:> SELECT * FROM <urn:a> FROM NAMED g:b FROM<urn:c> WHERE { }")
    assert [(d.iri, d.written, d.named) for d in a.dataset] == [
        ("urn:a", "<urn:a>", False), ("urn:g:b", "g:b", True), ("urn:c", "<urn:c>", False)]
    assert (a.dataset[1].line, a.dataset[1].column) == (1, 42)


def test_from_named_with_a_colon_is_ambiguous():
    with pytest.raises(QueryError, match="ambiguous"):
        analyse("PREFIX NAMED: <urn:n#> PREFIX : <urn:d#> SELECT * FROM NAMED:g { }")


def test_foreign_graphs_are_refused():
    with pytest.raises(UnsafeQueryError, match="FROM NAMED <file:///etc/passwd> is not allowed"):
        check_query("SELECT * FROM NAMED <file:///etc/passwd> { }", ["urn:g"])
    assert check_query("SELECT * FROM <urn:g> { }", ["urn:g"]).dataset[0].iri == "urn:g"


# ---------------------------------------------------------------------- updates
@pytest.mark.parametrize("text,keyword", [
    ("LOAD <http://example.org/x>", "LOAD"),
    ("load silent <http://example.org/x> into graph <urn:g>", "LOAD"),
    ("CLEAR DEFAULT", "CLEAR"), ("DROP SILENT ALL", "DROP"), ("CREATE GRAPH <urn:g>", "CREATE"),
    ("ADD <urn:a> TO DEFAULT", "ADD"), ("MOVE DEFAULT TO GRAPH <urn:b>", "MOVE"), ("COPY <urn:a> TO <urn:b>", "COPY"),
    ("INSERT DATA { GRAPH <urn:g> { <urn:a> <urn:b> 1 } }", "INSERT DATA"),
    ("DELETE DATA { <urn:a> <urn:b> 1 }", "DELETE DATA"), ("DELETE WHERE { ?s ?p ?o }", "DELETE WHERE"),
    ("WITH <urn:g> DELETE { ?s ?p ?o } INSERT { ?s ?p 1 } USING <urn:h> WHERE { ?s ?p ?o }", "WITH"),
    ("INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }", "INSERT"),
])
def test_updates_are_recognised(text, keyword):
    a = analyse(text)
    assert a.is_update and a.updates[0].keyword == keyword
    with pytest.raises(UnsafeQueryError, match="not allowed"):
        check_query(text)


def test_load_names_its_source_and_wins_the_message():
    a = analyse("DROP ALL ; PREFIX ex: <http://example.org/> LOAD ex:data ;")
    assert [(u.keyword, u.iri) for u in a.updates] == [("DROP", None), ("LOAD", "http://example.org/data")]
    with pytest.raises(UnsafeQueryError, match="LOAD is not allowed"):
        check_query("DROP ALL ; LOAD <http://example.org/data>")


# ------------------------------------------------------------- variables and prefixes
def test_projection_and_variables():
    a = analyse("SELECT ?a (COUNT(?b) AS ?n) $c WHERE { ?a ?p ?b OPTIONAL { ?b ?q $c } } GROUP BY ?a ?c")
    assert a.projection == ("a", "n", "c") and a.variables == {"a", "p", "b", "q", "c", "n"}
    assert analyse("SELECT * { ?x ?y ?z }").projection is None
    assert analyse("ASK { ?x ?y ?z }").projection is None


def test_prefixes_used_and_undefined_with_positions():
    a = analyse("PREFIX ex: <urn:ex#>\nSELECT * {\n  ?s ex:p mk:clonazepam ;\n     foo:bar ?o .\n}")
    assert a.prefixes_used == {"ex", "mk", "foo"}
    assert [(p.prefix, p.line, p.column) for p in a.undefined_prefixes] == [("foo", 4, 6)]
    with pytest.raises(QueryError, match=r"line 4, column 6\): undefined prefix 'foo:'"):
        check_query("PREFIX ex: <urn:ex#>\nSELECT * {\n  ?s ex:p mk:clonazepam ;\n     foo:bar ?o .\n}")


def test_iris_are_listed_expanded_for_did_you_mean():
    a = analyse("SELECT * { ?d mkv:treatz mk:action_myoclonus ; <urn:x> ex:a\\.b }")
    assert [(i.written, i.iri, i.prefix) for i in a.iris] == [
        ("mkv:treatz", VOCAB + "treatz", "mkv"), ("mk:action_myoclonus", ENTITY + "action_myoclonus", "mk"),
        ("<urn:x>", "urn:x", None), ("ex:a\\.b", None, "ex")]
    assert (a.iris[0].line, a.iris[0].column) == (1, 15)


def test_declared_prefixes_override_ours():
    a = analyse("PREFIX mk: <http://example.org/> SELECT * { mk:a ?p ?o }")
    assert a.iris[-1].iri == "http://example.org/a"
    assert analyse("SELECT * { mk:a ?p ?o }", prefixes={}).undefined_prefixes[0].prefix == "mk"
    assert analyse("SELECT * { mk:a ?p ?o }").iris[0].iri == PREFIXES["mk"] + "a"


# ------------------------------------------------------------------------ WHERE group
@pytest.mark.parametrize("text", [
    "SELECT ?x WHERE { ?x ?p ?o }", "SELECT ?x {?x ?p ?o}", "ASK WHERE{ }",
    "PREFIX where: <urn:w#> SELECT * WHERE { ?w where:WHERE 'WHERE {' } # WHERE {",
    "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 2",
])
def test_where_group_offsets(text):
    where = analyse(text).where
    assert text[where.open] == "{" and text[where.close] == "}"
    assert text[where.close + 1:].strip().startswith(("", "LIMIT", "#"))
    if where.keyword is not None:
        assert text[where.keyword:where.keyword + 5].upper() == "WHERE"


def test_where_group_kinds():
    assert analyse("CONSTRUCT WHERE { ?s ?p ?o }").where.template
    assert not analyse("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }").where.template
    assert analyse("SELECT * WHERE { SELECT ?x { ?x ?p ?o } }").where.subselect
    assert analyse("DESCRIBE <urn:x>").where is None


# ------------------------------------------------------------------ codepoint escapes
def test_escapes_outside_strings_are_read_both_ways():
    # pyoxigraph refuses \u outside strings and IRIs; an engine applying section 19.2 reads SERVICE.
    with pytest.raises(QueryError):
        analyse(f"ASK {{ \\u0053ERVICE {S} {{ }} }}")


def test_an_escape_reading_that_hides_a_service_from_one_engine():
    # As written (pyoxigraph): two strings holding '"' around a SERVICE. Escapes applied
    # first: one long string from the first \u0022 to the second, and no SERVICE. The
    # analysis keeps what either reading finds.
    text = f'SELECT * WHERE {{ BIND("\\u0022" AS ?a) SERVICE {S} {{ ?s ?p ?o }} BIND("\\u0022" AS ?b) }}'
    a = analyse(text)
    assert a.readings == 2 and len(a.services) == 1


def test_a_reading_that_breaks_the_query_is_refused_with_the_reason():
    with pytest.raises(QueryError, match="escapes applied before parsing"):
        analyse("SELECT * WHERE { ?s ?p 'it\\u0027s' }")
    assert analyse("SELECT * WHERE { ?s ?p 'caf\\u00e9' }").readings == 2


def test_java_and_plain_readings_differ_after_a_backslash():
    # An escaped backslash then u0041: Java keeps the text, others read '\A', which is not a
    # valid string: an engine would refuse it, and so do we.
    with pytest.raises(QueryError, match="escapes applied before parsing"):
        analyse("SELECT * WHERE { ?s ?p '\\\\u0041' }")


# ------------------------------------------------------------------ errors and cache
def test_syntax_errors_name_line_and_column():
    with pytest.raises(QueryError) as info:
        analyse("SELECT ?x\nWHERE {\n  ?x ?p }")
    assert (info.value.line, info.value.column) == (3, 9)
    assert str(info.value).startswith("malformed SPARQL (line 3, column 9): expected")


@pytest.mark.parametrize("bad", ["SELECT", "SELECT ?x WHERE", "ASK { FILTER(1 < 2 < 3) }",
                                 "ASK { ?s ?p ?o ?x }", "ASK { !!true }", "ASK {} garbage", "ASK { ?s ?p ?o . . }",
                                 "SELECT (1 AS ?x {}", "ASK { VALUES (?a ?b) { (1) } }", "ASK { ?s ?p\u00a0?o }"])
def test_malformed_texts_are_refused(bad):
    with pytest.raises(QueryError):
        analyse(bad)


def test_analysis_is_cached_and_immutable():
    text = "SELECT ?cached_once WHERE { ?cached_once ?p ?o }"
    first = analyse(text)
    hits = cache_info().hits
    assert analyse(text) is first and cache_info().hits == hits + 1
    assert isinstance(first, QueryAnalysis)
    with pytest.raises(AttributeError):
        first.form = "ASK"


def test_only_text_is_analysed():
    with pytest.raises(TypeError):
        analyse(b"ASK {}")


# ------------------------------------------------------------------- any text at all
_PIECES = st.sampled_from(["SELECT", "*", "WHERE", "{", "}", "(", ")", "[", "]", "?x", "<urn:a>", "<", ">",
                           "'", '"', "'" * 3, '"' * 3, "#", "\r", "\n", "\\", "\\u0022", "mk:", ":", ".", ";",
                           ",", "SERVICE", "FILTER", "1", "-", "+", "\u0663", "\u00b2", "\u00a0", "\u00e9",
                           "\U0001F600", "\ud800", "_:b", "@en", "^^", "a", "VALUES", "EXISTS"])


@settings(max_examples=300, derandomize=True, database=None, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=80), st.lists(_PIECES, max_size=30).map(" ".join),
                 st.lists(st.one_of(_PIECES, st.text(max_size=3)), max_size=30).map("".join)))
def test_any_text_gives_an_analysis_or_a_query_error(text):
    try:
        analyse(text)
    except QueryError as exc:
        assert exc.line is None or exc.line >= 1
