"""The JSON API: shapes, status codes, authentication and validation."""

import json

import pytest

from jobs.models import ApiToken, Job, Role
from tests.conftest import make_job, make_paper, make_project, make_user, poll_queries

pytestmark = pytest.mark.django_db

STATUS_KEYS = {
    "job_id",
    "job_type",
    "status",
    "stage",
    "progress",
    "created_at",
    "started_at",
    "finished_at",
    "elapsed_seconds",
    "error",
    "result_url",
    "poll_after_seconds",
}


def post_json(client, url, data, **headers):
    return client.post(url, json.dumps(data), content_type="application/json", **headers)


def bearer(user):
    _, key = ApiToken.issue(user=user, name="script")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_generate_review_accepts_json_and_answers_202(client, project):
    client.force_login(project.owner)
    response = post_json(
        client,
        "/generate-review-async",
        {
            "project_id": project.pk,
            "objective": "remdesivir outcomes",
            "molecule": "remdesivir",
            "preference": "recall",
            "full_text_only": True,
        },
    )
    assert response.status_code == 202
    body = response.json()
    assert set(body) == {"job_id", "job_type", "status", "poll_url", "message"}
    assert (body["job_type"], body["status"]) == ("review", "queued")
    assert body["poll_url"] == f"/jobs/{body['job_id']}/status"
    job = Job.objects.with_detail().get(pk=body["job_id"])
    assert job.report.inputs() == {
        "objective": "remdesivir outcomes",
        "molecule": "remdesivir",
        "preference": "recall",
        "full_text_only": True,
        "source": "library",
    }


def test_generate_review_accepts_a_form_body(client, project):
    client.force_login(project.owner)
    response = client.post(
        "/generate-review-async", {"project_id": project.pk, "objective": "statins"}
    )
    assert response.status_code == 202


def test_deep_dive_from_the_library_and_from_pasted_text(client, project):
    make_paper("32445440")
    client.force_login(project.owner)
    by_pmid = post_json(client, "/deep-dive-async", {"project_id": project.pk, "pmid": "32445440"})
    pasted = post_json(
        client,
        "/deep-dive-async",
        {
            "project_id": project.pk,
            "title": "My paper",
            "text": "We randomised patients. " * 10,
        },
    )
    assert (by_pmid.status_code, pasted.status_code) == (202, 202)
    assert by_pmid.json()["job_type"] == "deep_dive"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"objective": ""}, "objective"),
        ({"objective": "x" * 2001}, "objective"),
        ({"objective": "ok objective", "preference": "fast"}, "preference"),
    ],
)
def test_bad_review_input_gets_400_with_field_errors_and_stores_nothing(
    client, project, payload, field
):
    client.force_login(project.owner)
    response = post_json(client, "/generate-review-async", {"project_id": project.pk, **payload})
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert Job.objects.count() == 0


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"pmid": "99999999"}, "pmid"),
        ({"pmid": "abc"}, "pmid"),
        ({"title": "t", "text": "too short"}, "text"),
        ({"text": "words " * 30}, "title"),
        ({}, "__all__"),
    ],
)
def test_bad_deep_dive_input_gets_400(client, project, payload, field):
    client.force_login(project.owner)
    response = post_json(client, "/deep-dive-async", {"project_id": project.pk, **payload})
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert Job.objects.count() == 0


def test_malformed_json_is_a_clear_400(client, project):
    client.force_login(project.owner)
    response = client.post("/generate-review-async", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"] == "The body is not a JSON object."


def test_someone_elses_project_is_refused_without_confirming_it_exists(client, project):
    stranger = make_user()
    client.force_login(stranger)
    response = post_json(
        client, "/generate-review-async", {"project_id": project.pk, "objective": "abc"}
    )
    assert response.status_code == 400
    assert (
        response.json()["fields"]["project_id"][0]["message"] == "No project of yours has this id."
    )
    assert Job.objects.count() == 0


def test_viewers_cannot_start_jobs(client, project):
    viewer = make_user()
    project.memberships.create(user=viewer, role=Role.VIEWER)
    client.force_login(viewer)
    response = post_json(
        client, "/generate-review-async", {"project_id": project.pk, "objective": "abc"}
    )
    assert response.status_code == 403
    assert Job.objects.count() == 0


def test_anonymous_json_calls_get_401(client, project):
    job = make_job(project=project)
    assert (
        post_json(client, "/generate-review-async", {"project_id": project.pk}).status_code == 401
    )
    assert client.get(f"/jobs/{job.pk}/status").status_code == 401
    assert client.post(f"/jobs/{job.pk}/cancel", HTTP_ACCEPT="application/json").status_code == 401


def test_session_posts_must_carry_csrf(project):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(project.owner)
    response = post_json(
        client, "/generate-review-async", {"project_id": project.pk, "objective": "abc"}
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["error"]
    client.get("/")  # sets the csrftoken cookie
    token = client.cookies["csrftoken"].value
    response = post_json(
        client,
        "/generate-review-async",
        {"project_id": project.pk, "objective": "abc"},
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 202


def test_bearer_token_works_without_csrf_and_revoked_tokens_do_not(project):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    headers = bearer(project.owner)
    response = post_json(
        client, "/generate-review-async", {"project_id": project.pk, "objective": "abc"}, **headers
    )
    assert response.status_code == 202
    ApiToken.objects.update(revoked_at="2026-01-01T00:00:00Z")
    response = post_json(
        client, "/generate-review-async", {"project_id": project.pk, "objective": "abc"}, **headers
    )
    assert response.status_code == 401


def test_a_forged_or_malformed_token_is_401(client, project):
    job = make_job(project=project)
    for header in ["Bearer rvs_forged", "Basic abc", "Bearer", "X-User demo"]:
        response = client.get(f"/jobs/{job.pk}/status", HTTP_AUTHORIZATION=header)
        assert response.status_code == 401, header


def test_tokens_are_stored_hashed(user):
    token, key = ApiToken.issue(user=user, name="laptop")
    stored = ApiToken.objects.get(pk=token.pk)
    assert key not in (stored.key_hash, stored.hint) and len(stored.key_hash) == 64


def test_status_of_a_running_job(client, project):
    job = make_job(
        project=project,
        status="processing",
        stage="Ranking papers",
        progress=40,
        started_at="2026-01-01T00:00:00Z",
    )
    client.force_login(project.owner)
    body = client.get(f"/jobs/{job.pk}/status").json()
    assert set(body) == STATUS_KEYS
    assert (body["status"], body["stage"], body["progress"]) == ("processing", "Ranking papers", 40)
    assert body["poll_after_seconds"] == 5
    assert body["result_url"] == f"http://testserver/jobs/{job.pk}/"


def test_status_of_a_completed_job_includes_the_result(client, project, review_result):
    job = make_job(project=project, status="completed", progress=100, result=review_result)
    client.force_login(project.owner)
    body = client.get(f"/jobs/{job.pk}/status").json()
    assert set(body) == STATUS_KEYS | {"result"}
    assert body["result"] == review_result
    assert body["poll_after_seconds"] is None


def test_status_with_a_bearer_token(client, project):
    job = make_job(project=project)
    response = client.get(f"/jobs/{job.pk}/status", **bearer(project.owner))
    assert response.status_code == 200


def test_status_endpoint_query_count(client, project, django_assert_num_queries):
    job = make_job(project=project, status="processing")
    client.force_login(project.owner)
    with django_assert_num_queries(poll_queries()):  # [session,] user, job with its inputs
        assert client.get(f"/jobs/{job.pk}/status").status_code == 200


def test_healthz(client, db):
    assert client.get("/healthz").json() == {"status": "ok", "database": "ok"}


def test_cancel_and_retry_over_the_api(client, project):
    job = make_job(project=project, status="processing")
    headers = {**bearer(project.owner), "HTTP_ACCEPT": "application/json"}
    response = client.post(f"/jobs/{job.pk}/cancel", **headers)
    assert (response.status_code, response.json()["status"]) == (200, "cancelled")
    assert client.post(f"/jobs/{job.pk}/cancel", **headers).status_code == 409
    response = client.post(f"/jobs/{job.pk}/retry", **headers)
    assert response.status_code == 202
    assert Job.objects.get(pk=response.json()["job_id"]).retry_of_id == job.pk


def test_finished_jobs_cannot_be_cancelled(client, project):
    job = make_job(project=project, status="completed")
    client.force_login(project.owner)
    response = client.post(f"/jobs/{job.pk}/cancel", HTTP_ACCEPT="application/json")
    assert response.status_code == 409
    assert Job.objects.get(pk=job.pk).status == "completed"


def test_other_projects_do_not_leak_through_another_membership(client):
    mine = make_project()
    theirs = make_project()
    job = make_job(project=theirs)
    client.force_login(mine.owner)
    assert client.get(f"/jobs/{job.pk}/status").status_code == 404


def test_cancel_with_a_token_needs_no_csrf_but_a_session_does(project):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    job = make_job(project=project, status="processing")
    assert client.post(f"/jobs/{job.pk}/cancel", **bearer(project.owner)).status_code == 200
    other = make_job(project=project, status="processing")
    client.force_login(project.owner)
    response = client.post(f"/jobs/{other.pk}/cancel")
    assert response.status_code == 403
    assert Job.objects.get(pk=other.pk).status == "processing"
