"""Full text for deep dives: text and sections from a PDF (pypdf) or PMC JATS XML."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any

from lxml import etree
from pypdf import PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError, PyPdfError

from research.errors import UserFacingError
from research.sections import HEADING_RE, detect_sections, heading_section

MAX_PDF_PAGES = 200
MAX_PDF_BYTES = 50 * 1024 * 1024
MAX_JATS_BYTES = 20 * 1024 * 1024
# Fewer letters than this in the whole PDF means there is no text layer worth analysing.
MIN_LETTERS = 200
PDF_MAGIC = b"%PDF-"
PDF_MAGIC_WINDOW = 1024
MAX_TITLE_CHARS = 300
LETTER_RE = re.compile(r"[^\W\d_]")
HYPHEN_BREAK_RE = re.compile(r"(\w)-\n(\w)")
SPACES_RE = re.compile(r"[ \t\f\v]+")
BLANK_LINES_RE = re.compile(r"\n{3,}")
# JATS elements that hold no running text of the article.
JATS_SKIPPED = frozenset(
    {"table-wrap", "fig", "fig-group", "disp-formula", "inline-formula", "ref-list", "fn-group",
     "supplementary-material", "graphic", "media", "table", "label", "object-id", "alternatives"}
)  # fmt: skip


class FullTextError(UserFacingError):
    """The file's full text could not be read; the message is for the person who uploaded it."""


@dataclass(frozen=True)
class FullText:
    """A paper's full text, its detected sections (canonical names) and where it came from."""

    title: str
    text: str
    sections: tuple[str, ...]
    pages: int | None
    source: str = "pdf"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict."""
        return {
            "title": self.title,
            "text": self.text,
            "sections": list(self.sections),
            "pages": self.pages,
            "source": self.source,
        }


def text_from_pdf(
    data: bytes, max_pages: int = MAX_PDF_PAGES, max_bytes: int = MAX_PDF_BYTES
) -> FullText:
    """The text of a PDF with a text layer, refusing encrypted, scanned or oversized files."""
    if len(data) > max_bytes:
        raise FullTextError(
            f"This PDF is {len(data) / 1_048_576:.1f} MB; the limit is "
            f"{max_bytes / 1_048_576:.0f} MB."
        )
    if PDF_MAGIC not in data[:PDF_MAGIC_WINDOW]:
        raise FullTextError("This file is not a PDF.")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            _decrypt(reader)
        count = len(reader.pages)
        if count > max_pages:
            raise FullTextError(
                f"This PDF has {count} pages; the limit is {max_pages}. "
                "Upload the article alone, without supplements."
            )
        pages = [page.extract_text() or "" for page in reader.pages]
        metadata_title = _metadata_title(reader)
    except FileNotDecryptedError:
        raise FullTextError(_encrypted_message()) from None
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError, AttributeError) as exc:
        # pypdf's ways of failing on a malformed file; this runs in the fenced reader process.
        raise FullTextError(f"This PDF is damaged and could not be read ({exc}).") from None
    text = _clean_pdf_text("\n\n".join(pages))
    if len(LETTER_RE.findall(text)) < MIN_LETTERS:
        raise FullTextError(
            "This PDF has no text layer (scanned images?), so its text cannot be read. "
            "Upload a PDF with selectable text, or paste the text instead."
        )
    title = metadata_title or _first_line_title(text)
    return FullText(title, text, detect_sections(text), len(pages), "pdf")


def _decrypt(reader: PdfReader) -> None:
    """Open a PDF encrypted with an empty user password (print/copy restrictions only)."""
    try:
        opened = reader.decrypt("")
    except (DependencyError, NotImplementedError, PdfReadError):
        raise FullTextError(_encrypted_message()) from None
    if not opened:
        raise FullTextError(_encrypted_message())


def _encrypted_message() -> str:
    """Why an encrypted PDF is refused."""
    return (
        "This PDF is encrypted (password-protected), so its text cannot be read. "
        "Save an unprotected copy, or paste the text instead."
    )


def _metadata_title(reader: PdfReader) -> str:
    """The document title from the PDF's metadata, when it looks like a real title."""
    try:
        metadata = reader.metadata
        title = (metadata.get("/Title") if metadata is not None else None) or ""
    except (PdfReadError, PyPdfError):
        return ""
    title = " ".join(str(title).split())
    if len(title.split()) < 3 or title.lower().endswith((".doc", ".docx", ".pdf", ".tex")):
        return ""  # "untitled", "Microsoft Word - draft.docx" and the like
    return title[:MAX_TITLE_CHARS]


def _first_line_title(text: str) -> str:
    """The first line of the text with several words, as a stand-in title."""
    for line in text.splitlines():
        line = line.strip()
        if len(line.split()) >= 3 and LETTER_RE.search(line) and not HEADING_RE.match(line):
            return line[:MAX_TITLE_CHARS]
    return ""


def _clean_pdf_text(text: str) -> str:
    """Join words hyphenated across lines and tidy spaces; line breaks are kept for headings."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    text = HYPHEN_BREAK_RE.sub(r"\1\2", text)
    text = "\n".join(SPACES_RE.sub(" ", line).strip() for line in text.split("\n"))
    return BLANK_LINES_RE.sub("\n\n", text).strip()


def text_from_jats(xml_bytes: bytes, max_bytes: int = MAX_JATS_BYTES) -> FullText:
    """The title, abstract and body of a PMC JATS article; entity declarations are refused."""
    if len(xml_bytes) > max_bytes:
        raise FullTextError(
            f"This XML file is {len(xml_bytes) / 1_048_576:.1f} MB; the limit is "
            f"{max_bytes / 1_048_576:.0f} MB."
        )
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(xml_bytes, parser)
    except etree.XMLSyntaxError as exc:
        raise FullTextError(f"This file is not readable XML: {exc.msg}") from None
    dtd = root.getroottree().docinfo.internalDTD
    # lxml-stubs 0.5 does not know DTD.iterentities (lxml has it since 2.x).
    if dtd is not None and any(True for _ in dtd.iterentities()):  # type: ignore[union-attr]
        raise FullTextError(
            "This XML file declares entities, which can read local files or expand without "
            "bound; PMC articles never do, so it is refused."
        )
    article = root if _local(root) == "article" else _first(root, "article")
    if article is None:
        raise FullTextError(
            f"This XML is not a JATS article (its root element is <{_local(root)}>)."
        )
    meta = _first(article, "article-meta")
    title_element = _first(meta, "article-title") if meta is not None else None
    title = _inline(title_element)
    blocks: list[tuple[bool, str]] = []  # (is a paragraph, text)
    abstract = _first(meta, "abstract") if meta is not None else None
    if abstract is not None:
        blocks.append((False, "Abstract"))
        # Its own headings (Background, Results…) would read as the body's sections.
        _jats_blocks(abstract, blocks, depth=1, headings=False)
    body = _first(article, "body")
    if body is not None:
        _jats_blocks(body, blocks, depth=0)
    text = "\n\n".join(b for _, b in blocks if b)
    if not any(is_paragraph for is_paragraph, _ in blocks):
        raise FullTextError("This JATS article has no abstract or body text to analyse.")
    return FullText(title, text, detect_sections(text), None, "jats")


def _jats_blocks(
    element: etree._Element, blocks: list[tuple[bool, str]], *, depth: int, headings: bool = True
) -> None:
    """Append headings and paragraphs of element's sections, in reading order."""
    for child in element:
        if not isinstance(child.tag, str):
            continue
        name = _local(child)
        if name in JATS_SKIPPED:
            continue
        if name == "sec":
            heading = _inline(next((c for c in child if _local(c) == "title"), None))
            if headings:
                blocks.append((False, _heading(heading, child.get("sec-type", ""), top=depth == 0)))
            _jats_blocks(child, blocks, depth=depth + 1, headings=headings)
        elif name == "p":
            paragraph = _inline(child)
            if LETTER_RE.search(paragraph):
                blocks.append((True, paragraph))
        elif name in ("list", "list-item", "boxed-text", "def-list"):
            _jats_blocks(child, blocks, depth=depth, headings=headings)


def _heading(title: str, sec_type: str, *, top: bool) -> str:
    """A section's heading line, named so the deep dive recognises the top-level sections."""
    if not top or HEADING_RE.fullmatch(title):
        return title
    kind = heading_section(sec_type, default="")
    if not kind:
        return title
    return f"{kind}\n\n{title}" if title else kind


def _inline(element: etree._Element | None) -> str:
    """Plain text of an element with inline markup, skipping tables, figures and formulae."""
    if element is None:
        return ""
    parts: list[str] = []
    _collect(element, parts)
    return " ".join("".join(parts).split())


def _collect(element: etree._Element, parts: list[str]) -> None:
    """Append the running text inside element to parts."""
    if element.text:
        parts.append(element.text)
    for child in element:
        if isinstance(child.tag, str) and _local(child) not in JATS_SKIPPED:
            _collect(child, parts)
        if child.tail:
            parts.append(child.tail)


def _first(element: etree._Element | None, name: str) -> etree._Element | None:
    """The first descendant with this local name, in any namespace."""
    if element is None:
        return None
    for child in element.iter():
        if isinstance(child.tag, str) and child is not element and _local(child) == name:
            return child
    return None


def _local(element: etree._Element) -> str:
    """An element's name without its namespace."""
    return etree.QName(element).localname
