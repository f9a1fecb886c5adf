"""Limits that hold under concurrency, and long writes that never make running jobs fail."""

import gzip
import os
import subprocess
import sys
import threading
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from jobs import lifecycle
from jobs.models import Job
from tests.conftest import database_url, make_project, settings_base_dir, wait_for

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "pubmed" / "sample_baseline.xml"


@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_never_pass_the_active_jobs_limit(settings):
    settings.JOB_MAX_ACTIVE_PER_USER = 3
    project = make_project()
    start = threading.Barrier(40)
    outcomes: list[str] = []

    def submit(n: int) -> None:
        try:
            start.wait()
            lifecycle.job_create_review(
                project=project, creator=project.owner, objective=f"objective number {n}"
            )
            outcomes.append("created")
        except lifecycle.TooManyActiveJobs:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert sorted(outcomes) == ["created"] * 3 + ["refused"] * 37
    assert Job.objects.active().filter(creator=project.owner).count() == 3


def generated_baseline(path: Path, count: int) -> Path:
    """A gzipped PubMed file of count generated records."""
    records = "".join(
        f"<PubmedArticle><MedlineCitation><PMID>{70_000_000 + i}</PMID><Article>"
        f"<ArticleTitle>Generated paper {i} on sepsis outcomes.</ArticleTitle><Abstract>"
        f"<AbstractText>Sepsis outcomes improved in cohort {i} of this generated study."
        "</AbstractText></Abstract></Article></MedlineCitation></PubmedArticle>\n"
        for i in range(count)
    )
    data = f"<?xml version='1.0'?>\n<PubmedArticleSet>\n{records}</PubmedArticleSet>\n"
    path.write_bytes(gzip.compress(data.encode()))
    return path


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_import_pubmed_beside_running_jobs_fails_none(settings, tmp_path, start_worker):
    settings.DATA_DIR = tmp_path
    call_command("import_pubmed", str(SAMPLE), stdout=StringIO())
    big = generated_baseline(tmp_path / "big.xml.gz", 20_000)
    # A short busy timeout: a write lock held for more than a second would fail a job.
    patience = {"SQLITE_BUSY_SECONDS": "1"}
    start_worker(Q_WORKERS="2", JOB_STAGE_DELAY_SECONDS="1", **patience)
    project = make_project()
    jobs = [
        lifecycle.job_create_review(
            project=project, creator=project.owner, objective=f"remdesivir COVID-19 {n}"
        )
        for n in range(2)
    ]
    wait_for(
        lambda: Job.objects.filter(status=Job.Status.PROCESSING).count() == 2,
        timeout=30,
        message="both reviews should be running before the import starts",
    )

    began = time.time()
    env = {**os.environ, "DATABASE_URL": database_url(), "DATA_DIR": str(tmp_path), **patience}
    imported = subprocess.run(
        [sys.executable, "manage.py", "import_pubmed", str(big)],
        cwd=settings_base_dir(),
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )

    assert imported.returncode == 0, imported.stderr
    assert "created 20,000" in imported.stdout
    finished = wait_for(
        lambda: (
            all(job.is_finished for job in Job.objects.filter(pk__in=[j.pk for j in jobs]))
            and list(Job.objects.filter(pk__in=[j.pk for j in jobs]))
        ),
        timeout=120,
    )
    for job in finished:
        assert job.status == Job.Status.COMPLETED, f"{job.error} {job.error_detail}"
        assert job.finished_at.timestamp() > began  # it ran while the import wrote
