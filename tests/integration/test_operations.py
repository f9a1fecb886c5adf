"""The operators' page and /metrics."""

import importlib
import runpy
from datetime import timedelta

import pytest
from django.core.cache import caches
from django.utils.timezone import now

from jobs import operations
from jobs.operations import PollCounter
from tests.conftest import make_job, make_project, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_poll_count():
    """Polls earlier tests counted (in this process, or in Redis) are not this test's."""
    operations.POLLS.flush()
    caches["shared"].delete(PollCounter.KEY)


@pytest.fixture
def staff(db):
    return make_user(is_staff=True)


def some_jobs():
    project = make_project()
    start = now() - timedelta(hours=1)
    for seconds in (10, 20, 30, 40):
        make_job(
            project=project,
            status="completed",
            started_at=start,
            finished_at=start + timedelta(seconds=seconds),
        )
    make_job(project=project, status="failed", error="The library is empty.", finished_at=now())
    make_job(project=project, status="queued", created_at=now() - timedelta(minutes=3))
    return project


def test_operations_page_is_for_staff_only(client, user, staff):
    some_jobs()
    client.force_login(user)
    assert client.get("/ops/").status_code == 404
    client.force_login(staff)
    html = client.get("/ops/").content.decode()
    assert "<svg" in html
    assert "80 % of finished jobs completed" in html
    assert "The library is empty. — 1" in html
    assert "the oldest waiting 18" in html  # 180 s; exact seconds vary by a tick


def test_polls_are_counted_and_averaged_per_finished_job(client, staff):
    project = some_jobs()
    job = make_job(project=project, status="processing")
    client.force_login(project.owner)
    for _ in range(10):
        client.get(f"/jobs/{job.pk}/status")
    client.force_login(staff)
    html = client.get("/ops/").content.decode()
    assert "(10 polls, 5 finished jobs)" in html and "<dd>2.0 (" in html


def test_polls_survive_the_web_process_that_counted_them(client, staff, settings):
    project = some_jobs()
    job = make_job(project=project, status="processing")
    client.force_login(project.owner)
    for _ in range(10):
        client.get(f"/jobs/{job.pk}/status")
    gunicorn_hooks = runpy.run_path(str(settings.BASE_DIR / "gunicorn.conf.py"))
    gunicorn_hooks.get("worker_exit", lambda server, worker: None)(None, None)
    # A new process: nothing of the old one's memory is left.
    caches["default"].clear()
    importlib.reload(operations)
    client.force_login(staff)
    assert "(10 polls, 5 finished jobs)" in client.get("/ops/").content.decode()


def test_metrics_need_staff_or_the_token(client, user, staff, settings):
    settings.METRICS_TOKEN = "scrape-me"
    some_jobs()
    assert client.get("/metrics").status_code == 401
    client.force_login(user)
    assert client.get("/metrics").status_code == 401
    client.logout()
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    body = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-me").content.decode()
    assert 'reviewsite_jobs_last_week{status="completed"} 4.0' in body
    assert 'reviewsite_job_duration_seconds{kind="review",quantile="0.5"} 25.0' in body
    assert "reviewsite_jobs_queued 1.0" in body
    client.force_login(staff)
    assert client.get("/metrics").status_code == 200


def test_the_poll_count_lives_in_the_shared_cache_not_in_a_process():
    first, second = PollCounter(flush_seconds=3600), PollCounter(flush_seconds=3600)
    for _ in range(3):
        first.count()
    for _ in range(4):
        second.count()
    assert first.total() == 3  # reading flushes this process's count, not the other's
    assert second.total() == 7
    second.count()
    second.flush()
    # Every process's local memory is gone (a recycled gunicorn worker, a restart) ...
    caches["default"].clear()
    del first, second
    # ... and a new process still reads every poll flushed before.
    assert PollCounter().total() == 8


def test_a_poll_is_counted_in_memory_and_flushed_every_few_seconds(monkeypatch):
    counter = PollCounter(flush_seconds=5)
    clock = [1000.0]
    monkeypatch.setattr("jobs.operations.time.monotonic", lambda: clock[0])
    counter._last_flush = clock[0]
    counter.count()
    counter.count()
    assert caches["shared"].get(PollCounter.KEY) is None  # nothing written yet
    clock[0] += 5
    counter.count()
    assert caches["shared"].get(PollCounter.KEY) == 3


def test_metrics_report_every_process_polls(client, staff):
    for polls in (2, 1):  # two other web processes, each flushing what it counted
        process = PollCounter(flush_seconds=3600)
        for _ in range(polls):
            process.count()
        process.flush()
    client.force_login(staff)
    body = client.get("/metrics").content.decode()
    assert "reviewsite_status_polls_total 3.0" in body
