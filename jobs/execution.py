"""Runs the research engine for one claimed job, reporting progress through the lifecycle."""

import os
import signal
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from uuid import UUID

from django.conf import settings

from jobs import lifecycle
from jobs.library import get_library, import_records, import_references, rebuild_index
from jobs.models import DeepDiveAnalysis, Job, LibraryImport, Report
from jobs.ratelimit import DatabaseRateLimiter
from jobs.research import (
    CombinedLibrary,
    DeepDiveRequest,
    InMemoryLibrary,
    PaperRecord,
    ReviewRequest,
    deep_dive,
    generate_review,
)
from jobs.research.eutils import EutilsClient, SourceError
from jobs.research.fulltext import FullTextError, text_from_jats, text_from_pdf
from jobs.research.llm import LlmClient, synthesise
from jobs.research.pubmed_xml import PubMedXMLError
from jobs.research.reference_formats import ReferenceFormatError, read_references


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

    def __init__(self, *, job_id: UUID, worker: str, budget_seconds: int) -> None:
        self.job_id = job_id
        self.worker = worker
        self.budget_seconds = budget_seconds
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
            job_id=self.job_id, worker=self.worker, stage=stage_label(stage), percent=percent
        ):
            raise JobInterrupted


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
        from django.db import connection

        try:
            while not self.stopped.wait(self.interval):
                if not lifecycle.job_heartbeat(job_id=self.job_id, worker=self.worker):
                    return
        finally:
            connection.close()

    def stop(self) -> None:
        self.stopped.set()


STAGE_LABELS = {
    "plan": "Planning search queries",
    "retrieve": "Searching the library",
    "deduplicate": "Removing duplicates",
    "rank": "Ranking papers",
    "analyse": "Analysing the top papers",
    "synthesise": "Writing the summary",
    "done": "Finishing",
}


def stage_label(stage: str) -> str:
    """The engine's stage in words a researcher reads in the progress bar."""
    return STAGE_LABELS.get(stage, stage.replace("_", " ").capitalize())


def run_engine(job: Job, progress: ProgressReporter) -> dict:
    """Build the engine's request from the job's inputs, run it and return its JSON result."""
    runners = {Job.Kind.REVIEW: _review, Job.Kind.DEEP_DIVE: _deep_dive, Job.Kind.IMPORT: _import}
    return runners[job.kind](job, progress)


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


def _review(job: Job, progress: ProgressReporter) -> dict:
    report = job.report
    request = ReviewRequest(
        objective=report.objective,
        molecule=report.molecule,
        preference=report.preference,
        full_text_only=report.full_text_only,
    )
    if report.source == Report.Source.LIBRARY:
        library = get_library()
    else:
        local = get_library() if report.source == Report.Source.BOTH else None
        try:
            fetched = InMemoryLibrary(_pubmed_records(report, progress))
        except SourceError as exc:
            raise ValueError(str(exc)) from exc
        library = CombinedLibrary(local, fetched) if local is not None else fetched
    result = generate_review(request, library, progress).to_dict()
    result["source"] = report.source
    if settings.LLM_BASE_URL and settings.LLM_MODEL:
        progress("Writing the summary with the language model", 99)
        client = LlmClient(settings.LLM_BASE_URL, settings.LLM_API_KEY, settings.LLM_MODEL)
        result, _, _ = synthesise(result, client)
    else:
        result["synthesis"] = {"used": "extractive", "note": "No language model is configured."}
    return result


def _deep_dive(job: Job, progress: ProgressReporter) -> dict:
    dive = job.deepdiveanalysis
    if dive.pmid:
        record = get_library().get_many([dive.pmid]).get(dive.pmid)
        if record is None:
            raise ValueError(f"PMID {dive.pmid} is not in the library.")
        request = DeepDiveRequest(objective=dive.objective, record=record)
    elif dive.upload_name:
        upload = bytes(DeepDiveAnalysis.objects.values_list("upload", flat=True).get(pk=job.pk))
        progress("Reading the uploaded file", 1)
        try:
            if upload.startswith(b"%PDF"):
                full = text_from_pdf(upload, max_pages=settings.PDF_MAX_PAGES)
            else:
                full = text_from_jats(upload)
        except FullTextError as exc:
            raise ValueError(str(exc)) from exc
        request = full.to_request(objective=dive.objective)
        if dive.title:
            request = replace(request, title=dive.title)
    else:
        request = DeepDiveRequest(
            objective=dive.objective, title=dive.title, text=dive.text, full_text_source="pasted"
        )
    return deep_dive(request, progress).to_dict()


def _import(job: Job, progress: ProgressReporter) -> dict:
    upload = job.libraryimport
    content = bytes(LibraryImport.objects.values_list("content", flat=True).get(pk=job.pk))
    progress("Reading the file", 2)
    try:
        report = read_references(content, upload.filename, max_bytes=settings.UPLOAD_MAX_BYTES)
    except (ReferenceFormatError, PubMedXMLError) as exc:
        raise ValueError(str(exc)) from exc
    total = max(1, len(report.records))

    def stored(count: int) -> None:
        progress("Adding references to the library", 5 + int(80 * count / total))

    counts = import_references(report.records, project=job.project, on_batch=stored)
    progress("Rebuilding the search index", 90)
    rebuild_index()
    progress("done", 100)
    return {
        "filename": upload.filename,
        "format": report.format,
        "entries": report.entries,
        "added": counts["added"],
        "updated": counts["updated"],
        "already_present": counts["already_present"],
        "duplicates_merged": report.duplicates_merged,
        "skipped": [
            {"entry": s.entry, "label": s.label, "reason": s.reason} for s in report.skipped
        ],
    }
