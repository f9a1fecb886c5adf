"""The worker's side of the error contract: a UserFacingError's message is shown to the user;
anything else is our bug — an apology for the user, the traceback for staff, a log line naming
the job. And the budget alarm stops a long step that reports no progress."""

import logging
import time

import pytest

from jobs import execution
from jobs.models import Job
from jobs.tasks import run_job
from research.errors import UserFacingError
from tests.conftest import make_job

pytestmark = pytest.mark.django_db


def run(job: Job) -> Job:
    run_job(str(job.pk))
    return Job.objects.get(pk=job.pk)


@pytest.fixture
def deep_dive_job(project):
    return make_job(project=project, kind=Job.Kind.DEEP_DIVE, status="queued")


def test_a_programming_error_in_the_engine_gets_an_apology_and_a_traceback(
    deep_dive_job, monkeypatch, caplog
):
    def broken_engine(request, progress):
        progress("read", 0)
        return int("x")  # a bug, whose ValueError is no message for the user

    monkeypatch.setattr(execution, "deep_dive", broken_engine)
    with caplog.at_level(logging.ERROR, logger="jobs.tasks"):
        job = run(deep_dive_job)

    assert job.status == "failed"
    assert job.error.startswith("Something went wrong on our side")
    assert "the team has the details" in job.error.lower()
    assert "invalid literal" not in job.error
    assert "Traceback" in job.error_detail
    assert 'int("x")' in job.error_detail and "ValueError" in job.error_detail
    logged = [record for record in caplog.records if record.exc_info]
    assert logged and str(job.pk) in logged[0].getMessage()


def test_a_user_facing_refusal_shows_its_own_message(deep_dive_job, monkeypatch):
    def refusing_engine(request, progress):
        raise UserFacingError("This paper has no abstract; paste its full text to analyse it.")

    monkeypatch.setattr(execution, "deep_dive", refusing_engine)
    job = run(deep_dive_job)
    assert job.status == "failed"
    assert job.error == "This paper has no abstract; paste its full text to analyse it."
    assert job.error_detail == ""


def test_the_budget_alarm_stops_a_long_step_that_reports_no_progress(project, monkeypatch):
    job = make_job(project=project, kind=Job.Kind.DEEP_DIVE, status="queued", budget_seconds=1)

    def silent_engine(request, progress):
        progress("read", 0)
        time.sleep(30)  # one long step, no progress report that could check the budget

    monkeypatch.setattr(execution, "deep_dive", silent_engine)
    started = time.monotonic()
    job = run(job)
    assert time.monotonic() - started < 10
    assert job.status == "failed"
    assert job.error.startswith("Timed out: the job ran longer than its time budget of 1 seconds")
