"""The operators' page and /metrics."""

from datetime import timedelta

import pytest
from django.utils.timezone import now

from tests.conftest import make_job, make_project, make_user

pytestmark = pytest.mark.django_db


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
