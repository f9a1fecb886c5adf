"""Reference files (PubMed XML, MEDLINE/.nbib, RIS, BibTeX, CSV) read into merged paper records.

One module per format reads its entries into records; research.formats.base holds what they
share (the error, the bounds, the report, synthetic ids, field cleaning) and
research.formats.reader detects a file's format, reads it within its bounds and merges
duplicates. Callers import from here.
"""

from research.formats.base import (
    FORMATS,
    MAX_EXPANDED_BYTES,
    MAX_FIELD_CHARACTERS,
    MAX_REFERENCE_BYTES,
    MAX_REFERENCES,
    Bounds,
    ReferenceFormatError,
    ReferenceReport,
    SkippedReference,
    is_synthetic_id,
    synthetic_id,
)
from research.formats.reader import detect_format, read_references

__all__ = [
    "FORMATS",
    "MAX_EXPANDED_BYTES",
    "MAX_FIELD_CHARACTERS",
    "MAX_REFERENCES",
    "MAX_REFERENCE_BYTES",
    "Bounds",
    "ReferenceFormatError",
    "ReferenceReport",
    "SkippedReference",
    "detect_format",
    "is_synthetic_id",
    "read_references",
    "synthetic_id",
]
