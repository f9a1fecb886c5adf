"""Log records that carry the job they belong to, as plain text or one JSON object a line,
with every secret masked."""

import contextvars
import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote, quote_plus

from django.conf import settings

current_job_id: contextvars.ContextVar[str] = contextvars.ContextVar("job_id", default="")

REDACTED = "[redacted]"
# Settings whose values never appear in a log line, wherever they turn up.
SECRET_SETTINGS = ("NCBI_API_KEY", "LLM_API_KEY", "METRICS_TOKEN", "SECRET_KEY")
# Shorter values are not searched for: masking every "abc" would garble the logs, and a
# secret that short protects nothing.
MIN_SECRET_LENGTH = 6
_SECRET_NAMES = r"api[_-]?key|access[_-]?token|token|secret|password|passwd"
SECRET_PATTERNS = [
    # api_key=…, token=…, password=… in query strings, form bodies and key=value text.
    (re.compile(rf"(?i)\b((?:{_SECRET_NAMES})=)[^&\s'\"]+"), rf"\1{REDACTED}"),
    # 'password': '…' and "api_key": "…" in a logged dict or JSON.
    (re.compile(rf"(?i)(['\"](?:{_SECRET_NAMES})['\"]\s*:\s*['\"])[^'\"]*"), rf"\1{REDACTED}"),
    # Authorization: Bearer …
    (re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]+"), rf"\1{REDACTED}"),
    # Personal API keys (ApiToken.PREFIX), wherever they appear; the 8-character hint stays.
    (re.compile(r"(?<![A-Za-z0-9])rvs_[A-Za-z0-9_-]{16,}"), REDACTED),
    # The password in scheme://user:password@host.
    (re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://[^:/?#\s@]*:)[^@/?#\s]+@"), rf"\1{REDACTED}@"),
]


def configured_secrets() -> list[str]:
    """The secret settings' values (and their URL-encoded forms), longest first."""
    if not settings.configured:
        return []
    found = [getattr(settings, name, "") for name in SECRET_SETTINGS]
    # EMAIL_HOST_PASSWORD reaches Django as the SMTP mailer's password (settings.MAILERS).
    mailers = getattr(settings, "MAILERS", {}).values()
    found += [mailer.get("OPTIONS", {}).get("password") for mailer in mailers]
    values = set()
    for value in map(str, filter(None, found)):
        if len(value) >= MIN_SECRET_LENGTH:
            values.update({value, quote(value, safe=""), quote_plus(value)})
    return sorted(values, key=len, reverse=True)


def redact(text: str) -> str:
    """text with every secret it holds replaced by [redacted]."""
    for secret in configured_secrets():
        text = text.replace(secret, REDACTED)
    for pattern, replacement in SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


@contextmanager
def job_context(job_id) -> Iterator[None]:
    """Tag every log record written inside the block with the job's id."""
    token = current_job_id.set(str(job_id))
    try:
        yield
    finally:
        current_job_id.reset(token)


class JobIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.job_id = getattr(record, "job_id", "") or current_job_id.get()
        return True


class RedactSecretsFilter(logging.Filter):
    """Masks secrets in a record's message, arguments and traceback before it is written. It
    changes the record itself, so every handler after it sees the masked text too."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # arguments that do not fit the format: keep the format alone
            message = str(record.msg)
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if getattr(record, "job_id", ""):
            entry["job_id"] = record.job_id  # type: ignore[attr-defined]  # set by a filter
        if record.exc_info:
            entry["exception"] = record.exc_text or self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)
