"""The error raised when the HPO files are missing or cannot be read.

Kept in :mod:`kg.hpo` (not :mod:`kg.errors`) because only the HPO import raises it; it is a
:class:`~kg.errors.KGError`, so every caller that catches ``KGError`` catches it too.
"""

from __future__ import annotations

from kg.errors import KGError, located

__all__ = ["HPOImportError"]


class HPOImportError(KGError):
    """An HPO file is missing, truncated or malformed; the message names the file and line.

    Parameters
    ----------
    message : str
        What is wrong.
    file : str, optional
        The offending file (a path).
    line : int, optional
        1-based line number in ``file``.

    Examples
    --------
    >>> str(HPOImportError("expected 12 columns, found 3", file="phenotype.hpoa", line=7))
    'phenotype.hpoa:7: expected 12 columns, found 3'
    >>> isinstance(HPOImportError("x"), KGError)
    True
    """

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None) -> None:
        self.message = message
        self.file = file
        self.line = line
        super().__init__(located(message, file=file, line=line))
