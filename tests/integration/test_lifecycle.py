"""Every legal and illegal status transition, as the database sees it."""

import pytest
from django.db import IntegrityError, transaction
from django_q.signals import pre_enqueue

from jobs import lifecycle
from jobs.models import DeepDiveAnalysis, Job, Membership, Role
from research.schema import ResultSchemaError, load_result
from tests.conftest import make_job

pytestmark = pytest.mark.django_db

S = Job.Status
ALL = list(S)


def test_create_review_stores_inputs_and_enqueues_on_commit(
    project, django_capture_on_commit_callbacks, queue
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = lifecycle.job_create_review(
            project=project,
            creator=project.owner,
            objective="statins",
            molecule="atorvastatin",
            preference="recall",
        )
    assert len(callbacks) == 1
    job.refresh_from_db()
    assert (job.status, job.progress, job.attempts, job.budget_seconds) == (S.QUEUED, 0, 0, 1800)
    assert job.report.inputs() == {
        "objective": "statins",
        "molecule": "atorvastatin",
        "preference": "recall",
        "full_text_only": False,
        "source": "library",
    }
    assert queue.queue_size() == 1  # the doorbell, carrying only the id


@pytest.mark.django_db(transaction=True)
def test_nothing_is_enqueued_when_the_transaction_rolls_back(project, queue):
    """A failure later in the same transaction takes the job, its inputs and its doorbell away."""
    sent = []
    pre_enqueue.connect(lambda task, **_: sent.append(task["args"]), weak=False, dispatch_uid="t")
    try:
        with pytest.raises(IntegrityError), transaction.atomic():
            job = lifecycle.job_create_deep_dive(
                project=project, creator=project.owner, title="t", text="x"
            )
            assert Job.objects.filter(pk=job.pk).exists()  # written, inside the transaction
            # The same request then fails on a write: the owner is already a member.
            Membership.objects.create(project=project, user=project.owner, role=Role.VIEWER)
        assert not Job.objects.exists() and not DeepDiveAnalysis.objects.exists()
        assert sent == [] and queue.queue_size() == 0
        # The same call in a transaction that commits does ring the doorbell, once.
        job = lifecycle.job_create_deep_dive(
            project=project, creator=project.owner, title="t", text="x"
        )
        assert sent == [(str(job.pk),)] and queue.queue_size() == 1
    finally:
        pre_enqueue.disconnect(dispatch_uid="t")


def test_budgets_follow_kind_and_preference(project):
    precision = lifecycle.job_create_review(
        project=project, creator=project.owner, objective="a b c"
    )
    dive = lifecycle.job_create_deep_dive(
        project=project, creator=project.owner, title="t", text="x"
    )
    assert (precision.budget_seconds, dive.budget_seconds) == (1200, 600)


def test_claim_moves_queued_to_processing_once():
    job = make_job()
    assert lifecycle.job_claim(job_id=job.pk, worker="w1") is True
    assert lifecycle.job_claim(job_id=job.pk, worker="w2") is False
    job.refresh_from_db()
    assert (job.status, job.worker, job.attempts) == (S.PROCESSING, "w1", 1)
    assert job.started_at and job.heartbeat_at


@pytest.mark.parametrize("status", [s for s in ALL if s != S.QUEUED])
def test_claim_refused_from_any_other_state(status):
    job = make_job(status=status)
    assert lifecycle.job_claim(job_id=job.pk, worker="w") is False
    assert Job.objects.get(pk=job.pk).status == status


def test_progress_only_from_the_claiming_worker():
    job = make_job()
    lifecycle.job_claim(job_id=job.pk, worker="w1")
    assert lifecycle.job_progress(job_id=job.pk, worker="w1", stage="Ranking", percent=40)
    assert not lifecycle.job_progress(job_id=job.pk, worker="w2", stage="Other", percent=90)
    job.refresh_from_db()
    assert (job.stage, job.progress) == ("Ranking", 40)


@pytest.mark.parametrize("status", [s for s in ALL if s != S.PROCESSING])
def test_progress_refused_unless_processing(status):
    job = make_job(status=status, worker="w1")
    assert not lifecycle.job_progress(job_id=job.pk, worker="w1", stage="x", percent=50)
    assert not lifecycle.job_heartbeat(job_id=job.pk, worker="w1")


def test_complete_stores_result_once(review_result):
    job = make_job()
    lifecycle.job_claim(job_id=job.pk, worker="w1")
    assert lifecycle.job_complete(job_id=job.pk, worker="w1", result=review_result)
    assert not lifecycle.job_complete(job_id=job.pk, worker="w1", result={"papers": [2]})
    job = Job.objects.with_detail().get(pk=job.pk)
    assert (job.status, job.progress, job.report.result) == (S.COMPLETED, 100, review_result)
    assert job.finished_at


def test_complete_validates_the_result_and_keeps_nothing_that_does_not_fit(review_result):
    job = make_job()
    lifecycle.job_claim(job_id=job.pk, worker="w1")
    with pytest.raises(ResultSchemaError, match="papers"):
        lifecycle.job_complete(job_id=job.pk, worker="w1", result={"papers": [1]})
    job = Job.objects.with_detail().get(pk=job.pk)
    assert (job.status, job.report.result) == (S.PROCESSING, None)
    typed = load_result("review", review_result)
    assert lifecycle.job_complete(job_id=job.pk, worker="w1", result=typed)
    assert Job.objects.with_detail().get(pk=job.pk).report.typed_result == typed


def test_complete_from_a_stale_worker_stores_nothing():
    job = make_job()
    lifecycle.job_claim(job_id=job.pk, worker="w1")
    Job.objects.filter(pk=job.pk).update(worker="w2")  # handed to another worker
    assert not lifecycle.job_complete(job_id=job.pk, worker="w1", result={"x": 1})
    job = Job.objects.with_detail().get(pk=job.pk)
    assert (job.status, job.report.result) == (S.PROCESSING, None)


@pytest.mark.parametrize("status", [s for s in ALL if s != S.PROCESSING])
def test_complete_refused_unless_processing(status):
    job = make_job(status=status, worker="w1")
    assert not lifecycle.job_complete(job_id=job.pk, worker="w1", result={})
    assert Job.objects.get(pk=job.pk).status == status


@pytest.mark.parametrize("status", [S.QUEUED, S.PROCESSING])
def test_fail_from_active_states(status):
    job = make_job(status=status)
    assert lifecycle.job_fail(job_id=job.pk, error="Library missing", detail="trace")
    job.refresh_from_db()
    assert (job.status, job.error, job.error_detail) == (S.FAILED, "Library missing", "trace")


@pytest.mark.parametrize("status", list(Job.FINISHED_STATUSES))
def test_fail_refused_once_finished(status):
    job = make_job(status=status)
    assert not lifecycle.job_fail(job_id=job.pk, error="late")
    assert Job.objects.get(pk=job.pk).status == status


def test_fail_with_worker_needs_that_worker():
    job = make_job()
    lifecycle.job_claim(job_id=job.pk, worker="w1")
    assert not lifecycle.job_fail(job_id=job.pk, worker="w2", error="x")
    assert lifecycle.job_fail(job_id=job.pk, worker="w1", error="x")


@pytest.mark.parametrize("status", [S.QUEUED, S.PROCESSING])
def test_cancel_from_active_states(status):
    job = make_job(status=status, worker="w1")
    assert lifecycle.job_cancel(job_id=job.pk)
    assert Job.objects.get(pk=job.pk).status == S.CANCELLED
    # The worker learns at its next report and can no longer complete the job.
    assert not lifecycle.job_progress(job_id=job.pk, worker="w1", stage="x", percent=60)
    assert not lifecycle.job_complete(job_id=job.pk, worker="w1", result={"partial": True})
    assert Job.objects.with_detail().get(pk=job.pk).report.result is None


@pytest.mark.parametrize("status", list(Job.FINISHED_STATUSES))
def test_cancel_refused_once_finished(status):
    job = make_job(status=status)
    assert not lifecycle.job_cancel(job_id=job.pk)
    assert Job.objects.get(pk=job.pk).status == status


@pytest.mark.parametrize("status", [S.FAILED, S.CANCELLED])
def test_retry_creates_a_linked_job_with_the_same_inputs(status):
    old = make_job(status=status)
    new = lifecycle.job_retry(job_id=old.pk, user=old.creator)
    new = Job.objects.with_detail().get(pk=new.pk)
    assert (new.status, new.retry_of_id) == (S.QUEUED, old.pk)
    assert new.report.inputs() == old.report.inputs()


def test_retry_of_a_deep_dive_keeps_the_pasted_text():
    old = make_job(kind=Job.Kind.DEEP_DIVE, status=S.FAILED, text="Pasted words " * 30)
    new = lifecycle.job_retry(job_id=old.pk, user=old.creator)
    assert new.deepdiveanalysis.text == "Pasted words " * 30


@pytest.mark.parametrize("status", [S.QUEUED, S.PROCESSING, S.COMPLETED])
def test_retry_refused_for_other_states(status):
    job = make_job(status=status)
    assert lifecycle.job_retry(job_id=job.pk, user=job.creator) is None
    assert Job.objects.count() == 1
