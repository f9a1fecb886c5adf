"""Reference files (PubMed XML, MEDLINE/.nbib, RIS, BibTeX, CSV) read into merged paper records.

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

import csv
import gzip
import hashlib
import io
import os
import re
import unicodedata
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import rispy
from bibtexparser.bibdatabase import BibDataString, BibDataStringExpression
from bibtexparser.bparser import BibTexParser
from bibtexparser.customization import splitname
from bibtexparser.latexenc import latex_to_unicode
from Bio import Medline
from pyparsing import ParseBaseException

from research.pubmed_xml import ParseReport, PubMedXMLError, read_pubmed
from research.records import SECTION_CATEGORIES, AbstractSection, MeshTerm, PaperRecord
from research.text import label_kind, words

FORMATS = ("pubmed_xml", "medline", "ris", "bibtex", "csv")
MAX_REFERENCE_BYTES = 50 * 1024 * 1024
# Bounds on what an accepted file may turn into (see the module docstring).
MAX_EXPANDED_BYTES = 100 * 1024 * 1024
MAX_REFERENCES = 50_000
MAX_FIELD_CHARACTERS = 100_000
GUNZIP_CHUNK = 1 << 20
HEAD_BYTES = 4096
GZIP_MAGIC = b"\x1f\x8b"
MIN_TITLE_WORDS_FOR_MATCH = 4
SYNTHETIC_HASH_CHARS = 12
YEAR_RE = re.compile(r"\b(1[5-9]\d\d|2\d\d\d)\b")
DOI_RE = re.compile(r"\b(10\.\d{4,9}/\S+)", re.IGNORECASE)
PMID_URL_RE = re.compile(r"(?:pubmed\.ncbi\.nlm\.nih\.gov/|ncbi\.nlm\.nih\.gov/pubmed/)(\d+)")
PMID_NOTE_RE = re.compile(r"\bPMID:?\s*(\d{1,9})\b")
PMCID_RE = re.compile(r"\b(PMC\d+)\b")
RIS_START_RE = re.compile(r"^\s*TY  - ", re.MULTILINE)
MEDLINE_START_RE = re.compile(r"^(?:PMID|TI  |OWN |STAT)- ", re.MULTILINE)
BIBTEX_ENTRY_RE = re.compile(r"^\s*@\s*([A-Za-z]+)\s*[{(]", re.MULTILINE)
BIBTEX_NON_ENTRIES = frozenset({"comment", "string", "preamble"})
# What bibtexparser and the pyparsing grammar under it raise on a file they cannot read.
BIBTEX_ERRORS = (
    ParseBaseException,
    ValueError,
    KeyError,
    IndexError,
    TypeError,
    AttributeError,
    RecursionError,
)
# "BACKGROUND: … METHODS: …" in a MEDLINE abstract; a label only counts when text.label_kind
# recognises it, so "HIV:" inside a sentence stays put.
INLINE_LABEL_RE = re.compile(r"(?:^|(?<=[.!?)\]] ))([A-Z][A-Z ,&/-]{2,60}):\s+")
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


class ReferenceFormatError(ValueError):
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
    doi = _clean_doi(doi).lower()
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


def detect_format(name: str, head_bytes: bytes) -> str:
    """The format of a file from its first bytes, then its name: one of FORMATS."""
    if head_bytes.startswith(GZIP_MAGIC):
        return "pubmed_xml"
    head = _decode(head_bytes[:HEAD_BYTES]).lstrip("\ufeff").lstrip()
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
    if any(d in first_line for d in CSV_DELIMITERS) and _csv_title_column(first_line):
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
    readers: dict[str, Reader] = {
        "pubmed_xml": _read_pubmed_xml,
        "medline": _read_medline,
        "ris": _read_ris,
        "bibtex": _read_bibtex,
        "csv": _read_csv,
    }
    entries = readers[kind](data, name, report, bounds)
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


def _decode(data: bytes) -> str:
    """Text of a file: UTF-8 (with or without BOM), else Windows-1252, else Latin-1."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


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


# Merging


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


# Shared field helpers


def _clean(text: Any) -> str:
    """A value as one line of text."""
    if text is None:
        return ""
    if isinstance(text, list | tuple):
        text = " ".join(str(t) for t in text)
    return " ".join(str(text).split())


def _clean_doi(value: Any) -> str:
    """A bare DOI from a DOI, a doi: prefix or a doi.org URL; "" if none."""
    match = DOI_RE.search(_clean(value))
    return match.group(1).rstrip(".,;") if match else ""


def _pmid(value: Any) -> str:
    """A PMID from "29768149", "PMID: 29768149" or a PubMed URL; "" if none."""
    text = _clean(value)
    if text.isdigit():
        return text.lstrip("0") or ""
    match = PMID_URL_RE.search(text) or PMID_NOTE_RE.search(text)
    return match.group(1) if match else ""


def _pmcid(value: Any) -> str:
    """A PMCID ("PMC1234567"), also from a bare number; "" if none."""
    text = _clean(value).upper()
    if text.isdigit():
        return f"PMC{text}"
    match = PMCID_RE.search(text)
    return match.group(1) if match else ""


def _year(value: Any) -> int | None:
    """The first plausible year in a date."""
    match = YEAR_RE.search(_clean(value))
    return int(match.group(1)) if match else None


def _person(last: str, first: str) -> str:
    """A name as PubMed writes it: "Surname Initials"."""
    initials = "".join(part[0].upper() for part in re.split(r"[\s.\-]+", first) if part)
    return f"{last} {initials}".strip()


def _author_from_comma_name(name: str) -> str:
    """ "Doe, Jane Q." to "Doe JQ"; a name without a comma is kept as written."""
    name = _clean(name)
    if "," not in name:
        return name
    last, _, first = name.partition(",")
    return _person(last.strip(), first.strip())


def _abstract(text: str) -> tuple[AbstractSection, ...]:
    """An abstract, split into labelled sections when it starts with a label (BACKGROUND: …)."""
    text = _clean(text)
    if not text:
        return ()
    marks = [m for m in INLINE_LABEL_RE.finditer(text) if label_kind(m.group(1)) != "UNASSIGNED"]
    if not marks or marks[0].start() != 0:
        return (AbstractSection("UNASSIGNED", "", text),)
    sections = []
    for i, match in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        body = text[match.end() : end].strip()
        label = match.group(1).strip()
        category = label_kind(label)
        if category not in SECTION_CATEGORIES:
            category = "UNASSIGNED"
        if body:
            sections.append(AbstractSection(category, label, body))
    return tuple(sections)


# PubMed XML


def _read_pubmed_xml(
    data: bytes, name: str, report: ReferenceReport, bounds: Bounds
) -> list[PaperRecord | None]:
    """Records of a PubMed XML file; records it cannot read are reported as skipped."""
    parse = ParseReport()
    stream = io.BytesIO(data)
    stream.name = name  # type: ignore[attr-defined]
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


# MEDLINE / .nbib


def _read_medline(
    data: bytes, name: str, report: ReferenceReport, bounds: Bounds
) -> list[PaperRecord | None]:
    """Records of a MEDLINE (.nbib) file, as PubMed exports for citation managers."""
    text = _decode(data).replace("\r\n", "\n")
    entries = []
    try:
        for entry in Medline.parse(io.StringIO(text)):
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
        pmid=_pmid(entry.get("PMID")),
        title=_clean(entry.get("TI")) or _clean(entry.get("TT")),
        abstract=_abstract(_clean(entry.get("AB"))),
        doi=_medline_doi(entry),
        pmcid=_pmcid(entry.get("PMC")),
        authors=tuple(_clean(a) for a in _as_list(entry.get("AU")) if _clean(a))
        or tuple(_clean(a) for a in _as_list(entry.get("CN")) if _clean(a)),
        journal=_clean(entry.get("JT")) or _clean(entry.get("TA")),
        year=_year(entry.get("DP")) or _year(entry.get("DEP")),
        mesh=tuple(m for m in (_medline_mesh(h) for h in _as_list(entry.get("MH"))) if m),
        publication_types=tuple(_clean(p) for p in _as_list(entry.get("PT")) if _clean(p)),
        chemicals=tuple(c for c in (_medline_chemical(r) for r in _as_list(entry.get("RN"))) if c),
        keywords=tuple(_clean(k) for k in _as_list(entry.get("OT")) if _clean(k)),
    )


def _as_list(value: Any) -> list[Any]:
    """A field that may be repeated, as a list."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _medline_doi(entry: dict[str, Any]) -> str:
    """The DOI among the LID and AID ids ("10.1056/NEJMoa1715274 [doi]")."""
    for value in _as_list(entry.get("LID")) + _as_list(entry.get("AID")):
        text = _clean(value)
        if text.endswith("[doi]"):
            return _clean_doi(text.removesuffix("[doi]"))
    return ""


def _medline_mesh(heading: Any) -> MeshTerm | None:
    """ "*Asthma/drug therapy/*physiopathology": descriptor, qualifiers, major if any star."""
    parts = [p.strip() for p in _clean(heading).split("/")]
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
    text = _clean(value)
    match = re.search(r"\((.+)\)\s*$", text)
    return match.group(1) if match else text


# RIS


def _read_ris(
    data: bytes, name: str, report: ReferenceReport, bounds: Bounds
) -> list[PaperRecord | None]:
    """Records of a RIS file (EndNote, Zotero, Mendeley, publishers' exports)."""
    text = _decode(data).replace("\r\n", "\n")
    bounds.too_many(sum(1 for _ in RIS_START_RE.finditer(text)))
    try:
        entries = rispy.loads(text, skip_unknown_tags=True)
    except (ValueError, KeyError, IndexError) as exc:
        raise ReferenceFormatError(f"{name}: this RIS file could not be read ({exc}).") from None
    return [_ris_record(e) for e in entries]


def _ris_record(entry: dict[str, Any]) -> PaperRecord:
    """One RIS entry as a record; the PMID is read from AN, URLs or notes when present."""
    urls = [str(u) for u in _as_list(entry.get("urls"))]
    notes = [str(n) for n in _as_list(entry.get("notes"))]
    pmid = ""
    database = _clean(entry.get("name_of_database")).lower()
    accession = _clean(entry.get("accession_number"))
    if accession.isdigit() and (not database or "pubmed" in database or "medline" in database):
        pmid = accession
    pmid = pmid or next((p for p in (_pmid(u) for u in urls) if p), "")
    for note in notes if not pmid else []:
        if "PMID" in note.upper():
            pmid = _pmid(note)
            break
    doi = _clean_doi(entry.get("doi")) or next((d for d in (_clean_doi(u) for u in urls) if d), "")
    authors = _as_list(entry.get("authors")) or _as_list(entry.get("first_authors"))
    return PaperRecord(
        pmid=pmid,
        title=_clean(entry.get("title")) or _clean(entry.get("primary_title")),
        abstract=_abstract(_clean(entry.get("abstract")) or _clean(entry.get("notes_abstract"))),
        doi=doi,
        pmcid=_pmcid(entry.get("custom2")) if "PMC" in _clean(entry.get("custom2")) else "",
        authors=tuple(a for a in (_author_from_comma_name(a) for a in authors) if a),
        journal=_clean(entry.get("secondary_title"))
        or _clean(entry.get("journal_name"))
        or _clean(entry.get("alternate_title3"))
        or _clean(entry.get("alternate_title1")),
        year=_year(entry.get("year")) or _year(entry.get("publication_year")),
        keywords=tuple(_clean(k) for k in _as_list(entry.get("keywords")) if _clean(k)),
    )


# BibTeX


def _read_bibtex(
    data: bytes, name: str, report: ReferenceReport, bounds: Bounds
) -> list[PaperRecord | None]:
    """Records of a BibTeX file; entries the parser had to drop are reported as skipped."""
    text = _decode(data)
    declared = sum(
        1 for m in BIBTEX_ENTRY_RE.finditer(text) if m.group(1).lower() not in BIBTEX_NON_ENTRIES
    )
    bounds.too_many(declared)
    parser = _BoundedBibTexParser(bounds=bounds)
    try:
        database = parser.parse(text)
    except ReferenceFormatError:
        raise
    except BIBTEX_ERRORS as exc:
        raise ReferenceFormatError(
            f"{name}: this BibTeX file could not be read ({type(exc).__name__}: {exc})."
        ) from None
    for _ in range(max(0, declared - len(database.entries))):
        report.skipped.append(SkippedReference(0, "a BibTeX entry could not be parsed"))
    report.entries += max(0, declared - len(database.entries))
    return [_bibtex_record(e) for e in database.entries]


class _BoundedBibTexParser(BibTexParser):
    """bibtexparser's parser, with @string macros expanded only after their expanded size is
    added up: a few hundred bytes of macros that each repeat the last can otherwise spell out
    gigabytes. Each value (a macro's or a field's) is checked as the parser meets it, in file
    order, as bibtexparser 1.4 expands it; the running total is bounded as well."""

    def __init__(self, *, bounds: Bounds) -> None:  # BibTexParser.__new__ takes data first
        super().__init__(
            common_strings=True, ignore_nonstandard_types=False, interpolate_strings=True
        )
        self.bounds = bounds
        self.expanded = 0

    def _clean_val(self, val: Any) -> Any:
        size = self._size(val)
        self.bounds.too_long(size)
        self.expanded += size
        if self.expanded > self.bounds.expanded_bytes:
            raise ReferenceFormatError(
                f"This file expands beyond {self.bounds.expanded_bytes / 1_048_576:,.0f} MB "
                "when its @string macros are expanded."
            )
        return super()._clean_val(val)

    def _size(self, val: Any) -> int:
        """The length val will have once expanded; macros are already stored expanded."""
        if isinstance(val, BibDataStringExpression):
            return sum(self._size(part) for part in val.expr)
        if isinstance(val, BibDataString):
            # An undefined macro counts as empty here; expanding it raises UndefinedString.
            return len(self.bib_database.strings.get(val.name, ""))
        return len(str(val))


def _latex(value: Any) -> str:
    """A BibTeX value as plain text: LaTeX accents decoded, protective braces removed."""
    text = latex_to_unicode(_clean(value)).replace("{", "").replace("}", "")
    # {\'\i} decodes to a dotless i with a combining accent, which NFC leaves apart.
    text = text.replace("\u0131\u0301", "i\u0301")
    return _clean(unicodedata.normalize("NFC", text))


def _bibtex_record(entry: dict[str, str]) -> PaperRecord:
    """One BibTeX entry as a record (eprint with eprinttype pubmed counts as a PMID)."""
    pmid = _pmid(entry.get("pmid"))
    if not pmid and _clean(entry.get("eprinttype")).lower() in ("pubmed", "pmid"):
        pmid = _pmid(entry.get("eprint"))
    return PaperRecord(
        pmid=pmid,
        title=_latex(entry.get("title")),
        abstract=_abstract(_latex(entry.get("abstract"))),
        doi=_clean_doi(entry.get("doi")) or _clean_doi(entry.get("url")),
        pmcid=_pmcid(entry.get("pmcid")),
        authors=tuple(_bibtex_authors(entry.get("author", ""))),
        journal=_latex(entry.get("journal") or entry.get("journaltitle") or entry.get("booktitle")),
        year=_year(entry.get("year")) or _year(entry.get("date")),
        keywords=tuple(
            k for k in (_latex(k) for k in re.split(r"[;,]", entry.get("keywords", ""))) if k
        ),
    )


def _bibtex_authors(value: str) -> list[str]:
    """ "Müller, Hans and {World Health Organization}" as ["Müller H", "World Health …"]."""
    names = []
    for raw in _split_top_level(_clean(value), " and "):
        raw = raw.strip()
        if not raw:
            continue
        if raw.startswith("{") and raw.endswith("}"):
            names.append(_latex(raw))  # a corporate author, kept whole
            continue
        try:
            parts = splitname(raw, strict_mode=False)
        except (ValueError, IndexError):  # an unbalanced name; keep it as written
            names.append(_latex(raw))
            continue
        last = " ".join(parts.get("von", []) + parts.get("last", []))
        names.append(_person(_latex(last), _latex(" ".join(parts.get("first", [])))))
    return names


def _split_top_level(text: str, separator: str) -> list[str]:
    """Split text on separator outside braces."""
    pieces, depth, start, i = [], 0, 0, 0
    lowered = text.lower()
    while i < len(text):
        char = text[i]
        if char == "{":
            depth += 1
        elif char == "}":
            depth = max(0, depth - 1)
        elif depth == 0 and lowered.startswith(separator, i):
            pieces.append(text[start:i])
            i += len(separator)
            start = i
            continue
        i += 1
    pieces.append(text[start:])
    return pieces


# CSV


def _normalised_header(name: str) -> str:
    """A column name reduced to lower-case letters and digits ("Journal/Book" → "journalbook")."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _csv_title_column(first_line: str) -> bool:
    """Whether a header line names a title column."""
    for delimiter in CSV_DELIMITERS:
        if any(
            _normalised_header(c) in CSV_COLUMNS["title"]
            for c in next(csv.reader([first_line], delimiter=delimiter), [])
        ):
            return True
    return False


def _read_csv(
    data: bytes, name: str, report: ReferenceReport, bounds: Bounds
) -> list[PaperRecord | None]:
    """Records of a CSV or TSV file whose header names the columns (PubMed's export, etc.)."""
    text = _decode(data).lstrip("\ufeff")
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
                pmid=_pmid(cell("pmid")),
                title=_clean(cell("title")),
                abstract=_abstract(cell("abstract")),
                doi=_clean_doi(cell("doi")),
                pmcid=_pmcid(cell("pmcid")),
                authors=tuple(_csv_authors(cell("authors"))),
                journal=_clean(cell("journal")),
                year=_year(cell("year")),
                keywords=tuple(_split_keywords(cell("keywords"))),
            )
        )
    return records


def _split_keywords(value: str) -> list[str]:
    """Keywords separated by ";" or "|"."""
    return [k for k in (_clean(k) for k in re.split(r"[;|]", value)) if k]


def _csv_authors(value: str) -> list[str]:
    """Authors separated by ";" ("Doe, Jane; Roe, R") or, as PubMed exports, by ","."""
    value = _clean(value).rstrip(".")
    if not value:
        return []
    if ";" in value:
        return [a for a in (_author_from_comma_name(p) for p in value.split(";")) if a]
    parts = [p.strip() for p in re.split(r",\s*|\s+and\s+", value) if p.strip()]
    if len(parts) == 2 and not all(PUBMED_AUTHOR_RE.match(p) for p in parts):
        return [_author_from_comma_name(value)]  # one person written "Doe, Jane"
    return parts
