"""Runs the research engine for one claimed job, reporting progress through the lifecycle."""

import logging
import os
import signal
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from functools import partial
from typing import cast
from uuid import UUID

from django.conf import settings
from django.db import DatabaseError, InterfaceError, connection

from jobs import lifecycle
from jobs.fence import read_full_text, read_reference_file
from jobs.kinds import JobKind, readable_stage
from jobs.library import (
    from_project,
    import_records,
    index_version,
    library_for,
    publish_references,
    record_for,
    stage_references,
)
from jobs.models import DeepDiveAnalysis, Job, LibraryImport, Report
from jobs.ratelimit import DatabaseRateLimiter
from research import (
    CombinedLibrary,
    DeepDiveRequest,
    InMemoryLibrary,
    PaperRecord,
    ReviewRequest,
    deep_dive,
    generate_review,
)
from research.errors import UserFacingError
from research.eutils import EutilsClient
from research.llm import LlmClient, extractive, synthesise
from research.schema import ImportResult, Preference, Result, ReviewSource, SkippedEntry

log = logging.getLogger(__name__)


class JobInterrupted(Exception):
    """The job stopped being this worker's: it was cancelled, timed out or handed over."""


class JobTimedOut(Exception):
    """The job ran past its time budget."""


def worker_name() -> str:
    """A name unique to this attempt, so a stale worker can never write to a reclaimed job.
    It starts with WORKER_NAME (the host name by default), so operators can tell workers apart."""
    host = os.environ.get("WORKER_NAME") or socket.gethostname()
    return f"{host}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class ProgressReporter:
    """The engine's progress callback: throttled writes, cancellation and the time budget."""

    def __init__(
        self, *, job_id: UUID, worker: str, budget_seconds: int, kind: JobKind | None = None
    ) -> None:
        self.job_id = job_id
        self.worker = worker
        self.budget_seconds = budget_seconds
        self.kind = kind
        self.started = time.monotonic()
        self.last_write = self.started
        self.last_percent = -1

    def __call__(self, stage: str, percent: int) -> None:
        if settings.JOB_STAGE_DELAY_SECONDS:  # demos and tests slow every step down
            time.sleep(settings.JOB_STAGE_DELAY_SECONDS)
        moment = time.monotonic()
        if moment - self.started > self.budget_seconds:
            raise JobTimedOut
        # 100 % is written by job_complete; between writes only the budget is checked.
        if percent >= 100 or moment - self.last_write < settings.JOB_PROGRESS_MIN_INTERVAL:
            return
        percent = max(percent, self.last_percent)
        self.last_write, self.last_percent = moment, percent
        if not lifecycle.job_progress(
            job_id=self.job_id, worker=self.worker, stage=self.label(stage), percent=percent
        ):
            raise JobInterrupted

    def label(self, stage: str) -> str:
        """The engine's stage in the words of the job kind's progress bar."""
        return self.kind.stage_label(stage) if self.kind else readable_stage(stage)


@contextmanager
def budget_alarm(seconds: int) -> Iterator[None]:
    """Stop the job with JobTimedOut when its budget runs out, even inside one long step that
    reports no progress. Signals reach only the main thread; elsewhere the progress callback's
    own check is the limit."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        raise JobTimedOut

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class Heartbeat(threading.Thread):
    """Writes a heartbeat while the engine works, so the reaper can tell a live job from a
    dead one even while a single stage takes a long time."""

    def __init__(self, *, job_id: UUID, worker: str, interval: float) -> None:
        super().__init__(daemon=True, name=f"heartbeat-{job_id}")
        self.job_id, self.worker, self.interval = job_id, worker, interval
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopped.wait(self.interval):
                try:
                    if not lifecycle.job_heartbeat(job_id=self.job_id, worker=self.worker):
                        return
                except Exception:
                    # A live job whose heartbeat stopped would be reaped and run a second time,
                    # so a database error only costs this beat; the next one reconnects.
                    log.exception("heartbeat of job %s failed; trying again", self.job_id)
                    self.close_connection()
        finally:
            self.close_connection()

    @staticmethod
    def close_connection() -> None:
        """Drop this thread's database connection, even a broken one that errs on closing."""
        with suppress(DatabaseError, InterfaceError):
            connection.close()

    def stop(self) -> None:
        self.stopped.set()


@dataclass
class Outcome:
    """What a finished run hands to job_complete: the typed result, and the writes that take
    effect only if the job completes (publish runs inside job_complete's transaction and
    returns the counts it adds to the result)."""

    result: Result
    publish: Callable[[], dict[str, int]] | None = None


def run_engine(job: Job, progress: ProgressReporter) -> Outcome:
    """Build the engine's request from the job's inputs, run it and return its outcome."""
    return job.kind_record.runner(job, progress)


def _pubmed_records(report: Report, progress: ProgressReporter) -> list[PaperRecord]:
    """Search PubMed live for the objective, store what it returns in the library (so the
    review can be reproduced later) and hand the records back."""
    progress("Searching PubMed", 2)
    client = EutilsClient(
        base_url=settings.NCBI_BASE_URL,
        api_key=settings.NCBI_API_KEY,
        email=settings.NCBI_EMAIL,
        tool=settings.NCBI_TOOL,
        rate_limiter=DatabaseRateLimiter("ncbi", settings.NCBI_REQUESTS_PER_SECOND),
    )
    with client:
        term = " ".join(filter(None, [report.objective, report.molecule]))
        retmax = 200 if report.preference == Report.Preference.RECALL else 100
        pmids = client.search(term, retmax=retmax)
        progress("Fetching records from PubMed", 5)
        records = list(client.fetch(pmids))
    import_records(records)
    return records


def _review(job: Job, progress: ProgressReporter) -> Outcome:
    report = job.report
    request = ReviewRequest(
        objective=report.objective,
        molecule=report.molecule,
        preference=cast(Preference, report.preference),  # the form allows only these
        full_text_only=report.full_text_only,
    )
    if report.source == Report.Source.LIBRARY:
        library = library_for(job.project_id)
    else:
        local = library_for(job.project_id) if report.source == Report.Source.BOTH else None
        fetched = InMemoryLibrary(_pubmed_records(report, progress))  # SourceError says why
        library = CombinedLibrary(local, fetched) if local is not None else fetched
    review = generate_review(request, library, progress)
    own = from_project((paper.pmid for paper in review.papers), project_id=job.project_id)
    review = replace(
        review,
        diagnostics=replace(review.diagnostics, library_version=index_version(library)),
        source=cast(ReviewSource, report.source),
        papers=tuple(replace(paper, from_project=paper.pmid in own) for paper in review.papers),
    )
    if settings.LLM_BASE_URL and settings.LLM_MODEL:
        progress("Writing the summary with the language model", 99)
        client = LlmClient(settings.LLM_BASE_URL, settings.LLM_API_KEY, settings.LLM_MODEL)
        return Outcome(synthesise(review, client))
    return Outcome(extractive(review, "No language model is configured."))


def _deep_dive(job: Job, progress: ProgressReporter) -> Outcome:
    dive = job.deepdiveanalysis
    if dive.pmid:
        record = record_for(dive.pmid, project_id=job.project_id)
        if record is None:
            raise UserFacingError(f"PMID {dive.pmid} is not in the library.")
        request = DeepDiveRequest(objective=dive.objective, record=record)
    elif dive.upload_name:
        upload = bytes(DeepDiveAnalysis.objects.values_list("upload", flat=True).get(pk=job.pk))
        progress("Reading the uploaded file", 1)
        full = read_full_text(upload, progress)  # in a fenced process, under the limits
        request = DeepDiveRequest.from_full_text(full, objective=dive.objective)
        if dive.title:
            request = replace(request, title=dive.title)
    else:
        request = DeepDiveRequest(
            objective=dive.objective, title=dive.title, text=dive.text, full_text_source="pasted"
        )
    return Outcome(deep_dive(request, progress))


def _import(job: Job, progress: ProgressReporter) -> Outcome:
    upload = job.libraryimport
    content = bytes(LibraryImport.objects.values_list("content", flat=True).get(pk=job.pk))
    progress("Reading the file", 2)
    report = read_reference_file(content, upload.filename, progress)  # fenced, as above
    progress("Checking the references against the library", 60)
    staged = stage_references(report.records, project_id=job.project_id)
    progress("Saving the references to the project", 90)
    result = ImportResult(
        filename=upload.filename,
        format=report.format,
        entries=report.entries,
        duplicates_merged=report.duplicates_merged,
        skipped=tuple(SkippedEntry(s.entry, s.label, s.reason) for s in report.skipped),
    )
    # The references are written by job_complete, in its transaction: an import that is
    # cancelled, times out or is handed to another worker leaves nothing behind.
    return Outcome(result, publish=partial(publish_references, staged))
