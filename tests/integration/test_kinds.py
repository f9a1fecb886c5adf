"""The registry of job kinds (jobs.kinds) and what it fixed: every kind has its admin and its
joins, the deep dive's stages have names, and a pruned job is offered a rerun only when what
pruning kept is enough to run it."""

from datetime import timedelta

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.timezone import now

from jobs import lifecycle
from jobs.kinds import DEEP_DIVE, KINDS, REVIEW
from jobs.models import Job, LibraryImport
from jobs.notifications import notify_if_long
from research import DeepDiveRequest, deep_dive
from tests.conftest import make_job, make_paper, make_user

pytestmark = pytest.mark.django_db

RIS = b"TY  - JOUR\nTI  - Budesonide in asthma\nPY  - 2020\nER  - \n"


def make_import(*, project, **overrides) -> Job:
    """An import job with its uploaded file (conftest's make_job makes reviews and deep dives)."""
    creator = overrides.pop("creator", project.owner)
    result = overrides.pop("result", None)
    inputs = {"filename": f"refs-{Job.objects.count()}.ris", "content": RIS}
    job = Job.objects.create(
        kind=Job.Kind.IMPORT,
        project=project,
        creator=creator,
        budget_seconds=lifecycle.budget_for(kind=Job.Kind.IMPORT),
        input_hash=lifecycle.input_fingerprint(kind=Job.Kind.IMPORT, inputs=inputs),
        **overrides,
    )
    LibraryImport.objects.create(job=job, result=result, **inputs)
    return job


def test_every_kind_has_one_record():
    assert set(KINDS) == set(Job.Kind.values)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_has_its_admin(client, kind, project):
    model = KINDS[kind].detail_model
    assert admin.site.is_registered(model)
    make_import(project=project, status="completed", result={"entries": 1})
    client.force_login(make_user(is_staff=True, is_superuser=True))
    url = f"/admin/jobs/{model._meta.model_name}/"
    assert client.get(url).status_code == 200
    assert client.get(url + "?q=refs").status_code == 200


def test_an_import_job_has_its_admin_page(client, project):
    job = make_import(project=project, status="completed", result={"entries": 1})
    client.force_login(make_user(is_staff=True, is_superuser=True))
    html = client.get(f"/admin/jobs/libraryimport/{job.pk}/change/").content.decode()
    assert job.libraryimport.filename in html and "Completed" in html


def test_the_deep_dives_stages_have_names():
    stages = []
    request = DeepDiveRequest(
        objective="",
        title="Budesonide in asthma",
        text="Methods. We randomised 40 adults with asthma to budesonide or placebo. "
        "Results. Exacerbations fell by 30 % (p = 0.01). Conclusion. It helped. " * 3,
        full_text_source="pasted",
    )
    deep_dive(request, lambda stage, percent: stages.append(stage))
    labels = [DEEP_DIVE.stage_label(stage) for stage in dict.fromkeys(stages)]
    assert all(stage in DEEP_DIVE.stage_labels for stage in stages), stages
    assert "Read" not in labels and "Interpret" not in labels
    assert labels[0] == "Reading the paper"


def test_a_runners_own_words_are_shown_as_written():
    assert REVIEW.stage_label("Searching PubMed") == "Searching PubMed"
    assert REVIEW.stage_label("full_text") == "Full text"


def test_a_list_with_import_jobs_costs_no_query_per_row(client, project, django_assert_num_queries):
    client.force_login(project.owner)
    make_job(project=project, status="completed")
    client.get("/jobs/")  # the session and caches warm
    with CaptureQueriesContext(connection) as reviews_only:
        assert client.get("/jobs/").status_code == 200
    for _ in range(3):
        make_import(project=project, status="completed", result={"entries": 1})
        make_job(project=project, kind=Job.Kind.DEEP_DIVE, status="failed")
    with django_assert_num_queries(len(reviews_only)):
        html = client.get("/jobs/").content.decode()
    assert html.count("refs-") == 3


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_the_email_about_a_job_reads_it_in_one_query(kind, project, django_assert_num_queries):
    project.owner.email = "ada@example.org"
    project.owner.save()
    long_ago = {"started_at": now() - timedelta(hours=1), "finished_at": now()}
    if kind == Job.Kind.IMPORT:
        job = make_import(project=project, status="completed", **long_ago)
    else:
        job = make_job(project=project, kind=kind, status="completed", **long_ago)
    # The job with its creator and inputs; whether they want emails; the claim to announce it.
    with django_assert_num_queries(3):
        assert notify_if_long(job_id=job.pk)


def pruned(job: Job) -> Job:
    Job.objects.filter(pk=job.pk).update(finished_at=now() - timedelta(days=400))
    lifecycle.job_prune(finished_before=now())
    return Job.objects.with_detail().get(pk=job.pk)


@pytest.fixture
def pruned_jobs(project):
    paper = make_paper()
    pasted = make_job(project=project, kind=Job.Kind.DEEP_DIVE, status="completed", result={})
    by_pmid = make_job(project=project, kind=Job.Kind.DEEP_DIVE, status="failed")
    by_pmid.deepdiveanalysis.pmid = paper.pmid
    by_pmid.deepdiveanalysis.title = by_pmid.deepdiveanalysis.text = ""
    by_pmid.deepdiveanalysis.save()
    return {
        "pasted deep dive": pruned(pasted),
        "deep dive by PMID": pruned(by_pmid),
        "import": pruned(make_import(project=project, status="completed", result={})),
        "review": pruned(make_job(project=project, status="completed", result={})),
    }


@pytest.mark.parametrize("which", ["pasted deep dive", "import"])
def test_a_pruned_job_whose_inputs_went_with_it_is_not_offered_a_rerun(client, pruned_jobs, which):
    job = pruned_jobs[which]
    client.force_login(job.creator)
    html = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "removed" in html
    assert "Run it again" not in html and "can't be run again" in html
    assert f"/jobs/{job.pk}/retry" not in client.get("/jobs/").content.decode()
    response = client.post(f"/jobs/{job.pk}/retry", HTTP_ACCEPT="application/json")
    assert response.status_code == 409
    assert "cannot be run again" in response.json()["error"]
    assert not Job.objects.filter(retry_of=job).exists()


@pytest.mark.parametrize("which", ["deep dive by PMID", "review"])
def test_a_pruned_job_that_kept_its_inputs_runs_again_on_them(client, pruned_jobs, which):
    job = pruned_jobs[which]
    client.force_login(job.creator)
    html = client.get(f"/jobs/{job.pk}/").content.decode()
    assert f'action="/jobs/{job.pk}/retry"' in html and "can't be run again" not in html
    assert client.post(f"/jobs/{job.pk}/retry").status_code == 302
    again = Job.objects.with_detail().get(retry_of=job)
    assert again.status == "queued"
    assert again.detail.inputs() == job.detail.inputs()
