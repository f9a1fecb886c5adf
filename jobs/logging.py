"""Log records that carry the job they belong to, as plain text or one JSON object a line."""

import contextvars
import json
import logging
from contextlib import contextmanager

current_job_id: contextvars.ContextVar[str] = contextvars.ContextVar("job_id", default="")


@contextmanager
def job_context(job_id) -> None:
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


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if getattr(record, "job_id", ""):
            entry["job_id"] = record.job_id
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)
