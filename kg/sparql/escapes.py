r"""Codepoint escapes applied to the whole query text, as SPARQL 1.1 section 19.2 says.

The standard applies ``\uXXXX`` and ``\UXXXXXXXX`` *before* parsing, anywhere in the text
(``\u0053ERVICE`` is ``SERVICE``; ``"\u0022"`` is three double quotes, the start of a long
string), but engines differ:

* pyoxigraph 0.5 (which runs our queries) applies them only inside strings and IRIs: it
  parses the text as written, and so does :mod:`kg.sparql.lexer`;
* Oxigraph's optional standard mode and rdflib replace every ``\u`` sequence left to right
  (:func:`unescape_everywhere`: ``\\u0041`` becomes ``\A``);
* Jena's JavaCC parser follows Java: an escape counts only after an even number of
  backslashes, ``\uuuu0041`` is allowed, ``\U`` is not special (:func:`unescape_java`).

A query runs on pyoxigraph, or on a remote server with any of these parsers, so the
analysis reads every text an engine may see (:func:`readings`), and a query is accepted
only if each reading is valid and safe.

Examples
--------
>>> readings("ASK {}")
()
>>> readings(r"SELECT ('\u0041' AS ?x) {}")
("SELECT ('A' AS ?x) {}",)
>>> print(unescape_everywhere(r"'\\u0041'"), unescape_java(r"'\\u0041'"))
'\A' '\\u0041'
"""

from __future__ import annotations

__all__ = ["readings", "unescape_everywhere", "unescape_java"]

_HEX = frozenset("0123456789abcdefABCDEF")


def _codepoint(digits: str, signed: bool) -> int | None:
    # Rust's u32::from_str_radix (Oxigraph) accepts a leading '+'.
    body = digits[1:] if signed and digits.startswith("+") and len(digits) > 1 else digits
    if not body or any(ch not in _HEX for ch in body):
        return None
    value = int(body, 16)
    if value > 0x10FFFF or 0xD800 <= value <= 0xDFFF:
        return None
    return value


def unescape_everywhere(text: str) -> str:
    r"""Replace each ``\uXXXX`` / ``\UXXXXXXXX`` left to right, whatever precedes it.

    Examples
    --------
    >>> print(unescape_everywhere(r"\u0053ERVICE \q \u+041"))
    SERVICE \q A
    """
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        j = text.find("\\", i)
        if j < 0:
            out.append(text[i:])
            break
        out.append(text[i:j])
        marker = text[j + 1:j + 2]
        if marker in ("u", "U"):
            size = 4 if marker == "u" else 8
            code = _codepoint(text[j + 2:j + 2 + size], True) if j + 2 + size <= n else None
            if code is not None:
                out.append(chr(code))
                i = j + 2 + size
                continue
        out.append("\\")
        i = j + 1
    return "".join(out)


def unescape_java(text: str) -> str | None:
    r"""Apply ``\u`` escapes the way Java (and JavaCC parsers such as Jena's) do.

    Returns
    -------
    str or None
        ``None`` when an escape is malformed (a Java parser rejects the text).

    Examples
    --------
    >>> print(unescape_java(r"\uuu0041 \\u0041 \uD83D\uDE00"))
    A \\u0041 😀
    >>> unescape_java(r"\u00zz") is None
    True
    """
    units: list[str] = []
    i, n = 0, len(text)
    while i < n:
        j = text.find("\\", i)
        if j < 0:
            units.append(text[i:])
            break
        units.append(text[i:j])
        k = j
        while k < n and text[k] == "\\":
            k += 1
        run = k - j
        # Pairs of backslashes stay; an odd one out may start an escape.
        units.append("\\" * (run - run % 2))
        if run % 2 and k < n and text[k] == "u":
            while k < n and text[k] == "u":
                k += 1
            digits = text[k:k + 4]
            if len(digits) < 4 or any(ch not in _HEX for ch in digits):
                return None
            units.append(chr(int(digits, 16)))
            i = k + 4
        else:
            if run % 2:
                units.append("\\")
            i = k
    joined = "".join(units)
    # Java strings are UTF-16: escaped surrogate pairs make one character.
    try:
        return joined.encode("utf-16", "surrogatepass").decode("utf-16")
    except UnicodeDecodeError:
        return None


def readings(text: str) -> tuple[str, ...]:
    r"""The texts, other than ``text`` itself, that an engine applying section 19.2 may parse.

    Empty when the text holds no ``\u`` or ``\U``; a reading equal to the text or to
    another reading is given once. A text a Java parser rejects (a malformed ``\u``) has
    no Java reading: that engine runs nothing.
    """
    if "\\u" not in text and "\\U" not in text:
        return ()
    found: list[str] = []
    for other in (unescape_everywhere(text), unescape_java(text)):
        if other is not None and other != text and other not in found:
            found.append(other)
    return tuple(found)
