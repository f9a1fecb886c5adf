"""Pages and the polling partial, as a browser without JavaScript and htmx see them."""

import pytest

from jobs.models import Job, Membership, Project, Role
from tests.conftest import make_job, make_project, make_user, poll_queries

pytestmark = pytest.mark.django_db

REVIEW_RESULT = {
    "executive_summary": "Remdesivir shortened recovery [PMID 32445440].",
    "papers": [
        {
            "rank": 1,
            "pmid": "32445440",
            "title": "Remdesivir for the Treatment of Covid-19",
            "journal": "N Engl J Med",
            "year": 2020,
            "url": "https://pubmed.ncbi.nlm.nih.gov/32445440/",
            "summary": "Recovery was faster.",
            "relevance": "Matches remdesivir.",
            "evidence_label": "Randomized controlled trial",
            "fact_anchors": [
                {"pmid": "32445440", "section": "RESULTS", "quote": "Recovery was faster."}
            ],
            "scores": {
                "objective_similarity": 0.9,
                "recency": 0.8,
                "evidence_level": 0.9,
                "molecule_match": 1.0,
                "overall": 0.9,
            },
        }
    ],
    "groups": [{"query": "remdesivir", "top_pmid": "32445440", "pmids": ["32445440"]}],
    "queries": [{"query": "remdesivir", "purpose": "objective", "hits": 1, "top_pmid": "32445440"}],
    "year_distribution": {"2020": 1},
    "diagnostics": {"library_size": 10, "pool_size": 1, "shortlist_size": 1, "analysed": 1},
}


def test_login_required_for_pages(client):
    response = client.get("/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_login_page_and_logging_in(client, user):
    assert client.get("/accounts/login/").status_code == 200
    response = client.post(
        "/accounts/login/", {"username": user.username, "password": "a-long-test-password"}
    )
    assert response.status_code == 302 and response.url == "/"


def test_dashboard_shows_active_and_recent_jobs_across_projects(client, user):
    first, second = make_project(user, name="Asthma"), make_project(user, name="Covid")
    running = make_job(project=first, status="processing", progress=40)
    done = make_job(project=second, status="completed", objective="statin outcomes")
    client.force_login(user)
    html = client.get("/").content.decode()
    assert str(running.pk) in html and str(done.pk) in html
    assert 'value="40"' in html and "Asthma" in html and "Covid" in html


def test_create_project_makes_the_creator_its_owner(client, user):
    client.force_login(user)
    response = client.post("/projects/new", {"name": "Statins", "description": ""})
    project = Project.objects.get(name="Statins")
    assert response.url == f"/projects/{project.pk}/"
    assert Membership.objects.get(project=project, user=user).role == Role.OWNER


def test_project_page_has_both_forms_for_editors_only(client, project):
    viewer = make_user()
    project.memberships.create(user=viewer, role=Role.VIEWER)
    client.force_login(project.owner)
    html = client.get(project.get_absolute_url()).content.decode()
    assert "Generate review" in html and "Start deep dive" in html
    client.force_login(viewer)
    html = client.get(project.get_absolute_url()).content.decode()
    assert "Generate review" not in html


def test_starting_a_review_from_the_page_redirects_to_the_job(client, project):
    client.force_login(project.owner)
    response = client.post(
        f"/projects/{project.pk}/reviews",
        {"objective": "statins and myopathy", "preference": "precision"},
    )
    job = Job.objects.get()
    assert response.status_code == 302 and response.url == f"/jobs/{job.pk}/"


def test_bad_form_input_shows_the_error_and_stores_nothing(client, project):
    client.force_login(project.owner)
    response = client.post(f"/projects/{project.pk}/reviews", {"objective": ""})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert Job.objects.count() == 0


def test_viewer_cannot_start_from_the_page(client, project):
    viewer = make_user()
    project.memberships.create(user=viewer, role=Role.VIEWER)
    client.force_login(viewer)
    assert (
        client.post(f"/projects/{project.pk}/reviews", {"objective": "abc def"}).status_code == 403
    )
    assert Job.objects.count() == 0


def test_owner_adds_members(client, project):
    other = make_user("colleague")
    client.force_login(project.owner)
    client.post(f"/projects/{project.pk}/members", {"username": "colleague", "role": "editor"})
    assert Membership.objects.get(project=project, user=other).role == Role.EDITOR
    client.force_login(other)
    assert (
        client.post(
            f"/projects/{project.pk}/members",
            {"username": project.owner.username, "role": "viewer"},
        ).status_code
        == 403
    )


def test_running_partial_polls_and_finished_partial_does_not(client, project):
    job = make_job(project=project, status="processing", stage="Ranking papers", progress=40)
    client.force_login(project.owner)
    url = f"/jobs/{job.pk}/partial"
    html = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert f'hx-get="{url}?watch=' in html
    assert 'hx-trigger="every 5s, poll-now"' in html
    assert '<progress max="100" value="40">' in html and "Ranking papers" in html
    assert "keeps going" in html

    Job.objects.filter(pk=job.pk).update(status="completed", progress=100)
    from jobs.models import Report

    Report.objects.filter(pk=job.pk).update(result=REVIEW_RESULT)
    response = client.get(url, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 286
    assert "hx-get" not in html and "hx-trigger" not in html
    assert "Remdesivir shortened recovery" in html and "Recovery was faster." in html
    assert "https://pubmed.ncbi.nlm.nih.gov/32445440/" in html
    assert (
        "<title>Publications per year</title>" in html and "<title>Evidence levels</title>" in html
    )


def test_finished_partial_without_htmx_is_a_plain_200(client, project):
    job = make_job(project=project, status="failed", error="The library is empty.")
    client.force_login(project.owner)
    response = client.get(f"/jobs/{job.pk}/partial")
    assert response.status_code == 200 and "The library is empty." in response.content.decode()


def test_job_page_renders_every_state(client, project):
    client.force_login(project.owner)
    for status in Job.Status:
        result = REVIEW_RESULT if status == "completed" else None
        job = make_job(project=project, status=status, result=result)
        response = client.get(f"/jobs/{job.pk}/")
        assert response.status_code == 200, status


def test_deep_dive_result_renders(client, project):
    result = {
        "title": "A trial",
        "pmid": "",
        "objective": "",
        "scientific_model": {
            "study_design": "Randomised controlled trial",
            "arms": ["drug", "placebo"],
            "strengths": [],
            "limitations": [],
            "anchors": [],
        },
        "experimental_methods": [
            {"technique": "ELISA", "category": "assay", "quote": "measured by ELISA"}
        ],
        "results_interpretation": {
            "key_results": [
                {"kind": "p_value", "value": "p=0.01", "direction": "", "quote": "(p=0.01)"}
            ],
            "limitations_biases": [],
            "relevance_to_objective": "",
        },
        "diagnostics": {"source": "pasted_text", "characters": 1200},
    }
    job = make_job(project=project, kind="deep_dive", status="completed", result=result)
    client.force_login(project.owner)
    html = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "Randomised controlled trial" in html and "ELISA" in html and "pasted text" in html


def test_partial_query_count(client, project, django_assert_num_queries):
    job = make_job(project=project, status="processing")
    client.force_login(project.owner)
    with django_assert_num_queries(poll_queries()):  # [session,] user, job, role, inputs
        client.get(f"/jobs/{job.pk}/partial", HTTP_HX_REQUEST="true")


def test_cancel_from_the_page(client, project):
    job = make_job(project=project, status="processing")
    client.force_login(project.owner)
    response = client.post(f"/jobs/{job.pk}/cancel")
    assert response.status_code == 302 and response.url == f"/jobs/{job.pk}/"
    assert Job.objects.get(pk=job.pk).status == "cancelled"


def test_api_tokens_page_creates_and_revokes(client, user):
    client.force_login(user)
    response = client.post("/account/tokens/", {"name": "lab script"})
    key = response.context["new_key"]
    assert key.startswith("rvs_") and key in response.content.decode()
    token = user.api_tokens.get()
    client.post(f"/account/tokens/{token.pk}/revoke")
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_pages_carry_a_strict_content_security_policy(client, user):
    client.force_login(user)
    policy = client.get("/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-eval" not in policy and "unsafe-inline" not in policy
