"""RIS files (EndNote, Zotero, Mendeley, publishers' exports)."""

from __future__ import annotations

import re
from typing import Any

import rispy

from research.formats.base import (
    Bounds,
    ReferenceFormatError,
    ReferenceReport,
    abstract_sections,
    as_list,
    author_from_comma_name,
    clean,
    clean_doi,
    decode,
    pmcid_from,
    pmid_from,
    year_from,
)
from research.records import PaperRecord

RIS_START_RE = re.compile(r"^\s*TY  - ", re.MULTILINE)


def read_ris(
    data: bytes, name: str, report: ReferenceReport, bounds: Bounds
) -> list[PaperRecord | None]:
    """Records of a RIS file (EndNote, Zotero, Mendeley, publishers' exports)."""
    text = decode(data).replace("\r\n", "\n")
    bounds.too_many(sum(1 for _ in RIS_START_RE.finditer(text)))
    try:
        entries = rispy.loads(text, skip_unknown_tags=True)
    except (ValueError, KeyError, IndexError) as exc:
        raise ReferenceFormatError(f"{name}: this RIS file could not be read ({exc}).") from None
    return [_ris_record(e) for e in entries]


def _ris_record(entry: dict[str, Any]) -> PaperRecord:
    """One RIS entry as a record; the PMID is read from AN, URLs or notes when present."""
    urls = [str(u) for u in as_list(entry.get("urls"))]
    notes = [str(n) for n in as_list(entry.get("notes"))]
    pmid = ""
    database = clean(entry.get("name_of_database")).lower()
    accession = clean(entry.get("accession_number"))
    if accession.isdigit() and (not database or "pubmed" in database or "medline" in database):
        pmid = accession
    pmid = pmid or next((p for p in (pmid_from(u) for u in urls) if p), "")
    for note in notes if not pmid else []:
        if "PMID" in note.upper():
            pmid = pmid_from(note)
            break
    doi = clean_doi(entry.get("doi")) or next((d for d in (clean_doi(u) for u in urls) if d), "")
    authors = as_list(entry.get("authors")) or as_list(entry.get("first_authors"))
    return PaperRecord(
        pmid=pmid,
        title=clean(entry.get("title")) or clean(entry.get("primary_title")),
        abstract=abstract_sections(
            clean(entry.get("abstract")) or clean(entry.get("notes_abstract"))
        ),
        doi=doi,
        pmcid=pmcid_from(entry.get("custom2")) if "PMC" in clean(entry.get("custom2")) else "",
        authors=tuple(a for a in (author_from_comma_name(a) for a in authors) if a),
        journal=clean(entry.get("secondary_title"))
        or clean(entry.get("journal_name"))
        or clean(entry.get("alternate_title3"))
        or clean(entry.get("alternate_title1")),
        year=year_from(entry.get("year")) or year_from(entry.get("publication_year")),
        keywords=tuple(clean(k) for k in as_list(entry.get("keywords")) if clean(k)),
    )
