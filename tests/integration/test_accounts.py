"""Writes to projects, memberships, tokens and profiles (jobs.accounts), as the pages make them."""

import pytest

from jobs import accounts
from jobs.models import ApiToken, Membership, Profile, Role
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def test_a_new_project_has_its_creator_as_owner(user):
    project = accounts.project_create(owner=user, name="Asthma", description="")
    assert Membership.objects.get(project=project).role == Role.OWNER


def test_creating_a_project_on_the_page_goes_through_accounts(client, user):
    client.force_login(user)
    response = client.post("/projects/new", {"name": "Asthma", "description": "ICS"})
    membership = Membership.objects.get(user=user)
    assert response.url == f"/projects/{membership.project_id}/"
    assert (membership.project.name, membership.role) == ("Asthma", Role.OWNER)


def test_only_the_owner_adds_members_and_the_refusal_says_why(client, project):
    editor, newcomer = make_user(), make_user()
    accounts.member_add(project=project, user=editor, role=Role.EDITOR)
    client.force_login(editor)
    url = f"/projects/{project.pk}/members"
    refused = client.post(url, {"username": newcomer.username, "role": Role.VIEWER})
    assert refused.status_code == 403 and "owner can add members" in refused.content.decode()
    client.force_login(project.owner)
    assert client.post(url, {"username": newcomer.username, "role": "viewer"}).status_code == 302
    assert Membership.objects.get(project=project, user=newcomer).role == Role.VIEWER


def test_a_token_is_revoked_only_by_its_owner(client, user):
    token, _ = accounts.token_issue(user=user, name="lab script")
    client.force_login(make_user())
    assert client.post(f"/account/tokens/{token.pk}/revoke").status_code == 404
    assert ApiToken.objects.usable().filter(pk=token.pk).exists()
    client.force_login(user)
    assert client.post(f"/account/tokens/{token.pk}/revoke").status_code == 302
    assert not ApiToken.objects.usable().filter(pk=token.pk).exists()


def test_the_profile_saves_email_and_preference(client, user):
    client.force_login(user)
    client.post("/account/", {"email": "ada@example.org"})  # the box unticked: no emails
    user.refresh_from_db()
    assert user.email == "ada@example.org"
    assert Profile.objects.get(user=user).email_when_done is False
