"""The terminals of the SPARQL 1.1 grammar, read one at a time as the parser asks for them.

SPARQL cannot be split into tokens before it is parsed: ``<`` starts an IRI where the
grammar expects a term (``?s <p> ?o``) and is the less-than operator after an operand
(``FILTER(?a <?b)``), and ``-1`` is a negative number in ``?s ?p -1`` but a subtraction in
``?a -1``. So :func:`lex` takes the position and whether the parser is at an *operator
position*; everything else follows the terminals of the W3C grammar (SPARQL 1.1 Query
Language, section 19.8): comments end at a line feed *or* a carriage return
(``'#' [^\\r\\n]*``), whitespace is only space, tab, CR and LF, strings come in four quote
styles with their escapes, keywords are matched without regard to case except ``a``.

Codepoint escapes (``\\uXXXX``, ``\\UXXXXXXXX``) are read here only inside strings and IRIs,
as pyoxigraph (the engine that runs our queries) reads them; applying them to the whole
text first (section 19.2) is :mod:`kg.sparql.escapes`'s job.

Examples
--------
>>> t = lex("?s <p:x> 'o' # c", 0)
>>> t.kind, t.value, lex("?s <p:x> 'o' # c", t.end).kind
('VAR', 's', 'IRI')
>>> lex("<?b", 0).kind, lex("<?b", 0, operator=True).value
('PUNCT', '<')
>>> [lex("?a -1", 2).kind, lex("?a -1", 2, operator=True).kind]
['NUMBER', 'PUNCT']
"""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache

from kg.errors import QueryError

__all__ = ["Token", "lex", "position", "syntax_error", "KEYWORDS",
           "IRI", "PNAME", "BNODE", "VAR", "STRING", "LANGTAG", "NUMBER", "WORD", "PUNCT",
           "NIL", "ANON", "EOF"]

# Token kinds.
IRI, PNAME, BNODE, VAR, STRING, LANGTAG, NUMBER = "IRI", "PNAME", "BNODE", "VAR", "STRING", "LANGTAG", "NUMBER"
WORD, PUNCT, NIL, ANON, EOF = "WORD", "PUNCT", "NIL", "ANON", "EOF"

#: Every keyword of the SPARQL 1.1 Query and Update grammars (upper case), built-in
#: function names included. A word that is none of these is a syntax error.
KEYWORDS = frozenset("""
BASE PREFIX SELECT DISTINCT REDUCED AS CONSTRUCT WHERE DESCRIBE ASK FROM NAMED GROUP BY
HAVING ORDER ASC DESC LIMIT OFFSET VALUES LOAD SILENT INTO CLEAR DROP CREATE ADD TO MOVE COPY
INSERT DATA DELETE WITH USING DEFAULT ALL GRAPH OPTIONAL SERVICE BIND UNDEF MINUS UNION FILTER
IN NOT A TRUE FALSE STR LANG LANGMATCHES DATATYPE BOUND IRI URI BNODE RAND ABS CEIL FLOOR ROUND
CONCAT STRLEN UCASE LCASE ENCODE_FOR_URI CONTAINS STRSTARTS STRENDS STRBEFORE STRAFTER YEAR
MONTH DAY HOURS MINUTES SECONDS TIMEZONE TZ NOW UUID STRUUID MD5 SHA1 SHA256 SHA384 SHA512
COALESCE IF STRLANG STRDT SAMETERM ISIRI ISURI ISBLANK ISLITERAL ISNUMERIC REGEX SUBSTR
REPLACE EXISTS COUNT SUM MIN MAX AVG SAMPLE GROUP_CONCAT SEPARATOR
""".split())

# The name classes of the grammar (PN_CHARS_BASE, PN_CHARS_U, PN_CHARS) are written here as
# "ASCII part, or any non-ASCII character", which compiles in well under a millisecond (the exact
# Unicode ranges take tens); a name that holds a non-ASCII character is then checked against
# the exact ranges by _check_name.
# Negated classes: what they exclude is ASCII; every non-ASCII character is let in.
_BASE = r"[^\x00-\x40\x5b-\x60\x7b-\x7f]"                        # PN_CHARS_BASE: letters
_CHARS = r"[^\x00-\x2c\x2e\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x7f]"      # PN_CHARS: and _ - 0-9
_CHARS_DOT = r"[^\x00-\x2c\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x7f]"       # PN_CHARS or '.'
_CHARS_COLON = r"[^\x00-\x2c\x2e\x2f\x3b-\x40\x5b-\x5e\x60\x7b-\x7f]"  # PN_CHARS or ':'
_CHARS_DOT_COLON = r"[^\x00-\x2c\x2f\x3b-\x40\x5b-\x5e\x60\x7b-\x7f]"  # PN_CHARS, '.' or ':'
_VARCHARS = r"[^\x00-\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x7f]"           # PN_CHARS_U or 0-9
_LOCAL_FIRST = r"[^\x00-\x2f\x3b-\x40\x5b-\x5e\x60\x7b-\x7f]"        # PN_CHARS_U, ':' or 0-9
_NONASCII_BASE = ((0xC0, 0xD6), (0xD8, 0xF6), (0xF8, 0x2FF), (0x370, 0x37D), (0x37F, 0x1FFF),
                  (0x200C, 0x200D), (0x2070, 0x218F), (0x2C00, 0x2FEF), (0x3001, 0xD7FF),
                  (0xF900, 0xFDCF), (0xFDF0, 0xFFFD), (0x10000, 0xEFFFF))
# After the first character: also U+00B7, combining marks and the two ties (PN_CHARS, VARNAME).
_NONASCII_MORE = tuple(sorted(_NONASCII_BASE + ((0xB7, 0xB7), (0x300, 0x36F), (0x203F, 0x2040))))
_HEX = "[0-9A-Fa-f]"
_UCHAR = rf"\\u{_HEX}{{4}}|\\U{_HEX}{{8}}"
_ECHAR = r"""\\[tbnrf"'\\]"""
_PLX = rf"%{_HEX}{_HEX}|\\[_~.\-!$&'()*+,;=/?#@%]"
_PN_PREFIX = rf"{_BASE}(?:{_CHARS_DOT}*{_CHARS})?"
_PN_LOCAL = rf"(?:{_LOCAL_FIRST}|{_PLX})(?:(?:{_CHARS_DOT_COLON}|{_PLX})*(?:{_CHARS_COLON}|{_PLX}))?"

_SPACE = re.compile(r"(?:[ \t\r\n]++|#[^\r\n]*+)*+")
_SKIP = frozenset(" \t\r\n#")
_DIGITS = frozenset("0123456789")  # str.isdigit() is true for other scripts' digits too
# The terminals, as pattern sources: each is compiled on first use (_compiled), since compiling
# them all was a tenth of a `kg query` process's start-up and a query meets only a few.
_PNAME = rf"({_PN_PREFIX})?:({_PN_LOCAL})?"
_WORD = r"[A-Za-z][A-Za-z0-9_]*+"
_VAR = rf"[?$]({_VARCHARS}{_VARCHARS}*+)"
_BNODE = rf"_:{_VARCHARS}(?:{_CHARS_DOT}*{_CHARS})?"
_LANGTAG = r"@[a-zA-Z]++(?:-[a-zA-Z0-9]++)*+"
_NUMBER = (r"[+-]?(?:[0-9]+\.[0-9]*[eE][+-]?[0-9]+|\.[0-9]+[eE][+-]?[0-9]+|[0-9]+[eE][+-]?[0-9]+"
           r"|[0-9]*\.[0-9]+|[0-9]+)")
_IRIREF = rf"""<(?:[^<>"{{}}|^`\\\x00-\x20]|{_UCHAR})*+>"""
_STRINGS = {
    "'''": rf"'''(?:(?:''|')?+(?:[^'\\]|{_ECHAR}|{_UCHAR}))*+'''",
    '"""': rf'"""(?:(?:""|")?+(?:[^"\\]|{_ECHAR}|{_UCHAR}))*+"""',
    "'": rf"'(?:[^'\\\n\r]|{_ECHAR}|{_UCHAR})*+'",
    '"': rf'"(?:[^"\\\n\r]|{_ECHAR}|{_UCHAR})*+"',
}
_NIL = r"\([ \t\r\n]*\)"
_ANON = r"\[[ \t\r\n]*\]"
_PUNCT2 = ("^^", "||", "&&", "!=", "<=", ">=")
_PUNCT1 = frozenset("{}()[].,;*/+-!=<>^|?")
_ESCAPE = rf"{_UCHAR}|{_ECHAR}"

# The fast path of lex (not at an operator position): after whitespace and comments, the
# first character picks a pattern made of the terminals that can start with it, in the order
# lex tries them, so that an alternative matches exactly where lex returns that token; the
# nine characters that start nothing but themselves need no pattern. Anything else (blank
# nodes, non-ASCII names, errors, the end) takes lex's own steps (_lex).
_ALTERNATIVES = {
    "VAR": rf"[?$]{_VARCHARS}++",
    "IRI": _IRIREF,
    "LONG": rf"{_STRINGS[chr(39) * 3]}|{_STRINGS[chr(34) * 3]}",
    "SHORT": rf"{_STRINGS[chr(39)]}|{_STRINGS[chr(34)]}",
    "NUMBER": _NUMBER,
    "LANGTAG": _LANGTAG,
    "WORD": r"[A-Za-z][A-Za-z0-9_]*+(?![:.\-]|[^\x00-\x7f])",
    # PN_PREFIX and PN_LOCAL as runs (a name cannot end in '.': dots only before more of it),
    # which match what _PN_PREFIX and _PN_LOCAL match without backtracking.
    "PNAME": (rf"(?P<PNAME_PREFIX>{_BASE}(?:{_CHARS}++|\.++(?={_CHARS}))*+)?:"
              rf"(?P<PNAME_LOCAL>(?:{_LOCAL_FIRST}|{_PLX})(?:{_CHARS_COLON}++|{_PLX}|\.++(?={_CHARS_COLON}|{_PLX}))*+)?"),
    "NIL": _NIL,
    "ANON": _ANON,
    "PUNCT": r"\^\^|\|\||&&|!=|<=|>=|[{}()\[\].,;*/+\-!=<>^|?]",
}
_SINGLE = frozenset("{}),;*/=]")  # no terminal but the one-character punctuation starts with these


@lru_cache(maxsize=None)
def _compiled(source: str) -> re.Pattern[str]:
    return re.compile(source)


def _starting_with(first: str) -> re.Pattern[str]:
    # The alternatives that can start with ``first``.
    names: tuple[str, ...]
    if first in "?$":
        names = ("VAR", "PUNCT")
    elif first == "<":
        names = ("IRI", "PUNCT")
    elif first in "'\"":
        names = ("LONG", "SHORT")
    elif first in "0123456789.+-":
        names = ("NUMBER", "PUNCT")
    elif first == "@":
        names = ("LANGTAG",)
    elif first.isascii() and first.isalpha():
        names = ("WORD", "PNAME")
    elif first == ":" or first >= "\x80":
        names = ("PNAME",)
    elif first == "(":
        names = ("NIL", "PUNCT")
    elif first == "[":
        names = ("ANON", "PUNCT")
    else:
        names = ("PUNCT",)
    return _compiled("|".join(f"(?P<{name}>{_ALTERNATIVES[name]})" for name in names))


#: The characters the fast path has a pattern for ("\x80" stands for every non-ASCII one);
#: their patterns, compiled on first use, in _BY_FIRST.
_FIRSTS = frozenset("?$<'\"0123456789.+-@:([^|&!>ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz\x80")
_BY_FIRST: dict[str, re.Pattern[str]] = {}
_ESCAPED = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


class Token:
    """One terminal: its kind, its value, where it starts and ends in the text.

    ``value`` is the variable name for ``VAR``, the IRI (escapes applied) for ``IRI``,
    ``(prefix, local)`` for ``PNAME``, the upper-cased word for ``WORD``, the content
    (escapes applied) for ``STRING``, and the text itself otherwise. ``mark`` is the value of
    a ``WORD`` or ``PUNCT`` and ``""`` for the other kinds.
    """

    __slots__ = ("kind", "value", "start", "end", "mark")

    def __init__(self, kind: str, value, start: int, end: int) -> None:
        self.kind = kind
        self.value = value
        self.start = start
        self.end = end
        # The punctuation or the keyword, else "": one comparison tells both kind and value
        # (keywords are letters, punctuation is not).
        self.mark = value if kind == PUNCT or kind == WORD else ""

    def __repr__(self) -> str:
        return f"Token({self.kind}, {self.value!r}, {self.start}, {self.end})"



def _match(pattern: re.Pattern[str], text: str, pos: int) -> re.Match[str]:
    """A match the caller knows is there (the pattern matches the empty string, or the
    characters were checked)."""
    found = pattern.match(text, pos)
    assert found is not None
    return found

def position(text: str, offset: int) -> tuple[int, int]:
    """1-based (line, column) of ``offset``; lines end at line feeds.

    Examples
    --------
    >>> position("ab\\ncd", 4)
    (2, 2)
    """
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def syntax_error(text: str, offset: int, message: str) -> QueryError:
    """A :class:`QueryError` for ``message`` at ``offset``, with its line and column."""
    line, column = position(text, offset)
    return QueryError(f"malformed SPARQL (line {line}, column {column}): {message}", line=line,
                      column=column)


def _in_ranges(ranges, code: int) -> bool:
    i = bisect_right(ranges, (code, 0x110000)) - 1
    return i >= 0 and ranges[i][0] <= code <= ranges[i][1]


def _check_name(text: str, start: int, end: int) -> None:
    """Check the non-ASCII characters of the name at text[start:end] against the grammar's
    exact ranges (the first against PN_CHARS_BASE, the others against PN_CHARS)."""
    for i in range(start, end):
        ch = text[i]
        if ch >= "\x80" and not _in_ranges(_NONASCII_BASE if i == start else _NONASCII_MORE, ord(ch)):
            raise syntax_error(text, i, f"unexpected character U+{ord(ch):04X} in a name")


def _unescape(body: str) -> str:
    if "\\" not in body:
        return body

    def one(m: re.Match) -> str:
        s = m.group(0)
        if s[1] in "uU":
            code = int(s[2:], 16)
            return chr(code) if code <= 0x10FFFF else "\ufffd"
        return _ESCAPED[s[1]]

    return _compiled(_ESCAPE).sub(one, body)


def lex(text: str, pos: int, operator: bool = False) -> Token:
    """The next terminal of ``text`` at or after ``pos`` (whitespace and comments skipped).

    Parameters
    ----------
    text : str
        The query.
    pos : int
        Where to start.
    operator : bool
        Whether the parser is at an operator position: then ``<`` and ``<=`` are
        comparison operators and ``+`` / ``-`` are operators, never the start of an IRI
        or of a signed number.

    Returns
    -------
    Token
        ``EOF`` at the end of the text.

    Raises
    ------
    QueryError
        On a character no terminal can start with, or an unterminated string.
    """
    if not operator:
        start = pos
        c = text[start:start + 1]
        if c and c in _SKIP:
            if c == " " and text[start + 1:start + 2] not in _SKIP:  # one space, as most often
                start += 1
            else:
                start = _SPACE.match(text, pos).end()  # type: ignore[union-attr]
            c = text[start:start + 1]
        if c and c in _SINGLE:
            return Token(PUNCT, c, start, start + 1)
        key = c if c < "\x80" else "\x80"  # every non-ASCII character starts the same terminals
        pattern = _BY_FIRST.get(key)
        if pattern is None and key in _FIRSTS:
            pattern = _BY_FIRST[key] = _starting_with(key)
        m = None if pattern is None else pattern.match(text, start)
        if m is not None:
            kind = m.lastgroup
            end = m.end()
            if kind == PUNCT:
                return Token(PUNCT, m.group(), start, end)
            if kind == VAR:
                name = text[start + 1:end]
                if name.isascii():
                    return Token(VAR, name, start, end)
            elif kind == WORD:
                return Token(WORD, m.group().upper(), start, end)
            elif kind == PNAME:
                if m.group().isascii():
                    return Token(PNAME, (m.group("PNAME_PREFIX") or "", m.group("PNAME_LOCAL") or ""),
                                 start, end)
            elif kind == IRI:
                return Token(IRI, _unescape(text[start + 1:end - 1]), start, end)
            elif kind == "SHORT":
                return Token(STRING, _unescape(text[start + 1:end - 1]), start, end)
            elif kind == NUMBER:
                return Token(NUMBER, m.group(), start, end)
            elif kind == "LONG":
                return Token(STRING, _unescape(text[start + 3:end - 3]), start, end)
            elif kind == LANGTAG:
                return Token(LANGTAG, text[start + 1:end], start, end)
            elif kind == NIL:
                return Token(NIL, "()", start, end)
            elif kind == ANON:
                return Token(ANON, "[]", start, end)
    return _lex(text, pos, operator)


def _lex(text: str, pos: int, operator: bool) -> Token:
    # Every terminal, one check after another: the definition lex's fast path follows.
    n = len(text)
    start = pos
    if start < n and text[start] in _SKIP:
        start = _match(_SPACE, text, pos).end()
    if start >= n:
        return Token(EOF, "", start, start)
    c = text[start]
    if c == "?" or c == "$":
        m = _compiled(_VAR).match(text, start)
        if m:
            if not m.group(1).isascii():
                _check_name(text, start + 1, m.end())
            return Token(VAR, m.group(1), start, m.end())
        if c == "?":  # a lone '?' is the zero-or-one path modifier
            return Token(PUNCT, "?", start, start + 1)
        raise syntax_error(text, start, "'$' must start a variable name")
    if c == "<" and not operator:
        m = _compiled(_IRIREF).match(text, start)
        if m:
            return Token(IRI, _unescape(m.group(0)[1:-1]), start, m.end())
    if c == "'" or c == '"':
        n = 3 if text.startswith(c * 3, start) else 1
        m = _compiled(_STRINGS[c * n]).match(text, start)
        if m is None and n == 3:  # not a long string: an empty short one ('' or "")
            n, m = 1, _compiled(_STRINGS[c]).match(text, start)
        if m is None:
            raise syntax_error(text, start, "unterminated or malformed string (a line break or a "
                                            "backslash that is not an escape?)")
        return Token(STRING, _unescape(m.group(0)[n:-n]), start, m.end())
    nxt = text[start + 1:start + 2]
    if c in _DIGITS or (c == "." and nxt in _DIGITS) or (
            c in "+-" and not operator
            and (nxt in _DIGITS or (nxt == "." and text[start + 2:start + 3] in _DIGITS))):
        m = _match(_compiled(_NUMBER), text, start)
        return Token(NUMBER, m.group(0), start, m.end())
    if c == "_" and text.startswith("_:", start):
        m = _compiled(_BNODE).match(text, start)
        if m is None:
            raise syntax_error(text, start, "malformed blank node label")
        if not m.group(0).isascii():
            _check_name(text, start + 2, m.end())
        return Token(BNODE, m.group(0), start, m.end())
    if c == "@":
        m = _compiled(_LANGTAG).match(text, start)
        if m is None:
            raise syntax_error(text, start, "malformed language tag")
        return Token(LANGTAG, m.group(0)[1:], start, m.end())
    if c == ":" or "a" <= c <= "z" or "A" <= c <= "Z" or c >= "\x80":
        m = _compiled(_WORD).match(text, start)
        # Unless ':', '.', '-' or a non-ASCII character follows (then it may be a prefix).
        if m is not None and (m.end() >= n or (text[m.end()] < "\x80" and text[m.end()] not in ":.-")):
            return Token(WORD, m.group(0).upper(), start, m.end())
        m = _compiled(_PNAME).match(text, start)
        if m is not None:
            if not m.group(0).isascii():
                if m.group(1):
                    _check_name(text, m.start(1), m.end(1))
                if m.group(2):
                    _check_name(text, m.start(2), m.end(2))
            return Token(PNAME, (m.group(1) or "", m.group(2) or ""), start, m.end())
        m = _compiled(_WORD).match(text, start)
        if m is not None:
            return Token(WORD, m.group(0).upper(), start, m.end())
    if c == "(":
        m = _compiled(_NIL).match(text, start)
        if m:
            return Token(NIL, "()", start, m.end())
    if c == "[":
        m = _compiled(_ANON).match(text, start)
        if m:
            return Token(ANON, "[]", start, m.end())
    two = text[start:start + 2]
    if two in _PUNCT2:
        return Token(PUNCT, two, start, start + 2)
    if c in _PUNCT1:
        return Token(PUNCT, c, start, start + 1)
    shown = repr(c) if c.isprintable() and c != " " else f"U+{ord(c):04X}"
    raise syntax_error(text, start, f"unexpected character {shown}")
