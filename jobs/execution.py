"""Runs the research engine for one claimed job, reporting progress through the lifecycle."""

import os
import signal
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from uuid import UUID

from django.conf import settings

from jobs import lifecycle
from jobs.library import get_library
from jobs.models import Job
from jobs.research import DeepDiveRequest, ReviewRequest, deep_dive, generate_review


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
        self.last_write = 0.0
        self.last_percent = -1

    def __call__(self, stage: str, percent: int) -> None:
        if time.monotonic() - self.started > self.budget_seconds:
            raise JobTimedOut
        moment = time.monotonic()
        if moment - self.last_write < settings.JOB_PROGRESS_MIN_INTERVAL and percent < 100:
            return
        percent = max(percent, self.last_percent)
        self.last_write, self.last_percent = moment, percent
        if not lifecycle.job_progress(
            job_id=self.job_id, worker=self.worker, stage=stage_label(stage), percent=percent
        ):
            raise JobInterrupted
        if settings.JOB_STAGE_DELAY_SECONDS:
            time.sleep(settings.JOB_STAGE_DELAY_SECONDS)


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
    if job.kind == Job.Kind.REVIEW:
        report = job.report
        request = ReviewRequest(
            objective=report.objective,
            molecule=report.molecule,
            preference=report.preference,
            full_text_only=report.full_text_only,
        )
        return generate_review(request, get_library(), progress).to_dict()
    dive = job.deepdiveanalysis
    if dive.pmid:
        record = get_library().get_many([dive.pmid]).get(dive.pmid)
        if record is None:
            raise ValueError(f"PMID {dive.pmid} is not in the library.")
        request = DeepDiveRequest(objective=dive.objective, record=record)
    else:
        request = DeepDiveRequest(objective=dive.objective, title=dive.title, text=dive.text)
    return deep_dive(request, progress).to_dict()
