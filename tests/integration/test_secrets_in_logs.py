"""No secret reaches a log line: not the NCBI key httpx would print with every request URL,
not a login's password, not a token, whatever the handler or format."""

import io
import json
import logging

import pytest

from jobs import lifecycle
from jobs.logging import JsonFormatter
from jobs.models import ApiToken, Job
from jobs.tasks import run_job
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

NCBI_KEY = "ncbi0123456789abcdef0123456789ab"


@pytest.fixture
def console(settings):
    """What the configured console handler writes, in the format an operator would read."""
    handler = logging.getHandlerByName("console")
    assert handler is not None and handler in logging.getLogger().handlers
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


@pytest.fixture
def pubmed_with_key(recorded_pubmed, settings, tmp_path):
    """A loopback E-utilities server, and NCBI_API_KEY set as an operator would set it."""
    settings.DATA_DIR = tmp_path
    settings.NCBI_API_KEY = NCBI_KEY
    return recorded_pubmed


def everything_logged(caplog, console) -> str:
    records = "\n".join(
        f"{r.getMessage()} {r.args!r} {r.exc_text or ''} {r.stack_info or ''}"
        for r in caplog.records
    )
    return "\n".join([caplog.text, records, console.getvalue()])


def review_from_pubmed(project) -> Job:
    job = lifecycle.job_create_review(
        project=project, creator=project.owner, objective="budesonide asthma", source="pubmed"
    )
    run_job(str(job.pk))
    return Job.objects.get(pk=job.pk)


def test_a_pubmed_review_never_logs_the_ncbi_key(pubmed_with_key, project, caplog, console):
    caplog.set_level(logging.DEBUG)
    assert review_from_pubmed(project).status == "completed"
    searched = [r for r, _ in pubmed_with_key.log if r.path.endswith("esearch.fcgi")][0]
    assert searched.args["api_key"] == NCBI_KEY  # the key was really sent
    assert caplog.records and console.getvalue()  # and the run did log
    assert NCBI_KEY not in everything_logged(caplog, console)


def test_with_httpx_logging_its_urls_the_key_is_masked(pubmed_with_key, project, caplog, console):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.INFO, logger="httpx")  # as an operator turning it back on would
    assert review_from_pubmed(project).status == "completed"
    output = console.getvalue()
    assert "esearch.fcgi?" in output and "api_key=[redacted]" in output
    assert NCBI_KEY not in output


def test_httpx_request_logging_is_quiet_by_default():
    assert logging.getLogger("httpx").getEffectiveLevel() == logging.WARNING
    assert logging.getLogger("httpcore").getEffectiveLevel() == logging.WARNING


def test_a_failed_login_never_logs_the_password(client, caplog, console):
    caplog.set_level(logging.DEBUG)
    user = make_user()
    guess = "Corr3ct-Horse-Battery-Guess"
    for _ in range(11):  # through the lockout, which logs a warning of its own
        client.post("/accounts/login/", {"username": user.username, "password": guess})
    logged = everything_logged(caplog, console)
    assert "AXES" in logged and "Too Many Requests" in logged
    assert guess not in logged


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("LLM_API_KEY", "sk-llm-0123456789abcdef"),
        ("METRICS_TOKEN", "metrics-token-0123456789"),
        ("SECRET_KEY", "django-secret-key-0123456789abcdefghij"),
        ("EMAIL_HOST_PASSWORD", "smtp-password-98765"),
    ],
)
def test_configured_secrets_are_masked_wherever_they_appear(settings, console, setting, value):
    if setting == "EMAIL_HOST_PASSWORD":  # as settings.py passes it to Django's SMTP mailer
        smtp = "django.core.mail.backends.smtp.EmailBackend"
        settings.MAILERS = {"default": {"BACKEND": smtp, "OPTIONS": {"password": value}}}
    else:
        setattr(settings, setting, value)
    log = logging.getLogger("jobs.test")
    log.warning("upstream said %s", f"bad credentials ({value})")
    log.warning("config: %(value)s", {"value": value})
    try:
        raise RuntimeError(f"failed with {value}")
    except RuntimeError:
        log.exception("something broke")
    output = console.getvalue()
    assert value not in output and output.count("[redacted]") >= 3
    assert "RuntimeError: failed with [redacted]" in output


def test_tokens_and_passwords_in_text_are_masked(console, user):
    _, key = ApiToken.issue(user=user, name="script")
    log = logging.getLogger("jobs.test")
    log.warning("Authorization: Bearer %s", key)
    log.warning("a key in passing: %s", key)
    log.warning("connecting to postgres://reviewsite:pg-pass-123@db.internal:5432/reviewsite")
    log.warning("form: %s", {"username": "ann", "password": "hunter2-long"})
    log.warning("GET /x?token=abc123def456&page=2")
    output = console.getvalue()
    for secret in (key, "pg-pass-123", "hunter2-long", "abc123def456"):
        assert secret not in output
    assert "Bearer [redacted]" in output and "reviewsite:[redacted]@db.internal" in output
    assert key[:8] not in output.replace("[redacted]", "")  # not even a fragment of a full key
    assert "page=2" in output and "'username': 'ann'" in output


def test_the_json_format_is_masked_too(settings, console):
    settings.NCBI_API_KEY = NCBI_KEY
    handler = logging.getHandlerByName("console")
    previous = handler.formatter
    handler.setFormatter(JsonFormatter())
    try:
        try:
            raise ValueError(f"url ...?api_key={NCBI_KEY}")
        except ValueError:
            logging.getLogger("jobs.test").exception(
                "request to %s failed", f"x?api_key={NCBI_KEY}"
            )
    finally:
        handler.setFormatter(previous)
    entry = json.loads(console.getvalue().strip().splitlines()[-1])
    assert NCBI_KEY not in json.dumps(entry)
    assert entry["message"] == "request to x?api_key=[redacted] failed"
    assert "api_key=[redacted]" in entry["exception"]
