"""Research depth through the job system: live PubMed (a recorded server on loopback), library
imports as jobs, full-text deep dives, language-model synthesis and take-away exports. Jobs
run through the real task function, in this process."""

import socket
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from jobs import lifecycle
from jobs.models import Job, Paper
from jobs.tasks import run_job
from tests.conftest import make_project
from tests.pdfs import PAGES, make_pdf

pytestmark = pytest.mark.django_db

DEPTH = Path(__file__).resolve().parents[1] / "fixtures" / "depth"
REFERENCES = DEPTH / "references"
LIBRARY = Path(__file__).resolve().parents[1] / "fixtures" / "pubmed" / "sample_baseline.xml"


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


def finish(job: Job) -> Job:
    run_job(str(job.pk))
    return Job.objects.with_detail().get(pk=job.pk)


def test_a_review_from_live_pubmed_stores_what_it_fetched(data_dir, recorded_pubmed, project):
    job = lifecycle.job_create_review(
        project=project,
        creator=project.owner,
        objective="budesonide-formoterol mild asthma",
        source="pubmed",
    )
    job = finish(job)
    assert job.status == "completed", job.error
    result = job.report.result
    assert [p["pmid"] for p in result["papers"]] == ["29768149"]
    assert result["source"] == "pubmed"
    assert Paper.objects.filter(pmid="29768149").exists()  # reproducible later
    searched = [r for r, _ in recorded_pubmed.log if r.path.endswith("esearch.fcgi")][0]
    assert searched.args["tool"] == "reviewsite"


def test_both_sources_combine_library_and_pubmed(data_dir, recorded_pubmed, project):
    call_command("import_pubmed", str(LIBRARY))
    job = lifecycle.job_create_review(
        project=project,
        creator=project.owner,
        objective="asthma inhaled corticosteroids",
        source="both",
    )
    job = finish(job)
    pmids = {p["pmid"] for p in job.report.result["papers"]}
    assert "29768149" in pmids and len(pmids) > 1


def test_without_network_the_job_fails_saying_so(data_dir, settings, project):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.NCBI_BASE_URL = f"http://127.0.0.1:{port}/eutils/"
    job = lifecycle.job_create_review(
        project=project, creator=project.owner, objective="asthma", source="pubmed"
    )
    job = finish(job)
    assert job.status == "failed"
    assert job.error.startswith("PubMed could not be reached")


@pytest.mark.parametrize(
    ("name", "added"),
    [
        ("asthma.ris", None),
        ("asthma.bib", None),
        ("asthma.nbib", None),
        ("pubmed_export.csv", None),
    ],
)
def test_reference_files_import_as_jobs(client, data_dir, project, name, added):
    client.force_login(project.owner)
    upload = SimpleUploadedFile(name, (REFERENCES / name).read_bytes())
    response = client.post(f"/projects/{project.pk}/imports", {"file": upload})
    job = Job.objects.get(kind="import")
    assert response.url == f"/jobs/{job.pk}/"
    job = finish(job)
    assert job.status == "completed", job.error
    result = job.libraryimport.result
    assert result["added"] >= 1 and result["duplicates_merged"] >= 1
    assert any("title" in s["reason"].lower() for s in result["skipped"])
    assert project.references.count() == result["added"] + result["updated"]
    assert Paper.objects.count() == 0  # nothing uploaded reaches the shared library
    html = client.get(f"/jobs/{job.pk}/").content.decode()
    assert f"<strong>{result['added']}</strong> added" in html
    # Importing the same file again updates, it does not duplicate.
    count = project.references.count()
    again = lifecycle.job_create_import(
        project=project,
        creator=project.owner,
        filename=name,
        content=(REFERENCES / name).read_bytes(),
    )
    assert finish(again).libraryimport.result["added"] == 0
    assert project.references.count() == count


def test_a_file_that_is_no_reference_list_is_refused_at_upload(client, project):
    client.force_login(project.owner)
    upload = SimpleUploadedFile("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    response = client.post(f"/projects/{project.pk}/imports", {"file": upload})
    assert response.status_code == 400
    assert Job.objects.count() == 0


def test_uploads_over_the_limit_are_refused(client, project, settings):
    settings.UPLOAD_MAX_BYTES = 1000
    client.force_login(project.owner)
    upload = SimpleUploadedFile("big.ris", b"TY  - JOUR\n" + b"x" * 2000)
    response = client.post(f"/projects/{project.pk}/imports", {"file": upload})
    assert response.status_code == 400
    assert "the limit is 1,000 bytes" in response.content.decode()
    assert Job.objects.count() == 0


def test_a_pdf_deep_dive_reads_the_full_text(client, data_dir, project):
    client.force_login(project.owner)
    upload = SimpleUploadedFile("trial.pdf", make_pdf(PAGES), content_type="application/pdf")
    client.post(f"/projects/{project.pk}/deep-dives", {"file": upload, "objective": "asthma"})
    job = finish(Job.objects.get(kind="deep_dive"))
    assert job.status == "completed", job.error
    assert job.deepdiveanalysis.result["diagnostics"]["source"] == "pdf_full_text"
    html = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "the full text of the uploaded PDF" in html


def test_an_encrypted_or_image_only_pdf_fails_with_a_clear_message(client, data_dir, project):
    client.force_login(project.owner)
    for pdf, message in (
        (make_pdf(PAGES, password="s3cret"), "encrypted"),
        (make_pdf([[]]), "no text"),
    ):
        Job.objects.all().delete()
        upload = SimpleUploadedFile("paper.pdf", pdf, content_type="application/pdf")
        client.post(f"/projects/{project.pk}/deep-dives", {"file": upload})
        job = finish(Job.objects.get(kind="deep_dive"))
        assert job.status == "failed"
        assert message in job.error.lower()


def test_a_jats_deep_dive(client, data_dir, project):
    client.force_login(project.owner)
    upload = SimpleUploadedFile("article.xml", (DEPTH / "jats_article.xml").read_bytes())
    client.post(f"/projects/{project.pk}/deep-dives", {"file": upload})
    job = finish(Job.objects.get(kind="deep_dive"))
    assert job.deepdiveanalysis.result["diagnostics"]["source"] == "jats_full_text"


def test_language_model_synthesis_is_checked_and_recorded(data_dir, httpserver, settings, project):
    call_command("import_pubmed", str(LIBRARY))
    settings.LLM_BASE_URL = httpserver.url_for("/v1")
    settings.LLM_API_KEY, settings.LLM_MODEL = "sk-test", "test-model"
    httpserver.expect_request("/v1/chat/completions", method="POST").respond_with_data(
        "upstream error", status=500
    )
    job = lifecycle.job_create_review(
        project=project, creator=project.owner, objective="remdesivir"
    )
    result = finish(job).report.result
    assert result["synthesis"]["used"] == "extractive"
    assert result["executive_summary"]


def test_without_a_model_the_review_says_it_is_extractive(data_dir, project):
    call_command("import_pubmed", str(LIBRARY))
    job = lifecycle.job_create_review(
        project=project, creator=project.owner, objective="remdesivir"
    )
    assert finish(job).report.result["synthesis"]["used"] == "extractive"


@pytest.mark.parametrize(
    ("fmt", "content_type", "needle"),
    [
        ("md", "text/markdown", "# "),
        ("json", "application/json", '"papers"'),
        ("bib", "application/x-bibtex", "@article"),
        ("ris", "application/x-research-info-systems", "TY  - "),
    ],
)
def test_exports_of_a_finished_review(client, data_dir, project, fmt, content_type, needle):
    call_command("import_pubmed", str(LIBRARY))
    job = finish(
        lifecycle.job_create_review(project=project, creator=project.owner, objective="remdesivir")
    )
    client.force_login(project.owner)
    response = client.get(f"/jobs/{job.pk}/export.{fmt}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith(content_type)
    assert "attachment" in response["Content-Disposition"]
    assert needle in response.content.decode()


def test_exports_only_for_finished_reviews_you_can_see(client, data_dir, project, review_result):
    from tests.conftest import make_job, make_user

    running = make_job(project=project, status="processing")
    client.force_login(project.owner)
    assert client.get(f"/jobs/{running.pk}/export.md").status_code == 404
    done = make_job(project=make_project(), status="completed", result=review_result)
    client.force_login(make_user())
    assert client.get(f"/jobs/{done.pk}/export.md").status_code == 404
