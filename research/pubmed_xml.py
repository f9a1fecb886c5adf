"""Streaming reader for PubMed XML: NLM baseline/update files and efetch replies, gzipped or not."""

from __future__ import annotations

import gzip
import os
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Protocol, cast

from lxml import etree

from research.errors import UserFacingError
from research.records import AbstractSection, MeshTerm, PaperRecord
from research.sections import ABSTRACT_CATEGORIES

ACCEPTED_ROOTS = ("PubmedArticleSet", "MedlineCitationSet")
MAX_REPORTED_ERRORS = 20
# The prolog (XML declaration, DOCTYPE, comments) of a PubMed file is a few hundred bytes;
# anything that needs more than this before its root element is not one.
MAX_PROLOG_BYTES = 1 << 20
READ_CHUNK = 1 << 16
GZIP_MAGIC = b"\x1f\x8b"
UTF8_BOM = b"\xef\xbb\xbf"
RECORD_TAGS = ("PubmedArticle", "PubmedBookArticle", "MedlineCitation", "DeleteCitation")
SUB_SUP = frozenset({"sub", "sup"})
YEAR_RE = re.compile(r"\b(1[89]\d\d|2\d\d\d)\b")
SPACE_RE = re.compile(r"\s+")
ROOT_TAG_RE = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)(?=[\s/>])")
# Markup and pretty-printing leave a space before closing punctuation ("T1 , T2"); a period only
# when it ends a clause, so ".05" keeps its space.
SPACE_BEFORE_PUNCT_RE = re.compile(r" ([,;:)\]]|\.(?= |$))")
SPACE_AFTER_OPEN_RE = re.compile(r"([(\[]) ")


class PubMedXMLError(UserFacingError):
    """The file could not be read as PubMed XML; the message is for the person importing it."""


class NotPubMedXMLError(PubMedXMLError):
    """The file is not XML, or its root element is not a PubMed article set."""


class UnsafeXMLError(PubMedXMLError):
    """The file declares entities (XXE, entity expansion); it is refused, never expanded."""


@dataclass
class ParseReport:
    """What a read found besides the records it yielded."""

    parsed: int = 0
    bad: int = 0
    deleted: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def add_error(self, message: str) -> None:
        """Count one skipped record, keeping the first few messages."""
        self.bad += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(message)


class _Readable(Protocol):
    """What the reader needs of a stream: read(size) bytes at a time."""

    def read(self, size: int = -1, /) -> bytes: ...


class _PrefixedStream:
    """A read()-able stream that replays bytes already consumed before reading on."""

    def __init__(self, prefix: bytes, rest: _Readable) -> None:
        self._prefix = prefix
        self._rest = rest

    def read(self, size: int = -1) -> bytes:
        """Return up to size bytes, the replayed prefix first."""
        if self._prefix:
            if size is None or size < 0:
                data, self._prefix = self._prefix + self._rest.read(), b""
                return data
            data, self._prefix = self._prefix[:size], self._prefix[size:]
            return data
        return self._rest.read(size)


def read_pubmed(
    source: str | os.PathLike[str] | BinaryIO, report: ParseReport | None = None
) -> Iterator[PaperRecord]:
    """Yield the records of a PubMed XML file, skipping (and reporting) the ones that are broken."""
    report = report if report is not None else ParseReport()
    if isinstance(source, str | os.PathLike):
        name = Path(source).name
        with open(source, "rb") as handle:
            yield from _read_stream(handle, name, report)
    else:
        yield from _read_stream(source, getattr(source, "name", "input") or "input", report)


def _read_stream(raw: BinaryIO, name: str, report: ParseReport) -> Iterator[PaperRecord]:
    """Check the prolog, then stream the records out of an open binary stream."""
    name = os.path.basename(str(name))
    stream = _decompressed(raw, name)
    head = _read_prolog(stream, name)
    parser_input = _PrefixedStream(head, stream)
    events = etree.iterparse(
        parser_input,
        events=("end",),
        tag=RECORD_TAGS,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    index = 0
    try:
        for _event, elem in events:
            tag = elem.tag
            parent = elem.getparent()
            if tag == "MedlineCitation" and parent is not None and parent.tag == "PubmedArticle":
                continue  # read as part of its PubmedArticle, when that ends
            if tag == "DeleteCitation":
                report.deleted.extend(p for p in (_text(e) for e in elem.iter("PMID")) if p)
            else:
                index += 1
                record = _record_or_error(elem, index, report)
                if record is not None:
                    report.parsed += 1
                    yield record
            _release(elem)
    except etree.XMLSyntaxError as exc:
        raise PubMedXMLError(
            f"{name}: the XML is malformed or truncated near line {exc.lineno}: {exc.msg}"
        ) from None
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise PubMedXMLError(
            f"{name}: the compressed file is damaged or truncated ({exc})"
        ) from None


def _decompressed(raw: BinaryIO, name: str) -> _Readable:
    """Wrap the stream in a gzip reader when its first bytes say it is gzip, whatever its name."""
    magic = raw.read(2)
    prefixed = _PrefixedStream(magic, raw)
    if magic == GZIP_MAGIC:
        # GzipFile only seeks when asked to; reading forward, it needs nothing but read().
        return gzip.GzipFile(fileobj=cast(BinaryIO, prefixed), mode="rb")
    return prefixed


def _read_prolog(stream: _Readable, name: str) -> bytes:
    """Read up to the root start tag, refusing non-XML, other roots and entity declarations."""
    head = b""
    try:
        while True:
            chunk = stream.read(READ_CHUNK)
            head += chunk
            verdict = _prolog_root(head, name, complete=not chunk)
            if verdict is not None:
                break
            if len(head) > MAX_PROLOG_BYTES:
                raise NotPubMedXMLError(
                    f"{name}: is not PubMed XML (no root element in its first megabyte)"
                )
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise NotPubMedXMLError(f"{name}: is not a readable gzip file ({exc})") from None
    if verdict == "":
        raise NotPubMedXMLError(f"{name}: is not XML, so it cannot be PubMed XML")
    if verdict not in ACCEPTED_ROOTS:
        raise NotPubMedXMLError(
            f"{name}: is XML but not PubMed XML (its root element is <{verdict}>, "
            f"expected <PubmedArticleSet>)"
        )
    return head


def _prolog_root(head: bytes, name: str, *, complete: bool) -> str | None:
    """The root element's name, "" when this is not XML, None when more bytes are needed."""
    pos = len(UTF8_BOM) if head.startswith(UTF8_BOM) else 0
    while True:
        while pos < len(head) and head[pos : pos + 1].isspace():
            pos += 1
        if pos >= len(head):
            return "" if complete else None
        if head[pos : pos + 1] != b"<":
            return ""
        if head.startswith(b"<?", pos):
            end = head.find(b"?>", pos)
            step = 2
        elif head.startswith(b"<!--", pos):
            end = head.find(b"-->", pos)
            step = 3
        elif head.startswith(b"<!DOCTYPE", pos):
            end = _doctype_end(head, pos)
            step = 1
            if end >= 0 and b"<!ENTITY" in head[pos:end]:
                raise UnsafeXMLError(_unsafe_message(name))
        else:
            match = ROOT_TAG_RE.match(head, pos)
            if match:
                return match.group(1).decode("ascii", "replace")
            return "" if complete or len(head) - pos > 64 else None
        if end < 0:
            if complete:
                return ""
            if b"<!ENTITY" in head[pos:]:
                raise UnsafeXMLError(_unsafe_message(name))
            return None
        pos = end + step


def _unsafe_message(name: str) -> str:
    """Why a file with entity declarations is refused."""
    return (
        f"{name}: refused, it declares XML entities in its DOCTYPE; entities can read local "
        "files or expand without bound, and PubMed files never declare them"
    )


def _doctype_end(head: bytes, start: int) -> int:
    """Index of the '>' closing a DOCTYPE (after any internal subset), or -1 if not yet read."""
    bracket = head.find(b"[", start)
    close = head.find(b">", start)
    if close < 0:
        return -1
    if 0 <= bracket < close:
        subset_end = head.find(b"]", bracket)
        if subset_end < 0:
            return -1
        return head.find(b">", subset_end)
    return close


def _release(elem: etree._Element) -> None:
    """Free a finished record and the siblings before it, so memory stays flat in file size."""
    elem.clear(keep_tail=False)  # type: ignore[call-arg]  # lxml-stubs 0.5 lacks keep_tail
    parent = elem.getparent()
    if parent is None:
        return
    while elem.getprevious() is not None:
        del parent[0]


def _record_or_error(elem: etree._Element, index: int, report: ParseReport) -> PaperRecord | None:
    """Turn one record element into a PaperRecord, or count it as bad and return None."""
    if elem.tag == "PubmedBookArticle":
        report.add_error(f"record {index}: a book chapter record, not supported")
        return None
    citation = elem if elem.tag == "MedlineCitation" else elem.find("MedlineCitation")
    if citation is None:
        report.add_error(f"record {index}: no MedlineCitation")
        return None
    pmid = _text(citation.find("PMID"))
    if not pmid:
        report.add_error(f"record {index}: no PMID")
        return None
    if not pmid.isdigit():
        report.add_error(f"record {index}: PMID {pmid!r} is not a number")
        return None
    article = citation.find("Article")
    if article is None:
        report.add_error(f"record {index} (PMID {pmid}): no Article")
        return None
    id_list = elem.find("PubmedData/ArticleIdList")
    title = _inline_text(article.find("ArticleTitle")) or _inline_text(
        article.find("VernacularTitle")
    )
    return PaperRecord(
        pmid=pmid,
        title=title,
        abstract=_abstract(article),
        doi=_article_id(id_list, "doi") or _elocation_doi(article),
        pmcid=_article_id(id_list, "pmc"),
        authors=_authors(article),
        journal=_text(article.find("Journal/Title"))
        or _text(article.find("Journal/ISOAbbreviation")),
        year=_year(article),
        mesh=_mesh(citation),
        publication_types=tuple(
            t
            for t in (_text(p) for p in article.iterfind("PublicationTypeList/PublicationType"))
            if t
        ),
        chemicals=tuple(
            c
            for c in (_text(n) for n in citation.iterfind("ChemicalList/Chemical/NameOfSubstance"))
            if c
        ),
        keywords=tuple(
            k for k in (_inline_text(w) for w in citation.iterfind("KeywordList/Keyword")) if k
        ),
    )


def _abstract(article: etree._Element) -> tuple[AbstractSection, ...]:
    """The abstract's sections, with NLM's category (UNASSIGNED when absent or unknown)."""
    sections = []
    for part in article.iterfind("Abstract/AbstractText"):
        text = _inline_text(part)
        if not text:
            continue
        category = (part.get("NlmCategory") or "UNASSIGNED").upper()
        if category not in ABSTRACT_CATEGORIES:
            category = "UNASSIGNED"
        sections.append(
            AbstractSection(category=category, label=part.get("Label") or "", text=text)
        )
    return tuple(sections)


def _article_id(id_list: etree._Element | None, kind: str) -> str:
    """The article id of one kind (doi, pmc) from PubmedData, not from the reference list."""
    if id_list is None:
        return ""
    for article_id in id_list.iterfind("ArticleId"):
        if article_id.get("IdType") == kind:
            return _text(article_id)
    return ""


def _elocation_doi(article: etree._Element) -> str:
    """The DOI given as an electronic location, for records without PubmedData."""
    for location in article.iterfind("ELocationID"):
        if location.get("EIdType") == "doi" and location.get("ValidYN", "Y") == "Y":
            return _text(location)
    return ""


def _authors(article: etree._Element) -> tuple[str, ...]:
    """Authors as "Surname Initials", or the group's name for a collective author."""
    names = []
    for author in article.iterfind("AuthorList/Author"):
        if author.get("ValidYN", "Y") != "Y":
            continue
        parts = {child.tag: child for child in author}
        collective = _inline_text(parts.get("CollectiveName"))
        if collective:
            names.append(collective)
            continue
        last = _text(parts.get("LastName"))
        initials = _text(parts.get("Initials")) or _text(parts.get("ForeName"))
        name = f"{last} {initials}".strip()
        if name:
            names.append(name)
    return tuple(names)


def _year(article: etree._Element) -> int | None:
    """Publication year: PubDate/Year, else MedlineDate's first year, else ArticleDate/Year."""
    pub_date = article.find("Journal/JournalIssue/PubDate")
    candidates = []
    if pub_date is not None:
        candidates.append(_text(pub_date.find("Year")))
        match = YEAR_RE.search(_text(pub_date.find("MedlineDate")))
        candidates.append(match.group(1) if match else "")
    candidates.extend(_text(y) for y in article.iterfind("ArticleDate/Year"))
    for candidate in candidates:
        if candidate.isdigit() and 1000 <= int(candidate) <= 9999:
            return int(candidate)
    return None


def _mesh(citation: etree._Element) -> tuple[MeshTerm, ...]:
    """MeSH headings with their qualifiers and major-topic flag."""
    terms = []
    for heading in citation.iterfind("MeshHeadingList/MeshHeading"):
        descriptor = heading.find("DescriptorName")
        name = _text(descriptor)
        if not name:
            continue
        qualifiers = heading.findall("QualifierName")
        major = (descriptor is not None and descriptor.get("MajorTopicYN") == "Y") or any(
            q.get("MajorTopicYN") == "Y" for q in qualifiers
        )
        terms.append(
            MeshTerm(
                descriptor=name,
                major=major,
                qualifiers=tuple(t for t in (_text(q) for q in qualifiers) if t),
            )
        )
    return tuple(terms)


def _text(elem: etree._Element | None) -> str:
    """All text inside an element, whitespace collapsed."""
    if elem is None:
        return ""
    if len(elem):
        return " ".join("".join(str(t) for t in elem.itertext()).split())
    return " ".join((elem.text or "").split())


def _inline_text(elem: etree._Element | None) -> str:
    """Plain text of an element holding inline markup (i, b, sup, sub, MathML), sensibly spaced."""
    if elem is None:
        return ""
    if not len(elem):
        return " ".join((elem.text or "").split())
    parts: list[str] = []
    _collect(elem, parts)
    text = SPACE_RE.sub(" ", "".join(parts)).strip()
    text = SPACE_BEFORE_PUNCT_RE.sub(r"\1", text)
    return SPACE_AFTER_OPEN_RE.sub(r"\1", text)


def _collect(elem: etree._Element, parts: list[str]) -> None:
    """Append the text of elem's content to parts, flattening child markup."""
    if elem.text:
        parts.append(elem.text)
    for child in elem:
        if not isinstance(child.tag, str):
            if child.tail:
                parts.append(child.tail)
            continue
        local = etree.QName(child).localname
        # Pretty-printed replies put a line break before inline tags; a sub- or superscript
        # belongs to the token before it ("β2-agonist"), other markup to a new word.
        if parts:
            stripped = parts[-1].rstrip()
            if "\n" in parts[-1][len(stripped) :]:
                parts[-1] = stripped if local in SUB_SUP else stripped + " "
        if local == "math":
            parts.append("".join(str(t).strip() for t in child.itertext()))
        else:
            _collect(child, parts)
        if child.tail:
            parts.append(child.tail)
