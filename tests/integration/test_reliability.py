"""De-duplication, idempotency, fair use and the reaper, as the database sees them."""

import json
from datetime import timedelta

import pytest
from django.utils.timezone import now

from jobs import lifecycle
from jobs.models import Job
from tests.conftest import make_job, make_project, make_user

pytestmark = pytest.mark.django_db


def post_review(client, project, objective="statins and myopathy", **headers):
    body = json.dumps({"project_id": project.pk, "objective": objective})
    return client.post("/generate-review-async", body, content_type="application/json", **headers)


def test_the_same_submission_while_active_returns_the_same_job(client, project):
    client.force_login(project.owner)
    first, second = post_review(client, project), post_review(client, project)
    assert (first.status_code, second.status_code) == (202, 200)
    assert first.json()["job_id"] == second.json()["job_id"]
    assert Job.objects.count() == 1


def test_a_double_click_on_the_page_starts_one_job(client, project):
    client.force_login(project.owner)
    form = {"objective": "statins and myopathy", "preference": "precision"}
    first = client.post(f"/projects/{project.pk}/reviews", form)
    second = client.post(f"/projects/{project.pk}/reviews", form)
    assert first.url == second.url
    assert Job.objects.count() == 1


def test_the_same_inputs_after_the_job_finished_start_a_new_one(client, project):
    client.force_login(project.owner)
    job_id = post_review(client, project).json()["job_id"]
    Job.objects.filter(pk=job_id).update(status="completed")
    assert post_review(client, project).status_code == 202
    assert Job.objects.count() == 2


def test_different_inputs_or_projects_are_different_jobs(client, project):
    other = make_project(project.owner)
    client.force_login(project.owner)
    post_review(client, project)
    post_review(client, project, objective="something else entirely")
    post_review(client, other)
    assert Job.objects.count() == 3


def test_the_unique_constraint_backs_up_the_check(project):
    job, created = lifecycle.job_submit(
        kind="review", project=project, creator=project.owner, objective="x y z"
    )
    # Even a writer that skips the check cannot create a second active twin.
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Job.objects.create(
            kind="review",
            project=project,
            creator=project.owner,
            budget_seconds=1,
            input_hash=job.input_hash,
        )


def test_idempotency_key_returns_the_first_answer_even_after_it_finished(client, project):
    client.force_login(project.owner)
    first = post_review(client, project, HTTP_IDEMPOTENCY_KEY="req-1")
    Job.objects.update(status="completed")
    again = post_review(client, project, HTTP_IDEMPOTENCY_KEY="req-1")
    assert again.status_code == 200 and again.json()["job_id"] == first.json()["job_id"]
    reused = post_review(
        client, project, objective="another objective", HTTP_IDEMPOTENCY_KEY="req-1"
    )
    assert reused.status_code == 422
    assert Job.objects.count() == 1


def test_fair_use_limit(client, project, settings):
    settings.JOB_MAX_ACTIVE_PER_USER = 2
    client.force_login(project.owner)
    assert post_review(client, project, objective="one objective").status_code == 202
    assert post_review(client, project, objective="two objective").status_code == 202
    refused = post_review(client, project, objective="three objective")
    assert refused.status_code == 429
    assert "2 jobs queued or running" in refused.json()["error"]
    page = client.post(f"/projects/{project.pk}/reviews", {"objective": "four objective"})
    assert page.status_code == 429 and "2 jobs queued or running" in page.content.decode()
    assert Job.objects.count() == 2
    Job.objects.update(status="completed")
    assert post_review(client, project, objective="five objective").status_code == 202


def test_reaper_requeues_a_job_whose_worker_went_silent(
    settings, django_capture_on_commit_callbacks, queue
):
    settings.JOB_STALE_SECONDS = 60
    job = make_job(
        status="processing",
        worker="dead",
        attempts=1,
        started_at=now(),
        heartbeat_at=now() - timedelta(seconds=61),
    )
    alive = make_job(
        status="processing",
        worker="alive",
        attempts=1,
        started_at=now(),
        heartbeat_at=now() - timedelta(seconds=5),
    )
    with django_capture_on_commit_callbacks(execute=True):
        counts = lifecycle.job_reap()
    assert counts["requeued"] == 1
    job.refresh_from_db()
    assert (job.status, job.worker) == ("queued", "")
    assert "stopped responding" in job.stage
    assert Job.objects.get(pk=alive.pk).status == "processing"
    assert queue.queue_size() == 1
    # The dead worker, should it wake up, can no longer write.
    assert not lifecycle.job_progress(job_id=job.pk, worker="dead", stage="x", percent=50)
    assert not lifecycle.job_complete(job_id=job.pk, worker="dead", result={})


def test_reaper_gives_up_after_the_attempt_limit(settings):
    settings.JOB_MAX_ATTEMPTS = 3
    job = make_job(
        status="processing",
        worker="dead",
        attempts=3,
        started_at=now(),
        heartbeat_at=now() - timedelta(hours=1),
    )
    assert lifecycle.job_reap()["gave_up"] == 1
    job.refresh_from_db()
    assert job.status == "failed"
    assert "interrupted 3 times" in job.error


def test_reaper_fails_a_job_over_its_budget():
    job = make_job(
        status="processing",
        worker="w",
        attempts=1,
        budget_seconds=600,
        started_at=now() - timedelta(seconds=700),
        heartbeat_at=now(),
    )
    assert lifecycle.job_reap()["timed_out"] == 1
    job.refresh_from_db()
    assert job.status == "failed"
    assert "time budget of 600 seconds" in job.error


def test_reaper_rings_again_for_a_queued_job_nobody_claimed(
    settings, django_capture_on_commit_callbacks, queue
):
    settings.JOB_UNCLAIMED_SECONDS = 120
    lost = make_job(enqueued_at=now() - timedelta(seconds=300))
    fresh = make_job(enqueued_at=now())
    with django_capture_on_commit_callbacks(execute=True):
        assert lifecycle.job_reap()["rung_again"] == 1
    assert queue.queue_size() == 1
    lost.refresh_from_db()
    assert lost.status == "queued" and lost.enqueued_at > now() - timedelta(seconds=5)
    assert Job.objects.get(pk=fresh.pk).status == "queued"


def test_reap_jobs_command(capsys):
    from django.core.management import call_command

    call_command("reap_jobs")
    assert "requeued: 0" in capsys.readouterr().out


def test_the_reaper_leaves_a_job_whose_heartbeat_came_after_it_looked(settings):
    settings.JOB_STALE_SECONDS = 60
    job = make_job(
        status="processing",
        worker="slow-but-alive",
        attempts=1,
        started_at=now() - timedelta(seconds=120),
        heartbeat_at=now() - timedelta(seconds=61),
    )
    stale_before = now() - timedelta(seconds=60)
    assert list(Job.objects.stale(older_than=stale_before)) == [job]  # what the reaper read
    assert lifecycle.job_heartbeat(job_id=job.pk, worker="slow-but-alive")  # then a beat lands
    assert not lifecycle.job_requeue(
        job_id=job.pk, worker="slow-but-alive", reason="Restarting", stale_before=stale_before
    )
    assert not lifecycle.job_fail(
        job_id=job.pk, worker="slow-but-alive", error="Given up", stale_before=stale_before
    )
    job.refresh_from_db()
    assert (job.status, job.worker, job.attempts, job.error) == (
        "processing",
        "slow-but-alive",
        1,
        "",
    )


def test_reap_jobs_emails_the_creator_of_a_long_job_it_failed():
    from django.core import mail
    from django.core.management import call_command

    job = make_job(
        creator=make_user(email="ada@example.org"),
        status="processing",
        worker="w",
        attempts=1,
        budget_seconds=600,
        started_at=now() - timedelta(seconds=700),
        heartbeat_at=now(),
    )
    call_command("reap_jobs")
    assert Job.objects.get(pk=job.pk).status == "failed"
    assert [message.to for message in mail.outbox] == [["ada@example.org"]]
    assert mail.outbox[0].subject == "Your literature review could not be finished"
