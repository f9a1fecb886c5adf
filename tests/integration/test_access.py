"""jobs.access: who may see or change a job or project, and the status poll's fast path, which
must grant access exactly when django.contrib.auth.get_user would."""

import pytest
from django.contrib.auth import (
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_user,
)
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import RequestFactory

from jobs.access import NotLoggedIn, job_for, poll_job, project_for
from jobs.models import Role
from tests.conftest import PASSWORD, make_job, make_project, make_user

pytestmark = pytest.mark.django_db


def _log_in(client, user):
    client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    return client


def _logged_out(client, user):
    _log_in(client, user)
    client.post("/accounts/logout/")


def _deactivated(client, user):
    _log_in(client, user)
    user.is_active = False
    user.save()


def _password_changed(client, user):
    _log_in(client, user)
    user.set_password("another-long-password")
    user.save()


def _edit_session(client, user, **changes):
    _log_in(client, user)
    session = client.session
    for key, value in changes.items():
        if value is None:
            session.pop(key, None)
        else:
            session[key] = value
    session.save()


SESSION_STATES = {
    "logged in": _log_in,
    "never logged in": lambda client, user: None,
    "logged out": _logged_out,
    "deactivated": _deactivated,
    "password changed": _password_changed,
    "unknown backend": lambda client, user: _edit_session(
        client, user, **{BACKEND_SESSION_KEY: "somewhere.else.Backend"}
    ),
    "missing hash": lambda client, user: _edit_session(client, user, **{HASH_SESSION_KEY: None}),
    "forged hash": lambda client, user: _edit_session(client, user, **{HASH_SESSION_KEY: "0" * 64}),
}


def _request_with_session(client):
    request = RequestFactory().get("/")
    request.session = client.session  # a fresh load of the stored session each time
    return request


@pytest.mark.parametrize("state", SESSION_STATES)
def test_the_poll_grants_access_exactly_when_get_user_does(client, project, state):
    job = make_job(project=project, status="processing")
    member = project.owner
    SESSION_STATES[state](client, member)

    try:
        polled = poll_job(_request_with_session(client), job.pk)
    except NotLoggedIn:
        polled = None
    # get_user may flush a session it rejects, so it reads its own copy, after the poll.
    user = get_user(_request_with_session(client))

    django_grants = not isinstance(user, AnonymousUser) and user.pk == member.pk
    assert django_grants == (state == "logged in")
    assert (polled is not None) == django_grants
    if polled is not None:
        assert polled.pk == job.pk


def test_the_poll_refuses_a_malformed_user_id(client, project):
    # get_user raises ValidationError here; the poll treats it as no login.
    job = make_job(project=project, status="processing")
    _edit_session(client, project.owner, **{SESSION_KEY: "not-a-number"})
    with pytest.raises(NotLoggedIn):
        poll_job(_request_with_session(client), job.pk)


def test_the_poll_answers_404_for_someone_elses_job(client, project):
    job = make_job(status="processing")  # another project
    _log_in(client, project.owner)
    with pytest.raises(Http404):
        poll_job(_request_with_session(client), job.pk)


@pytest.fixture
def roles():
    owner, editor, viewer, stranger = make_user(), make_user(), make_user(), make_user()
    project = make_project(owner, members={editor: Role.EDITOR, viewer: Role.VIEWER})
    return {
        "owner": owner,
        "editor": editor,
        "viewer": viewer,
        "stranger": stranger,
        "project": project,
        "owners_job": make_job(project=project, creator=owner, status="failed"),
        "editors_job": make_job(project=project, creator=editor, status="failed"),
    }


@pytest.mark.parametrize(
    ("who", "right", "job", "answer"),
    [
        ("viewer", "view", "owners_job", "granted"),
        ("viewer", "edit", "owners_job", "403"),
        ("viewer", "delete", "owners_job", "403"),
        ("editor", "edit", "owners_job", "granted"),
        ("editor", "delete", "owners_job", "403"),
        ("editor", "delete", "editors_job", "granted"),
        ("owner", "delete", "editors_job", "granted"),
        ("stranger", "view", "owners_job", "404"),
        ("stranger", "edit", "owners_job", "404"),
    ],
)
def test_job_for_decides_by_role(roles, who, right, job, answer):
    user, job = roles[who], roles[job]
    if answer == "404":
        with pytest.raises(Http404):
            job_for(user, job.pk, right)
    elif answer == "403":
        with pytest.raises(PermissionDenied) as refused:
            job_for(user, job.pk, right)
        assert str(refused.value)  # every refusal says why
    else:
        assert job_for(user, job.pk, right).pk == job.pk


def test_job_for_reads_the_job_and_the_role_in_one_query(roles, django_assert_num_queries):
    with django_assert_num_queries(1):
        job = job_for(roles["editor"], roles["editors_job"].pk, "delete", detail=True)
        assert job.detail.objective and job.can_edit and job.can_delete


def test_job_for_refuses_anonymous_users_with_404(roles):
    with pytest.raises(Http404):
        job_for(AnonymousUser(), roles["owners_job"].pk)


@pytest.mark.parametrize(
    ("who", "right", "answer"),
    [
        ("viewer", "view", "granted"),
        ("viewer", "edit", "403"),
        ("editor", "edit", "granted"),
        ("editor", "own", "403"),
        ("owner", "own", "granted"),
        ("stranger", "view", "404"),
    ],
)
def test_project_for_decides_by_role(roles, who, right, answer):
    user, project = roles[who], roles["project"]
    if answer == "404":
        with pytest.raises(Http404):
            project_for(user, project.pk, right)
    elif answer == "403":
        with pytest.raises(PermissionDenied):
            project_for(user, project.pk, right)
    else:
        assert project_for(user, project.pk, right).pk == project.pk


def test_every_403_says_why_on_the_page_and_in_json(client, roles):
    client.force_login(roles["viewer"])
    page = client.post(f"/projects/{roles['project'].pk}/reviews", {"objective": "abc def"})
    assert page.status_code == 403
    assert "not start them" in page.content.decode()
    assert "<html" in page.content.decode().lower()
    client.force_login(roles["editor"])
    api = client.post(f"/jobs/{roles['owners_job'].pk}/delete", HTTP_ACCEPT="application/json")
    assert api.status_code == 403
    assert "who started this job or an owner" in api.json()["error"]
