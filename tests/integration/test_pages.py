"""Pages and the polling partial, as a browser without JavaScript and htmx see them."""

import pytest
from django.utils.html import escape

from jobs.models import Job, LibraryImport, Membership, Project, Role
from tests.conftest import make_job, make_project, make_user, poll_queries

pytestmark = pytest.mark.django_db


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


def test_running_partial_polls_and_finished_partial_does_not(client, project, review_result):
    job = make_job(project=project, status="processing", stage="Ranking papers", progress=40)
    client.force_login(project.owner)
    url = f"/jobs/{job.pk}/partial"
    html = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert f'hx-get="{url}?watch=' in html
    assert 'hx-trigger="every 5s, poll-now"' in html
    assert '<progress max="100" value="40" aria-label="Progress">' in html
    assert "Ranking papers" in html
    # The running fragment carries what changes and nothing else: under 1 KB.
    assert len(html.encode()) < 1024
    assert "keeps going" not in html and "Cancel job" not in html
    page = client.get(job.get_absolute_url()).content.decode()
    assert "keeps going" in page and "Cancel job" in page and 'id="job-announcer"' in page

    Job.objects.filter(pk=job.pk).update(status="completed", progress=100)
    from jobs.models import Report

    Report.objects.filter(pk=job.pk).update(result=review_result)
    response = client.get(url, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 286
    assert "hx-get" not in html and "hx-trigger" not in html
    # The job's controls (hint, Cancel, Notify me) outside the block are emptied out of band.
    assert '<div hx-swap-oob="outerHTML:#job-controls"></div>' in html
    first = review_result["papers"][0]
    assert "papers were analysed out of" in html and escape(first["title"]) in html
    assert escape(first["fact_anchors"][0]["quote"]) in html
    assert first["url"] == "https://pubmed.ncbi.nlm.nih.gov/90000006/" and first["url"] in html
    assert (
        "<title>Publications per year</title>" in html and "<title>Evidence levels</title>" in html
    )


def test_finished_partial_without_htmx_is_a_plain_200(client, project):
    job = make_job(project=project, status="failed", error="The library is empty.")
    client.force_login(project.owner)
    response = client.get(f"/jobs/{job.pk}/partial")
    assert response.status_code == 200 and "The library is empty." in response.content.decode()


def test_job_page_renders_every_state(client, project, review_result):
    client.force_login(project.owner)
    for status in Job.Status:
        result = review_result if status == "completed" else None
        job = make_job(project=project, status=status, result=result)
        response = client.get(f"/jobs/{job.pk}/")
        assert response.status_code == 200, status


def test_deep_dive_result_renders(client, project, deep_dive_result):
    result = deep_dive_result
    job = make_job(project=project, kind="deep_dive", status="completed", result=result)
    client.force_login(project.owner)
    html = client.get(f"/jobs/{job.pk}/").content.decode()
    model = result["scientific_model"]
    assert model["study_design"] == "randomised controlled trial"
    assert model["study_design"] in html and escape(model["population"]) in html
    key_result = result["results_interpretation"]["key_results"][0]
    assert escape(key_result["quote"]) in html
    assert "Drawn from only the paper&#x27;s abstract in the library" in html


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


# A review as the worker stored it before results had a schema version (version 1): the engine's
# dict with source, synthesis and from_project added as keys afterwards.
VERSION_1_REVIEW = {
    "objective": "remdesivir outcomes",
    "molecule": "",
    "preference": "precision",
    "full_text_only": False,
    "queries": [
        {
            "query": "remdesivir outcomes",
            "purpose": "the objective as written",
            "hits": 1,
            "top_pmid": "32445440",
        }
    ],
    "papers": [
        {
            "rank": 1,
            "pmid": "32445440",
            "title": "Remdesivir for the Treatment of Covid-19 - Final Report.",
            "journal": "The New England journal of medicine",
            "year": 2020,
            "authors": ["Beigel JH", "Tomashek KM"],
            "doi": "10.1056/NEJMoa2007764",
            "pmcid": "PMC7262788",
            "url": "https://pubmed.ncbi.nlm.nih.gov/32445440/",
            "publication_types": ["Journal Article", "Randomized Controlled Trial"],
            "summary": "Remdesivir was superior to placebo in shortening the time to recovery.",
            "fact_anchors": [
                {
                    "pmid": "32445440",
                    "section": "RESULTS",
                    "quote": "Recovery was faster with remdesivir (median, 10 days vs. 15 days).",
                }
            ],
            "relevance": "Matches 2 of 2 objective terms (remdesivir, outcomes).",
            "scores": {
                "objective_similarity": 0.91,
                "recency": 1.0,
                "evidence_level": 0.9,
                "molecule_match": 0.0,
                "overall": 0.9,
            },
            "evidence_label": "Randomised controlled trial",
            "matched_queries": ["remdesivir outcomes"],
            "from_project": False,
        }
    ],
    "groups": [{"query": "remdesivir outcomes", "top_pmid": "32445440", "pmids": ["32445440"]}],
    "executive_summary": "1 paper was analysed. Key findings: Recovery was faster with "
    "remdesivir (median, 10 days vs. 15 days). [PMID 32445440]",
    "executive_summary_anchors": [
        {
            "pmid": "32445440",
            "section": "RESULTS",
            "quote": "Recovery was faster with remdesivir (median, 10 days vs. 15 days).",
        }
    ],
    "year_distribution": {"2020": 1},
    "diagnostics": {
        "library_size": 20788,
        "pool_size": 1,
        "shortlist_size": 1,
        "analysed": 1,
        "duplicates_removed": 0,
        "weights": {"objective_similarity": 0.7, "evidence_level": 0.18, "recency": 0.12},
        "timings_ms": {"plan": 0.4, "retrieve": 12.0},
        "engine_version": "1.0.0",
    },
    "source": "library",
    "synthesis": {"used": "extractive", "note": "No language model is configured."},
}


def before_sources_and_synthesis(result: dict) -> dict:
    """The same review as stored before live PubMed searches, synthesis and project libraries."""
    older = {k: v for k, v in result.items() if k not in ("source", "synthesis")}
    older["papers"] = [{k: v for k, v in p.items() if k != "from_project"} for p in older["papers"]]
    return older


@pytest.mark.parametrize(
    "stored",
    [VERSION_1_REVIEW, before_sources_and_synthesis(VERSION_1_REVIEW)],
    ids=["as-the-worker-stored-it", "before-sources-and-synthesis"],
)
def test_a_version_1_review_still_renders_and_exports(client, project, stored):
    job = make_job(project=project, status="completed", result=stored)
    client.force_login(project.owner)
    html = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "Remdesivir for the Treatment of Covid-19 - Final Report." in html
    assert "Recovery was faster with remdesivir (median, 10 days vs. 15 days)." in html
    assert "<title>Publications per year</title>" in html
    markdown = client.get(f"/jobs/{job.pk}/export.md").content.decode()
    assert "### 1. Remdesivir for the Treatment of Covid-19 - Final Report. (2020)" in markdown
    assert "*Engine version 1.0.0.*" in markdown
    exported = client.get(f"/jobs/{job.pk}/export.json").json()
    assert exported["schema_version"] == 2 and exported["papers"][0]["from_project"] is False
    assert exported["source"] == stored.get("source", "library")
    assert "pmid = {32445440}" in client.get(f"/jobs/{job.pk}/export.bib").content.decode()
    assert "AN  - 32445440" in client.get(f"/jobs/{job.pk}/export.ris").content.decode()
    assert Job.objects.with_detail().get(pk=job.pk).report.result == stored  # read, not rewritten


def test_a_version_1_import_still_renders(client, project):
    job = Job.objects.create(
        kind=Job.Kind.IMPORT,
        project=project,
        creator=project.owner,
        status=Job.Status.COMPLETED,
        budget_seconds=60,
        input_hash="version-1-import",
    )
    LibraryImport.objects.create(
        job=job,
        filename="asthma.ris",
        content=b"",
        result={
            "filename": "asthma.ris",
            "format": "ris",
            "entries": 4,
            "added": 2,
            "updated": 0,
            "already_present": 1,
            "duplicates_merged": 1,
            "skipped": [{"entry": 4, "label": "", "reason": "no title"}],
        },
    )
    client.force_login(project.owner)
    html = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "<strong>2</strong> added" in html and "Entry 4: no title" in html


def test_a_review_page_says_which_index_build_it_searched(client, project):
    result = {**VERSION_1_REVIEW, "schema_version": 2}
    result["diagnostics"] = {**result["diagnostics"], "library_version": "v2-0123456789abcdef"}
    job = make_job(project=project, status="completed", result=result)
    client.force_login(project.owner)
    html = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "Library: 20788 records (index build v2-01234567)" in html
    older = make_job(project=project, status="completed", result=VERSION_1_REVIEW)
    assert "index build" not in client.get(f"/jobs/{older.pk}/").content.decode()
