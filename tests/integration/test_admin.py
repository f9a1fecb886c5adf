"""The admin: lists, filters, a read-only result, and actions through the lifecycle."""

import pytest

from jobs.models import Job
from tests.conftest import make_job, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize(
    "url",
    [
        "/admin/jobs/report/",
        "/admin/jobs/report/?job__status__exact=completed",
        "/admin/jobs/report/?q=remdesivir",
        "/admin/jobs/deepdiveanalysis/",
        "/admin/jobs/project/",
        "/admin/jobs/paper/",
        "/admin/jobs/apitoken/",
    ],
)
def test_admin_lists_render(admin_client, url, review_result):
    make_job(status="completed", result=review_result)
    make_job(kind="deep_dive", status="failed", error="Timed out")
    assert admin_client.get(url).status_code == 200


def test_report_list_shows_lifecycle_columns(admin_client):
    job = make_job(status="processing", progress=40)
    html = admin_client.get("/admin/jobs/report/").content.decode()
    assert "Processing" in html and "40%" in html and job.project.name in html


def test_result_is_shown_read_only(admin_client, review_result):
    job = make_job(status="completed", result=review_result)
    html = admin_client.get(f"/admin/jobs/report/{job.pk}/change/").content.decode()
    assert review_result["executive_summary"].startswith("4 papers were analysed out of")
    assert "4 papers were analysed out of" in html
    assert 'name="objective"' not in html  # no editable inputs


def test_cancel_action_uses_the_lifecycle(admin_client):
    running = make_job(status="processing")
    done = make_job(status="completed")
    admin_client.post(
        "/admin/jobs/report/",
        {"action": "cancel_jobs", "_selected_action": [str(running.pk), str(done.pk)]},
    )
    assert Job.objects.get(pk=running.pk).status == "cancelled"
    assert Job.objects.get(pk=done.pk).status == "completed"


def test_retry_action_creates_linked_jobs(admin_client):
    failed = make_job(status="failed")
    admin_client.post(
        "/admin/jobs/report/", {"action": "retry_jobs", "_selected_action": [str(failed.pk)]}
    )
    retry = Job.objects.get(retry_of=failed)
    assert retry.status == "queued"


def test_the_admin_deletes_no_job(admin_client, review_result):
    job = make_job(status="completed", result=review_result)
    assert admin_client.post(f"/admin/jobs/report/{job.pk}/delete/").status_code == 403
    admin_client.post(
        "/admin/jobs/report/", {"action": "delete_selected", "_selected_action": [str(job.pk)]}
    )
    assert Job.objects.with_detail().get(pk=job.pk).report.objective == job.report.objective
