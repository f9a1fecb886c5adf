"""Operations, apart from the JSON API: the health check, Prometheus metrics and the
operators' page."""

import hmac

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from jobs import operations as ops
from jobs.operations import overview


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus metrics, for staff or a scraper holding METRICS_TOKEN."""
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    by_token = bool(token) and hmac.compare_digest(header, f"Bearer {token}")
    if not by_token and not (request.user.is_authenticated and request.user.is_staff):
        return HttpResponse(
            "Staff or the metrics token only.\n", status=401, content_type="text/plain"
        )
    registry = CollectorRegistry()
    registry.register(JobCollector())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


class JobCollector(Collector):
    def collect(self):
        data = overview()
        jobs = GaugeMetricFamily(
            "reviewsite_jobs_last_week", "Jobs created in the last 7 days", labels=["status"]
        )
        for status, n in data.by_status_week.items():
            jobs.add_metric([status], n)
        yield jobs
        yield GaugeMetricFamily(
            "reviewsite_jobs_queued", "Jobs waiting for a worker", value=data.queued
        )
        yield GaugeMetricFamily(
            "reviewsite_jobs_processing", "Jobs running now", value=data.processing
        )
        yield GaugeMetricFamily(
            "reviewsite_oldest_queued_job_seconds",
            "Age of the oldest queued job",
            value=data.oldest_queued_seconds or 0,
        )
        duration = GaugeMetricFamily(
            "reviewsite_job_duration_seconds",
            "Duration of jobs completed in the last 7 days",
            labels=["kind", "quantile"],
        )
        for kind, figures in data.durations.items():
            for quantile, key in (("0.5", "median"), ("0.95", "p95")):
                if figures[key] is not None:
                    duration.add_metric([kind, quantile], figures[key])
        yield duration
        yield GaugeMetricFamily(
            "reviewsite_worker_clusters", "Worker clusters reporting", value=len(data.clusters)
        )
        yield GaugeMetricFamily(
            "reviewsite_workers",
            "Worker processes in the reporting clusters",
            value=sum(c["workers"] for c in data.clusters),
        )
        yield CounterMetricFamily(
            "reviewsite_status_polls",
            "Status polls answered by every web process (kept in the shared cache)",
            value=data.polls,
        )


@require_GET
@login_required
def operations(request: HttpRequest) -> HttpResponse:
    if not request.user.is_staff:
        raise Http404
    data = ops.overview()
    charts = {
        "day": ops.bar_chart(data.by_status_day),
        "week": ops.bar_chart(data.by_status_week),
    }
    return render(request, "jobs/operations.html", {"data": data, "charts": charts})
