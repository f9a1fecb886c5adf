"""The jobs page: filters, pages, actions, and a query count that does not grow with the list."""

import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.timezone import now

from jobs.estimates import seconds_left
from jobs.models import Job, Role
from tests.conftest import make_job, make_project, make_user

pytestmark = pytest.mark.django_db


def test_lists_my_jobs_and_my_projects_jobs_newest_first(client, user):
    mine = make_project(user, name="Mine")
    shared = make_project(name="Shared", members={user: Role.VIEWER})
    hidden = make_project(name="Hidden")
    older = make_job(project=mine, created_at=now() - timedelta(hours=2))
    newer = make_job(project=shared, created_at=now() - timedelta(hours=1))
    make_job(project=hidden)
    client.force_login(user)
    html = client.get("/jobs/").content.decode()
    assert html.index(str(newer.pk)) < html.index(str(older.pk))
    assert "Hidden" not in html.split("<table")[1]


def test_filters_by_status_kind_and_project(client, user):
    first, second = make_project(user), make_project(user)
    done = make_job(project=first, status="completed")
    failed_dive = make_job(project=second, kind="deep_dive", status="failed")
    client.force_login(user)
    html = client.get("/jobs/?status=completed").content.decode()
    assert str(done.pk) in html and str(failed_dive.pk) not in html
    html = client.get("/jobs/?kind=deep_dive").content.decode()
    assert str(failed_dive.pk) in html and str(done.pk) not in html
    html = client.get(f"/jobs/?project={second.pk}").content.decode()
    assert str(failed_dive.pk) in html and str(done.pk) not in html


def test_paginates(client, user):
    project = make_project(user)
    for _ in range(30):
        make_job(project=project, status="completed")
    client.force_login(user)
    first = client.get("/jobs/").content.decode()
    second = client.get("/jobs/?page=2").content.decode()
    assert first.count('class="job-row"') == 25 and second.count('class="job-row"') == 5
    assert "Page 1 of 2 (30 jobs)" in first


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", ["/jobs/", "/"])
def test_query_count_stays_fixed_as_the_list_grows(client, user, url):
    """The jobs page and the dashboard cost as many queries with 32 jobs as with 2."""
    project = make_project(user)
    make_job(project=project)
    make_job(project=project, kind="deep_dive", status="completed")
    client.force_login(user)
    _count_queries(client, url)  # the first request warms what is cached per process
    few = _count_queries(client, url)
    for kind in ["review", "deep_dive"] * 15:
        make_job(project=project, kind=kind, status="processing")
        make_job(project=project, kind=kind, status="completed")
    assert _count_queries(client, url) == few


def test_dashboard_query_count_is_fixed(client, user, django_assert_max_num_queries):
    project = make_project(user)
    for _ in range(15):
        make_job(project=project, status="processing")
        make_job(project=project, status="completed")
    client.force_login(user)
    with django_assert_max_num_queries(6):
        client.get("/")


def test_delete_a_finished_job_but_not_a_running_one(client, project):
    done = make_job(project=project, status="completed")
    running = make_job(project=project, status="processing")
    client.force_login(project.owner)
    assert client.post(f"/jobs/{done.pk}/delete").url == "/jobs/"
    client.post(f"/jobs/{running.pk}/delete")
    assert list(Job.objects.values_list("pk", flat=True)) == [running.pk]


def test_the_page_stops_polling_after_the_maximum_and_offers_to_look_again(
    client, project, settings
):
    settings.JOB_MAX_POLL_SECONDS = 60
    job = make_job(project=project, status="processing")
    client.force_login(project.owner)
    watch = int(time.time()) - 61
    html = client.get(
        f"/jobs/{job.pk}/partial?watch={watch}", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "Still running — we will email you" in html
    assert "hx-trigger" not in html.split("Look again")[0]
    assert f'href="/jobs/{job.pk}/"' in html  # the button works without JavaScript too


def test_polls_slow_down_for_long_jobs(client, project):
    job = make_job(project=project, status="processing", created_at=now() - timedelta(minutes=11))
    client.force_login(project.owner)
    assert client.get(f"/jobs/{job.pk}/status").json()["poll_after_seconds"] == 30
    html = client.get(f"/jobs/{job.pk}/partial").content.decode()
    assert "every 30s" in html


def test_time_left_from_past_jobs_of_the_same_kind(project):
    start = now() - timedelta(hours=1)
    for _ in range(3):
        make_job(
            project=project,
            status="completed",
            started_at=start,
            finished_at=start + timedelta(seconds=100),
        )
    running = make_job(
        project=project, status="processing", progress=50, started_at=now() - timedelta(seconds=40)
    )
    left = seconds_left(running)
    assert 40 <= left <= 60  # history says ~60 s more, progress says ~40 s more


def test_no_time_left_estimate_without_history_or_progress(project):
    running = make_job(project=project, status="processing", progress=0, started_at=now())
    assert seconds_left(running) is None


def test_viewer_sees_no_actions(client, project):
    viewer = make_user()
    project.memberships.create(user=viewer, role=Role.VIEWER)
    make_job(project=project, status="failed")
    client.force_login(viewer)
    html = client.get("/jobs/").content.decode()
    assert "Retry</button>" not in html and "Delete</button>" not in html


def test_delete_never_redirects_off_site(client, project):
    done = make_job(project=project, status="completed")
    client.force_login(project.owner)
    response = client.post(f"/jobs/{done.pk}/delete", {"next": "https://evil.example/"})
    assert response.url == "/jobs/"
    other = make_job(project=project, status="failed")
    response = client.post(f"/jobs/{other.pk}/delete", {"next": "/jobs/?status=failed"})
    assert response.url == "/jobs/?status=failed"
