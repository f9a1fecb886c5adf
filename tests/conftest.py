"""Plain factory functions and shared fixtures."""

import itertools

import pytest
from django.contrib.auth import get_user_model

from jobs import lifecycle
from jobs.models import Job, Membership, Paper, Project, Role

_counter = itertools.count(1)
PASSWORD = "a-long-test-password"


def make_user(username: str = "", **extra):
    username = username or f"user{next(_counter)}"
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
    """A job created through the lifecycle, then moved to the requested state directly."""
    project = project or make_project(creator)
    creator = creator or project.owner
    if kind == Job.Kind.REVIEW:
        job = lifecycle.job_create_review(
            project=project,
            creator=creator,
            objective=overrides.pop("objective", "remdesivir outcomes"),
        )
    else:
        job = lifecycle.job_create_deep_dive(
            project=project,
            creator=creator,
            title=overrides.pop("title", "A pasted paper"),
            text=overrides.pop("text", "Methods. We randomised 40 patients. " * 5),
        )
    result = overrides.pop("result", None)
    if overrides:
        Job.objects.filter(pk=job.pk).update(**overrides)
    if result is not None:
        type(job.detail).objects.filter(pk=job.pk).update(result=result)
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
