"""Invitations by email: an owner invites from the project page, the invitee follows the link
once — as a new account or by logging in — and lands in the project in the invited role."""

import re
import socket
import threading
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection
from django.test import Client
from django.utils.timezone import now

from jobs import accounts
from jobs.models import Invitation, Membership, Role
from tests.conftest import PASSWORD, make_job, make_project, make_user
from tests.integration import mailbox
from tests.integration.mailbox import body_of, link_in

pytestmark = pytest.mark.django_db

smtp_server = mailbox.smtp_server
smtp_mailbox = mailbox.smtp_mailbox

INVITATION_LINK = r"/invitations/[\w-]+/"
NEW_PASSWORD = "violet-anemone-1843"


def invite(client, project, email: str, role: str = Role.VIEWER):
    return client.post(f"/projects/{project.pk}/invitations", {"email": email, "role": role})


def sent_link(to: str) -> str:
    """The invitation link of the last email to the address (Django's test outbox)."""
    message = [m for m in mail.outbox if m.to == [to.lower()]][-1]
    return link_in(message.body, INVITATION_LINK)


def invited(project, email: str = "newcomer@example.org", role: str = Role.VIEWER) -> str:
    """Invite the address as the project's owner would; the link in the email."""
    accounts.invitation_create(project=project, invited_by=project.owner, email=email, role=role)
    return sent_link(email)


def join(link: str, username: str = "newcomer", password: str = NEW_PASSWORD):
    """Follow the link as a new person and make an account there, in a fresh browser."""
    visitor = Client()
    response = visitor.post(
        link, {"username": username, "password1": password, "password2": password}
    )
    return visitor, response


@pytest.mark.smtp
def test_an_invited_newcomer_sets_a_password_and_sees_the_projects_jobs(client, smtp_mailbox):
    project = make_project(name="Asthma trials")
    job = make_job(project=project, objective="budesonide in asthma", status="completed")
    client.force_login(project.owner)

    response = invite(client, project, "Ada.Lovelace@Example.org", Role.EDITOR)

    assert response.status_code == 302 and response.url == f"/projects/{project.pk}/#invitations"
    message = smtp_mailbox.wait_for_message("ada.lovelace@example.org")
    assert "Asthma trials" in message["Subject"]
    link = link_in(body_of(message), INVITATION_LINK)
    token = link.split("/")[2]
    stored = Invitation.objects.get()
    assert stored.token_hash == Invitation.hash(token)
    assert not Invitation.objects.filter(token_hash=token).exists()

    newcomer = Client()
    page = newcomer.get(link)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Join Asthma trials" in html and 'value="ada.lovelace"' in html
    response = newcomer.post(
        link, {"username": "ada.lovelace", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )

    assert response.status_code == 302 and response.url == f"/projects/{project.pk}/"
    ada = get_user_model().objects.get(username="ada.lovelace")
    assert ada.email == "ada.lovelace@example.org" and ada.check_password(NEW_PASSWORD)
    assert Membership.objects.get(project=project, user=ada).role == Role.EDITOR
    project_page = newcomer.get(response.url).content.decode()
    assert "budesonide in asthma" in project_page and str(job.pk) in project_page


def test_only_the_owner_invites_a_member_gets_403_and_a_stranger_404(client):
    editor, stranger = make_user(), make_user()
    project = make_project(members={editor: Role.EDITOR})
    client.force_login(editor)
    refused = invite(client, project, "someone@example.org")
    assert refused.status_code == 403
    assert "owner can add members" in refused.content.decode()
    client.force_login(stranger)
    assert invite(client, project, "someone@example.org").status_code == 404
    assert client.get(f"/projects/{project.pk}/invitations").status_code == 404
    assert not Invitation.objects.exists() and mail.outbox == []


def test_only_the_owner_revokes(client):
    editor, stranger = make_user(), make_user()
    project = make_project(members={editor: Role.EDITOR})
    invited(project)
    invitation = Invitation.objects.get()
    url = f"/projects/{project.pk}/invitations/{invitation.pk}/revoke"
    client.force_login(editor)
    assert client.post(url).status_code == 403
    client.force_login(stranger)
    assert client.post(url).status_code == 404
    assert Invitation.objects.pending().filter(pk=invitation.pk).exists()


def test_a_link_accepts_once(client):
    project = make_project()
    link = invited(project)
    first, accepted = join(link, username="first")
    second, refused = join(link, username="second")
    assert accepted.status_code == 302
    assert refused.status_code == 410
    assert "already been used" in refused.content.decode()
    assert list(get_user_model().objects.filter(username__in=["first", "second"])) == [
        get_user_model().objects.get(username="first")
    ]
    assert second.get(link).status_code == 410


def test_two_forms_opened_from_one_link_make_one_account(client):
    project = make_project()
    link = invited(project)
    tabs = [Client(), Client()]
    for tab in tabs:
        assert tab.get(link).status_code == 200
    answers = [
        tab.post(
            link, {"username": f"tab{i}", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
        )
        for i, tab in enumerate(tabs)
    ]
    assert [answer.status_code for answer in answers] == [302, 410]
    assert Membership.objects.filter(project=project).count() == 2  # the owner and tab0
    assert not get_user_model().objects.filter(username="tab1").exists()


def test_an_expired_link_says_so_plainly():
    project = make_project()
    link = invited(project)
    Invitation.objects.update(expires_at=now() - timedelta(seconds=1))
    visitor, response = join(link)
    assert response.status_code == 410
    assert "This invitation has expired" in response.content.decode()
    assert visitor.get(link).status_code == 410
    assert not get_user_model().objects.filter(username="newcomer").exists()


def test_a_revoked_link_says_so_plainly(client):
    project = make_project()
    link = invited(project)
    invitation = Invitation.objects.get()
    client.force_login(project.owner)
    response = client.post(f"/projects/{project.pk}/invitations/{invitation.pk}/revoke")
    assert response.status_code == 302
    page = client.get(project.get_absolute_url()).content.decode()
    assert "was revoked" in page and "Revoke the invitation to newcomer@example.org" not in page
    visitor, refused = join(link)
    assert refused.status_code == 410
    assert "withdrawn" in refused.content.decode()
    assert Membership.objects.filter(project=project).count() == 1


def test_an_unknown_link_is_a_plain_404():
    response = Client().get("/invitations/not-a-real-token/")
    assert response.status_code == 404
    assert "This invitation link is not valid" in response.content.decode()


def test_someone_with_an_account_logs_in_then_accepts(client):
    ada = make_user("ada", email="Ada@Example.org")
    project = make_project(name="Statins")
    link = invited(project, "ada@example.org", Role.EDITOR)

    page = client.get(link).content.decode()
    assert "Log in to accept" in page and "password1" not in page
    login = client.post(f"/accounts/login/?next={link}", {"username": "ada", "password": PASSWORD})
    assert login.status_code == 302 and login.url == link
    assert "Accept and open the project" in client.get(link).content.decode()
    assert not Membership.objects.filter(user=ada).exists()  # looking changes nothing

    response = client.post(link)
    assert response.status_code == 302 and response.url == project.get_absolute_url()
    assert Membership.objects.get(project=project, user=ada).role == Role.EDITOR
    assert client.post(link).status_code == 410


def test_an_account_with_another_address_is_refused(client):
    project = make_project()
    link = invited(project, "ada@example.org")
    client.force_login(make_user("bob", email="bob@example.org"))
    page = client.get(link)
    assert page.status_code == 403
    assert "sent to ada@example.org" in page.content.decode()
    assert client.post(link).status_code == 403
    assert Membership.objects.filter(project=project).count() == 1
    assert Invitation.objects.pending().count() == 1


def test_the_new_password_must_pass_the_password_validators():
    project = make_project()
    link = invited(project, "newcomer@example.org")
    _, response = join(link, password="12345678")
    assert response.status_code == 400
    html = response.content.decode()
    assert "This password is too common." in html and "entirely numeric" in html
    assert Invitation.objects.pending().count() == 1


def test_owners_see_pending_invitations_with_revoke_buttons_and_others_do_not(client):
    viewer = make_user()
    project = make_project(members={viewer: Role.VIEWER})
    invited(project, "pending@example.org", Role.EDITOR)
    client.force_login(project.owner)
    html = client.get(project.get_absolute_url()).content.decode()
    assert '<label for="invitation-email">Email address</label>' in html
    assert '<label for="invitation-role">Role</label>' in html
    assert "pending@example.org" in html and "Revoke" in html
    assert "hx-disabled-elt" not in html
    client.force_login(viewer)
    html = client.get(project.get_absolute_url()).content.decode()
    assert "pending@example.org" not in html and "Send invitation" not in html


def test_inviting_again_replaces_the_earlier_link(client):
    project = make_project()
    old_link = invited(project, "ada@example.org")
    new_link = invited(project, "ADA@example.org")
    assert old_link != new_link
    assert Invitation.objects.pending().count() == 1
    assert join(old_link)[1].status_code == 410
    assert join(new_link)[1].status_code == 302


def test_a_member_is_not_invited_again(client):
    member = make_user(email="member@example.org")
    project = make_project(members={member: Role.VIEWER})
    client.force_login(project.owner)
    response = invite(client, project, "Member@example.org")
    assert response.status_code == 400
    assert "already a member" in response.content.decode()
    assert not Invitation.objects.exists() and mail.outbox == []


def test_pending_invitations_per_project_are_capped(client):
    project = make_project()
    for n in range(accounts.INVITATIONS_PENDING_MAX):
        invited(project, f"person{n}@example.org")
    mail.outbox.clear()
    client.force_login(project.owner)
    response = invite(client, project, "one-too-many@example.org")
    assert response.status_code == 429
    assert "invitations waiting" in response.content.decode()
    assert Invitation.objects.count() == accounts.INVITATIONS_PENDING_MAX
    assert mail.outbox == []


def test_an_owner_sees_a_bad_address_explained(client):
    project = make_project()
    client.force_login(project.owner)
    response = invite(client, project, "not an address")
    assert response.status_code == 400
    assert re.search(r"Enter a valid email address", response.content.decode())
    assert not Invitation.objects.exists()


def test_sign_up_is_closed_unless_the_setting_opens_it(client, settings):
    assert client.get("/accounts/signup/").status_code == 404
    assert "Create an account" not in client.get("/accounts/login/").content.decode()
    settings.SIGNUP_OPEN = True
    assert "Create an account" in client.get("/accounts/login/").content.decode()
    response = client.post(
        "/accounts/signup/",
        {
            "username": "grace",
            "email": "grace@example.org",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302 and response.url == "/"
    grace = get_user_model().objects.get(username="grace")
    assert grace.email == "grace@example.org" and grace.check_password(NEW_PASSWORD)
    assert client.get("/").status_code == 200


def test_the_admin_lists_invitations_and_revokes_them_without_showing_the_hash(client):
    project = make_project()
    invited(project, "ada@example.org")
    invitation = Invitation.objects.get()
    client.force_login(make_user(is_staff=True, is_superuser=True))
    listing = client.get("/admin/jobs/invitation/").content.decode()
    assert "ada@example.org" in listing
    page = client.get(f"/admin/jobs/invitation/{invitation.pk}/change/").content.decode()
    assert "ada@example.org" in page and invitation.token_hash not in page
    client.post(
        "/admin/jobs/invitation/",
        {"action": "revoke", "_selected_action": [invitation.pk]},
    )
    assert not Invitation.objects.pending().exists()


def test_an_invitation_whose_email_cannot_be_sent_is_not_left_waiting(client, settings):
    with socket.socket() as probe:  # a port with nothing listening: the connection is refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "use_tls": False, "timeout": 5},
        }
    }
    project = make_project()
    client.force_login(project.owner)
    response = invite(client, project, "ada@example.org")
    assert response.status_code == 503
    assert "could not be sent" in response.content.decode()
    assert not Invitation.objects.pending().exists()


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_accepts_of_one_link_make_one_account():
    project = make_project()
    token = invited(project).split("/")[2]
    start_together = threading.Barrier(2)
    outcomes: list[str] = []

    def accept(username: str) -> None:
        try:
            start_together.wait(timeout=10)
            accounts.invitation_accept_as_new_user(
                token=token, username=username, password=NEW_PASSWORD
            )
            outcomes.append("accepted")
        except accounts.InvitationUnusable:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=(name,)) for name in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["accepted", "refused"]
    assert get_user_model().objects.filter(username__in=["one", "two"]).count() == 1
    assert Membership.objects.filter(project=project).count() == 2


def test_invitations_per_project_and_day_are_capped_even_when_revoked(client):
    project = make_project()
    for n in range(accounts.INVITATIONS_PER_DAY_MAX):
        invited(project, f"person{n}@example.org")
        accounts.invitation_revoke(
            invitation=Invitation.objects.get(email=f"person{n}@example.org")
        )
    client.force_login(project.owner)
    response = invite(client, project, "one-too-many@example.org")
    assert response.status_code == 429
    assert "invitations in the last day" in response.content.decode()
    assert Invitation.objects.count() == accounts.INVITATIONS_PER_DAY_MAX
