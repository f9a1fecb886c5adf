"""Every write to a job's status. Each transition is one conditional UPDATE from the states
it may start in, so two workers (or a worker and a user) racing can never both win."""

import logging
from functools import partial
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils.timezone import now
from django_q.tasks import async_task

from jobs.models import DeepDiveAnalysis, Job, Project, Report

log = logging.getLogger(__name__)

RUN_TASK = "jobs.tasks.run_job"


def budget_for(*, kind: str, preference: str = "") -> int:
    """The time budget in seconds for a kind of job (and, for reviews, its preference)."""
    budgets = settings.JOB_BUDGET_SECONDS
    if kind == Job.Kind.REVIEW:
        return budgets["review_recall" if preference == "recall" else "review_precision"]
    return budgets["deep_dive"]


def job_enqueue(*, job_id: UUID) -> None:
    """Ring the queue's doorbell for a job once the current transaction commits."""
    transaction.on_commit(
        partial(async_task, RUN_TASK, str(job_id), task_name=f"job-{job_id}", group="jobs")
    )


@transaction.atomic
def job_create_review(
    *,
    project: Project,
    creator,
    objective: str,
    molecule: str = "",
    preference: str = Report.Preference.PRECISION,
    full_text_only: bool = False,
) -> Job:
    """Create a queued literature-review job and enqueue it on commit."""
    job = Job.objects.create(
        kind=Job.Kind.REVIEW,
        project=project,
        creator=creator,
        budget_seconds=budget_for(kind=Job.Kind.REVIEW, preference=preference),
    )
    job.report = Report.objects.create(
        job=job,
        objective=objective,
        molecule=molecule,
        preference=preference,
        full_text_only=full_text_only,
    )
    job_enqueue(job_id=job.pk)
    return job


@transaction.atomic
def job_create_deep_dive(
    *,
    project: Project,
    creator,
    objective: str = "",
    pmid: str = "",
    title: str = "",
    text: str = "",
) -> Job:
    """Create a queued deep-dive job and enqueue it on commit."""
    job = Job.objects.create(
        kind=Job.Kind.DEEP_DIVE,
        project=project,
        creator=creator,
        budget_seconds=budget_for(kind=Job.Kind.DEEP_DIVE),
    )
    job.deepdiveanalysis = DeepDiveAnalysis.objects.create(
        job=job, objective=objective, pmid=pmid, title=title, text=text
    )
    job_enqueue(job_id=job.pk)
    return job


def job_claim(*, job_id: UUID, worker: str) -> bool:
    """queued -> processing. False if someone else claimed it or it was cancelled."""
    moment = now()
    return bool(
        Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
            status=Job.Status.PROCESSING,
            stage="Starting",
            progress=0,
            started_at=moment,
            heartbeat_at=moment,
            worker=worker,
            attempts=F("attempts") + 1,
        )
    )


def job_progress(*, job_id: UUID, worker: str, stage: str, percent: int) -> bool:
    """processing -> processing with a new stage and percent. False once the job is no
    longer this worker's (cancelled, timed out or handed to another worker)."""
    return bool(
        Job.objects.filter(pk=job_id, status=Job.Status.PROCESSING, worker=worker).update(
            stage=stage[:120], progress=max(0, min(100, int(percent))), heartbeat_at=now()
        )
    )


def job_heartbeat(*, job_id: UUID, worker: str) -> bool:
    """processing -> processing, proving the worker is alive. False once it is not its job."""
    return bool(
        Job.objects.filter(pk=job_id, status=Job.Status.PROCESSING, worker=worker).update(
            heartbeat_at=now()
        )
    )


@transaction.atomic
def job_complete(*, job_id: UUID, worker: str, result: dict) -> bool:
    """processing -> completed, storing the result once. False if the job is no longer
    this worker's, in which case nothing is stored."""
    won = Job.objects.filter(pk=job_id, status=Job.Status.PROCESSING, worker=worker).update(
        status=Job.Status.COMPLETED, stage="Finished", progress=100, finished_at=now()
    )
    if not won:
        return False
    kind = Job.objects.values_list("kind", flat=True).get(pk=job_id)
    detail_model = Report if kind == Job.Kind.REVIEW else DeepDiveAnalysis
    detail_model.objects.filter(job_id=job_id).update(result=result)
    return True


def job_fail(*, job_id: UUID, error: str, detail: str = "", worker: str | None = None) -> bool:
    """queued or processing -> failed with a message for the user and detail for staff.
    With a worker, only that worker's running job can fail."""
    jobs = Job.objects.filter(pk=job_id)
    if worker is None:
        jobs = jobs.filter(status__in=Job.ACTIVE_STATUSES)
    else:
        jobs = jobs.filter(status=Job.Status.PROCESSING, worker=worker)
    return bool(
        jobs.update(
            status=Job.Status.FAILED,
            stage="Failed",
            error=error[:2000],
            error_detail=detail[:20000],
            finished_at=now(),
        )
    )


def job_cancel(*, job_id: UUID) -> bool:
    """queued or processing -> cancelled. A running worker notices at its next progress
    report and stops. False if the job had already finished."""
    return bool(
        Job.objects.filter(pk=job_id, status__in=Job.ACTIVE_STATUSES).update(
            status=Job.Status.CANCELLED, stage="Cancelled", finished_at=now()
        )
    )


@transaction.atomic
def job_retry(*, job_id: UUID, user) -> Job | None:
    """failed or cancelled -> a new queued job with the same inputs, linked to this one.
    None if the job is not failed or cancelled."""
    old = (
        Job.objects.select_related("project", "report", "deepdiveanalysis")
        .filter(pk=job_id, status__in=[Job.Status.FAILED, Job.Status.CANCELLED])
        .first()
    )
    if old is None:
        return None
    if old.kind == Job.Kind.REVIEW:
        new = job_create_review(project=old.project, creator=user, **old.report.inputs())
    else:
        dive = old.deepdiveanalysis
        new = job_create_deep_dive(
            project=old.project,
            creator=user,
            objective=dive.objective,
            pmid=dive.pmid,
            title=dive.title,
            text=dive.text,
        )
    Job.objects.filter(pk=new.pk).update(retry_of=old)
    new.retry_of = old
    return new
