"""django-q2 entry points. The job row is the source of truth; a task is only a doorbell."""

import logging
import traceback
from uuid import UUID

from django.conf import settings

from jobs import lifecycle
from jobs.execution import (
    Heartbeat,
    JobInterrupted,
    JobTimedOut,
    ProgressReporter,
    budget_alarm,
    run_engine,
    worker_name,
)
from jobs.library import build_shared_index
from jobs.logging import job_context
from jobs.models import Job
from jobs.notifications import notify_if_long
from research.errors import UserFacingError

log = logging.getLogger(__name__)

# The end of every message for a failure that was ours, not the user's.
APOLOGY = "The team has the details; you can retry it."


def run_job(job_id: str) -> str:
    """Claim the job and run it to an end state; a second delivery finds it claimed and stops."""
    with job_context(job_id):
        outcome = _run(UUID(job_id))
        log.info("job %s", outcome)
        if outcome in {"completed", "failed", "timed out"}:
            notify_if_long(job_id=UUID(job_id))
    return outcome


def build_index() -> str:
    """Bring the shared search index up to date, unless another process is already at it."""
    return "built" if build_shared_index() else "nothing to build"


def _run(job_id: UUID) -> str:
    worker = worker_name()
    if not lifecycle.job_claim(job_id=job_id, worker=worker):
        return "not claimed"
    job = Job.objects.with_detail().get(pk=job_id)
    progress = ProgressReporter(
        job_id=job_id, worker=worker, budget_seconds=job.budget_seconds, kind=job.kind_record
    )
    heartbeat = Heartbeat(job_id=job_id, worker=worker, interval=settings.JOB_HEARTBEAT_SECONDS)
    heartbeat.start()
    try:
        with budget_alarm(job.budget_seconds):
            done = run_engine(job, progress)
    except JobInterrupted:
        return "interrupted"
    except JobTimedOut:
        lifecycle.job_fail(
            job_id=job_id, worker=worker, error=lifecycle.timed_out_message(job.budget_seconds)
        )
        return "timed out"
    except UserFacingError as exc:
        # A deliberate refusal (a file that is not what it claims, a PMID not in the library):
        # its message is for the user as it is.
        lifecycle.job_fail(job_id=job_id, worker=worker, error=str(exc))
        return "failed"
    except Exception as exc:  # anything else, ValueError included, is our bug
        return _failed_unexpectedly(
            job_id, worker, exc, "Something went wrong on our side and the job stopped."
        )
    finally:
        heartbeat.stop()
    try:
        completed = lifecycle.job_complete(
            job_id=job_id, worker=worker, result=done.result, publish=done.publish
        )
    except Exception as exc:
        # The result or its staged writes could not be stored; the transaction kept neither.
        return _failed_unexpectedly(
            job_id,
            worker,
            exc,
            "The job finished, but something went wrong on our side while saving its result, "
            "so nothing was kept.",
        )
    return "completed" if completed else "interrupted"


def _failed_unexpectedly(job_id: UUID, worker: str, exc: Exception, what: str) -> str:
    """Our bug, not the user's: an apology for them, the traceback for staff and the log."""
    log.exception("job %s failed unexpectedly", job_id)
    lifecycle.job_fail(
        job_id=job_id,
        worker=worker,
        error=f"{what} {APOLOGY}",
        detail="".join(traceback.format_exception(exc)),
    )
    return "failed"


def prune_old_records() -> dict[str, int]:
    """Scheduled daily: drop old results and the queue's own old task records."""
    from datetime import timedelta

    from django.utils.timezone import now
    from django_q.models import Task

    moment = now()
    results = lifecycle.job_prune(
        finished_before=moment - timedelta(days=settings.JOB_RESULT_RETENTION_DAYS)
    )
    tasks, _ = Task.objects.filter(
        stopped__lt=moment - timedelta(days=settings.QUEUE_RECORD_RETENTION_DAYS)
    ).delete()
    return {"results_pruned": results, "task_records_deleted": tasks}
