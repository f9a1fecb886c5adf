"""MEDLINE (.nbib) files, as PubMed exports them for citation managers."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from typing import Any, TextIO

from Bio import Medline

from research.formats.base import (
    Bounds,
    ReferenceFormatError,
    ReferenceReport,
    abstract_sections,
    as_list,
    clean,
    clean_doi,
    decode,
    pmcid_from,
    pmid_from,
    year_from,
)
from research.records import MeshTerm, PaperRecord

MEDLINE_START_RE = re.compile(r"^(?:PMID|TI  |OWN |STAT)- ", re.MULTILINE)
# Biopython is untyped: what its MEDLINE parser takes and yields.
_parse_medline: Callable[[TextIO], Iterator[dict[str, Any]]] = Medline.parse


def read_medline(
    data: bytes, name: str, report: ReferenceReport, bounds: Bounds
) -> list[PaperRecord | None]:
    """Records of a MEDLINE (.nbib) file, as PubMed exports for citation managers."""
    text = decode(data).replace("\r\n", "\n")
    entries = []
    try:
        for entry in _parse_medline(io.StringIO(text)):
            entries.append(entry)
            bounds.too_many(len(entries))
    except ReferenceFormatError:
        raise
    except (ValueError, KeyError) as exc:
        raise ReferenceFormatError(
            f"{name}: this MEDLINE file could not be read ({exc})."
        ) from None
    return [_medline_record(e) for e in entries if e]


def _medline_record(entry: dict[str, Any]) -> PaperRecord:
    """One MEDLINE entry as a record."""
    return PaperRecord(
        pmid=pmid_from(entry.get("PMID")),
        title=clean(entry.get("TI")) or clean(entry.get("TT")),
        abstract=abstract_sections(clean(entry.get("AB"))),
        doi=_medline_doi(entry),
        pmcid=pmcid_from(entry.get("PMC")),
        authors=tuple(clean(a) for a in as_list(entry.get("AU")) if clean(a))
        or tuple(clean(a) for a in as_list(entry.get("CN")) if clean(a)),
        journal=clean(entry.get("JT")) or clean(entry.get("TA")),
        year=year_from(entry.get("DP")) or year_from(entry.get("DEP")),
        mesh=tuple(m for m in (_medline_mesh(h) for h in as_list(entry.get("MH"))) if m),
        publication_types=tuple(clean(p) for p in as_list(entry.get("PT")) if clean(p)),
        chemicals=tuple(c for c in (_medline_chemical(r) for r in as_list(entry.get("RN"))) if c),
        keywords=tuple(clean(k) for k in as_list(entry.get("OT")) if clean(k)),
    )


def _medline_doi(entry: dict[str, Any]) -> str:
    """The DOI among the LID and AID ids ("10.1056/NEJMoa1715274 [doi]")."""
    for value in as_list(entry.get("LID")) + as_list(entry.get("AID")):
        text = clean(value)
        if text.endswith("[doi]"):
            return clean_doi(text.removesuffix("[doi]"))
    return ""


def _medline_mesh(heading: Any) -> MeshTerm | None:
    """ "*Asthma/drug therapy/*physiopathology": descriptor, qualifiers, major if any star."""
    parts = [p.strip() for p in clean(heading).split("/")]
    if not parts or not parts[0].strip("*"):
        return None
    major = any(p.startswith("*") for p in parts)
    return MeshTerm(
        descriptor=parts[0].lstrip("*"),
        major=major,
        qualifiers=tuple(p.lstrip("*") for p in parts[1:] if p.lstrip("*")),
    )


def _medline_chemical(value: Any) -> str:
    """ "51333-22-3 (Budesonide)" to "Budesonide"."""
    text = clean(value)
    match = re.search(r"\((.+)\)\s*$", text)
    return match.group(1) if match else text
