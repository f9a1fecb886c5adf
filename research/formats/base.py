"""What the reference-file readers share: the refusal, the bounds, the report, synthetic ids
and field cleaning.

Records without a PMID get a synthetic id in PaperRecord.pmid: ``doi:<doi in lower case>``
when they have a DOI, else ``title:<first 12 hex digits of the SHA-1 of the normalised title>``
(lower-cased words joined by single spaces). Real PMIDs are all digits, so the two never clash.

Uploaded files are untrusted, so reading one is bounded: the bytes a gzip file expands to, the
number of entries, the length of any one field, and the characters BibTeX @string macros expand
to (added up before anything is expanded). Past a bound the whole file is refused, with a
message naming the limit. The readers catch only the errors their parsers raise, never a
broad Exception, so a budget or cancel signal raised inside a parser passes through.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from research.errors import UserFacingError
from research.records import AbstractSection, PaperRecord
from research.sections import ABSTRACT_CATEGORIES, UNASSIGNED, label_kind
from research.tokens import words

FORMATS = ("pubmed_xml", "medline", "ris", "bibtex", "csv")
MAX_REFERENCE_BYTES = 50 * 1024 * 1024
# Bounds on what an accepted file may turn into (see the module docstring).
MAX_EXPANDED_BYTES = 100 * 1024 * 1024
MAX_REFERENCES = 50_000
MAX_FIELD_CHARACTERS = 100_000
HEAD_BYTES = 4096
SYNTHETIC_HASH_CHARS = 12
YEAR_RE = re.compile(r"\b(1[5-9]\d\d|2\d\d\d)\b")
DOI_RE = re.compile(r"\b(10\.\d{4,9}/\S+)", re.IGNORECASE)
PMID_URL_RE = re.compile(r"(?:pubmed\.ncbi\.nlm\.nih\.gov/|ncbi\.nlm\.nih\.gov/pubmed/)(\d+)")
PMID_NOTE_RE = re.compile(r"\bPMID:?\s*(\d{1,9})\b")
PMCID_RE = re.compile(r"\b(PMC\d+)\b")
# "BACKGROUND: … METHODS: …" in a MEDLINE abstract; a label only counts when sections.label_kind
# recognises it, so "HIV:" inside a sentence stays put.
INLINE_LABEL_RE = re.compile(r"(?:^|(?<=[.!?)\]] ))([A-Z][A-Z ,&/-]{2,60}):\s+")


class ReferenceFormatError(UserFacingError):
    """The file could not be read as a reference file; the message is for the person uploading."""


@dataclass(frozen=True)
class Bounds:
    """How far one file may expand: bytes after gunzip, entries, characters in one field."""

    expanded_bytes: int = MAX_EXPANDED_BYTES
    references: int = MAX_REFERENCES
    field_characters: int = MAX_FIELD_CHARACTERS

    def too_many(self, count: int) -> None:
        """Refuse the file once it has more entries than the bound."""
        if count > self.references:
            raise ReferenceFormatError(f"This file has more than {self.references:,} references.")

    def too_long(self, length: int) -> None:
        """Refuse the file once one of its fields is longer than the bound."""
        if length > self.field_characters:
            raise ReferenceFormatError(
                f"A field in this file is longer than {self.field_characters:,} characters."
            )


Reader = Callable[[bytes, str, "ReferenceReport", Bounds], list[PaperRecord | None]]


@dataclass(frozen=True)
class SkippedReference:
    """An entry left out, where it was in the file, and why."""

    entry: int
    reason: str
    label: str = ""


@dataclass
class ReferenceReport:
    """The merged records of one file, with what was merged or left out."""

    format: str
    records: list[PaperRecord] = field(default_factory=list)
    entries: int = 0
    duplicates_merged: int = 0
    skipped: list[SkippedReference] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe summary (without the records)."""
        return {
            "format": self.format,
            "entries": self.entries,
            "records": len(self.records),
            "duplicates_merged": self.duplicates_merged,
            "skipped": [
                {"entry": s.entry, "reason": s.reason, "label": s.label} for s in self.skipped
            ],
        }


def synthetic_id(doi: str, title: str) -> str:
    """The id of a record without a PMID: doi:<doi>, else title:<sha1-12 of the title>."""
    doi = clean_doi(doi).lower()
    if doi:
        return f"doi:{doi}"
    normalised = " ".join(words(title))
    if not normalised:
        raise ValueError("A record needs a DOI or a title to get an id.")
    digest = hashlib.sha1(normalised.encode("utf-8")).hexdigest()[:SYNTHETIC_HASH_CHARS]
    return f"title:{digest}"


def is_synthetic_id(pmid: str) -> bool:
    """Whether an id was made by synthetic_id rather than being a PubMed PMID."""
    return pmid.startswith(("doi:", "title:"))


def decode(data: bytes) -> str:
    """Text of a file: UTF-8 (with or without BOM), else Windows-1252, else Latin-1."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def clean(text: Any) -> str:
    """A value as one line of text."""
    if text is None:
        return ""
    if isinstance(text, list | tuple):
        text = " ".join(str(t) for t in text)
    return " ".join(str(text).split())


def clean_doi(value: Any) -> str:
    """A bare DOI from a DOI, a doi: prefix or a doi.org URL; "" if none."""
    match = DOI_RE.search(clean(value))
    return match.group(1).rstrip(".,;") if match else ""


def pmid_from(value: Any) -> str:
    """A PMID from "29768149", "PMID: 29768149" or a PubMed URL; "" if none."""
    text = clean(value)
    if text.isdigit():
        return text.lstrip("0") or ""
    match = PMID_URL_RE.search(text) or PMID_NOTE_RE.search(text)
    return match.group(1) if match else ""


def pmcid_from(value: Any) -> str:
    """A PMCID ("PMC1234567"), also from a bare number; "" if none."""
    text = clean(value).upper()
    if text.isdigit():
        return f"PMC{text}"
    match = PMCID_RE.search(text)
    return match.group(1) if match else ""


def year_from(value: Any) -> int | None:
    """The first plausible year in a date."""
    match = YEAR_RE.search(clean(value))
    return int(match.group(1)) if match else None


def person(last: str, first: str) -> str:
    """A name as PubMed writes it: "Surname Initials"."""
    initials = "".join(part[0].upper() for part in re.split(r"[\s.\-]+", first) if part)
    return f"{last} {initials}".strip()


def author_from_comma_name(name: str) -> str:
    """ "Doe, Jane Q." to "Doe JQ"; a name without a comma is kept as written."""
    name = clean(name)
    if "," not in name:
        return name
    last, _, first = name.partition(",")
    return person(last.strip(), first.strip())


def abstract_sections(text: str) -> tuple[AbstractSection, ...]:
    """An abstract, split into labelled sections when it starts with a label (BACKGROUND: …)."""
    text = clean(text)
    if not text:
        return ()
    marks = [m for m in INLINE_LABEL_RE.finditer(text) if label_kind(m.group(1)) != UNASSIGNED]
    if not marks or marks[0].start() != 0:
        return (AbstractSection(UNASSIGNED, "", text),)
    sections = []
    for i, match in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        body = text[match.end() : end].strip()
        label = match.group(1).strip()
        category = label_kind(label)
        if category not in ABSTRACT_CATEGORIES:
            category = UNASSIGNED
        if body:
            sections.append(AbstractSection(category, label, body))
    return tuple(sections)


def as_list(value: Any) -> list[Any]:
    """A field that may be repeated, as a list."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
