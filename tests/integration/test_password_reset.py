"""Password reset by email and password change, on the site's own pages: the same answer
whether or not an address has an account, and a new password logs out the other devices."""

import re

import pytest
from django.core import mail
from django.test import Client

from tests.conftest import PASSWORD, make_job, make_project, make_user
from tests.integration import mailbox
from tests.integration.mailbox import body_of, link_in

pytestmark = pytest.mark.django_db

smtp_server = mailbox.smtp_server
smtp_mailbox = mailbox.smtp_mailbox

RESET_LINK = r"/accounts/reset/[\w-]+/[\w-]+/"
NEW_PASSWORD = "violet-anemone-1843"
ACCOUNT_PAGES = [
    "/accounts/login/",
    "/accounts/password_reset/",
    "/accounts/password_reset/done/",
    "/accounts/reset/MQ/not-a-token/",
    "/accounts/reset/done/",
]


def without_csrf_token(html: str) -> str:
    return re.sub(r'"X-CSRFToken": "[^"]*"', "", html)


def logs_in(username: str, password: str) -> bool:
    response = Client().post("/accounts/login/", {"username": username, "password": password})
    return response.status_code == 302


@pytest.mark.smtp
def test_a_forgotten_password_is_reset_through_the_email(smtp_mailbox, settings):
    settings.SITE_URL = "https://reviews.example.org"
    make_user("ada", email="ada@example.org")
    client = Client()

    response = client.post("/accounts/password_reset/", {"email": "ADA@example.org"})

    assert response.status_code == 302 and response.url == "/accounts/password_reset/done/"
    message = smtp_mailbox.wait_for_message("ada@example.org")
    assert message["Subject"] == "Reset your reviewsite password"
    body = body_of(message)
    assert "https://reviews.example.org/accounts/reset/" in body and "username is ada" in body
    link = link_in(body, RESET_LINK)
    form_page = client.get(link, follow=True)
    assert "Choose a new password" in form_page.content.decode()
    set_password = form_page.redirect_chain[-1][0]
    done = client.post(set_password, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done.url == "/accounts/reset/done/"
    assert logs_in("ada", NEW_PASSWORD) and not logs_in("ada", PASSWORD)
    again = Client().get(link, follow=True).content.decode()
    assert "This reset link has expired or has already been used." in again


def test_the_answer_is_the_same_whether_or_not_the_address_has_an_account():
    make_user("ada", email="ada@example.org")
    answers = []
    for address in ("ada@example.org", "nobody@example.org"):
        client = Client()
        response = client.post("/accounts/password_reset/", {"email": address}, follow=True)
        answers.append(
            (response.status_code, response.redirect_chain, without_csrf_token(response.text))
        )
    assert answers[0] == answers[1]
    assert [message.to for message in mail.outbox] == [["ada@example.org"]]


def test_the_account_pages_are_the_sites_own_and_fit_a_phone(client):
    for url in ACCOUNT_PAGES:
        html = client.get(url).content.decode()
        assert "· reviewsite</title>" in html, url
        assert 'name="viewport"' in html, url
        assert "Django site admin" not in html and "Django administration" not in html, url
    client.force_login(make_user())
    for url in ("/accounts/password_change/", "/accounts/password_change/done/"):
        html = client.get(url).content.decode()
        assert "· reviewsite</title>" in html and "Django site admin" not in html, url


def test_the_login_page_offers_a_reset(client):
    html = client.get("/accounts/login/").content.decode()
    assert '<a href="/accounts/password_reset/">Forgot your password?</a>' in html


def test_a_password_change_logs_out_the_other_devices_and_stops_their_polling():
    user = make_user("ada")
    job = make_job(project=make_project(user), status="processing")
    poll = f"/jobs/{job.pk}/partial"
    laptop, phone = Client(), Client()
    for device in (laptop, phone):
        device.force_login(user)
        assert device.get(poll).status_code == 200

    response = laptop.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 302 and response.url == "/accounts/password_change/done/"
    assert laptop.get(poll).status_code == 200
    stopped = phone.get(poll)
    assert stopped.status_code == 302 and stopped.url.startswith("/accounts/login/")
    assert logs_in("ada", NEW_PASSWORD)


def test_a_wrong_old_password_changes_nothing(client):
    user = make_user("ada")
    client.force_login(user)
    response = client.post(
        "/accounts/password_change/",
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 200
    assert "Your old password was entered incorrectly." in response.content.decode()
    assert logs_in("ada", PASSWORD)
