"""Whose papers are whose: uploads belong to their project, and nothing a member uploads
changes the shared library that everyone else reads."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from jobs import lifecycle
from jobs.execution import ProgressReporter, run_engine, worker_name
from jobs.models import Job, Paper, ProjectReference
from jobs.tasks import run_job
from tests.conftest import make_project, make_user

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "pubmed" / "sample_baseline.xml"
NLM_PMID = "90000001"  # "Remdesivir for hospitalised adults with COVID-19: …" in the sample
FABRICATION = "Remdesivir cured every patient within one hour, the fabricated trial claims."

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def shared_library(settings, tmp_path):
    """The operator's baseline file, imported with the management command."""
    settings.DATA_DIR = tmp_path
    call_command("import_pubmed", str(SAMPLE), stdout=StringIO())


def finish(job: Job) -> Job:
    run_job(str(job.pk))
    return Job.objects.with_detail().get(pk=job.pk)


def pubmed_xml(pmid: str, title: str, abstract: str) -> bytes:
    return (
        "<?xml version='1.0'?>\n<PubmedArticleSet><PubmedArticle><MedlineCitation>"
        f"<PMID Version='1'>{pmid}</PMID><Article><ArticleTitle>{title}</ArticleTitle>"
        f"<Abstract><AbstractText>{abstract}</AbstractText></Abstract></Article>"
        "</MedlineCitation></PubmedArticle></PubmedArticleSet>\n"
    ).encode()


def private_ris() -> bytes:
    return (
        b"TY  - JOUR\nTI  - Zyxomycin lowers relapse in unpublished cohort of bobs\n"
        b"AB  - In our unpublished cohort, zyxomycin lowered relapse rates by 40 percent "
        b"among the 120 patients we followed for a year.\nPY  - 2024\nER  - \n"
    )


def import_file(project, filename: str, content: bytes) -> Job:
    job = lifecycle.job_create_import(
        project=project, creator=project.owner, filename=filename, content=content
    )
    return finish(job)


def review(project, objective: str) -> dict:
    job = finish(
        lifecycle.job_create_review(project=project, creator=project.owner, objective=objective)
    )
    assert job.status == "completed", job.error
    return job.report.result


def deep_dive(project, pmid: str) -> Job:
    return finish(lifecycle.job_create_deep_dive(project=project, creator=project.owner, pmid=pmid))


def test_an_upload_cannot_change_the_shared_record_other_members_read():
    alice, bob = make_project(make_user("alice")), make_project(make_user("bob"))
    before = Paper.objects.get(pmid=NLM_PMID).record
    forged = pubmed_xml(NLM_PMID, "Remdesivir: a forged record.", FABRICATION)

    job = import_file(bob, "forged.xml", forged)

    assert job.status == "completed", job.error
    assert job.libraryimport.result["already_present"] == 1
    assert Paper.objects.get(pmid=NLM_PMID).record == before
    for project in (alice, bob):  # not even the uploader's own project reads the forgery
        dive = deep_dive(project, NLM_PMID)
        assert dive.status == "completed", dive.error
        assert FABRICATION not in str(dive.deepdiveanalysis.result)
        assert dive.deepdiveanalysis.result["title"].startswith("Remdesivir for hospitalised")
        result = review(project, "remdesivir cured every patient within one hour")
        assert FABRICATION not in str(result)


def test_private_references_stay_in_their_project(client):
    alice, bob = make_project(make_user("alice")), make_project(make_user("bob"))

    job = import_file(bob, "ours.ris", private_ris())

    assert job.status == "completed", job.error
    assert job.libraryimport.result["added"] == 1
    reference = ProjectReference.objects.get(project=bob)
    assert not Paper.objects.filter(pmid=reference.pmid).exists()
    found = review(bob, "zyxomycin relapse")
    assert [p["pmid"] for p in found["papers"]] == [reference.pmid]
    assert found["papers"][0]["from_project"] is True
    client.force_login(bob.owner)
    page = client.get(f"/jobs/{Job.objects.filter(project=bob).first().pk}/").content.decode()
    assert "from your project's library" in page

    theirs = review(alice, "zyxomycin relapse")
    assert reference.pmid not in [p["pmid"] for p in theirs["papers"]]
    assert "unpublished cohort" not in str(theirs)
    client.force_login(alice.owner)
    refused = client.post(f"/projects/{alice.pk}/deep-dives", {"pmid": reference.pmid})
    assert refused.status_code == 400
    assert "is not in the library" in refused.content.decode()
    # Even a job that got past the form reads nothing from another project.
    dive = deep_dive(alice, reference.pmid)
    assert dive.status == "failed" and "is not in the library" in dive.error


def test_shared_papers_are_marked_as_shared_in_a_review():
    project = make_project()
    import_file(project, "ours.ris", private_ris())
    result = review(project, "remdesivir COVID-19")
    assert result["papers"]
    assert not any(paper["from_project"] for paper in result["papers"])


def test_a_cancelled_import_leaves_nothing():
    project = make_project()
    job = lifecycle.job_create_import(
        project=project, creator=project.owner, filename="ours.ris", content=private_ris()
    )
    worker = worker_name()
    assert lifecycle.job_claim(job_id=job.pk, worker=worker)
    job = Job.objects.with_detail().get(pk=job.pk)
    done = run_engine(job, ProgressReporter(job_id=job.pk, worker=worker, budget_seconds=60))
    assert lifecycle.job_cancel(job_id=job.pk)  # after reading, before publishing

    assert not lifecycle.job_complete(
        job_id=job.pk, worker=worker, result=done.result, publish=done.publish
    )
    assert ProjectReference.objects.count() == 0
    assert Job.objects.get(pk=job.pk).status == Job.Status.CANCELLED


def test_an_import_that_fails_while_publishing_leaves_nothing_and_says_so():
    project = make_project()
    # A NUL byte in the last of 1,500 records: PostgreSQL refuses it in text columns.
    entries = "".join(
        f"TY  - JOUR\nTI  - Reference number {i} about cohort studies\nPY  - 2020\nER  - \n"
        for i in range(1499)
    )
    entries += "TY  - JOUR\nTI  - Broken \x00 reference\nPY  - 2020\nER  - \n"
    job = import_file(project, "many.ris", entries.encode())
    # Either the reader drops the NUL and all 1,500 are stored, or the import fails whole.
    stored = ProjectReference.objects.filter(project=project).count()
    if job.status == Job.Status.COMPLETED:
        assert stored == 1500
    else:
        assert job.status == Job.Status.FAILED and stored == 0


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_what_uploads_made_into_their_projects():
    executor = MigrationExecutor(connection)
    target = ("jobs", "0005_project_references")
    before = executor.loader.graph.node_map[target].parents
    (previous,) = [parent.key for parent in before if parent.key[0] == "jobs"]
    executor.migrate([previous])
    old = executor.loader.project_state([previous]).apps
    User = old.get_model("auth", "User")
    Project, Paper = old.get_model("jobs", "Project"), old.get_model("jobs", "Paper")
    owner = User.objects.create(username="owner")
    project = Project.objects.create(name="Uploads", owner=owner)
    baseline = Paper.objects.create(pmid="90000099", title="Untouched baseline", record={})
    synthetic = Paper.objects.create(pmid="title:0123456789ab", title="Uploaded", record={})
    overwritten = Paper.objects.create(pmid="90000098", title="Uploaded over", record={})
    project.papers.add(synthetic, overwritten)

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    shared = set(Paper.objects.values_list("pmid", flat=True))
    assert baseline.pmid in shared and not shared & {synthetic.pmid, overwritten.pmid}
    moved = ProjectReference.objects.filter(project_id=project.pk)
    assert sorted(moved.values_list("pmid", flat=True)) == ["90000098", "title:0123456789ab"]
