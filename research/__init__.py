"""The research engine: PubMed parsing, search, reviews and deep dives, in plain Python."""

from research.deepdive import DeepDiveRequest, DeepDiveResult, deep_dive, detect_sections
from research.eutils import (
    EutilsClient,
    LocalRateLimiter,
    RateLimiter,
    SourceError,
    SourceUnavailable,
)
from research.exports import to_bibtex, to_json, to_markdown, to_ris
from research.fulltext import FullText, FullTextError, text_from_jats, text_from_pdf
from research.index import SearchIndex
from research.library import CombinedLibrary, InMemoryLibrary, Library
from research.llm import LlmClient, LlmError, synthesise
from research.progress import ProgressCallback, ignore_progress
from research.pubmed_xml import (
    NotPubMedXMLError,
    ParseReport,
    PubMedXMLError,
    UnsafeXMLError,
    read_pubmed,
)
from research.records import AbstractSection, MeshTerm, PaperRecord
from research.reference_formats import (
    ReferenceFormatError,
    ReferenceReport,
    SkippedReference,
    detect_format,
    is_synthetic_id,
    read_references,
    synthetic_id,
)
from research.review import ReviewRequest, ReviewResult, generate_review
from research.version import ENGINE_VERSION

__all__ = [
    "ENGINE_VERSION",
    "AbstractSection",
    "CombinedLibrary",
    "DeepDiveRequest",
    "DeepDiveResult",
    "EutilsClient",
    "FullText",
    "FullTextError",
    "InMemoryLibrary",
    "Library",
    "LlmClient",
    "LlmError",
    "LocalRateLimiter",
    "MeshTerm",
    "NotPubMedXMLError",
    "PaperRecord",
    "ParseReport",
    "ProgressCallback",
    "PubMedXMLError",
    "RateLimiter",
    "ReferenceFormatError",
    "ReferenceReport",
    "ReviewRequest",
    "ReviewResult",
    "SearchIndex",
    "SkippedReference",
    "SourceError",
    "SourceUnavailable",
    "UnsafeXMLError",
    "deep_dive",
    "detect_format",
    "detect_sections",
    "generate_review",
    "ignore_progress",
    "is_synthetic_id",
    "read_pubmed",
    "read_references",
    "synthesise",
    "synthetic_id",
    "text_from_jats",
    "text_from_pdf",
    "to_bibtex",
    "to_json",
    "to_markdown",
    "to_ris",
]
