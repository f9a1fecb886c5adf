"""Hostile and bad input: a clear error, nothing half-stored, never a stack trace."""

import json

import pytest
from django.test import RequestFactory

from jobs.errors import server_error
from jobs.models import Job
from tests.conftest import make_job, make_project

pytestmark = pytest.mark.django_db


def test_an_oversized_body_is_a_clear_413(client, project, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    client.force_login(project.owner)
    body = json.dumps({"project_id": project.pk, "title": "t", "text": "word " * 5000})
    response = client.post("/deep-dive-async", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["error"] == "The request is larger than the limit of 10,000 bytes."
    assert Job.objects.count() == 0


def test_pasted_text_over_the_limit_is_refused(client, project, settings):
    settings.DEEP_DIVE_MAX_CHARACTERS = 1000
    client.force_login(project.owner)
    body = {"project_id": project.pk, "title": "A paper", "text": "word " * 400}
    response = client.post("/deep-dive-async", json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert response.json()["fields"]["text"][0]["message"] == (
        "The text is 1,999 characters long; the limit is 1,000."
    )
    assert Job.objects.count() == 0


@pytest.mark.parametrize(
    "body",
    [
        "[1, 2, 3]",
        '"just a string"',
        '{"project_id": "abc", "objective": "x y z"}',
        '{"project_id": 1, "objective": null}',
        '{"project_id": 1, "objective": ["a"], "full_text_only": "maybe"}',
    ],
)
def test_odd_json_is_a_400_not_a_crash(client, project, body):
    client.force_login(project.owner)
    response = client.post("/generate-review-async", body, content_type="application/json")
    assert response.status_code == 400
    assert "error" in response.json()
    assert Job.objects.count() == 0


def test_unknown_api_urls_answer_json_and_pages_answer_html(client, user):
    client.force_login(user)
    api = client.get("/jobs/00000000-0000-0000-0000-000000000000/status")
    assert api.status_code == 404 and api.json() == {"error": "Not found."}
    page = client.get("/jobs/00000000-0000-0000-0000-000000000000/")
    assert page.status_code == 404 and "<h1>Not found.</h1>" in page.content.decode()


def test_the_server_error_page_shows_no_trace():
    request = RequestFactory().get("/jobs/")
    html = server_error(request).content.decode()
    assert "Something went wrong on our side" in html and "Traceback" not in html
    api = server_error(RequestFactory().get("/generate-review-async"))
    assert json.loads(api.content) == {"error": "Something went wrong on our side."}


def test_a_project_id_of_someone_else_or_nonsense_stores_nothing(client, user):
    theirs = make_project()
    client.force_login(user)
    for project_id in (theirs.pk, -1, 10**12, "1; DROP TABLE jobs_job"):
        body = json.dumps({"project_id": project_id, "objective": "abc def"})
        response = client.post("/generate-review-async", body, content_type="application/json")
        assert response.status_code == 400, project_id
    assert Job.objects.count() == 0


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        ("/generate-review-async", '"objective": "abc \\ud800 def"'),
        ("/generate-review-async", '"objective": "abc def", "molecule": "x\\udfff"'),
        ("/deep-dive-async", '"title": "A paper \\ud800", "text": "' + "word " * 30 + '"'),
        ("/deep-dive-async", '"pmid": "doi:10.1/\\ud800"'),
        ("/generate-review-async", '"objective": "abc def", "\\ud800": "x"'),
    ],
)
def test_a_lone_surrogate_in_json_is_a_clear_400(client, project, path, fields):
    client.force_login(project.owner)
    body = f'{{"project_id": {project.pk}, {fields}}}'
    response = client.post(path, body, content_type="application/json")
    assert response.status_code == 400
    assert "not valid Unicode" in response.json()["error"]
    assert Job.objects.count() == 0


def test_a_surrogate_pair_in_json_is_an_ordinary_character(client, project):
    client.force_login(project.owner)
    body = f'{{"project_id": {project.pk}, "objective": "asthma \\ud83d\\ude00 inhalers"}}'
    response = client.post("/generate-review-async", body, content_type="application/json")
    assert response.status_code == 202
    assert Job.objects.get().report.objective == "asthma \U0001f600 inhalers"


def test_broken_utf8_in_a_form_is_replaced_not_a_crash(client, project):
    client.force_login(project.owner)
    body = "objective=asthma+%ED%A0%80+inhalers&source=library"
    response = client.post(
        f"/projects/{project.pk}/reviews", body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 302
    assert Job.objects.get().report.objective == "asthma \ufffd\ufffd\ufffd inhalers"


def test_a_malformed_job_id_in_an_export_url_is_404(client, project):
    client.force_login(project.owner)
    for job_id in ("-" * 36, "0" * 36, "00000000-0000-0000-0000-00000000000g"):
        response = client.get(f"/jobs/{job_id}/export.md")
        assert response.status_code == 404, job_id


@pytest.mark.parametrize("watch", ["%C2%B2", "%D9%A3", "1" * 5000, "-5", "abc"])
def test_a_strange_watch_value_counts_as_absent(client, project, watch):
    job = make_job(project=project, status="processing")
    client.force_login(project.owner)
    response = client.get(f"/jobs/{job.pk}/partial?watch={watch}")
    assert response.status_code == 200
    assert "Still running — we will email you" not in response.content.decode()
