"""CSV and TSV files whose header names the columns (PubMed's export, spreadsheets)."""

from __future__ import annotations

import csv
import io
import re

from research.formats.base import (
    Bounds,
    ReferenceFormatError,
    ReferenceReport,
    abstract_sections,
    author_from_comma_name,
    clean,
    clean_doi,
    decode,
    pmcid_from,
    pmid_from,
    year_from,
)
from research.records import PaperRecord

CSV_COLUMNS = {
    "title": ("title", "articletitle", "ti", "primarytitle", "documenttitle", "papertitle"),
    "abstract": ("abstract", "ab", "abstracttext", "abstractnote", "summary"),
    "authors": ("authors", "author", "au", "authorlist", "authornames", "authorfullnames"),
    "year": ("year", "publicationyear", "pubyear", "py", "yearpublished", "date",
             "publicationdate", "pubdate", "createdate"),
    "journal": ("journal", "journalbook", "journaltitle", "source", "sourcetitle",
                "publicationtitle", "so", "jt", "ta", "secondarytitle", "venue"),
    "doi": ("doi", "digitalobjectidentifier"),
    "pmid": ("pmid", "pubmedid", "pubmed", "pubmedidentifier"),
    "pmcid": ("pmcid", "pmc"),
    "keywords": ("keywords", "authorkeywords", "ot", "keyword", "tags"),
}  # fmt: skip
CSV_DELIMITERS = ",;\t"
PUBMED_AUTHOR_RE = re.compile(r"^\S.*\s[A-Z]{1,4}$")  # "O'Byrne PM"


def _normalised_header(name: str) -> str:
    """A column name reduced to lower-case letters and digits ("Journal/Book" → "journalbook")."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def has_title_column(first_line: str) -> bool:
    """Whether a header line names a title column."""
    for delimiter in CSV_DELIMITERS:
        if any(
            _normalised_header(c) in CSV_COLUMNS["title"]
            for c in next(csv.reader([first_line], delimiter=delimiter), [])
        ):
            return True
    return False


def read_csv(
    data: bytes, name: str, report: ReferenceReport, bounds: Bounds
) -> list[PaperRecord | None]:
    """Records of a CSV or TSV file whose header names the columns (PubMed's export, etc.)."""
    text = decode(data).lstrip("\ufeff")
    first_line = text.split("\n", 1)[0]
    delimiter = max(CSV_DELIMITERS, key=first_line.count)
    rows = []
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            rows.append(row)
            bounds.too_many(len(rows) - 1)  # the header is no reference
    except csv.Error as exc:
        raise ReferenceFormatError(f"{name}: this CSV file could not be read ({exc}).") from None
    if not rows:
        return []
    columns: dict[str, int] = {}
    for position, header in enumerate(rows[0]):
        key = _normalised_header(header)
        for field_name, aliases in CSV_COLUMNS.items():
            if key in aliases and field_name not in columns:
                columns[field_name] = position
    if "title" not in columns:
        raise ReferenceFormatError(
            f"{name}: the CSV file has no title column (its columns are "
            f"{', '.join(h for h in rows[0][:12] if h)})."
        )
    records: list[PaperRecord | None] = []
    for row in rows[1:]:
        if not any(cell.strip() for cell in row):
            continue

        def cell(field_name: str, row: list[str] = row) -> str:
            position = columns.get(field_name)
            return row[position].strip() if position is not None and position < len(row) else ""

        records.append(
            PaperRecord(
                pmid=pmid_from(cell("pmid")),
                title=clean(cell("title")),
                abstract=abstract_sections(cell("abstract")),
                doi=clean_doi(cell("doi")),
                pmcid=pmcid_from(cell("pmcid")),
                authors=tuple(_csv_authors(cell("authors"))),
                journal=clean(cell("journal")),
                year=year_from(cell("year")),
                keywords=tuple(_split_keywords(cell("keywords"))),
            )
        )
    return records


def _split_keywords(value: str) -> list[str]:
    """Keywords separated by ";" or "|"."""
    return [k for k in (clean(k) for k in re.split(r"[;|]", value)) if k]


def _csv_authors(value: str) -> list[str]:
    """Authors separated by ";" ("Doe, Jane; Roe, R") or, as PubMed exports, by ","."""
    value = clean(value).rstrip(".")
    if not value:
        return []
    if ";" in value:
        return [a for a in (author_from_comma_name(p) for p in value.split(";")) if a]
    parts = [p.strip() for p in re.split(r",\s*|\s+and\s+", value) if p.strip()]
    if len(parts) == 2 and not all(PUBMED_AUTHOR_RE.match(p) for p in parts):
        return [author_from_comma_name(value)]  # one person written "Doe, Jane"
    return parts
