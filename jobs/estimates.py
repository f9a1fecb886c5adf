"""Time-left estimates from the durations of past jobs of the same kind."""

import time
from statistics import median

from django.db.models import DurationField, ExpressionWrapper, F

from jobs.models import Job

SAMPLE = 50
CACHE_SECONDS = 300
# Kept in this process: every status poll asks, and a rough estimate five minutes old is as good
# as a fresh one (a shared cache would cost a poll a round trip to Redis).
_known: dict[str, tuple[float, float]] = {}


def forget() -> None:
    """Drop the durations this process remembers (a test's database is not the next one's)."""
    _known.clear()


def typical_duration(*, kind: str, preference: str = "") -> float | None:
    """Median seconds of the last completed jobs of this kind (and review preference)."""
    key = f"{kind}:{preference}"
    known = _known.get(key)
    if known is not None and known[0] > time.monotonic():
        return known[1] or None
    jobs = Job.objects.filter(status=Job.Status.COMPLETED, kind=kind, started_at__isnull=False)
    if preference:
        jobs = jobs.filter(report__preference=preference)
    durations = (
        jobs.order_by("-finished_at")
        .annotate(took=ExpressionWrapper(F("finished_at") - F("started_at"), DurationField()))
        .values_list("took", flat=True)[:SAMPLE]
    )
    seconds = [d.total_seconds() for d in durations if d is not None]
    value = median(seconds) if len(seconds) >= 3 else 0.0
    _known[key] = (time.monotonic() + CACHE_SECONDS, value)
    return value or None


def seconds_left(job: Job) -> int | None:
    """A rough estimate of the seconds until the job finishes, or None if we can't tell."""
    if job.status != Job.Status.PROCESSING or job.elapsed_seconds is None:
        return None
    elapsed = job.elapsed_seconds
    preference = job.report.preference if job.kind == Job.Kind.REVIEW else ""
    typical = typical_duration(kind=job.kind, preference=preference)
    by_history = typical - elapsed if typical else None
    by_progress = elapsed * (100 - job.progress) / job.progress if job.progress >= 5 else None
    guesses = [g for g in (by_history, by_progress) if g is not None]
    if not guesses:
        return None
    return max(1, int(sum(guesses) / len(guesses)))
