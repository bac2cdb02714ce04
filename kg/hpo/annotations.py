"""Strict, streaming readers of ``phenotype.hpoa`` and ``genes_to_phenotype.txt``.

Each row is checked as it is read: the column count, the disease id, the HP ids, the
qualifier, the evidence code and the aspect. A bad row, a missing or unexpected header, or a
last line without its newline (a truncated file) raises
:class:`~kg.hpo.errors.HPOImportError` naming the file and the line.

Examples
--------
>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "phenotype.hpoa"
>>> _ = path.write_text("#version: 2025-01-16\\n" + "\\t".join(HPOA_COLUMNS) + "\\n"
...     "OMIM:254780\\tMyoclonic epilepsy of Lafora\\t\\tHP:0001336\\tOMIM:254780\\tTAS\\t\\t"
...     "HP:0040283\\t\\t\\tP\\tHPO:iea[2009-02-17]\\n")
>>> [(a.disease, a.term, a.evidence, a.frequency) for a in read_hpoa(path)]
[('OMIM:254780', 'HP:0001336', 'TAS', 'HP:0040283')]
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable, Iterator, NamedTuple

from kg.hpo.errors import HPOImportError
from kg.hpo.obo import HP_ID

__all__ = ["Annotation", "GeneLink", "read_hpoa", "read_genes", "HPOA_COLUMNS", "GENES_COLUMNS",
           "EVIDENCE_CODES", "ASPECTS"]

#: The header row of ``phenotype.hpoa``.
HPOA_COLUMNS = ("database_id", "disease_name", "qualifier", "hpo_id", "reference", "evidence",
                "onset", "frequency", "sex", "modifier", "aspect", "biocuration")
#: The header row of ``genes_to_phenotype.txt``.
GENES_COLUMNS = ("ncbi_gene_id", "gene_symbol", "hpo_id", "hpo_name", "frequency", "disease_id")
#: Evidence codes of the HPO annotation format.
EVIDENCE_CODES = frozenset({"IEA", "PCS", "TAS", "ICE"})
#: Aspects: phenotypic abnormality, inheritance, clinical course, clinical modifier, past history.
ASPECTS = frozenset({"P", "I", "C", "M", "H"})
_DISEASE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*:[A-Za-z0-9_.-]+$")
_GENE = re.compile(r"^\d+$")
_DISEASE_RE = r"[A-Za-z][A-Za-z0-9_]*:[A-Za-z0-9_.-]+"
_HP_RE = r"HP:\d{7}"
# One match per row for the common case; a failing row is then diagnosed column by column.
_HPOA_ROW = re.compile(rf"({_DISEASE_RE})\t([^\t]*\S[^\t]*)\t(|NOT)\t({_HP_RE})\t([^\t]*)\t"
                       rf"(IEA|PCS|TAS|ICE)\t((?:{_HP_RE})?)\t([^\t]*)\t[^\t]*\t[^\t]*\t([PICMH])\t[^\t]*")
_GENES_ROW = re.compile(rf"(\d+)\t([^\t]*\S[^\t]*)\t({_HP_RE})\t[^\t]*\t[^\t]*\t({_DISEASE_RE})")


class Annotation(NamedTuple):
    """One row of ``phenotype.hpoa`` (references split on ``;``)."""

    disease: str
    name: str
    negated: bool
    term: str
    references: tuple[str, ...]
    evidence: str
    onset: str
    frequency: str
    aspect: str
    line: int


class GeneLink(NamedTuple):
    """One row of ``genes_to_phenotype.txt``: a gene, an HPO term, and the disease linking them."""

    gene: str
    symbol: str
    term: str
    disease: str
    line: int


def _open(path: Path):
    try:
        return path.open("r", encoding="utf-8", newline="")
    except FileNotFoundError:
        raise HPOImportError("HPO file missing", file=str(path)) from None
    except OSError as exc:
        raise HPOImportError(f"cannot read the file: {exc}", file=str(path)) from None


def _header(path: Path, fields: list[str], columns: tuple[str, ...], number: int) -> None:
    if tuple(fields) != columns:
        raise HPOImportError(f"unexpected header row; want the {len(columns)} columns "
                             f"{', '.join(columns)}", file=str(path), line=number)


def _column_count(path: Path, raw: str, columns: tuple[str, ...], number: int) -> None:
    found = raw.rstrip("\r\n").count("\t") + 1
    if found != len(columns):
        truncated = "" if raw.endswith("\n") else " (truncated line)"
        raise HPOImportError(f"expected {len(columns)} tab-separated columns, found {found}{truncated}",
                             file=str(path), line=number)


def _end(path: Path, header_seen: bool, last: str, number: int) -> None:
    if not header_seen:
        raise HPOImportError("no header row; is this an HPO annotation file?", file=str(path),
                             line=max(number, 1))
    if last and not last.endswith("\n"):
        raise HPOImportError("truncated file: the last line has no newline", file=str(path), line=number)


def _decode_error(path: Path, exc: UnicodeDecodeError, number: int) -> HPOImportError:
    return HPOImportError(f"not UTF-8 text ({exc.reason})", file=str(path), line=number + 1)


def _bad(path: Path, number: int, message: str) -> HPOImportError:
    return HPOImportError(message, file=str(path), line=number)


def _diagnose_hpoa(path: Path, number: int, raw: str) -> HPOImportError:
    _column_count(path, raw, HPOA_COLUMNS, number)
    disease, name, qualifier, term, _, evidence, onset, _, _, _, aspect, _ = raw.rstrip("\r\n").split("\t")
    if not _DISEASE.match(disease):
        return _bad(path, number, f"bad disease id {disease!r} (want PREFIX:id)")
    if not name.strip():
        return _bad(path, number, "empty disease name")
    if qualifier not in ("", "NOT"):
        return _bad(path, number, f"qualifier must be empty or NOT, not {qualifier!r}")
    if not HP_ID.match(term):
        return _bad(path, number, f"bad HP id {term!r} (want HP: and 7 digits)")
    if evidence not in EVIDENCE_CODES:
        return _bad(path, number, f"unknown evidence code {evidence!r} "
                                  f"(want one of {', '.join(sorted(EVIDENCE_CODES))})")
    if onset and not HP_ID.match(onset):
        return _bad(path, number, f"bad onset HP id {onset!r}")
    if aspect not in ASPECTS:
        return _bad(path, number, f"unknown aspect {aspect!r} (want one of {', '.join(sorted(ASPECTS))})")
    return _bad(path, number, "malformed row")


def read_hpoa(path: Path | str, tick: Callable[[int], None] | None = None) -> Iterator[Annotation]:
    """Stream the annotations of ``phenotype.hpoa``, checking each row.

    Parameters
    ----------
    path : path
        The annotation file.
    tick : callable, optional
        Called now and then with the number of characters read so far (for a progress bar).

    Yields
    ------
    Annotation

    Raises
    ------
    HPOImportError
        On a missing file, a wrong header, a row with the wrong number of columns, a malformed
        disease or HP id, an unknown qualifier, evidence code or aspect, or a truncated last
        line; the message names the file and line.
    """
    path = Path(path)
    number, header_seen, last, consumed = 0, False, "", 0
    match = _HPOA_ROW.fullmatch
    split_references: dict[str, tuple[str, ...]] = {}
    with _open(path) as fh:
        try:
            for raw in fh:
                number += 1
                last = raw
                consumed += len(raw)
                if tick is not None and not number & 0x7FFF:
                    tick(consumed)
                if raw.startswith("#"):
                    continue
                line = raw.rstrip("\r\n")
                if not header_seen:
                    _header(path, line.split("\t"), HPOA_COLUMNS, number)
                    header_seen = True
                    continue
                m = match(line)
                if m is None:
                    raise _diagnose_hpoa(path, number, raw)
                disease, name, qualifier, term, reference, evidence, onset, frequency, aspect = m.groups()
                references = split_references.get(reference)
                if references is None:  # a disease's rows mostly cite the same sources
                    references = split_references[reference] = tuple(
                        r.strip() for r in reference.split(";") if r.strip())
                yield Annotation(disease, name, qualifier == "NOT", term, references,
                                 evidence, onset, frequency, aspect, number)
        except UnicodeDecodeError as exc:
            raise _decode_error(path, exc, number) from None
    _end(path, header_seen, last, number)


def _diagnose_genes(path: Path, number: int, raw: str) -> HPOImportError:
    _column_count(path, raw, GENES_COLUMNS, number)
    gene, symbol, term, _, _, disease = raw.rstrip("\r\n").split("\t")
    if not _GENE.match(gene):
        return _bad(path, number, f"bad NCBI gene id {gene!r} (want digits)")
    if not symbol.strip():
        return _bad(path, number, "empty gene symbol")
    if not HP_ID.match(term):
        return _bad(path, number, f"bad HP id {term!r} (want HP: and 7 digits)")
    if not _DISEASE.match(disease):
        return _bad(path, number, f"bad disease id {disease!r} (want PREFIX:id)")
    return _bad(path, number, "malformed row")


def read_genes(path: Path | str, tick: Callable[[int], None] | None = None) -> Iterator[GeneLink]:
    """Stream the rows of ``genes_to_phenotype.txt``, checking each.

    Parameters
    ----------
    path : path
        The gene file.
    tick : callable, optional
        Called now and then with the number of characters read so far (for a progress bar).

    Yields
    ------
    GeneLink

    Raises
    ------
    HPOImportError
        On a missing file, a wrong header, a row with the wrong number of columns, a
        non-numeric gene id, an empty symbol, a malformed HP or disease id, or a truncated last
        line; the message names the file and line.
    """
    path = Path(path)
    number, header_seen, last, consumed = 0, False, "", 0
    match = _GENES_ROW.fullmatch
    with _open(path) as fh:
        try:
            for raw in fh:
                number += 1
                last = raw
                consumed += len(raw)
                if tick is not None and not number & 0x7FFF:
                    tick(consumed)
                line = raw.rstrip("\r\n")
                if not header_seen:
                    _header(path, line.split("\t"), GENES_COLUMNS, number)
                    header_seen = True
                    continue
                m = match(line)
                if m is None:
                    raise _diagnose_genes(path, number, raw)
                gene, symbol, term, disease = m.groups()
                yield GeneLink(gene, symbol, term, disease, number)
        except UnicodeDecodeError as exc:
            raise _decode_error(path, exc, number) from None
    _end(path, header_seen, last, number)
