"""Retention: old results go, a small record of each job stays."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils.timezone import now

from jobs import lifecycle
from jobs.models import Job
from tests.conftest import make_job

pytestmark = pytest.mark.django_db


def test_prune_removes_old_results_and_pasted_text_but_keeps_the_record(settings):
    settings.JOB_RESULT_RETENTION_DAYS = 30
    old = make_job(status="completed", finished_at=now() - timedelta(days=31), result={"x": 1})
    dive = make_job(kind="deep_dive", status="failed", finished_at=now() - timedelta(days=40))
    recent = make_job(status="completed", finished_at=now() - timedelta(days=1), result={"y": 2})
    running = make_job(status="processing")
    call_command("prune_jobs")
    old = Job.objects.with_detail().get(pk=old.pk)
    assert old.pruned_at and old.report.result is None
    assert (old.status, old.creator_id, old.report.objective) == (
        "completed",
        old.creator_id,
        old.report.objective,
    )
    assert Job.objects.get(pk=dive.pk).deepdiveanalysis.text == ""
    assert Job.objects.with_detail().get(pk=recent.pk).report.result == {"y": 2}
    assert Job.objects.get(pk=running.pk).pruned_at is None


def test_prune_works_in_batches():
    for _ in range(5):
        make_job(status="completed", finished_at=now() - timedelta(days=400), result={"x": 1})
    assert lifecycle.job_prune(finished_before=now(), batch_size=2) == 5
    assert lifecycle.job_prune(finished_before=now(), batch_size=2) == 0


def test_a_pruned_job_says_so_and_can_be_run_again(client):
    job = make_job(status="completed", finished_at=now() - timedelta(days=400), result={"x": 1})
    lifecycle.job_prune(finished_before=now())
    client.force_login(job.creator)
    html = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "removed" in html and "Run it again" in html
    response = client.post(f"/jobs/{job.pk}/retry")
    assert Job.objects.get(retry_of=job).status == "queued"
    assert response.status_code == 302


def test_a_completed_job_with_its_result_cannot_be_retried():
    job = make_job(status="completed", result={"x": 1})
    assert lifecycle.job_retry(job_id=job.pk, user=job.creator) is None


def test_old_queue_records_are_deleted(settings):
    from django_q.models import Task

    settings.QUEUE_RECORD_RETENTION_DAYS = 7
    for age in (1, 10):
        Task.objects.create(
            id=f"task{age}",
            name=f"t{age}",
            func="jobs.tasks.run_job",
            started=now(),
            stopped=now() - timedelta(days=age),
            success=True,
        )
    call_command("prune_jobs")
    assert list(Task.objects.values_list("id", flat=True)) == ["task1"]
