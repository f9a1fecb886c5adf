"""The research engine: PubMed parsing, search, reviews and deep dives, in plain Python."""

from jobs.research.deepdive import DeepDiveRequest, DeepDiveResult, deep_dive, detect_sections
from jobs.research.eutils import (
    EutilsClient,
    LocalRateLimiter,
    RateLimiter,
    SourceError,
    SourceUnavailable,
)
from jobs.research.exports import to_bibtex, to_json, to_markdown, to_ris
from jobs.research.fulltext import FullText, FullTextError, text_from_jats, text_from_pdf
from jobs.research.index import SearchIndex
from jobs.research.library import CombinedLibrary, InMemoryLibrary, Library
from jobs.research.llm import LlmClient, LlmError, synthesise
from jobs.research.progress import ProgressCallback, ignore_progress
from jobs.research.pubmed_xml import (
    NotPubMedXMLError,
    ParseReport,
    PubMedXMLError,
    UnsafeXMLError,
    read_pubmed,
)
from jobs.research.records import AbstractSection, MeshTerm, PaperRecord
from jobs.research.reference_formats import (
    ReferenceFormatError,
    ReferenceReport,
    SkippedReference,
    detect_format,
    is_synthetic_id,
    read_references,
    synthetic_id,
)
from jobs.research.review import ReviewRequest, ReviewResult, generate_review
from jobs.research.version import ENGINE_VERSION

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
