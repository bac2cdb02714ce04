"""Curation records and their YAML files, read with line numbers for error messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kg.errors import CurationError

__all__ = ["Mapping", "Entity", "Fact", "Exclusion", "Curation", "read_records"]


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
    reference: str | None
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


@dataclass
class Curation:
    """Everything the curators wrote: entities, facts and exclusions."""

    entities: list[Entity] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    exclusions: list[Exclusion] = field(default_factory=list)


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
        If the file is missing, is not valid YAML, or is not a list of mappings.
    """
    name = display_name or path.name
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CurationError("file not found", file=name) from None
    except UnicodeDecodeError as exc:
        raise CurationError(f"not UTF-8 text ({exc.reason} at byte {exc.start})", file=name) from None
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return []
        if not isinstance(root, yaml.SequenceNode):
            raise CurationError("expected a list of records", file=name, line=root.start_mark.line + 1)
        records = []
        for node in root.value:
            line = node.start_mark.line + 1
            if not isinstance(node, yaml.MappingNode):
                raise CurationError("expected a mapping (key: value) record", file=name, line=line)
            records.append((line, loader.construct_object(node, deep=True)))
        return records
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise CurationError(f"invalid YAML: {exc.problem or exc}", file=name,
                            line=mark.line + 1 if mark else None) from None
    finally:
        loader.dispose()
