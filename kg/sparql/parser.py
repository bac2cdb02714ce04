"""A recursive-descent parser of SPARQL 1.1 Query and Update that records what a query does.

It follows the grammar of the W3C recommendation (SPARQL 1.1 Query Language, section 19.8;
the Update productions included, so that an update is recognised and can be refused), one
method per production, and builds no syntax tree: it records the facts
:mod:`kg.sparql.analysis` reports (query form, dataset clauses, SERVICE calls, update
operations, variables, prefixes, IRIs, where the outermost WHERE group is) and a bound on the
depth of the query's algebra (its *weight*, see :mod:`kg.sparql.limits`).

What it does not check: the rules stated outside the grammar (scope of BIND and SELECT
variables, aggregates in projections, blank node labels shared across groups). The
engine that runs the query checks those, and a query that breaks them runs nothing.

The parser recurses only at ``{``, ``(`` and ``[`` (a handful of frames per level), so the
nesting limit, checked before it runs, also bounds its recursion.

Examples
--------
>>> facts = parse("SELECT ?x WHERE { SERVICE <http://example.org/s> { ?x ?p ?o } }", {})
>>> facts.form, [(s.target, s.offset) for s in facts.services]
('SELECT', [('http://example.org/s', 18)])
"""

from __future__ import annotations

from typing import Callable

from kg.sparql.lexer import (ANON, BNODE, EOF, IRI, LANGTAG, NIL, NUMBER, PNAME, PUNCT, STRING, VAR, WORD,
                             Token, lex, syntax_error)
from kg.sparql.limits import MAX_DEPTH

__all__ = ["parse", "Facts", "Service", "Dataset", "Operation", "Name"]

_FORMS = ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK")
_UPDATE_WORDS = ("LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "INSERT", "DELETE", "WITH")
_RELATIONAL = ("=", "!=", "<", ">", "<=", ">=")
_BINARY = ("||", "&&", "+", "-", "*", "/") + _RELATIONAL
# Built-in calls: the number of parenthesised expressions (min, max); None: an expression list.
_CALLS = {
    "STR": (1, 1), "LANG": (1, 1), "LANGMATCHES": (2, 2), "DATATYPE": (1, 1), "IRI": (1, 1),
    "URI": (1, 1), "BNODE": (0, 1), "RAND": (0, 0), "ABS": (1, 1), "CEIL": (1, 1), "FLOOR": (1, 1),
    "ROUND": (1, 1), "CONCAT": None, "SUBSTR": (2, 3), "STRLEN": (1, 1), "REPLACE": (3, 4),
    "UCASE": (1, 1), "LCASE": (1, 1), "ENCODE_FOR_URI": (1, 1), "CONTAINS": (2, 2),
    "STRSTARTS": (2, 2), "STRENDS": (2, 2), "STRBEFORE": (2, 2), "STRAFTER": (2, 2), "YEAR": (1, 1),
    "MONTH": (1, 1), "DAY": (1, 1), "HOURS": (1, 1), "MINUTES": (1, 1), "SECONDS": (1, 1),
    "TIMEZONE": (1, 1), "TZ": (1, 1), "NOW": (0, 0), "UUID": (0, 0), "STRUUID": (0, 0),
    "MD5": (1, 1), "SHA1": (1, 1), "SHA256": (1, 1), "SHA384": (1, 1), "SHA512": (1, 1),
    "COALESCE": None, "IF": (3, 3), "STRLANG": (2, 2), "STRDT": (2, 2), "SAMETERM": (2, 2),
    "ISIRI": (1, 1), "ISURI": (1, 1), "ISBLANK": (1, 1), "ISLITERAL": (1, 1), "ISNUMERIC": (1, 1),
    "REGEX": (2, 3),
}
_AGGREGATES = ("COUNT", "SUM", "MIN", "MAX", "AVG", "SAMPLE", "GROUP_CONCAT")
_TERM_START = (VAR, IRI, PNAME, BNODE, STRING, NUMBER, NIL, ANON)


class Service:
    """A ``SERVICE`` clause: its target (an IRI, or ``?name``), ``SILENT``, and its offset."""

    __slots__ = ("target", "silent", "offset")

    def __init__(self, target: str, silent: bool, offset: int) -> None:
        self.target, self.silent, self.offset = target, silent, offset


class Dataset:
    """A ``FROM`` / ``FROM NAMED`` clause: the IRI (``None`` if its prefix is undefined), the
    text as written, whether it is ``NAMED``, and its offset."""

    __slots__ = ("iri", "written", "named", "offset")

    def __init__(self, iri: str | None, written: str, named: bool, offset: int) -> None:
        self.iri, self.written, self.named, self.offset = iri, written, named, offset


class Operation:
    """An update operation: its keyword(s) (``LOAD``, ``INSERT DATA``, ``DELETE``, ...), the
    IRI it loads (``LOAD`` only), and its offset."""

    __slots__ = ("keyword", "iri", "offset")

    def __init__(self, keyword: str, iri: str | None, offset: int) -> None:
        self.keyword, self.iri, self.offset = keyword, iri, offset


class Name:
    """An IRI or prefixed name as written, what it expands to (``None``: undefined prefix),
    its prefix (``None`` for an IRI), and its offset."""

    __slots__ = ("written", "iri", "prefix", "offset")

    def __init__(self, written: str, iri: str | None, prefix: str | None, offset: int) -> None:
        self.written, self.iri, self.prefix, self.offset = written, iri, prefix, offset


class Facts:
    """What :func:`parse` found (mutable while parsing; :mod:`kg.sparql.analysis` freezes it)."""

    def __init__(self) -> None:
        self.form = ""
        self.dataset: list[Dataset] = []
        self.services: list[Service] = []
        self.operations: list[Operation] = []
        self.projection: list[str] | None = None  # None: SELECT * or not a SELECT
        self.variables: dict[str, None] = {}  # every variable, in order of first mention
        self.declared: dict[str, str] = {}
        self.names: list[Name] = []
        self.depth = 0
        self.weight = 0
        self.where_keyword: int | None = None  # offset of the outermost WHERE keyword
        self.where_open: int | None = None     # offset of the '{' of the outermost WHERE group
        self.where_close: int | None = None    # offset of its '}'
        self.where_subselect = False           # the group is a sub-SELECT
        self.template = False                  # CONSTRUCT has a template of its own
        self.arbitrary_length_path = False     # a property path with '*' or '+'
        self.graph_pattern = False             # a GRAPH pattern (reads the named graphs)


def parse(text: str, prefixes: dict[str, str], *, max_depth: int = MAX_DEPTH) -> Facts:
    """Parse a SPARQL 1.1 query or update request.

    Parameters
    ----------
    text : str
        The request, as written (codepoint escapes only inside strings and IRIs).
    prefixes : dict
        Predeclared prefixes (the request's own ``PREFIX`` declarations take precedence).
    max_depth : int
        Nesting beyond this many levels is a :class:`~kg.errors.QueryError` (a second guard:
        :func:`kg.sparql.limits.nesting_depth` runs first).

    Returns
    -------
    Facts

    Raises
    ------
    QueryError
        On a syntax error, with its line and column.
    """
    return _Parser(text, prefixes, max_depth).run()


class _Parser:
    def __init__(self, text: str, prefixes: dict[str, str], max_depth: int) -> None:
        self.text = text
        self.prefixes = dict(prefixes)
        self.max_depth = max_depth
        self.level = 0
        self.facts = Facts()
        self.tok: Token = lex(text, 0)

    # ------------------------------------------------------------------ tokens
    def error(self, expected: str, tok: Token | None = None):
        tok = tok or self.tok
        found = "the end of the query" if tok.kind == EOF else repr(self.text[tok.start:tok.end][:40])
        return syntax_error(self.text, tok.start, f"expected {expected}, found {found}")

    def advance(self) -> Token:
        tok = self.tok
        self.tok = lex(self.text, tok.end)
        return tok

    def operator(self) -> Token:
        """The current token read at an operator position (``<`` compares, ``-`` subtracts)."""
        tok = self.tok
        if tok.kind in (IRI, NUMBER) and self.text[tok.start] in "<+-":
            self.tok = lex(self.text, tok.start, operator=True)
        return self.tok

    # A keyword or a punctuation is tested as ``self.tok.mark == "WHERE"`` (see Token.mark).

    def expect_word(self, word: str) -> Token:
        if self.tok.mark != word:
            raise self.error(word)
        return self.advance()

    def expect(self, char: str) -> Token:
        if self.tok.mark != char:
            raise self.error(repr(char))
        return self.advance()

    def is_a(self) -> bool:
        tok = self.tok
        return tok.kind == WORD and self.text[tok.start:tok.end] == "a"

    def opening(self, char: str) -> Token:
        """Consume an opening bracket, counting the nesting level."""
        tok = self.expect(char)
        self.level += 1
        if self.level > self.max_depth:
            raise syntax_error(self.text, tok.start, f"nested deeper than {self.max_depth} levels of "
                                                     "'{', '(' and '['")
        self.facts.depth = max(self.facts.depth, self.level)
        return tok

    def closing(self, char: str) -> Token:
        tok = self.expect(char)
        self.level -= 1
        return tok

    # ------------------------------------------------------------------- terms
    def iri(self) -> str | None:
        """Read ``iri ::= IRIREF | PrefixedName``; the expanded IRI (None: undefined prefix)."""
        tok = self.tok
        if tok.kind == IRI:
            self.advance()
            self.facts.names.append(Name(self.text[tok.start:tok.end], tok.value, None, tok.start))
            return tok.value
        if tok.kind == PNAME:
            self.advance()
            prefix, local = tok.value
            base = self.prefixes.get(prefix)
            iri = None if base is None else base + _unescape_local(local)
            self.facts.names.append(Name(self.text[tok.start:tok.end], iri, prefix, tok.start))
            return iri
        raise self.error("an IRI or a prefixed name")

    def is_iri(self) -> bool:
        return self.tok.kind in (IRI, PNAME)

    def var(self) -> str:
        tok = self.tok
        if tok.kind != VAR:
            raise self.error("a variable")
        self.advance()
        self.facts.variables.setdefault(tok.value)
        return tok.value

    def var_or_iri(self) -> str:
        """VarOrIri: ``?name``, the IRI, or (undefined prefix) the prefixed name as written."""
        if self.tok.kind == VAR:
            return "?" + self.var()
        first = len(self.facts.names)
        iri = self.iri()
        return iri if iri is not None else self.facts.names[first].written

    def literal_rest(self) -> None:
        """After a string: an optional language tag or ``^^`` datatype."""
        if self.tok.kind == LANGTAG:
            self.advance()
        elif self.tok.mark == "^^":
            self.advance()
            self.iri()

    def is_term(self) -> bool:
        tok = self.tok
        return tok.kind in _TERM_START or (tok.kind == WORD and tok.value in ("TRUE", "FALSE"))

    def graph_term(self) -> None:
        """VarOrTerm, for a subject or an object that is not a triples node."""
        tok = self.tok
        if tok.kind == VAR:
            self.var()
        elif tok.kind in (IRI, PNAME):
            self.iri()
        elif tok.kind == STRING:
            self.advance()
            self.literal_rest()
        elif tok.kind in (NUMBER, BNODE, NIL, ANON) or (tok.kind == WORD and tok.value in ("TRUE", "FALSE")):
            self.advance()
        else:
            raise self.error("a variable or an RDF term")

    def data_value(self) -> None:
        """DataBlockValue ::= iri | RDFLiteral | NumericLiteral | BooleanLiteral | 'UNDEF'"""
        tok = self.tok
        if tok.kind in (IRI, PNAME):
            self.iri()
        elif tok.kind == STRING:
            self.advance()
            self.literal_rest()
        elif tok.kind == NUMBER or (tok.kind == WORD and tok.value in ("TRUE", "FALSE", "UNDEF")):
            self.advance()
        else:
            raise self.error("an IRI, a literal or UNDEF")

    # ---------------------------------------------------------------- request
    def run(self) -> Facts:
        self.prologue()
        tok = self.tok
        if tok.kind == WORD and tok.value in _FORMS:
            self.facts.form = tok.value
            weight = self.query()
            if self.tok.kind != EOF:
                raise self.error("the end of the query")
        else:
            self.facts.form = "UPDATE"
            weight = self.update()
        self.facts.weight = weight
        return self.facts

    def prologue(self) -> None:
        """Prologue ::= ( BaseDecl | PrefixDecl )*"""
        while True:
            if self.tok.mark == "BASE":
                self.advance()
                if self.tok.kind != IRI:
                    raise self.error("an IRI in <>")
                self.iri()
            elif self.tok.mark == "PREFIX":
                self.advance()
                tok = self.tok
                if tok.kind != PNAME or tok.value[1]:
                    raise self.error("a prefix name ending in ':'")
                self.advance()
                if self.tok.kind != IRI:
                    raise self.error("an IRI in <>")
                iri = self.tok.value
                self.iri()
                self.prefixes[tok.value[0]] = iri
                self.facts.declared[tok.value[0]] = iri
            else:
                return

    # ------------------------------------------------------------------ query
    def query(self) -> int:
        form = self.tok.value
        facts = self.facts
        if form != "SELECT":
            self.advance()
        if form == "SELECT":
            modifiers, expr = self.select_clause(top=True)
            self.dataset_clauses()
            weight = self.where_clause(top=True)
            mods, mexpr = self.solution_modifier()
            weight += modifiers + mods + max(expr, mexpr)
        elif form == "CONSTRUCT":
            if self.tok.mark == "{":
                facts.template = True
                self.opening("{")
                self.triples_template("}")  # a flat list of templates: no weight
                self.closing("}")
                self.dataset_clauses()
                weight = self.where_clause(top=True)
            else:
                self.dataset_clauses()
                facts.where_keyword = self.expect_word("WHERE").start
                facts.where_open = self.opening("{").start
                weight = self.triples_template("}")
                facts.where_close = self.closing("}").start
            mods, mexpr = self.solution_modifier()
            weight += mods + mexpr
        elif form == "DESCRIBE":
            if self.tok.mark == "*":
                self.advance()
            else:
                self.var_or_iri()
                while self.tok.kind in (VAR, IRI, PNAME):
                    self.var_or_iri()
            self.dataset_clauses()
            weight = 0
            if self.tok.mark == "WHERE" or self.tok.mark == "{":
                weight = self.where_clause(top=True)
            mods, mexpr = self.solution_modifier()
            weight += mods + mexpr
        else:  # ASK
            self.dataset_clauses()
            weight = self.where_clause(top=True)
            mods, mexpr = self.solution_modifier()
            weight += mods + mexpr
        return weight + self.values_clause()

    def select_clause(self, top: bool) -> tuple[int, int]:
        """SelectClause: the number of projected expressions and their largest weight."""
        self.expect_word("SELECT")
        if self.tok.mark in ("DISTINCT", "REDUCED"):
            self.advance()
        if self.tok.mark == "*":
            self.advance()
            return 0, 0
        projected: list[str] = []
        count = weight = 0
        while True:
            if self.tok.kind == VAR:
                projected.append(self.var())
            elif self.tok.kind == PUNCT and self.tok.value == "(":
                self.opening("(")
                weight = max(weight, self.expression())
                self.expect_word("AS")
                projected.append(self.var())
                self.closing(")")
                count += 1
            else:
                break
        if not projected:
            raise self.error("'*', a variable or '(expression AS ?var)'")
        if top:
            self.facts.projection = projected
        return count, weight

    def dataset_clauses(self) -> None:
        """DatasetClause ::= 'FROM' ( iri | 'NAMED' iri )"""
        while self.tok.mark == "FROM":
            start = self.advance().start
            named = False
            tok = self.tok
            if tok.kind == PNAME and tok.value[0].upper() == "NAMED":
                # Engines without word boundaries (pyoxigraph) read FROM NAMED:x as
                # FROM NAMED :x; the standard reads a prefix 'NAMED'. Refuse the ambiguity.
                raise syntax_error(self.text, tok.start, "ambiguous 'FROM NAMED:...': engines read "
                                                         "it differently; write FROM NAMED <IRI> or "
                                                         "rename the prefix")
            if self.tok.mark == "NAMED":
                self.advance()
                named = True
            first = len(self.facts.names)
            iri = self.iri()
            self.facts.dataset.append(Dataset(iri, self.facts.names[first].written, named, start))

    def where_clause(self, top: bool = False) -> int:
        """WhereClause ::= 'WHERE'? GroupGraphPattern"""
        if self.tok.mark == "WHERE":
            tok = self.advance()
            if top:
                self.facts.where_keyword = tok.start
        return self.group_graph_pattern(top=top)

    def _by_conditions(self, condition: Callable[..., int | None]) -> tuple[int, int]:
        """``BY`` and one or more conditions (of GROUP BY or ORDER BY): (count, max weight)."""
        self.expect_word("BY")
        count = weight = 0
        while (w := condition(required=count == 0)) is not None:
            count += 1
            weight = max(weight, w)
        return count, weight

    def solution_modifier(self) -> tuple[int, int]:
        """GroupClause? HavingClause? OrderClause? LimitOffsetClauses?: (count, max weight)."""
        count = weight = 0
        if self.tok.mark == "GROUP":
            self.advance()
            count, weight = self._by_conditions(self.group_condition)
        if self.tok.mark == "HAVING":
            self.advance()
            weight = max(weight, self.constraint())
            count += 1
            while self.tok.mark == "(" or self.is_iri() or self.is_call():
                weight = max(weight, self.constraint())
                count += 1
        if self.tok.mark == "ORDER":
            self.advance()
            n, w = self._by_conditions(self.order_condition)
            count, weight = count + n, max(weight, w)
        seen = set()
        while self.tok.mark in ("LIMIT", "OFFSET") and self.tok.value not in seen:
            seen.add(self.advance().value)
            if self.tok.kind != NUMBER or not (self.tok.value.isascii() and self.tok.value.isdigit()):
                raise self.error("an integer")
            self.advance()
        return count, weight

    def group_condition(self, required: bool) -> int | None:
        """GroupCondition ::= BuiltInCall | FunctionCall | '(' Expression ( 'AS' Var )? ')' | Var"""
        tok = self.tok
        if tok.kind == VAR:
            self.var()
            return 1
        if tok.kind == PUNCT and tok.value == "(":
            self.opening("(")
            w = self.expression()
            if self.tok.mark == "AS":
                self.advance()
                self.var()
            self.closing(")")
            return w + 1
        if self.is_call():
            return self.builtin_call()
        if self.is_iri():
            return self.function_call()
        if required:
            raise self.error("a variable, a call or '(expression)'")
        return None

    def order_condition(self, required: bool) -> int | None:
        """OrderCondition ::= ( 'ASC' | 'DESC' ) BrackettedExpression | Constraint | Var"""
        tok = self.tok
        if self.tok.mark in ("ASC", "DESC"):
            self.advance()
            return self.bracketted()
        if tok.kind == VAR:
            self.var()
            return 1
        if (tok.kind == PUNCT and tok.value == "(") or self.is_iri() or self.is_call():
            return self.constraint()
        if required:
            raise self.error("a variable, ASC(...), DESC(...) or a condition")
        return None

    def values_clause(self) -> int:
        """ValuesClause ::= ( 'VALUES' DataBlock )?"""
        if self.tok.mark == "VALUES":
            self.advance()
            self.data_block()
            return 1
        return 0

    def subselect(self) -> int:
        """SubSelect ::= SelectClause WhereClause SolutionModifier ValuesClause"""
        count, expr = self.select_clause(top=False)
        weight = self.where_clause()
        mods, mexpr = self.solution_modifier()
        return weight + count + mods + max(expr, mexpr) + self.values_clause() + 1

    # ---------------------------------------------------------------- patterns
    def group_graph_pattern(self, top: bool = False) -> int:
        """GroupGraphPattern ::= '{' ( SubSelect | GroupGraphPatternSub ) '}'"""
        opening = self.opening("{")
        if self.tok.mark == "SELECT":
            weight = self.subselect()
            if top:
                self.facts.where_subselect = True
        else:
            weight = self.group_sub()
        closing = self.closing("}")
        if top:
            self.facts.where_open, self.facts.where_close = opening.start, closing.start
        return weight + 1

    def group_sub(self) -> int:
        """GroupGraphPatternSub ::= TriplesBlock? ( GraphPatternNotTriples '.'? TriplesBlock? )*"""
        size = deepest = 0
        after_triples = False
        while self.tok.mark != "}":
            if self.is_triples_start():
                if after_triples:
                    raise self.error("'.' or '}' after a triple pattern")
                count, w = self.triples_same_subject(path=True)
                size += count
                deepest = max(deepest, w)
                after_triples = True
                if self.tok.mark == ".":
                    self.advance()
                    after_triples = False
                continue
            pattern = self.graph_pattern_not_triples()
            if pattern is None:
                raise self.error("a triple pattern, a graph pattern or '}'")
            size += 1
            deepest = max(deepest, pattern)
            after_triples = False
            if self.tok.mark == ".":
                self.advance()
        return size + deepest

    def is_triples_start(self) -> bool:
        tok = self.tok
        return (tok.kind in _TERM_START or (tok.kind == WORD and tok.value in ("TRUE", "FALSE"))
                or (tok.kind == PUNCT and tok.value in ("(", "[")))

    def graph_pattern_not_triples(self) -> int | None:
        tok = self.tok
        if tok.kind == PUNCT and tok.value == "{":
            # GroupOrUnionGraphPattern ::= GroupGraphPattern ( 'UNION' GroupGraphPattern )*
            count, weight = 1, self.group_graph_pattern()
            while self.tok.mark == "UNION":
                self.advance()
                weight = max(weight, self.group_graph_pattern())
                count += 1
            return count + weight
        if tok.kind != WORD:
            return None
        word = tok.value
        if word in ("OPTIONAL", "MINUS"):
            self.advance()
            return self.group_graph_pattern() + 1
        if word == "GRAPH":
            self.advance()
            self.facts.graph_pattern = True
            self.var_or_iri()
            return self.group_graph_pattern() + 1
        if word == "SERVICE":
            self.advance()
            silent = False
            if self.tok.mark == "SILENT":
                self.advance()
                silent = True
            self.facts.services.append(Service(self.var_or_iri(), silent, tok.start))
            return self.group_graph_pattern() + 1
        if word == "FILTER":
            self.advance()
            return self.constraint() + 1
        if word == "BIND":
            self.advance()
            self.opening("(")
            weight = self.expression()
            self.expect_word("AS")
            self.var()
            self.closing(")")
            return weight + 1
        if word == "VALUES":
            self.advance()
            self.data_block()
            return 1
        return None

    def data_block(self) -> None:
        """DataBlock ::= InlineDataOneVar | InlineDataFull"""
        if self.tok.kind == VAR:
            self.var()
            self.opening("{")
            while self.tok.mark != "}":
                self.data_value()
            self.closing("}")
            return
        if self.tok.kind == NIL:
            self.advance()
            width = 0
        else:
            self.opening("(")
            width = 0
            while self.tok.kind == VAR:
                self.var()
                width += 1
            self.closing(")")
        self.opening("{")
        while self.tok.mark != "}":
            if self.tok.kind == NIL:
                row = self.advance()
                if width:
                    raise syntax_error(self.text, row.start, f"a VALUES row needs {width} values, not 0")
                continue
            row = self.opening("(")
            n = 0
            while self.tok.mark != ")":
                self.data_value()
                n += 1
            self.closing(")")
            if n != width:
                raise syntax_error(self.text, row.start, f"a VALUES row needs {width} values, not {n}")
        self.closing("}")

    # ----------------------------------------------------------------- triples
    def triples_same_subject(self, path: bool) -> tuple[int, int]:
        """TriplesSameSubject(Path): (number of triple patterns, largest path weight)."""
        tok = self.tok
        if tok.kind == PUNCT and tok.value in ("(", "["):
            count, weight = self.triples_node(path)
            if self.is_verb_start(path):  # the property list may be empty here
                more, w = self.property_list(path)
                count, weight = count + more, max(weight, w)
            return count, weight
        self.graph_term()
        return self.property_list(path)

    def is_verb_start(self, path: bool) -> bool:
        tok = self.tok
        if tok.kind in (VAR, IRI, PNAME) or self.is_a():
            return True
        return path and tok.kind == PUNCT and tok.value in ("^", "!", "(")

    def property_list(self, path: bool) -> tuple[int, int]:
        """PropertyListNotEmpty(Path) ::= Verb ObjectList ( ';' ( Verb ObjectList )? )*"""
        count = weight = 0
        while True:
            weight = max(weight, self.verb(path))
            more, w = self.object_list(path)
            count, weight = count + more, max(weight, w)
            if self.tok.mark != ";":
                return count, weight
            while self.tok.mark == ";":
                self.advance()
            if not self.is_verb_start(path):
                return count, weight

    def verb(self, path: bool) -> int:
        """Verb ::= VarOrIri | 'a'; in a pattern, VerbPath ::= Path | VerbSimple ::= Var."""
        if self.tok.kind == VAR:
            self.var()
            return 0
        if path:
            return self.path()
        if self.is_a():
            self.advance()
        else:
            self.iri()
        return 0

    def object_list(self, path: bool) -> tuple[int, int]:
        """ObjectList ::= Object ( ',' Object )*"""
        count, weight = self.graph_node(path)
        while self.tok.mark == ",":
            self.advance()
            more, w = self.graph_node(path)
            count, weight = count + more, max(weight, w)
        return count, weight

    def graph_node(self, path: bool) -> tuple[int, int]:
        """GraphNode ::= VarOrTerm | TriplesNode: (triple patterns it makes, weight)."""
        if self.tok.kind == PUNCT and self.tok.value in ("(", "["):
            count, weight = self.triples_node(path)
            return count + 1, weight
        self.graph_term()
        return 1, 0

    def triples_node(self, path: bool) -> tuple[int, int]:
        """Collection ::= '(' GraphNode+ ')' | BlankNodePropertyList ::= '[' PropertyListNotEmpty ']'"""
        if self.tok.mark == "(":
            self.opening("(")
            count = weight = 0
            while True:
                more, w = self.graph_node(path)
                count, weight = count + more + 1, max(weight, w)  # rdf:first and rdf:rest
                if self.tok.mark == ")":
                    break
            self.closing(")")
            return count, weight
        self.opening("[")
        if not self.is_verb_start(path):
            raise self.error("a predicate inside '[ ]'")
        count, weight = self.property_list(path)
        self.closing("]")
        return count, weight

    def triples_template(self, end: str) -> int:
        """TriplesTemplate ::= TriplesSameSubject ( '.' TriplesTemplate? )?: patterns and weight."""
        size = deepest = 0
        while self.tok.mark != end:
            if not self.is_triples_start():
                raise self.error(f"a triple or {end!r}")
            count, w = self.triples_same_subject(path=False)
            size, deepest = size + count, max(deepest, w)
            if self.tok.mark != ".":
                break
            self.advance()
        return size + deepest

    # ------------------------------------------------------------------- paths
    def path(self) -> int:
        """PathAlternative ::= PathSequence ( '|' PathSequence )*; PathSequence ::= PathEltOrInverse ( '/' PathEltOrInverse )*"""
        count, weight = 1, self.path_element()
        while self.tok.mark in ("|", "/"):
            self.advance()
            weight = max(weight, self.path_element())
            count += 1
        return count + weight

    def path_element(self) -> int:
        """PathEltOrInverse ::= '^'? PathPrimary PathMod?"""
        if self.tok.mark == "^":
            self.advance()
        tok = self.tok
        weight = 1
        if tok.kind in (IRI, PNAME):
            self.iri()
        elif self.is_a():
            self.advance()
        elif tok.kind == PUNCT and tok.value == "!":
            self.advance()
            if self.tok.mark == "(":
                self.opening("(")
                self.path_one()
                while self.tok.mark == "|":
                    self.advance()
                    self.path_one()
                self.closing(")")
            elif self.tok.kind == NIL:
                self.advance()
            else:
                self.path_one()
        elif tok.kind == PUNCT and tok.value == "(":
            self.opening("(")
            weight = self.path() + 1
            self.closing(")")
        else:
            raise self.error("a property path")
        if self.tok.mark in ("?", "*", "+"):
            if self.tok.value != "?":
                self.facts.arbitrary_length_path = True
            self.advance()
            weight += 1
        return weight

    def path_one(self) -> None:
        """PathOneInPropertySet ::= iri | 'a' | '^' ( iri | 'a' )"""
        if self.tok.mark == "^":
            self.advance()
        if self.is_a():
            self.advance()
        else:
            self.iri()

    # -------------------------------------------------------------- expressions
    def constraint(self) -> int:
        """Constraint ::= BrackettedExpression | BuiltInCall | FunctionCall"""
        if self.tok.mark == "(":
            return self.bracketted()
        if self.is_call():
            return self.builtin_call()
        if self.is_iri():
            return self.function_call()
        raise self.error("'(expression)', a built-in call or a function call")

    def bracketted(self) -> int:
        self.opening("(")
        weight = self.expression()
        self.closing(")")
        return weight + 1

    def expression(self) -> int:
        """Expression, with the precedence of the grammar read in one loop (no recursion per
        operator level): operands joined by ``|| && = != < > <= >= + - * /``, IN and NOT IN."""
        operators = 0
        weight = self.unary()
        relational = False  # one comparison per operand of && and ||
        while True:
            tok = self.operator()
            if tok.kind == PUNCT and tok.value in _BINARY:
                op = tok.value
                if op in _RELATIONAL:
                    if relational:
                        raise self.error("'&&', '||' or ')' (comparisons do not chain)")
                    relational = True
                elif op in ("||", "&&"):
                    relational = False
                self.advance()
                weight = max(weight, self.unary())
                operators += 1
            elif tok.kind == WORD and tok.value in ("IN", "NOT"):
                if relational:
                    raise self.error("'&&', '||' or ')' (comparisons do not chain)")
                if tok.value == "NOT":
                    self.advance()
                    if self.tok.mark != "IN":
                        raise self.error("IN after NOT")
                self.advance()
                relational = True
                weight = max(weight, self.expression_list())
                operators += 1
            else:
                return operators + weight

    def expression_list(self) -> int:
        """ExpressionList ::= NIL | '(' Expression ( ',' Expression )* ')'"""
        if self.tok.kind == NIL:
            self.advance()
            return 1
        self.opening("(")
        return self._expressions_then_close()

    def _expressions_then_close(self) -> int:
        """Expression ( ',' Expression )* ')', after the '(': the heaviest, plus one."""
        weight = self.expression()
        while self.tok.mark == ",":
            self.advance()
            weight = max(weight, self.expression())
        self.closing(")")
        return weight + 1

    def unary(self) -> int:
        """UnaryExpression ::= ( '!' | '+' | '-' )? PrimaryExpression"""
        if self.tok.mark in ("!", "+", "-"):
            self.advance()
            return self.primary() + 1
        return self.primary()

    def primary(self) -> int:
        """PrimaryExpression ::= BrackettedExpression | BuiltInCall | iriOrFunction | RDFLiteral
        | NumericLiteral | BooleanLiteral | Var"""
        tok = self.tok
        kind = tok.kind
        if kind == PUNCT and tok.value == "(":
            return self.bracketted()
        if kind == VAR:
            self.var()
            return 1
        if kind in (IRI, PNAME):
            return self.function_call(optional_args=True)
        if kind == STRING:
            self.advance()
            self.literal_rest()
            return 1
        if kind == NUMBER:
            self.advance()
            return 1
        if kind == WORD and tok.value in ("TRUE", "FALSE"):
            self.advance()
            return 1
        if self.is_call():
            return self.builtin_call()
        raise self.error("an expression")

    def is_call(self) -> bool:
        tok = self.tok
        if tok.kind != WORD:
            return False
        word = tok.value
        return word in _CALLS or word in _AGGREGATES or word in ("BOUND", "EXISTS", "NOT")

    def function_call(self, optional_args: bool = False) -> int:
        """FunctionCall ::= iri ArgList; ArgList ::= NIL | '(' 'DISTINCT'? Expression ( ',' Expression )* ')'"""
        self.iri()
        if self.tok.kind == NIL:
            self.advance()
            return 1
        if self.tok.mark != "(":
            if optional_args:
                return 1
            raise self.error("'(' and the arguments of the function")
        self.opening("(")
        if self.tok.mark == "DISTINCT":
            self.advance()
        return self._expressions_then_close()

    def builtin_call(self) -> int:
        tok = self.advance()
        word = tok.value
        if word == "EXISTS":
            return self.group_graph_pattern() + 1
        if word == "NOT":
            self.expect_word("EXISTS")
            return self.group_graph_pattern() + 1
        if word == "BOUND":
            self.opening("(")
            self.var()
            self.closing(")")
            return 1
        if word in _AGGREGATES:
            self.opening("(")
            if self.tok.mark == "DISTINCT":
                self.advance()
            if word == "COUNT" and self.tok.mark == "*":
                self.advance()
                weight = 0
            else:
                weight = self.expression()
            if word == "GROUP_CONCAT" and self.tok.mark == ";":
                self.advance()
                self.expect_word("SEPARATOR")
                self.expect("=")
                if self.tok.kind != STRING:
                    raise self.error("a string")
                self.advance()
            self.closing(")")
            return weight + 1
        arity = _CALLS[word]
        if arity is None:
            return self.expression_list()
        low, high = arity
        if self.tok.kind == NIL:
            if low > 0:
                raise self.error(f"the argument{'s' if low > 1 else ''} of {word}")
            self.advance()
            return 1
        if high == 0:
            raise self.error(f"'()' after {word}")
        self.opening("(")
        weight = self.expression()
        count = 1
        while self.tok.mark == "," and count < high:
            self.advance()
            weight = max(weight, self.expression())
            count += 1
        if count < low:
            raise self.error(f"',' and argument {count + 1} of {word}")
        self.closing(")")
        return weight + 1

    # ------------------------------------------------------------------ update
    def update(self) -> int:
        """Update ::= Prologue ( Update1 ( ';' Update )? )?"""
        weight = 0
        while True:
            if self.tok.kind == EOF:
                return weight
            weight = max(weight, self.update1())
            if self.tok.kind == EOF:
                return weight
            self.expect(";")
            self.prologue()

    def update1(self) -> int:
        tok = self.tok
        if tok.kind != WORD or tok.value not in _UPDATE_WORDS:
            raise self.error("SELECT, ASK, CONSTRUCT, DESCRIBE or an update operation")
        word = tok.value
        self.advance()
        ops = self.facts.operations
        if word == "LOAD":
            if self.tok.mark == "SILENT":
                self.advance()
            ops.append(Operation("LOAD", self.iri(), tok.start))
            if self.tok.mark == "INTO":
                self.advance()
                self.expect_word("GRAPH")
                self.iri()
            return 1
        if word in ("CLEAR", "DROP", "CREATE"):
            ops.append(Operation(word, None, tok.start))
            if self.tok.mark == "SILENT":
                self.advance()
            if self.tok.mark == "GRAPH":
                self.advance()
                self.iri()
            elif word != "CREATE" and self.tok.mark in ("DEFAULT", "NAMED", "ALL"):
                self.advance()
            else:
                raise self.error("GRAPH <IRI>" if word == "CREATE" else "GRAPH <IRI>, DEFAULT, NAMED or ALL")
            return 1
        if word in ("ADD", "MOVE", "COPY"):
            ops.append(Operation(word, None, tok.start))
            if self.tok.mark == "SILENT":
                self.advance()
            self.graph_or_default()
            self.expect_word("TO")
            self.graph_or_default()
            return 1
        if word == "INSERT" and self.tok.mark == "DATA":
            self.advance()
            ops.append(Operation("INSERT DATA", None, tok.start))
            return self.quads()
        if word == "DELETE" and self.tok.mark in ("DATA", "WHERE"):
            second = self.advance().value
            ops.append(Operation("DELETE " + second, None, tok.start))
            return self.quads()
        # Modify ::= ( 'WITH' iri )? ( DeleteClause InsertClause? | InsertClause ) UsingClause*
        #            'WHERE' GroupGraphPattern
        ops.append(Operation(word, None, tok.start))
        weight = 0
        if word == "WITH":
            self.iri()
            if self.tok.mark not in ("DELETE", "INSERT"):
                raise self.error("DELETE or INSERT")
            word = self.advance().value
        weight = self.quads()
        if word == "DELETE" and self.tok.mark == "INSERT":
            self.advance()
            self.quads()
        while self.tok.mark == "USING":
            self.advance()
            if self.tok.mark == "NAMED":
                self.advance()
            self.iri()
        self.expect_word("WHERE")
        return weight + self.group_graph_pattern()

    def graph_or_default(self) -> None:
        """GraphOrDefault ::= 'DEFAULT' | 'GRAPH'? iri"""
        if self.tok.mark == "DEFAULT":
            self.advance()
            return
        if self.tok.mark == "GRAPH":
            self.advance()
        self.iri()

    def quads(self) -> int:
        """QuadPattern ::= '{' Quads '}'; Quads ::= TriplesTemplate? ( QuadsNotTriples '.'? TriplesTemplate? )*

        Data and templates are flat lists of quads: they weigh 1, however long."""
        self.opening("{")
        while self.tok.mark != "}":
            if self.tok.mark == "GRAPH":
                self.advance()
                self.var_or_iri()
                self.opening("{")
                self.triples_template("}")
                self.closing("}")
                if self.tok.mark == ".":
                    self.advance()
                continue
            if not self.is_triples_start():
                raise self.error("a triple, GRAPH or '}'")
            self.triples_same_subject(path=False)
            if self.tok.mark == ".":
                self.advance()
            elif self.tok.mark != "}" and self.tok.mark != "GRAPH":
                raise self.error("'.', GRAPH or '}'")
        self.closing("}")
        return 1


def _unescape_local(local: str) -> str:
    # PN_LOCAL_ESC: '\' before a reserved character; the character stands for itself.
    if "\\" not in local:
        return local
    out, i = [], 0
    while i < len(local):
        if local[i] == "\\" and i + 1 < len(local):
            out.append(local[i + 1])
            i += 2
        else:
            out.append(local[i])
            i += 1
    return "".join(out)

