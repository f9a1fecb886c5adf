"""Reading a reference file of any supported format: detect it, read it, bound it, merge it."""

from __future__ import annotations

import gzip
import io
import os
import zlib
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from research.formats.base import (
    HEAD_BYTES,
    MAX_REFERENCE_BYTES,
    Bounds,
    Reader,
    ReferenceFormatError,
    ReferenceReport,
    SkippedReference,
    decode,
    is_synthetic_id,
    synthetic_id,
)
from research.formats.bibtex import BIBTEX_ENTRY_RE, read_bibtex
from research.formats.csvfile import CSV_DELIMITERS, has_title_column, read_csv
from research.formats.medline import MEDLINE_START_RE, read_medline
from research.formats.pubmed import read_pubmed_xml
from research.formats.ris import RIS_START_RE, read_ris
from research.records import PaperRecord
from research.tokens import words

GUNZIP_CHUNK = 1 << 20
GZIP_MAGIC = b"\x1f\x8b"
MIN_TITLE_WORDS_FOR_MATCH = 4
READERS: dict[str, Reader] = {
    "pubmed_xml": read_pubmed_xml,
    "medline": read_medline,
    "ris": read_ris,
    "bibtex": read_bibtex,
    "csv": read_csv,
}


def detect_format(name: str, head_bytes: bytes) -> str:
    """The format of a file from its first bytes, then its name: one of FORMATS."""
    if head_bytes.startswith(GZIP_MAGIC):
        return "pubmed_xml"
    head = decode(head_bytes[:HEAD_BYTES]).lstrip("\ufeff").lstrip()
    lowered_name = name.lower()
    if head.startswith("<"):
        return "pubmed_xml"
    if RIS_START_RE.search(head):
        return "ris"
    if MEDLINE_START_RE.search(head):
        return "medline"
    if BIBTEX_ENTRY_RE.search(head):
        return "bibtex"
    for suffixes, kind in (
        ((".xml", ".xml.gz"), "pubmed_xml"),
        ((".nbib", ".medline", ".pubmed"), "medline"),
        ((".ris",), "ris"),
        ((".bib", ".bibtex"), "bibtex"),
        ((".csv", ".tsv"), "csv"),
    ):
        if lowered_name.endswith(suffixes):
            return kind
    first_line = head.splitlines()[0] if head else ""
    if any(d in first_line for d in CSV_DELIMITERS) and has_title_column(first_line):
        return "csv"
    raise ReferenceFormatError(
        f"{os.path.basename(name) or 'The file'}: not a reference file this site reads "
        "(PubMed XML, MEDLINE/.nbib, RIS, BibTeX or CSV)."
    )


def read_references(
    source: str | os.PathLike[str] | bytes,
    name: str = "",
    max_bytes: int = MAX_REFERENCE_BYTES,
    *,
    bounds: Bounds | None = None,
) -> ReferenceReport:
    """Read a reference file of any supported format, merging duplicates within it."""
    bounds = bounds or Bounds()
    if isinstance(source, bytes):
        data = source
    else:
        path = Path(source)
        name = name or path.name
        if path.stat().st_size > max_bytes:
            raise ReferenceFormatError(_too_large(name, path.stat().st_size, max_bytes))
        data = path.read_bytes()
    name = os.path.basename(name) or "upload"
    if len(data) > max_bytes:
        raise ReferenceFormatError(_too_large(name, len(data), max_bytes))
    if not data.strip():
        raise ReferenceFormatError(f"{name}: the file is empty.")
    if data.startswith(GZIP_MAGIC):
        data = _gunzip(data, name, bounds.expanded_bytes)
    kind = detect_format(name, data[:HEAD_BYTES])
    report = ReferenceReport(format=kind)
    entries = READERS[kind](data, name, report, bounds)
    report.entries += len(entries)
    bounds.too_many(report.entries)
    kept: list[tuple[int, PaperRecord]] = []
    for position, record in enumerate(entries, start=1):
        if record is None:
            continue
        bounds.too_long(_longest_field(record))
        if not record.title.strip():
            report.skipped.append(SkippedReference(position, "no title", _label(record)))
            continue
        kept.append((position, record))
    report.records, report.duplicates_merged = _merge(r for _, r in kept)
    if not report.records and not report.skipped:
        raise ReferenceFormatError(f"{name}: no references were found in this {_nice(kind)} file.")
    return report


def _gunzip(data: bytes, name: str, limit: int) -> bytes:
    """A gzip file's contents, refused as soon as they grow past limit bytes."""
    expanded = bytearray()
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            while chunk := stream.read(GUNZIP_CHUNK):
                expanded += chunk
                if len(expanded) > limit:
                    raise ReferenceFormatError(
                        f"This file expands beyond {limit / 1_048_576:,.0f} MB when decompressed."
                    )
    except (EOFError, OSError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError
        raise ReferenceFormatError(
            f"{name}: the compressed file is damaged or truncated ({exc})"
        ) from None
    return bytes(expanded)


def _longest_field(record: PaperRecord) -> int:
    """The length of the record's longest text field."""
    values = [record.pmid, record.title, record.doi, record.pmcid, record.journal]
    values += [*record.authors, *record.keywords, *record.publication_types, *record.chemicals]
    values += [section.text for section in record.abstract]
    values += [term.descriptor for term in record.mesh]
    return max(map(len, values), default=0)


def _too_large(name: str, size: int, limit: int) -> str:
    """Why an oversized file is refused."""
    size_mb, limit_mb = size / 1_048_576, limit / 1_048_576
    return f"{name}: the file is {size_mb:.1f} MB; the limit is {limit_mb:.0f} MB."


def _nice(kind: str) -> str:
    """A format's name for people."""
    return {"pubmed_xml": "PubMed XML", "medline": "MEDLINE", "ris": "RIS", "bibtex": "BibTeX"}.get(
        kind, kind.upper()
    )


def _label(record: PaperRecord) -> str:
    """How to point a person at a record that has no title."""
    parts = []
    if record.pmid and not is_synthetic_id(record.pmid):
        parts.append(f"PMID {record.pmid}")
    if record.doi:
        parts.append(f"DOI {record.doi}")
    if record.authors:
        parts.append(record.authors[0] + (" et al." if len(record.authors) > 1 else ""))
    if record.year:
        parts.append(str(record.year))
    return ", ".join(parts)


def _merge(records: Iterable[PaperRecord]) -> tuple[list[PaperRecord], int]:
    """Merge records sharing a PMID, DOI or normalised title; give the rest synthetic ids."""
    merged: list[PaperRecord] = []
    owner: dict[str, int] = {}
    duplicates = 0
    for record in records:
        keys = _match_keys(record)
        index = next((owner[k] for k in keys if k in owner), None)
        if index is None:
            index = len(merged)
            merged.append(record)
        else:
            duplicates += 1
            merged[index] = _combined(merged[index], record)
        for key in _match_keys(merged[index]) | keys:
            owner.setdefault(key, index)
    return [_with_id(r) for r in merged], duplicates


def _match_keys(record: PaperRecord) -> set[str]:
    """What identifies a paper: its PMID, DOI and (if long enough) normalised title."""
    keys = set()
    if record.pmid and not is_synthetic_id(record.pmid):
        keys.add(f"pmid:{record.pmid}")
    if record.doi:
        keys.add(f"doi:{record.doi.lower()}")
    title = words(record.title)
    if len(title) >= MIN_TITLE_WORDS_FOR_MATCH:
        keys.add("title:" + " ".join(title))
    return keys


def _combined(first: PaperRecord, second: PaperRecord) -> PaperRecord:
    """One record from two copies: the first's values, gaps filled from the second."""
    abstract = first.abstract
    if len(" ".join(s.text for s in second.abstract)) > len(first.abstract_text()):
        abstract = second.abstract
    return PaperRecord(
        pmid=first.pmid or second.pmid,
        title=first.title or second.title,
        abstract=abstract,
        doi=first.doi or second.doi,
        pmcid=first.pmcid or second.pmcid,
        authors=first.authors or second.authors,
        journal=first.journal or second.journal,
        year=first.year if first.year is not None else second.year,
        mesh=first.mesh or second.mesh,
        publication_types=first.publication_types or second.publication_types,
        chemicals=first.chemicals or second.chemicals,
        keywords=tuple(dict.fromkeys(first.keywords + second.keywords)),
    )


def _with_id(record: PaperRecord) -> PaperRecord:
    """The record, with a synthetic id when it has no PMID."""
    if record.pmid:
        return record
    return replace(record, pmid=synthetic_id(record.doi, record.title))
