"""What an operator watches: job outcomes, durations, the queue, the workers, status polls."""

import logging
import math
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from statistics import median

from django.core.cache import caches
from django.db.models import Count, Min
from django.utils.timezone import now

from jobs.models import Job
from research.schema import ReviewResult

log = logging.getLogger(__name__)

DURATION_SAMPLE = 5000


class PollCounter:
    """Status polls, counted in this process and added to the shared cache (Redis, or the
    database cache) at most every `flush_seconds`, when the total is read and when a web process
    ends: the total survives web processes recycling, and a poll costs no write of its own.
    The database cache adds by read-then-write, so two processes flushing in the same instant
    can lose one batch; Redis adds atomically."""

    KEY = "status-polls"

    def __init__(self, *, cache_alias: str = "shared", flush_seconds: float = 5.0) -> None:
        self.cache_alias = cache_alias
        self.flush_seconds = flush_seconds
        self._lock = threading.Lock()
        self._pending = 0
        self._last_flush = time.monotonic()

    def count(self) -> None:
        with self._lock:
            self._pending += 1
            due = time.monotonic() - self._last_flush >= self.flush_seconds
        if due:
            self.flush()

    def flush(self) -> None:
        """Add what this process counted to the shared total."""
        with self._lock:
            pending, self._pending = self._pending, 0
            self._last_flush = time.monotonic()
        if not pending:
            return
        shared = caches[self.cache_alias]
        try:
            shared.add(self.KEY, 0, timeout=None)
            shared.incr(self.KEY, pending)
        except Exception:  # a cache that is down must not fail a poll; keep the count for later
            log.warning("could not add %s status polls to the shared count", pending, exc_info=True)
            with self._lock:
                self._pending += pending

    def total(self) -> int:
        """Every process's polls, this one's included."""
        self.flush()
        return caches[self.cache_alias].get(self.KEY, 0)


# Flushed on exit by gunicorn's worker_exit hook (gunicorn.conf.py).
POLLS = PollCounter()


def count_poll() -> None:
    """Count one status poll (in memory; the shared total is updated every few seconds)."""
    POLLS.count()


def polls_counted() -> int:
    return POLLS.total()


def percentile(values: list[float], fraction: float) -> float | None:
    """The nearest-rank percentile of values, or None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


@dataclass
class Overview:
    by_status_day: dict[str, int]
    by_status_week: dict[str, int]
    completion_rate: float | None
    durations: dict[str, dict[str, float | None]]
    queued: int
    oldest_queued_seconds: int | None
    processing: int
    clusters: list[dict]
    broker_queue: int | None
    top_failures: list[tuple[str, int]]
    polls: int
    finished: int
    polls_per_finished_job: float | None
    statuses: list[str] = field(default_factory=lambda: list(Job.Status.values))


def _by_status(since) -> dict[str, int]:
    counts = dict(
        Job.objects.filter(created_at__gte=since)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return {status: counts.get(status, 0) for status in Job.Status.values}


def _durations(since) -> dict[str, dict[str, float | None]]:
    rows = (
        Job.objects.filter(
            status=Job.Status.COMPLETED, finished_at__gte=since, started_at__isnull=False
        )
        .order_by("-finished_at")
        .values_list("kind", "started_at", "finished_at")[:DURATION_SAMPLE]
    )
    seconds: dict[str, list[float]] = {kind: [] for kind in Job.Kind.values}
    for kind, started, finished in rows:
        if started and finished:  # both are set on every completed job that started
            seconds[kind].append((finished - started).total_seconds())
    return {
        kind: {
            "count": len(values),
            "median": median(values) if values else None,
            "p95": percentile(values, 0.95),
        }
        for kind, values in seconds.items()
    }


def _clusters() -> tuple[list[dict], int | None]:
    from django_q.brokers import get_broker
    from django_q.status import Stat

    try:
        broker = get_broker()
        stats = Stat.get_all(broker=broker)
        queue = broker.queue_size()
    except Exception:  # the broker being down is what this page must show, not crash on
        return [], None
    clusters = [
        {
            "host": stat.host,
            "cluster_id": str(stat.cluster_id),
            "status": stat.status,
            "workers": len(stat.workers),
            "uptime_seconds": int(stat.uptime()) if stat.tob else None,
        }
        for stat in stats
    ]
    return clusters, queue


def overview() -> Overview:
    moment = now()
    week = _by_status(moment - timedelta(days=7))
    finished_week = sum(week[s] for s in Job.FINISHED_STATUSES)
    queued = Job.objects.filter(status=Job.Status.QUEUED).aggregate(
        n=Count("pk"), oldest=Min("created_at")
    )
    failures = Counter(
        dict(
            Job.objects.filter(
                status=Job.Status.FAILED, finished_at__gte=moment - timedelta(days=7)
            )
            .values_list("error")
            .annotate(n=Count("pk"))
            .order_by("-n")
            .values_list("error", "n")[:5]
        )
    )
    finished_all = Job.objects.finished().count()
    clusters, broker_queue = _clusters()
    polls = polls_counted()
    return Overview(
        by_status_day=_by_status(moment - timedelta(days=1)),
        by_status_week=week,
        completion_rate=week[Job.Status.COMPLETED] / finished_week if finished_week else None,
        durations=_durations(moment - timedelta(days=7)),
        queued=queued["n"],
        oldest_queued_seconds=int((moment - queued["oldest"]).total_seconds())
        if queued["oldest"]
        else None,
        processing=Job.objects.filter(status=Job.Status.PROCESSING).count(),
        clusters=clusters,
        broker_queue=broker_queue,
        top_failures=failures.most_common(5),
        polls=polls,
        finished=finished_all,
        polls_per_finished_job=polls / finished_all if finished_all else None,
    )


def bar_chart(
    values: dict[str, int], *, width: int = 360, bar: int = 18, label_width: int = 90
) -> dict:
    """Geometry for a small horizontal bar chart drawn as SVG in the template."""
    top = max(values.values(), default=0) or 1
    rows = [
        {
            "label": label,
            "key": str(label).lower().replace(" ", "-"),
            "value": value,
            "y": i * (bar + 6),
            "w": round(value / top * (width - label_width - 50)),
        }
        for i, (label, value) in enumerate(values.items())
    ]
    height = len(rows) * (bar + 6)
    return {"rows": rows, "height": height, "width": width, "bar": bar, "x0": label_width}


def review_charts(result: ReviewResult | None) -> dict:
    """Publications per year and evidence levels of a review's analysed papers, as bar charts."""
    if result is None:
        return {}
    levels = Counter(paper.evidence_label or "Unknown" for paper in result.papers)
    return {
        "years": bar_chart(dict(result.year_distribution)),
        "evidence": bar_chart(dict(levels.most_common()), label_width=190, width=420),
    }
