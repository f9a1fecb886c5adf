"""On a phone, through the emails: a newcomer invited from the project page joins and sees the
project's jobs, and someone who forgot their password gets back in by the reset email."""

import re

import pytest

from tests.browser.support import ARTIFACTS, PHONE, expect, log_in
from tests.conftest import make_job, make_project, make_user
from tests.integration import mailbox
from tests.integration.mailbox import body_of, link_in

pytestmark = [pytest.mark.browser, pytest.mark.smtp, pytest.mark.django_db(transaction=True)]

smtp_server = mailbox.smtp_server
smtp_mailbox = mailbox.smtp_mailbox

NEW_PASSWORD = "violet-anemone-1843"


@pytest.fixture
def links_to_live_server(settings, live_server):
    """Emails link to the server the browser is using."""
    settings.SITE_URL = live_server.url


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["viewport"]["width"]


def test_an_invited_newcomer_joins_from_the_email_and_sees_the_projects_jobs(
    open_page, smtp_mailbox, links_to_live_server
):
    owner = make_user("grace", email="grace@example.org")
    project = make_project(owner, name="Asthma trials")
    make_job(project=project, objective="budesonide in asthma", status="completed")

    phone = open_page(PHONE)
    log_in(phone, owner)
    phone.goto(project.get_absolute_url())
    invitations = phone.locator("#invitations")
    invitations.get_by_label("Email address").fill("ada@example.org")
    invitations.get_by_label("Role").select_option("editor")
    invitations.get_by_role("button", name="Send invitation").click()
    expect(phone.get_by_text("Invitation sent to ada@example.org.")).to_be_visible()
    revoke = invitations.get_by_role("button", name="Revoke the invitation to ada@example.org")
    expect(revoke).to_be_visible()
    assert fits_the_screen(phone)
    ARTIFACTS.mkdir(exist_ok=True)
    invitations.screenshot(path=ARTIFACTS / "invitations-phone.png")

    message = smtp_mailbox.wait_for_message("ada@example.org")
    link = link_in(body_of(message), r"/invitations/[\w-]+/")

    newcomer = open_page(PHONE)
    newcomer.goto(link)
    expect(newcomer.get_by_role("heading", name="Join Asthma trials")).to_be_visible()
    expect(newcomer.get_by_label("Username")).to_have_value("ada")
    newcomer.get_by_label("Password:", exact=True).fill(NEW_PASSWORD)
    newcomer.get_by_label("Password confirmation").fill(NEW_PASSWORD)
    assert fits_the_screen(newcomer)
    newcomer.screenshot(path=ARTIFACTS / "invitation-phone.png", full_page=True)
    newcomer.get_by_role("button", name="Create account and join").click()

    expect(newcomer).to_have_url(re.compile(re.escape(project.get_absolute_url()) + "$"))
    expect(newcomer.get_by_role("heading", name="Asthma trials")).to_be_visible()
    expect(newcomer.get_by_text("Your role: Editor")).to_be_visible()
    expect(newcomer.get_by_role("link", name=re.compile("budesonide in asthma"))).to_be_visible()
    assert fits_the_screen(newcomer)


def test_a_forgotten_password_is_reset_from_the_email_on_a_phone(
    open_page, smtp_mailbox, links_to_live_server
):
    make_user("ada", email="ada@example.org")
    phone = open_page(PHONE)
    phone.goto("/accounts/login/")
    phone.get_by_role("link", name="Forgot your password?").click()
    expect(phone.get_by_role("heading", name="Reset your password")).to_be_visible()
    phone.get_by_label("Email").fill("ada@example.org")
    phone.get_by_role("button", name="Send the link").click()
    expect(phone.get_by_role("heading", name="Check your email")).to_be_visible()
    assert fits_the_screen(phone)

    message = smtp_mailbox.wait_for_message("ada@example.org")
    phone.goto(link_in(body_of(message), r"/accounts/reset/[\w-]+/[\w-]+/"))
    expect(phone.get_by_role("heading", name="Choose a new password")).to_be_visible()
    phone.get_by_label("New password:", exact=True).fill(NEW_PASSWORD)
    phone.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    assert fits_the_screen(phone)
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=ARTIFACTS / "password-reset-phone.png", full_page=True)
    phone.get_by_role("button", name="Set my password").click()
    expect(phone.get_by_role("heading", name="Password set")).to_be_visible()

    phone.get_by_role("link", name="Log in").click()
    phone.get_by_label("Username").fill("ada")
    phone.get_by_label("Password").fill(NEW_PASSWORD)
    phone.get_by_role("button", name="Log in").click()
    expect(phone.get_by_role("heading", name="Your research jobs")).to_be_visible()
