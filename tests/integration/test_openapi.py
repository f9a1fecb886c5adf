"""The JSON API's OpenAPI document: valid, complete, true to what the endpoints answer, and
browsable from a page that loads nothing from the internet."""

import json
import re

import pytest
from django.contrib.staticfiles import finders
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate

from jobs.forms import DeepDiveForm, ImportForm, ReviewForm
from tests.conftest import make_job

pytestmark = pytest.mark.django_db

JSON_ENDPOINTS = {
    ("/generate-review-async", "post"): {200, 202, 400, 401, 403, 413, 422, 429},
    ("/deep-dive-async", "post"): {200, 202, 400, 401, 403, 413, 422, 429},
    ("/library-import-async", "post"): {200, 202, 400, 401, 403, 413, 422, 429},
    ("/jobs/{job_id}/status", "get"): {200, 401, 404},
    ("/jobs/{job_id}/cancel", "post"): {200, 302, 401, 403, 404, 409},
    ("/jobs/{job_id}/retry", "post"): {202, 302, 401, 403, 404, 409, 429},
}
REQUEST_SCHEMAS = {
    "/generate-review-async": ("ReviewRequest", ReviewForm),
    "/deep-dive-async": ("DeepDiveRequest", DeepDiveForm),
    "/library-import-async": ("ImportRequest", ImportForm),
}


@pytest.fixture
def document(client):
    response = client.get("/api/openapi.json")  # public, like the README's API section
    assert response.status_code == 200
    return response.json()


def conforms(document, path, method, response):
    """Whether the answer's JSON fits what the document says for its status code."""
    answers = document["paths"][path][method]["responses"]
    assert str(response.status_code) in answers, response.status_code
    schema = answers[str(response.status_code)]["content"]["application/json"]["schema"]
    validator = OAS31Validator({**schema, "components": document["components"]})
    problems = [error.message for error in validator.iter_errors(response.json())]
    assert not problems, problems
    return True


def test_the_document_is_valid_openapi(document):
    validate(document)
    assert document["openapi"].startswith("3.")


def test_every_json_endpoint_is_listed_with_its_method_and_answers(document):
    listed = {
        (path, method): {int(code) for code in operation["responses"]}
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    }
    assert listed == JSON_ENDPOINTS


def test_operations_are_not_part_of_the_api(document):
    assert not {"/healthz", "/metrics", "/ops/"} & set(document["paths"])


def test_every_endpoint_needs_a_token_or_a_session(document):
    schemes = document["components"]["securitySchemes"]
    assert schemes["PersonalToken"] == {"type": "http", "scheme": "bearer"}
    assert schemes["Session"]["in"] == "cookie"
    for methods in document["paths"].values():
        for operation in methods.values():
            assert operation["security"] == [{"PersonalToken": []}, {"Session": []}]


@pytest.mark.parametrize("path", sorted(REQUEST_SCHEMAS))
def test_request_bodies_are_described_as_the_forms_read_them(document, path):
    name, form = REQUEST_SCHEMAS[path]
    body = document["paths"][path]["post"]["requestBody"]
    media = {"application/json", "multipart/form-data", "application/x-www-form-urlencoded"}
    assert set(body["content"]) == media
    for content in body["content"].values():
        assert content["schema"] == {"$ref": f"#/components/schemas/{name}"}
    schema = document["components"]["schemas"][name]
    assert set(schema["properties"]) == {"project_id", *form.base_fields}
    required = {field for field, spec in form.base_fields.items() if spec.required}
    assert set(schema["required"]) == {"project_id", *required}


def test_answers_fit_the_document(client, project, document, review_result):
    client.force_login(project.owner)
    body = {"project_id": project.pk, "objective": "asthma inhalers"}

    def start(payload):
        return client.post("/generate-review-async", json.dumps(payload), "application/json")

    accepted = start(body)
    assert accepted.status_code == 202
    assert conforms(document, "/generate-review-async", "post", accepted)
    invalid = start({"project_id": project.pk, "objective": ["a"]})
    assert invalid.status_code == 400
    assert conforms(document, "/generate-review-async", "post", invalid)
    assert invalid.json()["fields"]["objective"][0]["code"] == "invalid"

    status_path = "/jobs/{job_id}/status"
    running = client.get(accepted.json()["poll_url"])
    assert conforms(document, status_path, "get", running)
    done = make_job(project=project, status="completed", progress=100, result=review_result)
    assert conforms(document, status_path, "get", client.get(f"/jobs/{done.pk}/status"))
    stranger = make_job()
    assert conforms(document, status_path, "get", client.get(f"/jobs/{stranger.pk}/status"))

    json_client = {"HTTP_ACCEPT": "application/json"}
    job_id = accepted.json()["job_id"]
    cancelled = client.post(f"/jobs/{job_id}/cancel", **json_client)
    assert cancelled.status_code == 200
    assert conforms(document, "/jobs/{job_id}/cancel", "post", cancelled)
    again = client.post(f"/jobs/{job_id}/cancel", **json_client)
    assert again.status_code == 409
    assert conforms(document, "/jobs/{job_id}/cancel", "post", again)
    retried = client.post(f"/jobs/{job_id}/retry", **json_client)
    assert retried.status_code == 202
    assert conforms(document, "/jobs/{job_id}/retry", "post", retried)

    client.logout()
    refused = client.post(
        "/generate-review-async", "{}", "application/json", HTTP_AUTHORIZATION="Bearer x"
    )
    assert refused.status_code == 401
    assert conforms(document, "/generate-review-async", "post", refused)


def test_the_docs_page_loads_only_local_assets(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", html, re.IGNORECASE), html
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(asset.endswith("swagger-ui-bundle.js") for asset in assets)
    for asset in assets:
        assert asset.startswith("/static/"), asset
        assert finders.find(asset.removeprefix("/static/")), asset
    settings = json.loads(re.search(r'id="swagger-settings">(.*?)</script>', html, re.S)[1])
    assert settings["url"] == "/api/openapi.json"
    assert settings["validatorUrl"] is None  # Swagger UI would fetch a badge from swagger.io


@pytest.mark.parametrize("key", ["objective", "a_key_no_form_reads"])
def test_every_value_in_a_json_body_must_be_single(client, project, key):
    client.force_login(project.owner)
    body = {"project_id": project.pk, "objective": "asthma inhalers", key: {"nested": 1}}
    response = client.post("/generate-review-async", json.dumps(body), "application/json")
    assert response.status_code == 400
    assert response.json() == {
        "error": "Invalid input.",
        "fields": {
            key: [{"message": "Expected a single value, not a list or object.", "code": "invalid"}]
        },
    }


def test_refusals_keep_their_words(project):
    from django.test import Client

    from jobs.api import BAD_TOKEN, CSRF_FAILED, LOG_IN

    client = Client(enforce_csrf_checks=True)
    job = make_job(project=project, status="processing")
    body = json.dumps({"project_id": project.pk, "objective": "asthma inhalers"})

    def start(**headers):
        return client.post("/generate-review-async", body, "application/json", **headers)

    assert start().json() == {"error": LOG_IN}  # logged out: a 401, not a CSRF failure
    assert client.get(f"/jobs/{job.pk}/status").json() == {"error": LOG_IN}
    assert start(HTTP_AUTHORIZATION="Bearer rvs_forged").json() == {"error": BAD_TOKEN}
    client.force_login(project.owner)
    assert start(HTTP_AUTHORIZATION="Basic abc").json() == {"error": BAD_TOKEN}
    refused = start()
    assert (refused.status_code, refused.json()) == (403, {"error": CSRF_FAILED})
