"""Emails when long jobs end: Django's locmem backend, and a real SMTP server on loopback."""

import socket
from datetime import timedelta

import pytest
from django.core import mail
from django.utils.timezone import now

from jobs.models import Profile
from jobs.notifications import notify_if_long
from tests.conftest import make_job, make_user, wait_for

pytestmark = pytest.mark.django_db


def long_job(**overrides):
    creator = make_user(email="ada@example.org")
    start = now() - timedelta(minutes=5)
    return make_job(creator=creator, started_at=start, finished_at=now(), **overrides)


def test_a_long_completed_job_emails_its_creator_once(settings):
    settings.SITE_URL = "https://reviews.example.org"
    job = long_job(status="completed")
    assert notify_if_long(job_id=job.pk)
    assert not notify_if_long(job_id=job.pk)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ada@example.org"]
    assert message.subject == "Your literature review is ready"
    assert f"https://reviews.example.org/jobs/{job.pk}/" in message.body


def test_a_failed_job_says_what_went_wrong():
    job = long_job(
        status="failed",
        error="Timed out: the job ran longer than its time budget of 600 seconds and was stopped.",
    )
    notify_if_long(job_id=job.pk)
    assert mail.outbox[0].subject == "Your literature review could not be finished"
    assert "time budget of 600 seconds" in mail.outbox[0].body


def test_short_jobs_cancelled_jobs_and_opted_out_users_get_no_email():
    short = make_job(
        creator=make_user(email="b@example.org"),
        status="completed",
        started_at=now() - timedelta(seconds=10),
        finished_at=now(),
    )
    cancelled = long_job(status="cancelled")
    opted_out = long_job(status="completed")
    Profile.objects.create(user=opted_out.creator, email_when_done=False)
    for job in (short, cancelled, opted_out):
        assert not notify_if_long(job_id=job.pk)
    assert mail.outbox == []


def test_profile_page_turns_emails_off(client, user):
    client.force_login(user)
    client.post("/account/", {"email": "me@example.org"})
    user.refresh_from_db()
    assert user.email == "me@example.org"
    assert Profile.objects.get(user=user).email_when_done is False


@pytest.fixture
def smtp_server():
    aiosmtpd = pytest.importorskip("aiosmtpd.controller")
    from aiosmtpd.handlers import Sink

    class Recorder(Sink):
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append(envelope)
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = Recorder()
    controller = aiosmtpd.Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


@pytest.mark.smtp
def test_email_goes_through_a_real_smtp_server(settings, smtp_server):
    handler, port = smtp_server
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "use_tls": False, "timeout": 5},
        }
    }
    job = long_job(status="completed")
    assert notify_if_long(job_id=job.pk)
    wait_for(lambda: handler.messages, timeout=10, message="no message reached the SMTP server")
    envelope = handler.messages[0]
    assert envelope.rcpt_tos == ["ada@example.org"]
    assert f"/jobs/{job.pk}/" in envelope.content.decode()


def _over_budget_job():
    creator = make_user(email="ada@example.org")
    return make_job(
        creator=creator,
        objective="budesonide in asthma",
        status="processing",
        worker="lost-worker",
        budget_seconds=60,
        started_at=now() - timedelta(hours=1),
        heartbeat_at=now(),
    )


def _emails_about(job) -> list[tuple[str, list[str], str]]:
    """What was sent about the job, with its id and creator written the same way for any job."""
    return [
        (m.subject, m.to, m.body.replace(str(job.pk), "<id>").replace(job.creator.username, "<u>"))
        for m in mail.outbox
    ]


# The loop closes its database connection as a reaper process does: no test transaction around it.
@pytest.mark.django_db(transaction=True)
def test_reap_jobs_once_sends_the_same_emails_as_the_reaper_loop(settings):
    import os
    import signal
    import threading

    from django.core.management import call_command

    from jobs.management.commands.reap_jobs import reap_until_stopped

    job = _over_budget_job()
    call_command("reap_jobs")
    by_command = _emails_about(job)
    mail.outbox.clear()

    job = _over_budget_job()
    settings.JOB_REAP_SECONDS = 60  # one pass, then the loop waits to be stopped
    handlers = {signum: signal.getsignal(signum) for signum in (signal.SIGTERM, signal.SIGINT)}
    stop = threading.Timer(0.5, os.kill, args=(os.getpid(), signal.SIGTERM))
    stop.start()
    try:
        reap_until_stopped()  # as `reap_jobs --loop` beside a cluster; ends on SIGTERM
    finally:
        stop.cancel()
        for signum, handler in handlers.items():
            signal.signal(signum, handler)
    by_loop = _emails_about(job)

    assert len(by_command) == 1 and "could not be finished" in by_command[0][0]
    assert by_loop == by_command
