"""Uploaded files are read in a fenced process (research.untrusted), with the limits in
settings and what is left of the job's time budget. A file that is refused raises the engine's
FullTextError or ReferenceFormatError (UserFacingErrors), whose message names the limit."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from django.conf import settings

from research import untrusted
from research.formats import ReferenceReport
from research.fulltext import FullText

if TYPE_CHECKING:
    from jobs.execution import ProgressReporter

# The reader stops this much before the job's budget, so its message, which names the file,
# is the one recorded rather than the generic "Timed out".
BUDGET_MARGIN_SECONDS = 0.5


def upload_limits(progress: ProgressReporter) -> untrusted.Limits:
    """The limits from settings; the time is what the job has left."""
    elapsed = time.monotonic() - progress.started
    return untrusted.Limits(
        seconds=max(1.0, progress.budget_seconds - elapsed - BUDGET_MARGIN_SECONDS),
        budget_seconds=progress.budget_seconds,
        memory_mb=settings.UNTRUSTED_MEMORY_MB,
        max_bytes=settings.UPLOAD_MAX_BYTES,
        expanded_bytes=settings.UPLOAD_MAX_EXPANDED_BYTES,
        references=settings.UPLOAD_MAX_REFERENCES,
        field_characters=settings.UPLOAD_MAX_FIELD_CHARACTERS,
        pdf_max_pages=settings.PDF_MAX_PAGES,
    )


def read_full_text(upload: bytes, progress: ProgressReporter) -> FullText:
    """The text of an uploaded PDF or JATS XML file, for a deep dive."""
    return untrusted.read_full_text(
        upload,
        limits=upload_limits(progress),
        progress=progress,
        stage="Reading the uploaded file",
        percent=1,
    )


def read_reference_file(
    content: bytes, filename: str, progress: ProgressReporter
) -> ReferenceReport:
    """The references in an uploaded file, for a library import."""
    return untrusted.read_reference_file(
        content,
        filename,
        limits=upload_limits(progress),
        progress=progress,
        stage="Reading the file",
        percent=2,
    )
