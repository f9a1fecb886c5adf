"""Time-left estimates from the durations of past jobs of the same kind."""

from statistics import median

from django.core.cache import cache
from django.db.models import DurationField, ExpressionWrapper, F

from jobs.models import Job

SAMPLE = 50
CACHE_SECONDS = 300


def typical_duration(*, kind: str, preference: str = "") -> float | None:
    """Median seconds of the last completed jobs of this kind (and review preference)."""
    key = f"typical-duration:{kind}:{preference}"
    cached = cache.get(key)
    if cached is not None:
        return cached or None
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
    cache.set(key, value, CACHE_SECONDS)
    return value or None


def seconds_left(job: Job) -> int | None:
    """A rough estimate of the seconds until the job finishes, or None if we can't tell."""
    if job.status != Job.Status.PROCESSING or job.elapsed_seconds is None:
        return None
    elapsed = job.elapsed_seconds
    preference = ""
    if job.kind == Job.Kind.REVIEW:
        # The status poll reads a review's preference with the job's status (access.poll_job).
        known = getattr(job, "poll_preference", None)
        preference = known if known is not None else job.report.preference
    typical = typical_duration(kind=job.kind, preference=preference)
    by_history = typical - elapsed if typical else None
    by_progress = elapsed * (100 - job.progress) / job.progress if job.progress >= 5 else None
    guesses = [g for g in (by_history, by_progress) if g is not None]
    if not guesses:
        return None
    return max(1, int(sum(guesses) / len(guesses)))
