"""Plain factory functions and shared fixtures."""

import functools
import itertools
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from jobs import lifecycle
from jobs.models import DeepDiveAnalysis, Job, Membership, Paper, Project, Report, Role

_counter = itertools.count(1)
PASSWORD = "a-long-test-password"


def make_user(username: str = "", **extra):
    username = username or f"user{next(_counter)}-{uuid.uuid4().hex[:6]}"
    return get_user_model().objects.create_user(username=username, password=PASSWORD, **extra)


def make_project(owner=None, *, name: str = "", members: dict | None = None) -> Project:
    owner = owner or make_user()
    project = Project.objects.create(name=name or f"Project {next(_counter)}", owner=owner)
    Membership.objects.create(project=project, user=owner, role=Role.OWNER)
    for user, role in (members or {}).items():
        Membership.objects.create(project=project, user=user, role=role)
    return project


def make_job(
    *, project: Project | None = None, creator=None, kind: str = Job.Kind.REVIEW, **overrides
) -> Job:
    """A job row with its inputs, in whatever state the overrides say (no queue involved)."""
    project = project or make_project(creator)
    creator = creator or project.owner
    n = next(_counter)
    if kind == Job.Kind.REVIEW:
        detail_model = Report
        inputs = {"objective": overrides.pop("objective", f"remdesivir outcomes {n}")}
    else:
        detail_model = DeepDiveAnalysis
        inputs = {
            "title": overrides.pop("title", f"A pasted paper {n}"),
            "text": overrides.pop("text", "Methods. We randomised 40 patients. " * 5),
        }
    result = overrides.pop("result", None)
    job = Job.objects.create(
        kind=kind,
        project=project,
        creator=creator,
        **{
            "budget_seconds": lifecycle.budget_for(kind=kind),
            "input_hash": lifecycle.input_fingerprint(kind=kind, inputs=inputs),
            **overrides,
        },
    )
    detail_model.objects.create(job=job, result=result, **inputs)
    return Job.objects.with_detail().get(pk=job.pk)


def make_paper(pmid: str = "", **overrides) -> Paper:
    pmid = pmid or str(10_000_000 + next(_counter))
    record = {
        "pmid": pmid,
        "title": overrides.get("title", f"Paper {pmid}"),
        "abstract": [{"category": "RESULTS", "label": "RESULTS", "text": "It worked."}],
    }
    return Paper.objects.create(pmid=pmid, title=record["title"], record=record)


@pytest.fixture
def recorded_pubmed(httpserver, settings):
    """A loopback server answering esearch and efetch with NCBI's own reply formats."""
    depth = Path(__file__).resolve().parent / "fixtures" / "depth"
    settings.NCBI_BASE_URL = httpserver.url_for("/eutils/")
    esearch = json.loads((depth / "esearch_asthma.json").read_text())
    esearch["esearchresult"]["idlist"] = ["29768149"]
    httpserver.expect_request("/eutils/esearch.fcgi").respond_with_json(esearch)
    httpserver.expect_request("/eutils/efetch.fcgi").respond_with_data(
        (depth / "efetch_29768149.xml").read_bytes(), content_type="text/xml"
    )
    return httpserver


@pytest.fixture
def user(db):
    return make_user()


@pytest.fixture
def project(user):
    return make_project(user)


@pytest.fixture
def client_for(client):
    """Log the test client in as a user."""

    def login(who):
        client.force_login(who)
        return client

    return login


@pytest.fixture(autouse=True)
def _plain_static_files(settings):
    """Tests render pages without running collectstatic first."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def database_url() -> str:
    """A URL for the database the tests are using, for worker processes started by a test."""
    from django.db import connection

    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    """A real `manage.py qcluster` process against the test database."""

    def __init__(self, *, data_dir, extra_env: dict | None = None) -> None:
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "DATA_DIR": str(data_dir),
            "Q_WORKERS": "1",
            "JOB_PROGRESS_MIN_INTERVAL": "0",
            **(extra_env or {}),
        }
        self.process: subprocess.Popen | None = None
        self.log_path = Path(data_dir) / "worker.log"

    def start(self) -> "Worker":
        self.log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=settings_base_dir(),
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    def kill(self) -> None:
        """SIGKILL the whole cluster, as a crash or an OOM kill would."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        """Stop as an operator would: SIGTERM to the cluster, which stops its own workers."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")


def settings_base_dir() -> Path:
    from django.conf import settings

    return settings.BASE_DIR


def wait_for(condition, *, timeout: float, interval: float = 0.1, message: str = ""):
    """Poll until condition() is truthy; fail with message after timeout seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(message or f"condition not met within {timeout} s")


def completed_runs(job_id) -> int:
    """How many completed runs of the job its cluster recorded, once the first is recorded (the
    cluster saves its task record just after the job's row says completed)."""
    from django_q.models import Task

    runs = Task.objects.filter(func="jobs.tasks.run_job", args=(str(job_id),), result="completed")
    wait_for(runs.exists, timeout=15, message=f"no completed run of job {job_id} was recorded")
    return runs.count()


@pytest.fixture
def start_worker(tmp_path):
    """Start real worker clusters; each is stopped at the end of the test."""
    workers: list[Worker] = []

    def start(**extra_env) -> Worker:
        worker = Worker(data_dir=tmp_path, extra_env=extra_env).start()
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


@pytest.fixture(autouse=True)
def _empty_cache(settings):
    """Each test starts with an empty in-memory default cache, whatever the deployment uses, and
    no remembered job durations."""
    from django.core.cache import cache

    from jobs import estimates

    estimates.forget()

    settings.CACHES = {
        **settings.CACHES,
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def queue(db):
    """The configured broker (database or Redis), emptied for this test."""
    from django_q.brokers import get_broker

    broker = get_broker()
    broker.purge_queue()
    yield broker
    broker.purge_queue()


def poll_queries() -> int:
    """Database queries a logged-in status poll costs: the job with the member's account, plus
    the session unless sessions are read from the cache (as they are when Redis is set)."""
    from django.conf import settings

    from jobs.operations import POLLS

    POLLS.flush()  # the poll counter's next flush (every few seconds) is then not the measured poll
    return 1 if settings.SESSION_ENGINE.endswith("cached_db") else 2


# The honest gate: with REQUIRE_FULL_SUITE=1 (as .ci/run sets) these tests may not skip; a skip
# (Chromium, the baseline files or aiosmtpd missing) fails the run and says what was missing.
ALWAYS_REQUIRED = {"browser", "slow", "smtp", "multi_cluster"}


def required_markers() -> set[str]:
    """What may not skip here: the always-required kinds, plus PostgreSQL- or Redis-only tests
    when the run is configured with those servers."""
    from django.conf import settings

    required = set(ALWAYS_REQUIRED)
    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        required.add("postgres")
    if settings.REDIS_URL:
        required.add("redis")
    return required


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    expected_failure = hasattr(report, "wasxfail")
    if report.skipped and not expected_failure and os.environ.get("REQUIRE_FULL_SUITE") == "1":
        kinds = sorted(required_markers() & {mark.name for mark in item.iter_markers()})
        if kinds:
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
            report.outcome = "failed"
            report.longrepr = (
                f"REQUIRE_FULL_SUITE=1: this {'/'.join(kinds)} test may not skip, "
                f"but it skipped: {reason}"
            )
    return report


SAMPLE_BASELINE = Path(__file__).resolve().parent / "fixtures" / "pubmed" / "sample_baseline.xml"


@functools.cache
def _engine_results() -> tuple[str, str]:
    """A review and a deep dive run by the real engine on the sample baseline, as stored JSON
    (the review with the synthesis record the worker adds when no language model is set)."""
    from research import (
        DeepDiveRequest,
        ReviewRequest,
        deep_dive,
        generate_review,
        ignore_progress,
        open_library,
    )
    from research.llm import extractive

    library = open_library(SAMPLE_BASELINE)
    request = ReviewRequest("remdesivir treatment outcomes in COVID-19", molecule="remdesivir")
    review = extractive(
        generate_review(request, library, ignore_progress), "No language model is configured."
    )
    record = library.get_many(["90000001"])["90000001"]
    dive = deep_dive(DeepDiveRequest(objective="time to recovery", record=record), ignore_progress)
    return json.dumps(review.to_dict()), json.dumps(dive.to_dict())


@pytest.fixture
def review_result() -> dict:
    """A review result as the worker stores it, from the engine's own output (a fresh copy)."""
    return json.loads(_engine_results()[0])


@pytest.fixture
def deep_dive_result() -> dict:
    """A deep dive result as the worker stores it, from the engine's own output (a fresh copy)."""
    return json.loads(_engine_results()[1])
