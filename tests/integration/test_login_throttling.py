"""Login throttling: repeated wrong passwords for one account, or from one address, pause
logins there for a while, with a page that says why; API tokens are never throttled."""

import os
import subprocess
import sys

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.db.models import F

from jobs.models import ApiToken
from tests.conftest import PASSWORD, make_job, make_user

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def log_in(client, username, password=PASSWORD, *, ip="192.0.2.10", path=LOGIN, **headers):
    return client.post(
        path, {"username": username, "password": password}, REMOTE_ADDR=ip, **headers
    )


def fail(client, username, times, *, ips=None, **kwargs):
    """`times` wrong passwords; the last answer."""
    for n in range(times):
        ip = ips[n] if ips else kwargs.get("ip", "192.0.2.10")
        response = log_in(client, username, "wrong-password", **{**kwargs, "ip": ip})
    return response


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_wrong_passwords_up_to_the_limit_lock_the_account_and_the_right_one_is_refused(client):
    user = make_user()
    limit = django_settings.AXES_FAILURE_LIMIT
    assert limit == 10 and django_settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60
    before = fail(client, user.username, limit - 1)
    assert before.status_code == 200 and "didn't match" in before.content.decode()
    locked = fail(client, user.username, 1)
    assert locked.status_code == 429
    response = log_in(client, user.username)
    assert response.status_code == 429 and not logged_in(client)
    html = response.content.decode()
    assert (
        "Too many failed attempts for this account and from your network address. "
        "Try again in 15 minutes." in html
    )
    assert "<h1>Log in</h1>" in html and "Traceback" not in html
    assert 14 * 60 < int(response["Retry-After"]) <= 15 * 60


def test_a_few_typos_then_the_right_password_logs_in(client):
    user = make_user()
    fail(client, user.username, django_settings.AXES_FAILURE_LIMIT - 1)
    assert log_in(client, user.username).status_code == 302 and logged_in(client)


def test_guesses_from_many_addresses_lock_the_account_only(client):
    victim, other = make_user(), make_user()
    addresses = [f"198.51.100.{n}" for n in range(1, 11)]
    fail(client, victim.username, 10, ips=addresses)
    response = log_in(client, victim.username, ip="203.0.113.9")
    assert response.status_code == 429 and not logged_in(client)
    assert "Too many failed attempts for this account. Try again in 15" in response.content.decode()
    assert log_in(client, other.username, ip="203.0.113.9").status_code == 302


def test_guessing_many_accounts_from_one_address_locks_the_address_only(client):
    user = make_user()
    for n in range(10):
        log_in(client, f"someone-{n}", "wrong-password", ip="198.51.100.66")
    response = log_in(client, user.username, ip="198.51.100.66")
    assert response.status_code == 429 and not logged_in(client)
    assert "Too many failed attempts from your network address." in response.content.decode()
    assert log_in(client, user.username, ip="198.51.100.67").status_code == 302


def test_the_lock_lifts_after_the_cool_off(client):
    user = make_user()
    fail(client, user.username, 10)
    assert log_in(client, user.username).status_code == 429
    # As if the cool-off had passed since the last counted failure.
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - django_settings.AXES_COOLOFF_TIME)
    assert log_in(client, user.username).status_code == 302 and logged_in(client)


def test_tries_during_the_lock_do_not_extend_it(client):
    user = make_user()
    fail(client, user.username, 10)
    last = AccessAttempt.objects.get().attempt_time
    fail(client, user.username, 5)
    assert AccessAttempt.objects.get().attempt_time == last


def test_the_admin_login_is_throttled_too(client):
    staff = make_user(is_staff=True, is_superuser=True)
    locked = fail(client, staff.username, 10, path="/admin/login/")
    assert locked.status_code == 429
    response = log_in(client, staff.username, path="/admin/login/")
    assert response.status_code == 429 and not logged_in(client)
    assert "Too many failed attempts" in response.content.decode()


def test_a_forged_forwarded_for_header_does_not_dodge_the_address_lock(client):
    user = make_user()
    for n in range(10):
        forged = {"HTTP_X_FORWARDED_FOR": f"10.9.8.{n}"}
        log_in(client, f"someone-{n}", "wrong-password", ip="198.51.100.5", **forged)
    response = log_in(client, user.username, ip="198.51.100.5", HTTP_X_FORWARDED_FOR="10.1.1.1")
    assert response.status_code == 429


def test_behind_a_trusted_proxy_the_address_is_the_one_the_proxy_saw(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    user = make_user()
    proxy = "127.0.0.1"
    for n in range(10):
        # The client forges the left part; the proxy appends the address it really saw.
        seen = {"HTTP_X_FORWARDED_FOR": f"10.9.8.{n}, 203.0.113.50"}
        log_in(client, f"someone-{n}", "wrong-password", ip=proxy, **seen)
    locked = log_in(client, user.username, ip=proxy, HTTP_X_FORWARDED_FOR="203.0.113.50")
    assert locked.status_code == 429
    elsewhere = log_in(client, user.username, ip=proxy, HTTP_X_FORWARDED_FOR="203.0.113.51")
    assert elsewhere.status_code == 302


def test_api_tokens_are_not_throttled(client):
    user = make_user()
    job = make_job(creator=user)
    _, key = ApiToken.issue(user=user, name="script")
    fail(client, user.username, 10, ip="127.0.0.1")
    assert log_in(client, user.username, ip="127.0.0.1").status_code == 429
    response = client.get(
        f"/jobs/{job.pk}/status", HTTP_AUTHORIZATION=f"Bearer {key}", REMOTE_ADDR="127.0.0.1"
    )
    assert response.status_code == 200 and response.json()["job_id"] == str(job.pk)


def test_limits_come_from_the_environment():
    env = {**os.environ, "LOGIN_FAILURE_LIMIT": "4", "LOGIN_LOCKOUT_MINUTES": "30"}
    code = "from django.conf import settings as s; print(s.AXES_FAILURE_LIMIT, s.AXES_COOLOFF_TIME)"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--verbosity", "0", "-c", code],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stdout.split() == ["4", "0:30:00"], result.stderr
