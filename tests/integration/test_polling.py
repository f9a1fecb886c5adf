"""The status poll's fast path reads the member's account with the job: logging out,
deactivation and a password change must still end access at once."""

import time

import pytest

from tests.conftest import PASSWORD, make_job, poll_queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def polling(client, project):
    job = make_job(project=project, status="processing")
    client.post("/accounts/login/", {"username": project.owner.username, "password": PASSWORD})
    assert client.get(f"/jobs/{job.pk}/status").status_code == 200
    return client, job


def test_logging_out_ends_polling_at_once(polling):
    client, job = polling
    client.post("/accounts/logout/")
    assert client.get(f"/jobs/{job.pk}/status").status_code == 401
    assert client.get(f"/jobs/{job.pk}/partial").url.startswith("/accounts/login/")


def test_deactivating_the_account_ends_polling_at_once(polling):
    client, job = polling
    job.creator.is_active = False
    job.creator.save()
    assert client.get(f"/jobs/{job.pk}/status").status_code == 401


def test_a_password_change_elsewhere_ends_this_session(polling):
    client, job = polling
    job.creator.set_password("another-long-password")
    job.creator.save()
    assert client.get(f"/jobs/{job.pk}/status").status_code == 401


def test_an_htmx_poll_after_logout_sends_the_page_to_log_in(polling):
    client, job = polling
    client.post("/accounts/logout/")
    response = client.get(f"/jobs/{job.pk}/partial", HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"].startswith("/accounts/login/")


def test_a_forged_session_user_gets_nothing(client, project):
    job = make_job(project=project, status="processing")
    session = client.session
    session["_auth_user_id"] = str(project.owner.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = "0" * 64
    session.save()
    assert client.get(f"/jobs/{job.pk}/status").status_code == 401


def test_a_poll_costs_the_session_and_one_query(polling, django_assert_num_queries):
    client, job = polling
    with django_assert_num_queries(poll_queries()):
        client.get(f"/jobs/{job.pk}/partial", HTTP_HX_REQUEST="true")


def test_an_expired_session_ends_polling(polling):
    client, job = polling
    session = client.session
    session.set_expiry(1)  # a second from now, in the database and in the cache alike
    session.save()
    assert client.get(f"/jobs/{job.pk}/status").status_code == 200
    time.sleep(1.2)
    assert client.get(f"/jobs/{job.pk}/status").status_code == 401


def test_a_running_poll_reads_status_columns_only_and_a_finished_one_the_result(
    polling, review_result
):
    from jobs.models import Job, Report

    client, job = polling
    running = client.get(f"/jobs/{job.pk}/status").json()
    assert running["status"] == "processing" and "result" not in running
    Job.objects.filter(pk=job.pk).update(status="completed", progress=100)
    Report.objects.filter(pk=job.pk).update(result=review_result)
    finished = client.get(f"/jobs/{job.pk}/status").json()
    assert finished["status"] == "completed" and finished["result"]["papers"]
