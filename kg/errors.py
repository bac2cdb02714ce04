"""The exception tree of myoclonus-kg.

Every error the package raises on bad input is a :class:`KGError` (a :class:`ValueError`),
so callers can catch one type; the subclasses say what went wrong and carry where.
"""

from __future__ import annotations

__all__ = [
    "KGError",
    "CurationError",
    "BuildError",
    "ValidationError",
    "QueryError",
    "UnsafeQueryError",
    "QueryStopped",
    "QueryTimeout",
    "WorkerFailed",
    "EntityNotFoundError",
    "NoPathError",
    "located",
]


def located(message: str, *, file: str | None = None, line: int | None = None,
            record: str | None = None) -> str:
    """``message`` prefixed with where it applies, as every error that names a place words it:
    ``file:line [record]: message``, with as much of the place as is known.

    Examples
    --------
    >>> located("bad", file="facts.yaml", line=3, record="f1")
    'facts.yaml:3 [f1]: bad'
    >>> located("bad", file="phenotype.hpoa"), located("bad", record="f1"), located("bad")
    ('phenotype.hpoa: bad', '[f1]: bad', 'bad')
    """
    where = file + (f":{line}" if line else "") if file else ""
    if record:
        where = f"{where} [{record}]" if where else f"[{record}]"
    return f"{where}: {message}" if where else message


class KGError(ValueError):
    """Base class of every error raised by myoclonus-kg on bad input."""


class CurationError(KGError):
    """A curation record is wrong: unknown term, bad reference, quote not in source, ...

    Parameters
    ----------
    message : str
        What is wrong.
    file : str, optional
        The curation file (as given, usually relative to the data directory).
    line : int, optional
        1-based line of the offending record in ``file``.
    record : str, optional
        The record's id (fact or entity id).
    """

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 record: str | None = None) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.record = record
        super().__init__(located(message, file=file, line=line, record=record))


class BuildError(KGError):
    """The build could not complete; the previous output is left untouched."""


class ValidationError(KGError):
    """The built graph does not conform to the shapes or the source checks."""


class QueryError(KGError):
    """A SPARQL query is malformed or failed; ``line`` and ``column`` when known; ``engine``
    when the message is the query engine's own (pyoxigraph's), not our analysis's."""

    def __init__(self, message: str, *, line: int | None = None, column: int | None = None,
                 engine: bool = False) -> None:
        self.line = line
        self.column = column
        self.engine = engine
        super().__init__(message)


class UnsafeQueryError(QueryError):
    """A query would reach outside the graph (SERVICE, LOAD, FROM with a remote or file IRI)
    or modify it."""


class QueryStopped(KGError):
    """A query was stopped before it answered (the endpoint answers 503): see the subclasses."""


class QueryTimeout(QueryStopped):
    """A query ran past its time limit (its worker was killed, or the remote server gave no
    answer in time), or no worker came free in time."""


class WorkerFailed(QueryStopped):
    """The process running a query died (out of memory, crash); the query was stopped."""


class EntityNotFoundError(KGError):
    """No entity matches a label, synonym or identifier; ``suggestions`` holds close matches."""

    def __init__(self, name: str, suggestions: list[str] | None = None) -> None:
        self.name = name
        self.suggestions = list(suggestions or [])
        hint = f"; did you mean: {', '.join(self.suggestions)}?" if self.suggestions else ""
        super().__init__(f"no entity matches {name!r}{hint}")


class NoPathError(KGError):
    """No path joins two entities under the given constraints."""
