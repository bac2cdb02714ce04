"""Curation records and their YAML files, read with line numbers for error messages."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kg.errors import CurationError

__all__ = ["Mapping", "Entity", "Fact", "Exclusion", "Reference", "Curation", "read_records"]


@dataclass(frozen=True)
class Mapping:
    """An identifier mapping of an entity (``skos:<match>Match``)."""

    curie: str
    match: str
    name: str | None = None
    verified_by: str | None = None


@dataclass(frozen=True)
class Entity:
    """One curated entity of ``entities.yaml``."""

    id: str
    types: tuple[str, ...]
    label: str
    definition: str | None
    synonyms: tuple[str, ...]
    mappings: tuple[Mapping, ...]
    file: str
    line: int


@dataclass(frozen=True)
class Fact:
    """One curated fact of ``facts.yaml``: a subject-predicate-object (or -value) with evidence."""

    id: str
    claim: int
    subject: str
    predicate: str
    object: str | None
    value: Any
    qualifiers: dict[str, Any]
    quote: str
    occurrence: int
    status: str
    correction: str | None
    #: ``(reference id, locator)`` pairs; ids of ``references.yaml``, locator may be ``""``.
    reference: tuple[tuple[str, str], ...]
    file: str
    line: int


@dataclass(frozen=True)
class Exclusion:
    """A fact-check claim (or part of one) deliberately not asserted, with the reason."""

    claim: int
    text: str
    reason: str
    file: str
    line: int


@dataclass(frozen=True)
class Reference:
    """One authoritative source of ``references.yaml``, with where its text was checked."""

    id: str
    title: str
    url: str
    kind: str
    verified: str
    file: str
    line: int


@dataclass
class Curation:
    """Everything the curators wrote: entities, facts and exclusions."""

    entities: list[Entity] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    exclusions: list[Exclusion] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)


#: Deepest nesting of lists and mappings accepted in a curation file (records are about 4
#: deep); deeper input is refused before PyYAML's recursive composer can overflow the stack.
MAX_DEPTH = 32


#: The characters no export format can carry: XML 1.0 (GraphML) has no way at all to write C0
#: controls other than tab, LF and CR, U+FFFE, U+FFFF or a lone surrogate (not even as a
#: character reference).
_UNREPRESENTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _check_text(value: Any, name: str, line: int, record: str | None, where: str = "") -> None:
    if isinstance(value, str):
        found = _UNREPRESENTABLE.search(value)
        if found is not None:
            bad = found.group()
            import unicodedata

            what = unicodedata.name(bad, "a control character" if ord(bad) < 0x20 else "a non-character")
            raise CurationError(f"character U+{ord(bad):04X} ({what}){where} cannot be written to every "
                                "export format (XML 1.0, used by GraphML, forbids it); remove it",
                                file=name, line=line, record=record)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key, name, line, record, where)
            _check_text(item, name, line, record, f" in field {key!r}" if not where else where)
    elif isinstance(value, list):
        for item in value:
            _check_text(item, name, line, record, where)


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader with a nesting limit (:data:`MAX_DEPTH`)."""

    _depth = 0

    def compose_node(self, parent, index):
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise yaml.MarkedYAMLError(problem=f"nested more than {MAX_DEPTH} levels deep",
                                           problem_mark=mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def read_records(path: Path, display_name: str | None = None) -> list[tuple[int, dict[str, Any]]]:
    """Read a YAML list of mappings, returning ``(line, record)`` pairs.

    Parameters
    ----------
    path : pathlib.Path
        The YAML file; it must hold a list of mappings.
    display_name : str, optional
        The name used in error messages (defaults to the file name).

    Raises
    ------
    CurationError
        If the file is missing, is not valid YAML, is empty (no document at all: an emptied
        file would silently replace a good build with an empty graph; write ``[]`` for a
        file meant to hold no records), is nested more than :data:`MAX_DEPTH` levels deep,
        is not a list of mappings, or holds a character no export format can carry.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "facts.yaml"
    >>> _ = path.write_text("# nothing yet\\n")
    >>> read_records(path)
    Traceback (most recent call last):
    ...
    kg.errors.CurationError: facts.yaml: the file is empty (no records, not even []); ...
    >>> _ = path.write_text("[]\\n")
    >>> read_records(path)
    []
    """
    name = display_name or path.name
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CurationError("file not found", file=name) from None
    except UnicodeDecodeError as exc:
        raise CurationError(f"not UTF-8 text ({exc.reason} at byte {exc.start})", file=name) from None
    except OSError as exc:
        raise CurationError(f"cannot read the file: {exc.strerror or exc}", file=name) from None
    kept = _READ.get((name, text))
    if kept is None:
        kept = _READ[name, text] = _parse_records(text, name)
        while len(_READ) > _READ_KEPT:
            del _READ[next(iter(_READ))]  # the oldest
    return copy.deepcopy(kept)


#: The records of the texts read last, by (display name, text): a process that builds again
#: (the API's rebuilds, a server picking up a change, the test suite) parses an unchanged
#: curation file once; PyYAML's pure-Python parser takes most of the time of compiling it.
_READ: dict[tuple[str, str], list[tuple[int, dict[str, Any]]]] = {}
_READ_KEPT = 16


def _parse_records(text: str, name: str) -> list[tuple[int, dict[str, Any]]]:
    loader = None
    try:
        loader = _Loader(text)  # its reader refuses raw control characters already here
        root = loader.get_single_node()
        if root is None:
            raise CurationError("the file is empty (no records, not even []); an empty file would "
                                "replace the graph with an empty one: restore it, or write [] if "
                                "it is meant to hold no records", file=name)
        if not isinstance(root, yaml.SequenceNode):
            raise CurationError("expected a list of records", file=name, line=root.start_mark.line + 1)
        records = []
        for node in root.value:
            line = node.start_mark.line + 1
            if not isinstance(node, yaml.MappingNode):
                raise CurationError("expected a mapping (key: value) record", file=name, line=line)
            record = loader.construct_object(node, deep=True)
            rid = record.get("id")
            _check_text(record, name, line, str(rid) if isinstance(rid, (str, int)) else None)
            records.append((line, record))
        return records
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise CurationError(f"invalid YAML: {exc.problem or exc}", file=name,
                            line=mark.line + 1 if mark else None) from None
    except yaml.reader.ReaderError as exc:
        # A raw control character in the text (PyYAML's reader refuses them): no mark.
        line = text.count("\n", 0, exc.position) + 1
        raise CurationError(f"invalid YAML: {exc.reason} #x{exc.character:04x} (write it as an "
                            "escape in a double-quoted string, if it is meant)", file=name,
                            line=line) from None
    except yaml.YAMLError as exc:
        raise CurationError(f"invalid YAML: {str(exc).strip().partition(chr(10))[0]}", file=name) from None
    finally:
        if loader is not None:
            loader.dispose()
