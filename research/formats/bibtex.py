"""BibTeX files, with @string macros bounded before they are expanded."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from bibtexparser.bibdatabase import BibDataString, BibDataStringExpression
from bibtexparser.bparser import BibTexParser
from bibtexparser.customization import splitname
from bibtexparser.latexenc import latex_to_unicode
from pyparsing import ParseBaseException

from research.formats.base import (
    Bounds,
    ReferenceFormatError,
    ReferenceReport,
    SkippedReference,
    abstract_sections,
    clean,
    clean_doi,
    decode,
    person,
    pmcid_from,
    pmid_from,
    year_from,
)
from research.records import PaperRecord

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


def read_bibtex(
    data: bytes, name: str, report: ReferenceReport, bounds: Bounds
) -> list[PaperRecord | None]:
    """Records of a BibTeX file; entries the parser had to drop are reported as skipped."""
    text = decode(data)
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


class _BoundedBibTexParser(BibTexParser):  # type: ignore[misc]  # bibtexparser is untyped
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
    text = latex_to_unicode(clean(value)).replace("{", "").replace("}", "")
    # {\'\i} decodes to a dotless i with a combining accent, which NFC leaves apart.
    text = text.replace("\u0131\u0301", "i\u0301")
    return clean(unicodedata.normalize("NFC", text))


def _bibtex_record(entry: dict[str, str]) -> PaperRecord:
    """One BibTeX entry as a record (eprint with eprinttype pubmed counts as a PMID)."""
    pmid = pmid_from(entry.get("pmid"))
    if not pmid and clean(entry.get("eprinttype")).lower() in ("pubmed", "pmid"):
        pmid = pmid_from(entry.get("eprint"))
    return PaperRecord(
        pmid=pmid,
        title=_latex(entry.get("title")),
        abstract=abstract_sections(_latex(entry.get("abstract"))),
        doi=clean_doi(entry.get("doi")) or clean_doi(entry.get("url")),
        pmcid=pmcid_from(entry.get("pmcid")),
        authors=tuple(_bibtex_authors(entry.get("author", ""))),
        journal=_latex(entry.get("journal") or entry.get("journaltitle") or entry.get("booktitle")),
        year=year_from(entry.get("year")) or year_from(entry.get("date")),
        keywords=tuple(
            k for k in (_latex(k) for k in re.split(r"[;,]", entry.get("keywords", ""))) if k
        ),
    )


def _bibtex_authors(value: str) -> list[str]:
    """ "Müller, Hans and {World Health Organization}" as ["Müller H", "World Health …"]."""
    names = []
    for raw in _split_top_level(clean(value), " and "):
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
        names.append(person(_latex(last), _latex(" ".join(parts.get("first", [])))))
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
