"""Hostile uploads in a real worker: each is read in a fenced child process, so the job ends
failed within its budget with a message naming the limit, and a cancel stops the child within
seconds, whatever the parsing library catches. The files are built at run time."""

from pathlib import Path

import pytest

from jobs import lifecycle
from jobs.models import Job
from tests.conftest import make_project, make_user, wait_for
from tests.hostile import (
    bibtex_macro_bomb,
    gzip_of_duplicate_records,
    large_bibtex,
    nested_xobject_pdf,
)
from tests.integration.test_worker import ApiClient, finished

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def api(live_server, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    user = make_user()
    client = ApiClient(live_server.url, user)
    client.project = make_project(user)
    return client


def submit(api: ApiClient, path: str, filename: str, content: bytes) -> str:
    fields = {"project_id": api.project.pk, "objective": "asthma"}
    if "import" in path:
        del fields["objective"]
    code, body = api.upload(path, fields, filename, content)
    assert code == 202, body
    return body["job_id"]


def _stat(pid: int | str) -> list[str]:
    """Fields of /proc/<pid>/stat after the command name: state, ppid, pgrp, ..."""
    text = Path(f"/proc/{pid}/stat").read_text()
    return text[text.rindex(")") + 2 :].split()


def readers(worker) -> set[int]:
    """Live fenced reader processes started by this worker cluster's processes."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if b"research.untrusted" not in (entry / "cmdline").read_bytes():
                continue
            state, parent = _stat(entry.name)[:2]
            if state != "Z" and int(_stat(parent)[2]) == worker.process.pid:
                found.add(int(entry.name))
        except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            continue
    return found


def test_a_pdf_that_keeps_pypdf_busy_fails_within_its_budget(api, start_worker, settings):
    settings.JOB_BUDGET_SECONDS = {**settings.JOB_BUDGET_SECONDS, "deep_dive": 10}
    worker = start_worker(JOB_BUDGET_DEEP_DIVE="10", JOB_PROGRESS_MIN_INTERVAL="1.0")
    job_id = submit(api, "/deep-dive-async", "paper.pdf", nested_xobject_pdf())
    reading = wait_for(lambda: readers(worker), timeout=30, message="no reader process started")
    body = finished(api, job_id, timeout=30)
    assert body["status"] == "failed", body
    assert body["error"] == "Reading this file ran past the job's time budget of 10 seconds."
    job = Job.objects.get(pk=job_id)
    assert (job.finished_at - job.started_at).total_seconds() < 12
    assert not readers(worker) and not any(Path(f"/proc/{pid}").exists() for pid in reading)


def test_hostile_reference_files_fail_quickly_naming_the_limit(api, start_worker, settings):
    settings.JOB_BUDGET_SECONDS = {**settings.JOB_BUDGET_SECONDS, "import": 20}
    worker = start_worker(JOB_BUDGET_IMPORT="20")
    expected = {
        submit(api, "/library-import-async", "macros.bib", bibtex_macro_bomb(10)): (
            "A field in this file is longer than 100,000 characters."
        ),
        submit(api, "/library-import-async", "bigger.bib", bibtex_macro_bomb(13)): (
            "A field in this file is longer than 100,000 characters."
        ),
        submit(api, "/library-import-async", "pubmed.xml.gz", gzip_of_duplicate_records()): (
            "This file expands beyond 100 MB when decompressed."
        ),
    }
    for job_id, error in expected.items():
        body = finished(api, job_id, timeout=60)
        assert (body["status"], body["error"]) == ("failed", error), body
        job = Job.objects.get(pk=job_id)
        assert (job.finished_at - job.started_at).total_seconds() < 5
    assert not readers(worker)


@pytest.mark.parametrize(
    ("path", "filename", "content"),
    [
        ("/deep-dive-async", "paper.pdf", nested_xobject_pdf),
        ("/library-import-async", "many.bib", lambda: large_bibtex(40_000)),
    ],
    ids=["pdf", "bibtex"],
)
def test_cancelling_stops_the_reader_within_seconds(api, start_worker, path, filename, content):
    # Progress is written at most once a second, as in production, and cancel is noticed then.
    worker = start_worker(JOB_PROGRESS_MIN_INTERVAL="1.0")
    job_id = submit(api, path, filename, content())
    reading = wait_for(lambda: readers(worker), timeout=30, message="no reader process started")
    assert lifecycle.job_cancel(job_id=job_id)
    wait_for(
        lambda: not any(Path(f"/proc/{pid}").exists() for pid in reading),
        timeout=5,
        interval=0.05,
        message=f"the reader was still running 5 s after the cancel:\n{worker.output()[-3000:]}",
    )
    assert api.status(job_id)["status"] == "cancelled"
