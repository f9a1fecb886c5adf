"""The research engine: PubMed parsing, search, reviews and deep dives, in plain Python."""

from jobs.research.deepdive import DeepDiveRequest, DeepDiveResult, deep_dive
from jobs.research.index import SearchIndex
from jobs.research.library import InMemoryLibrary, Library
from jobs.research.progress import ProgressCallback, ignore_progress
from jobs.research.pubmed_xml import (
    NotPubMedXMLError,
    ParseReport,
    PubMedXMLError,
    UnsafeXMLError,
    read_pubmed,
)
from jobs.research.records import AbstractSection, MeshTerm, PaperRecord
from jobs.research.review import ReviewRequest, ReviewResult, generate_review
from jobs.research.version import ENGINE_VERSION

__all__ = [
    "ENGINE_VERSION",
    "AbstractSection",
    "DeepDiveRequest",
    "DeepDiveResult",
    "InMemoryLibrary",
    "Library",
    "MeshTerm",
    "NotPubMedXMLError",
    "PaperRecord",
    "ParseReport",
    "ProgressCallback",
    "PubMedXMLError",
    "ReviewRequest",
    "ReviewResult",
    "SearchIndex",
    "UnsafeXMLError",
    "deep_dive",
    "generate_review",
    "ignore_progress",
    "read_pubmed",
]
