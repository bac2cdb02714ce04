"""A small, strict, streaming reader of ``hp.obo`` (OBO 1.4 flat file format).

Only what the import needs is kept: id, name, definition, synonyms with their scope,
cross-references, ``is_a`` parents, alternative ids and the obsolete flag. Any line that
is not ``tag: value``, a ``[Term]`` without a valid ``HP:`` id, an unterminated quoted
string, or an ``is_a`` pointing at a term the file does not define (the usual sign of a
truncated file) raises :class:`~kg.hpo.errors.HPOImportError` naming the file and line.

Examples
--------
>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "hp.obo"
>>> _ = path.write_text('''format-version: 1.2
... data-version: hp/releases/2025-01-16
...
... [Term]
... id: HP:0000001
... name: All
...
... [Term]
... id: HP:0001336
... name: Myoclonus
... def: "Very brief, involuntary \\\\"jerks\\\\"." [PMID:1]
... synonym: "Myoclonic jerks" EXACT []
... is_a: HP:0000001 ! All
... ''')
>>> onto = read_obo(path)
>>> onto.terms["HP:0001336"].definition
'Very brief, involuntary "jerks".'
>>> sorted(onto.descendants("HP:0000001"))
['HP:0000001', 'HP:0001336']
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from kg.hpo.errors import HPOImportError

__all__ = ["Term", "Ontology", "read_obo", "HP_ID", "SYNONYM_SCOPES"]

#: A valid HPO term id.
HP_ID = re.compile(r"^HP:\d{7}$")
#: The synonym scopes of OBO 1.4.
SYNONYM_SCOPES = ("EXACT", "RELATED", "BROAD", "NARROW")
_TAG = re.compile(r"^([A-Za-z][A-Za-z0-9_-]*):(?:\s(.*)|)$")
_ESCAPES = {"n": "\n", "t": "\t", "W": " "}


@dataclass
class Term:
    """One ``[Term]`` stanza."""

    id: str
    line: int
    name: str = ""
    definition: str = ""
    synonyms: list[tuple[str, str]] = field(default_factory=list)
    xrefs: list[str] = field(default_factory=list)
    parents: list[str] = field(default_factory=list)
    alt_ids: list[str] = field(default_factory=list)
    obsolete: bool = False
    parent_lines: list[int] = field(default_factory=list)


@dataclass
class Ontology:
    """The terms of one ``hp.obo``; ``terms`` holds obsolete terms too (flagged)."""

    path: Path
    data_version: str
    terms: dict[str, Term]
    alt_ids: dict[str, str]
    _children: dict[str, list[str]] | None = None

    def children(self, term_id: str) -> list[str]:
        """The direct, non-obsolete children of ``term_id``, sorted."""
        if self._children is None:
            index: dict[str, list[str]] = {}
            for term in self.terms.values():
                if not term.obsolete:
                    for parent in term.parents:
                        index.setdefault(parent, []).append(term.id)
            self._children = {k: sorted(v) for k, v in index.items()}
        return self._children.get(term_id, [])

    def descendants(self, term_id: str) -> set[str]:
        """``term_id`` and every non-obsolete term below it (reflexive, transitive)."""
        seen: set[str] = set()
        todo = [term_id]
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            todo.extend(self.children(current))
        return seen

    def ancestors(self, term_id: str) -> set[str]:
        """``term_id`` and every term above it through ``is_a`` (reflexive, transitive)."""
        seen: set[str] = set()
        todo = [term_id]
        while todo:
            current = todo.pop()
            if current in seen or current not in self.terms:
                continue
            seen.add(current)
            todo.extend(self.terms[current].parents)
        return seen

    def primary(self, term_id: str) -> str:
        """The primary id for ``term_id`` (itself, or the term that lists it as ``alt_id``)."""
        return term_id if term_id in self.terms else self.alt_ids.get(term_id, term_id)


def _quoted(value: str, path: Path, number: int, tag: str) -> tuple[str, str]:
    """Split ``"text" rest`` into (unescaped text, rest)."""
    if not value.startswith('"'):
        raise HPOImportError(f"{tag}: expected a quoted string", file=str(path), line=number)
    end = value.find('"', 1)
    if end > 0 and "\\" not in value[1:end]:
        return value[1:end], value[end + 1:].strip()
    out, i = [], 1
    while i < len(value):
        char = value[i]
        if char == "\\" and i + 1 < len(value):
            out.append(_ESCAPES.get(value[i + 1], value[i + 1]))
            i += 2
            continue
        if char == '"':
            return "".join(out), value[i + 1:].strip()
        out.append(char)
        i += 1
    raise HPOImportError(f"{tag}: unterminated quoted string", file=str(path), line=number)


def _strip_comment(value: str) -> str:
    # Trailing "! comment" and "{qualifiers}" are not part of the value.
    for mark in (" !", " {"):
        cut = value.find(mark)
        if cut >= 0:
            value = value[:cut]
    return value.strip()


def read_obo(path: Path | str, tick: Callable[[int], None] | None = None) -> Ontology:
    """Parse ``hp.obo`` into an :class:`Ontology`.

    Parameters
    ----------
    path : path
        The OBO file.
    tick : callable, optional
        Called now and then with the number of characters read so far (for a progress bar).

    Returns
    -------
    Ontology

    Raises
    ------
    HPOImportError
        If the file is missing, not UTF-8, lacks its ``data-version`` header, has a line that
        is not ``tag: value``, a term with a malformed or duplicate id or without a name, a
        malformed definition or synonym, an ``is_a`` to a term it does not define, or a last
        line without its newline (a truncated file). The message names file and line.

    Examples
    --------
    >>> read_obo("/nonexistent/hp.obo")
    Traceback (most recent call last):
    ...
    kg.hpo.errors.HPOImportError: /nonexistent/hp.obo: HPO file missing
    """
    path = Path(path)
    terms: dict[str, Term] = {}
    data_version = ""
    stanza: str | None = None
    term: Term | None = None
    number = 0
    last = ""
    consumed = 0

    def finish(t: Term | None) -> None:
        if t is None:
            return
        if not t.name:
            raise HPOImportError(f"term {t.id} has no name", file=str(path), line=t.line)
        terms[t.id] = t

    try:
        with path.open("r", encoding="utf-8", newline="") as fh:
            for raw in fh:
                number += 1
                last = raw
                consumed += len(raw)
                if tick is not None and not number & 0x7FFF:
                    tick(consumed)
                line = raw.rstrip("\r\n")
                if not line or line.startswith("!"):
                    continue
                if line.startswith("["):
                    if term is not None:
                        finish(term)
                        term = None
                    if not line.endswith("]"):
                        raise HPOImportError(f"malformed stanza header {line!r}", file=str(path),
                                             line=number)
                    stanza = line[1:-1]
                    if stanza == "Term":
                        term = Term("", number)
                    continue
                match = _TAG.match(line)
                if not match:
                    raise HPOImportError(f"expected 'tag: value', found {line[:60]!r}",
                                         file=str(path), line=number)
                tag, value = match.group(1), (match.group(2) or "").strip()
                if stanza is None:
                    if tag == "data-version":
                        data_version = value
                    continue
                if term is None:
                    continue  # [Typedef] and other stanzas: checked for form only
                if tag == "id":
                    if not HP_ID.match(value):
                        raise HPOImportError(f"bad HP id {value!r} (want HP: and 7 digits)",
                                             file=str(path), line=number)
                    if value in terms:
                        raise HPOImportError(f"duplicate term {value} (first at line "
                                             f"{terms[value].line})", file=str(path), line=number)
                    term.id = value
                elif not term.id:
                    raise HPOImportError(f"'{tag}' before the term's id", file=str(path), line=number)
                elif tag == "name":
                    term.name = value
                elif tag == "def":
                    term.definition = _quoted(value, path, number, tag)[0]
                elif tag == "synonym":
                    text, rest = _quoted(value, path, number, tag)
                    scope = rest.split(" ", 1)[0] if rest else ""
                    if scope not in SYNONYM_SCOPES:
                        raise HPOImportError(f"synonym scope {scope!r} is not one of "
                                             f"{', '.join(SYNONYM_SCOPES)}", file=str(path), line=number)
                    term.synonyms.append((text, scope))
                elif tag == "xref":
                    xref = _strip_comment(value).split(" ", 1)[0]
                    if xref:
                        term.xrefs.append(xref)
                elif tag == "is_a":
                    parent = _strip_comment(value)
                    if not HP_ID.match(parent):
                        raise HPOImportError(f"bad is_a target {parent!r} (want HP: and 7 digits)",
                                             file=str(path), line=number)
                    term.parents.append(parent)
                    term.parent_lines.append(number)
                elif tag == "alt_id":
                    if not HP_ID.match(value):
                        raise HPOImportError(f"bad alt_id {value!r}", file=str(path), line=number)
                    term.alt_ids.append(value)
                elif tag == "is_obsolete":
                    term.obsolete = value == "true"
    except FileNotFoundError:
        raise HPOImportError("HPO file missing", file=str(path)) from None
    except UnicodeDecodeError as exc:
        raise HPOImportError(f"not UTF-8 text ({exc.reason})", file=str(path), line=number + 1) from None
    except OSError as exc:
        raise HPOImportError(f"cannot read the file: {exc}", file=str(path)) from None
    if term is not None:
        if not term.id:
            raise HPOImportError("[Term] without an id", file=str(path), line=term.line)
        finish(term)
    if last and not last.endswith("\n"):
        raise HPOImportError("truncated file: the last line has no newline", file=str(path), line=number)
    if not data_version:
        raise HPOImportError("no 'data-version:' header; is this hp.obo?", file=str(path), line=1)
    if not terms:
        raise HPOImportError("no [Term] stanzas", file=str(path), line=number)
    alt_ids: dict[str, str] = {}
    for t in terms.values():
        for parent, at in zip(t.parents, t.parent_lines):
            if parent not in terms:
                raise HPOImportError(f"is_a target {parent} of {t.id} is not defined in the file "
                                     "(truncated file?)", file=str(path), line=at)
        for alt in t.alt_ids:
            alt_ids[alt] = t.id
    return Ontology(path, data_version, terms, alt_ids)
