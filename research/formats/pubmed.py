"""PubMed XML files (plain or gzip) through the engine's PubMed reader."""

from __future__ import annotations

import io

from research.formats.base import (
    Bounds,
    ReferenceFormatError,
    ReferenceReport,
    SkippedReference,
)
from research.pubmed_xml import ParseReport, PubMedXMLError, read_pubmed
from research.records import PaperRecord


def read_pubmed_xml(
    data: bytes, name: str, report: ReferenceReport, bounds: Bounds
) -> list[PaperRecord | None]:
    """Records of a PubMed XML file; records it cannot read are reported as skipped."""
    parse = ParseReport()
    stream = io.BytesIO(data)
    stream.name = name
    records: list[PaperRecord | None] = []
    try:
        for record in read_pubmed(stream, parse):
            records.append(record)
            bounds.too_many(parse.parsed + parse.bad)
    except PubMedXMLError as exc:
        raise ReferenceFormatError(str(exc)) from None
    for message in parse.errors:
        report.skipped.append(SkippedReference(0, message))
    for _ in range(parse.bad - len(parse.errors)):
        report.skipped.append(SkippedReference(0, "unreadable record"))
    report.entries += parse.bad
    return records
