"""The research engine: PubMed parsing, search, reviews and deep dives, in plain Python.

The public API is `__all__`: read a library file, open it as a library, run a review or a deep
dive, and read a stored result back. For example:

    from research import ReviewRequest, generate_review, ignore_progress, open_library

    library = open_library("pubmed21n1298.xml.gz")
    review = generate_review(ReviewRequest("remdesivir outcomes"), library, ignore_progress)
    print(review.executive_summary, review.to_dict()["schema_version"])

`python -m research --help` does the same from a shell.
"""

from research.deepdive import DeepDiveRequest, deep_dive
from research.errors import UserFacingError
from research.formats import read_references
from research.library import InMemoryLibrary, open_library
from research.progress import ignore_progress
from research.pubmed_xml import read_pubmed
from research.review import ReviewRequest, generate_review
from research.schema import (
    SCHEMA_VERSION,
    DeepDiveResult,
    ImportResult,
    ReviewResult,
    load_result,
)
from research.version import ENGINE_VERSION

# isort: split
# Importable from the package for the web app and the tests that have always done so; a new
# caller imports them from their modules (research.library, research.records, ...).
from research.deepdive import detect_sections as detect_sections
from research.eutils import EutilsClient as EutilsClient
from research.eutils import LocalRateLimiter as LocalRateLimiter
from research.eutils import RateLimiter as RateLimiter
from research.eutils import SourceError as SourceError
from research.eutils import SourceUnavailable as SourceUnavailable
from research.exports import to_bibtex as to_bibtex
from research.exports import to_json as to_json
from research.exports import to_markdown as to_markdown
from research.exports import to_ris as to_ris
from research.formats import ReferenceFormatError as ReferenceFormatError
from research.formats import ReferenceReport as ReferenceReport
from research.formats import SkippedReference as SkippedReference
from research.formats import detect_format as detect_format
from research.formats import is_synthetic_id as is_synthetic_id
from research.formats import synthetic_id as synthetic_id
from research.fulltext import FullText as FullText
from research.fulltext import FullTextError as FullTextError
from research.fulltext import text_from_jats as text_from_jats
from research.fulltext import text_from_pdf as text_from_pdf
from research.index import SearchIndex as SearchIndex
from research.library import CombinedLibrary as CombinedLibrary
from research.library import Library as Library
from research.llm import LlmClient as LlmClient
from research.llm import LlmError as LlmError
from research.llm import synthesise as synthesise
from research.progress import ProgressCallback as ProgressCallback
from research.pubmed_xml import NotPubMedXMLError as NotPubMedXMLError
from research.pubmed_xml import ParseReport as ParseReport
from research.pubmed_xml import PubMedXMLError as PubMedXMLError
from research.pubmed_xml import UnsafeXMLError as UnsafeXMLError
from research.records import AbstractSection as AbstractSection
from research.records import MeshTerm as MeshTerm
from research.records import PaperRecord as PaperRecord

__all__ = [
    "ENGINE_VERSION",
    "SCHEMA_VERSION",
    "DeepDiveRequest",
    "DeepDiveResult",
    "ImportResult",
    "InMemoryLibrary",
    "ReviewRequest",
    "ReviewResult",
    "UserFacingError",
    "deep_dive",
    "generate_review",
    "ignore_progress",
    "load_result",
    "open_library",
    "read_pubmed",
    "read_references",
]
