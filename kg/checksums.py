"""SHA-256 checksums: of bytes, and of files read in chunks (the build's manifest, the HPO
files' provenance, the input fingerprint every command checks).

Examples
--------
>>> sha256(b"abc").hexdigest()[:16]
'ba7816bf8f01cfea'
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["sha256", "file_sha256"]


def sha256(data: bytes = b"") -> Any:
    """A SHA-256 hash object, from CPython's built-in implementation when there is one:
    ``hashlib`` loads OpenSSL first, which alone took a tenth of a ``kg query`` process
    (the digest is the same)."""
    try:
        from _sha256 import sha256 as new  # CPython 3.11
    except ImportError:
        try:
            from _sha2 import sha256 as new  # CPython 3.12+
        except ImportError:
            from hashlib import sha256 as new
    return new(data)


def file_sha256(path: Path | str) -> str:
    """The hex SHA-256 of a file, read in 1 MiB chunks (0.1 s for HPO's ``phenotype.hpoa``).

    Raises
    ------
    OSError
        If the file cannot be read.
    """
    digest = sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
