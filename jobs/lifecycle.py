"""Every write to a job's status. Each transition is one conditional UPDATE from the states
it may start in, so two workers (or a worker and a user) racing can never both win."""

import hashlib
import json
import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial, wraps
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F, Q
from django.utils.timezone import now
from django_q.tasks import async_task

from jobs.kinds import KINDS
from jobs.models import Job, Project
from research.schema import Result, load_result

RUN_TASK = "jobs.tasks.run_job"
INDEX_TASK = "jobs.tasks.build_index"

log = logging.getLogger(__name__)

# Pauses between the attempts of a write that found SQLite's write lock held by someone else
# (a long import, say); each attempt first waits out the connection's busy timeout as well.
LOCKED_RETRY_PAUSES = (0.1, 0.2, 0.5, 1.0, 2.0)


def retry_when_locked(write):
    """Try a write again a few times while SQLite answers "database is locked". Only outside a
    transaction: inside one the error propagates, since the transaction is what must be retried."""

    @wraps(write)
    def retrying(**kwargs):
        for pause in LOCKED_RETRY_PAUSES:
            try:
                return write(**kwargs)
            except OperationalError as exc:
                if "locked" not in str(exc) or transaction.get_connection().in_atomic_block:
                    raise
                log.warning("%s: %s; trying again in %s s", write.__name__, exc, pause)
            time.sleep(pause)
        return write(**kwargs)

    return retrying


def budget_for(*, kind: str, preference: str = "") -> int:
    """The time budget in seconds for a kind of job (and, for reviews, its preference)."""
    return KINDS[kind].budget_seconds({"preference": preference})


class SubmissionRefused(Exception):
    """A job was not created; the message says why in words for the user."""


class TooManyActiveJobs(SubmissionRefused):
    pass


class IdempotencyKeyReused(SubmissionRefused):
    pass


class RerunImpossible(SubmissionRefused):
    """The job's inputs were erased with its result, so running it again would run on nothing."""


DETAIL_MODELS = {name: kind.detail_model for name, kind in KINDS.items()}


def input_fingerprint(*, kind: str, inputs: dict) -> str:
    """A stable hash of what a job was asked to do, to recognise a repeated submission."""
    readable = {
        key: hashlib.sha256(value).hexdigest() if isinstance(value, bytes) else value
        for key, value in inputs.items()
    }
    canonical = json.dumps({"kind": kind, **readable}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def job_enqueue(*, job_id: UUID) -> None:
    """Ring the queue's doorbell for a job once the current transaction commits."""
    transaction.on_commit(
        partial(async_task, RUN_TASK, str(job_id), task_name=f"job-{job_id}", group="jobs")
    )


def index_build_ring() -> None:
    """Ring the doorbell for a background build of the shared search index once the current
    transaction commits. Builds are single-flight (jobs.library.build_shared_index), so a
    ring while one runs costs a worker only a lock check."""
    transaction.on_commit(partial(async_task, INDEX_TASK, task_name="search-index", group="index"))


def _existing_submission(*, creator, project: Project, input_hash: str, key: str) -> Job | None:
    if key:
        job = Job.objects.filter(creator=creator, idempotency_key=key).first()
        if job is not None:
            if job.input_hash != input_hash or job.project_id != project.pk:
                raise IdempotencyKeyReused(
                    "This Idempotency-Key was already used for a different request."
                )
            return job
    return (
        Job.objects.active().filter(creator=creator, project=project, input_hash=input_hash).first()
    )


def job_submit(
    *, kind: str, project: Project, creator, idempotency_key: str = "", **inputs
) -> tuple[Job, bool]:
    """Create a queued job and enqueue it on commit, or return the identical job that is
    already queued or running (or that answered the same Idempotency-Key), with False."""
    input_hash = input_fingerprint(kind=kind, inputs=inputs)
    lookup = {"creator": creator, "project": project, "input_hash": input_hash}
    existing = _existing_submission(**lookup, key=idempotency_key)
    if existing is not None:
        return existing, False
    limit = settings.JOB_MAX_ACTIVE_PER_USER
    try:
        with transaction.atomic():
            # The user's row, locked, makes count-then-insert one step: concurrent submissions
            # of one user queue here (on SQLite the IMMEDIATE transaction already does).
            get_user_model().objects.select_for_update().filter(pk=creator.pk).exists()
            if Job.objects.active().filter(creator=creator).count() >= limit:
                raise TooManyActiveJobs(
                    f"You already have {limit} jobs queued or running. "
                    "Wait for one to finish, or cancel one, before starting another."
                )
            job = Job.objects.create(
                kind=kind,
                project=project,
                creator=creator,
                budget_seconds=budget_for(kind=kind, preference=inputs.get("preference", "")),
                input_hash=input_hash,
                idempotency_key=idempotency_key,
                enqueued_at=now(),
            )
            detail = DETAIL_MODELS[kind]._default_manager.create(job=job, **inputs)
            setattr(job, str(DETAIL_MODELS[kind]._meta.model_name), detail)
            job_enqueue(job_id=job.pk)
    except IntegrityError:
        # An identical submission committed between our check and our insert.
        existing = _existing_submission(**lookup, key=idempotency_key)
        if existing is None:
            raise
        return existing, False
    return job, True


def job_create_review(*, project: Project, creator, **inputs) -> Job:
    """Submit a literature review (see job_submit); returns the new or identical job."""
    return job_submit(kind=Job.Kind.REVIEW, project=project, creator=creator, **inputs)[0]


def job_create_deep_dive(*, project: Project, creator, **inputs) -> Job:
    """Submit a deep dive (see job_submit); returns the new or identical job."""
    return job_submit(kind=Job.Kind.DEEP_DIVE, project=project, creator=creator, **inputs)[0]


def job_create_import(*, project: Project, creator, **inputs) -> Job:
    """Submit a library import (see job_submit); returns the new or identical job."""
    return job_submit(kind=Job.Kind.IMPORT, project=project, creator=creator, **inputs)[0]


@retry_when_locked
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


@retry_when_locked
def job_progress(*, job_id: UUID, worker: str, stage: str, percent: int) -> bool:
    """processing -> processing with a new stage and percent. False once the job is no
    longer this worker's (cancelled, timed out or handed to another worker)."""
    return bool(
        Job.objects.filter(pk=job_id, status=Job.Status.PROCESSING, worker=worker).update(
            stage=stage[:120], progress=max(0, min(100, int(percent))), heartbeat_at=now()
        )
    )


@retry_when_locked
def job_heartbeat(*, job_id: UUID, worker: str) -> bool:
    """processing -> processing, proving the worker is alive. False once it is not its job."""
    return bool(
        Job.objects.filter(pk=job_id, status=Job.Status.PROCESSING, worker=worker).update(
            heartbeat_at=now()
        )
    )


@retry_when_locked
@transaction.atomic
def job_complete(
    *,
    job_id: UUID,
    worker: str,
    result: Result | dict[str, Any],
    publish: Callable[[], dict[str, int]] | None = None,
) -> bool:
    """processing -> completed, storing the result once and running the job's staged writes
    (publish, whose return value joins the result) in the same transaction. False if the job
    is no longer this worker's, in which case nothing is stored or published. The result must
    fit the kind's schema (research.schema); one that does not is our bug: ResultSchemaError,
    and the transaction keeps nothing."""
    won = Job.objects.filter(pk=job_id, status=Job.Status.PROCESSING, worker=worker).update(
        status=Job.Status.COMPLETED, stage="Finished", progress=100, finished_at=now()
    )
    if not won:
        return False
    data = dict(result) if isinstance(result, dict) else result.to_dict()
    if publish is not None:
        data = {**data, **publish()}
    kind = Job.objects.values_list("kind", flat=True).get(pk=job_id)
    stored = load_result(kind, data).to_dict()
    DETAIL_MODELS[kind]._default_manager.filter(job_id=job_id).update(result=stored)
    return True


@retry_when_locked
def job_fail(
    *,
    job_id: UUID,
    error: str,
    detail: str = "",
    worker: str | None = None,
    stale_before: datetime | None = None,
    started_before: datetime | None = None,
) -> bool:
    """queued or processing -> failed with a message for the user and detail for staff.
    With a worker, only that worker's running job can fail; the reaper also passes the
    condition it read (heartbeat or start older than a moment), checked again as it writes."""
    jobs = Job.objects.filter(pk=job_id)
    if worker is None:
        jobs = jobs.filter(status__in=Job.ACTIVE_STATUSES)
    else:
        jobs = jobs.filter(status=Job.Status.PROCESSING, worker=worker)
    if stale_before is not None:
        jobs = jobs.filter(heartbeat_at__lt=stale_before)
    if started_before is not None:
        jobs = jobs.filter(started_at__lt=started_before)
    return bool(
        jobs.update(
            status=Job.Status.FAILED,
            stage="Failed",
            error=error[:2000],
            error_detail=detail[:20000],
            finished_at=now(),
        )
    )


@retry_when_locked
def job_cancel(*, job_id: UUID) -> bool:
    """queued or processing -> cancelled. A running worker notices at its next progress
    report and stops. False if the job had already finished."""
    return bool(
        Job.objects.filter(pk=job_id, status__in=Job.ACTIVE_STATUSES).update(
            status=Job.Status.CANCELLED, stage="Cancelled", finished_at=now()
        )
    )


def job_delete(*, job_id: UUID) -> bool:
    """completed, failed or cancelled -> gone. False for a job that is still active."""
    deleted, _ = Job.objects.filter(pk=job_id, status__in=Job.FINISHED_STATUSES).delete()
    return bool(deleted)


def job_retry(*, job_id: UUID, user) -> Job | None:
    """failed, cancelled or pruned -> a new queued job with the same inputs, linked to this
    one. None for a job that is active or still holds its result; RerunImpossible for a pruned
    job whose inputs went with its result (an uploaded file, a pasted paper)."""
    retryable = Q(status__in=[Job.Status.FAILED, Job.Status.CANCELLED]) | Q(
        status=Job.Status.COMPLETED, pruned_at__isnull=False
    )
    old = Job.objects.select_related("project").with_detail().filter(retryable, pk=job_id).first()
    if old is None:
        return None
    if not old.can_rerun:
        raise RerunImpossible(
            "This job's inputs were removed with its result under the retention policy, so it "
            "cannot be run again. Start a new one with the file or text."
        )
    inputs = old.detail.inputs()  # reads the large inputs with_detail left out
    new, created = job_submit(kind=old.kind, project=old.project, creator=user, **inputs)
    if created:
        Job.objects.filter(pk=new.pk).update(retry_of=old)
        new.retry_of = old
    return new


@retry_when_locked
def job_requeue(*, job_id: UUID, worker: str, reason: str, stale_before: datetime) -> bool:
    """processing -> queued, for a job whose worker stopped responding. Only while the same
    worker still holds it and its heartbeat is still older than stale_before, so a job that
    just finished, was requeued or proved alive after the reaper looked is left alone."""
    requeued = (
        Job.objects.filter(pk=job_id, status=Job.Status.PROCESSING, worker=worker)
        .filter(heartbeat_at__lt=stale_before)
        .update(status=Job.Status.QUEUED, stage=reason, worker="", enqueued_at=now())
    )
    if requeued:
        job_enqueue(job_id=job_id)
    return bool(requeued)


@retry_when_locked
def job_ring_again(*, job_id: UUID, enqueued_at) -> bool:
    """queued -> queued with a new doorbell, for a job no worker picked up (a lost message)."""
    rung = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED, enqueued_at=enqueued_at).update(
        enqueued_at=now()
    )
    if rung:
        job_enqueue(job_id=job_id)
    return bool(rung)


def timed_out_message(budget_seconds: int) -> str:
    return (
        f"Timed out: the job ran longer than its time budget of {budget_seconds} seconds "
        "and was stopped."
    )


def job_reap(*, moment=None, failed: list | None = None) -> dict[str, int]:
    """Recover what workers lost: over-budget jobs end failed, silent jobs go back to the
    queue (until the attempt limit), and unclaimed queued jobs are enqueued again. The ids
    of jobs it failed are appended to `failed`. Every write re-checks what was read, so any
    number of reapers may run at once; no transaction spans them, so each can retry a lock."""
    moment = moment or now()
    failed = [] if failed is None else failed
    counts = {"timed_out": 0, "requeued": 0, "gave_up": 0, "rung_again": 0}
    stale_before = moment - timedelta(seconds=settings.JOB_STALE_SECONDS)
    processing = Job.objects.filter(status=Job.Status.PROCESSING).only(
        "pk", "worker", "started_at", "heartbeat_at", "budget_seconds", "attempts"
    )
    for job in processing:
        over_budget = moment - timedelta(seconds=job.budget_seconds + settings.JOB_STALE_SECONDS)
        if job.started_at < over_budget:
            if job_fail(
                job_id=job.pk,
                worker=job.worker,
                error=timed_out_message(job.budget_seconds),
                started_before=over_budget,
            ):
                counts["timed_out"] += 1
                failed.append(job.pk)
        elif job.heartbeat_at < stale_before:
            if job.attempts >= settings.JOB_MAX_ATTEMPTS:
                if job_fail(
                    job_id=job.pk,
                    worker=job.worker,
                    error=f"The job was interrupted {job.attempts} times (its worker stopped "
                    "responding each time) and was given up. You can retry it.",
                    detail=f"last worker {job.worker}, last heartbeat {job.heartbeat_at}",
                    stale_before=stale_before,
                ):
                    counts["gave_up"] += 1
                    failed.append(job.pk)
            else:
                counts["requeued"] += job_requeue(
                    job_id=job.pk,
                    worker=job.worker,
                    reason="Restarting: the previous worker stopped responding",
                    stale_before=stale_before,
                )
    unclaimed_before = moment - timedelta(seconds=settings.JOB_UNCLAIMED_SECONDS)
    unclaimed = Job.objects.filter(status=Job.Status.QUEUED, enqueued_at__lt=unclaimed_before)
    # Oldest first and a few at a time: a long backlog is waiting, not lost.
    for job_id, enqueued_at in unclaimed.order_by("enqueued_at").values_list("pk", "enqueued_at")[
        :100
    ]:
        counts["rung_again"] += job_ring_again(job_id=job_id, enqueued_at=enqueued_at)
    return counts


def job_prune(*, finished_before, batch_size: int = 1000) -> int:
    """finished -> finished without its result and the inputs its kind does not keep (uploaded
    files, pasted text: see jobs.kinds), keeping who, what, when and the outcome. Works in
    batches so a large backlog never holds a long lock."""
    pruned = 0
    while True:
        ids = list(
            Job.objects.filter(
                status__in=Job.FINISHED_STATUSES,
                finished_at__lt=finished_before,
                pruned_at__isnull=True,
            ).values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return pruned
        with transaction.atomic():
            for kind in KINDS.values():
                kind.detail_model._default_manager.filter(job_id__in=ids).update(
                    **kind.pruned_values
                )
            pruned += Job.objects.filter(pk__in=ids, pruned_at__isnull=True).update(pruned_at=now())
