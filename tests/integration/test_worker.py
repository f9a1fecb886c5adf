"""End to end with real worker processes: submit over HTTP, a qcluster runs the job, the status
endpoint reports it. Runs on whichever broker the suite is configured with (the database
broker by default, Redis when REDIS_URL is set)."""

import json
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils.timezone import now
from django_q.models import Task

from jobs.models import ApiToken, Job
from tests.conftest import completed_runs, make_project, make_user, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

LIBRARY = Path(__file__).parent.parent / "fixtures" / "pubmed" / "sample_baseline.xml"


class ApiClient:
    def __init__(self, base_url: str, user) -> None:
        self.base_url = base_url
        _, self.key = ApiToken.issue(user=user, name="test client")

    def _send(self, method: str, path: str, data: bytes | None, content_type: str):
        request = urllib.request.Request(
            self.base_url + path,
            method=method,
            data=data,
            headers={
                "Authorization": f"Bearer {self.key}",
                "Content-Type": content_type,
                "Accept": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        data = json.dumps(body).encode() if body is not None else None
        return self._send(method, path, data, "application/json")

    def review(self, objective: str) -> str:
        """Submit a precision review in this client's project; the new job's id."""
        code, body = self.call(
            "POST",
            "/generate-review-async",
            {"project_id": self.project.pk, "objective": objective},
        )
        assert code == 202, body
        return body["job_id"]

    def upload(self, path: str, fields: dict, filename: str, content: bytes) -> tuple[int, dict]:
        """POST a multipart form with one file, as a browser or curl -F would."""
        boundary = "reviewsite-test-boundary"
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
            for k, v in fields.items()
        ]
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"'
            "\r\nContent-Type: application/octet-stream\r\n\r\n".encode()
            + content
            + f"\r\n--{boundary}--\r\n".encode()
        )
        return self._send(
            "POST", path, b"".join(parts), f"multipart/form-data; boundary={boundary}"
        )

    def status(self, job_id: str) -> dict:
        return self.call("GET", f"/jobs/{job_id}/status")[1]


@pytest.fixture
def library(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    call_command("import_pubmed", str(LIBRARY))


@pytest.fixture
def api(live_server, library):
    user = make_user()
    client = ApiClient(live_server.url, user)
    client.project = make_project(user)
    return client


def finished(api: ApiClient, job_id: str, timeout: float = 90) -> dict:
    return wait_for(
        lambda: (
            (body := api.status(job_id))["status"] in {"completed", "failed", "cancelled"} and body
        ),
        timeout=timeout,
        interval=0.3,
        message=f"job {job_id} did not finish",
    )


def test_a_review_submitted_over_http_completes_in_a_real_worker(api, start_worker):
    worker = start_worker()
    body = finished(api, api.review("remdesivir treatment outcomes COVID-19"))
    assert body["status"] == "completed", (body, worker.output())
    assert body["progress"] == 100 and body["elapsed_seconds"] is not None
    papers = body["result"]["papers"]
    assert papers and "remdesivir" in (papers[0]["title"] + papers[0]["summary"]).lower()
    assert all(anchor["quote"] for paper in papers for anchor in paper["fact_anchors"])
    job = Job.objects.get(pk=body["job_id"])
    assert (job.attempts, job.stage) == (1, "Finished")


def test_a_deep_dive_from_the_library_completes(api, start_worker):
    start_worker()
    pmid = (
        Job._meta.apps.get_model("jobs", "Paper")
        .objects.filter(title__icontains="remdesivir")
        .values_list("pmid", flat=True)
        .first()
    )
    code, body = api.call("POST", "/deep-dive-async", {"project_id": api.project.pk, "pmid": pmid})
    assert code == 202
    body = finished(api, body["job_id"])
    assert body["status"] == "completed", body
    assert body["result"]["diagnostics"]["source"] == "library_abstract"
    assert body["result"]["scientific_model"]["study_design"]


def test_a_job_survives_its_worker_being_killed_and_completes_exactly_once(
    api, start_worker, settings
):
    settings.JOB_STALE_SECONDS = 3
    slow = start_worker(JOB_STAGE_DELAY_SECONDS="0.5", JOB_HEARTBEAT_SECONDS="1")
    job_id = api.review("inhaled corticosteroids asthma exacerbations")
    wait_for(lambda: api.status(job_id)["progress"] > 0, timeout=60, message="job never started")
    slow.kill()
    killed_at = now()
    assert api.status(job_id)["status"] == "processing"

    # The row still says processing; once its heartbeat is stale the reaper hands it on.
    wait_for(
        lambda: Job.objects.get(pk=job_id).heartbeat_at < now() - timedelta(seconds=3),
        timeout=20,
        message="heartbeat never went stale",
    )
    call_command("reap_jobs")
    assert Job.objects.get(pk=job_id).status == "queued"
    start_worker()
    body = finished(api, job_id)
    assert body["status"] == "completed", body
    job = Job.objects.get(pk=job_id)
    assert job.attempts == 2
    assert job.started_at > killed_at
    assert completed_runs(job_id) == 1


def test_a_second_delivery_of_the_same_job_is_a_no_op(api, start_worker):
    from jobs.tasks import run_job

    start_worker()
    body = finished(api, api.review("remdesivir liver injury"))
    assert body["status"] == "completed"
    assert run_job(body["job_id"]) == "not claimed"
    assert Job.objects.get(pk=body["job_id"]).attempts == 1


def test_cancelling_a_running_job_stops_its_worker(api, start_worker):
    start_worker(JOB_STAGE_DELAY_SECONDS="0.5")
    job_id = api.review("antiviral treatment COVID-19 meta-analysis")
    wait_for(lambda: api.status(job_id)["progress"] > 0, timeout=60, message="job never started")
    code, body = api.call("POST", f"/jobs/{job_id}/cancel")
    assert (code, body["status"]) == (200, "cancelled")
    wait_for(
        lambda: Task.objects.filter(func="jobs.tasks.run_job", result="interrupted").exists(),
        timeout=15,
        message="the worker did not stop",
    )
    job = Job.objects.with_detail().get(pk=job_id)
    assert (job.status, job.report.result) == ("cancelled", None)


def test_a_job_over_its_budget_ends_failed_and_frees_its_worker(api, start_worker, settings):
    settings.JOB_BUDGET_SECONDS = {**settings.JOB_BUDGET_SECONDS, "review_precision": 2}
    start_worker(JOB_STAGE_DELAY_SECONDS="0.7")
    body = finished(api, api.review("asthma inhaled corticosteroids cohort"))
    assert body["status"] == "failed"
    assert body["error"].startswith(
        "Timed out: the job ran longer than its time budget of 2 seconds"
    )
    # The worker is free again: a next job runs to the end.
    settings.JOB_BUDGET_SECONDS = {**settings.JOB_BUDGET_SECONDS, "review_precision": 1200}
    assert finished(api, api.review("remdesivir randomised trial"))["status"] == "completed"


def test_a_killed_cluster_loses_neither_its_running_nor_its_waiting_job(
    api, start_worker, settings
):
    settings.JOB_STALE_SECONDS = 3
    settings.JOB_UNCLAIMED_SECONDS = 3
    slow = start_worker(JOB_STAGE_DELAY_SECONDS="0.5", JOB_HEARTBEAT_SECONDS="1")
    ids = [
        api.review(objective)
        for objective in ("remdesivir hospitalised adults", "corticosteroids asthma cohort")
    ]
    wait_for(
        lambda: api.status(ids[0])["progress"] > 0 or api.status(ids[1])["progress"] > 0,
        timeout=60,
        message="no job started",
    )
    slow.kill()  # one job running, the other handed to the cluster or still in the broker
    wait_for(
        lambda: (
            not Job.objects.filter(
                status="processing", heartbeat_at__gte=now() - timedelta(seconds=3)
            ).exists()
            and not Job.objects.filter(
                status="queued", enqueued_at__gte=now() - timedelta(seconds=3)
            ).exists()
        ),
        timeout=20,
        message="jobs never went stale",
    )
    call_command("reap_jobs")
    start_worker()
    for job_id in ids:
        assert finished(api, job_id)["status"] == "completed"
    for job_id in ids:
        assert completed_runs(job_id) == 1, job_id


@pytest.mark.parametrize(
    ("path", "filename"),
    [
        ("/library-import-async", "asthma.ris"),
        ("/library-import-async", "asthma.bib"),
        ("/deep-dive-async", "trial.pdf"),
    ],
)
def test_uploads_go_through_the_job_system_with_visible_progress(api, start_worker, path, filename):
    from tests.pdfs import PAGES, make_pdf

    start_worker(JOB_STAGE_DELAY_SECONDS="0.3")
    if filename.endswith(".pdf"):
        content = make_pdf(PAGES)
    else:
        content = (
            Path(__file__).parent.parent / "fixtures/depth/references" / filename
        ).read_bytes()
    code, body = api.upload(path, {"project_id": api.project.pk}, filename, content)
    assert code == 202, body
    job_id = body["job_id"]
    seen = wait_for(
        lambda: (
            (s := api.status(job_id))["status"] == "processing" and 0 < s["progress"] < 100 and s
        ),
        timeout=60,
        interval=0.1,
        message="no progress was visible while the job ran",
    )
    assert seen["stage"]
    body = finished(api, job_id)
    assert body["status"] == "completed", body
