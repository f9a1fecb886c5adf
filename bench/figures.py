"""The measurements. Each returns plain numbers; bench/run.py puts them beside their targets.
Runs in the driver process (Django set up on the same settings and database as the servers);
load comes from wrk (or the Python fallback), never from the servers' own processes."""

from __future__ import annotations

import cProfile
import io
import json
import math
import pstats
import random
import statistics
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

from bench import load
from bench.harness import Site, wait_until
from jobs.models import Job


def median(values):
    return statistics.median(values) if values else float("nan")


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


# -- the status poll ------------------------------------------------------------------------


@dataclass
class Poll:
    """One user's view of one running job, and how to ask for it."""

    site: Site
    job_id: str
    session: str
    watch: int = field(default_factory=lambda: int(time.time()))

    @property
    def partial_path(self) -> str:
        return f"/jobs/{self.job_id}/partial?watch={self.watch}"

    @property
    def status_path(self) -> str:
        return f"/jobs/{self.job_id}/status"

    def headers(self, *, htmx: bool) -> dict[str, str]:
        headers = {"Cookie": f"sessionid={self.session}"}
        if htmx:
            headers["HX-Request"] = "true"
        else:
            headers["Accept"] = "application/json"
        return headers

    def fetch(self, path: str, *, htmx: bool) -> tuple[int, bytes]:
        request = urllib.request.Request(self.site.base_url + path, headers=self.headers(htmx=htmx))
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()


ENDPOINTS = ("healthz", "partial", "status")


def endpoint(poll: Poll, name: str) -> tuple[str, dict[str, str]]:
    if name == "healthz":
        return poll.site.base_url + "/healthz", {}
    if name == "partial":
        return poll.site.base_url + poll.partial_path, poll.headers(htmx=True)
    return poll.site.base_url + poll.status_path, poll.headers(htmx=False)


def throughput_rounds(
    poll: Poll, *, rounds: int, seconds: float, connections: int
) -> dict[str, list[load.Load]]:
    """healthz, partial and status, interleaved, rounds times each (after a short warm-up)."""
    results: dict[str, list[load.Load]] = {name: [] for name in ENDPOINTS}
    for name in ENDPOINTS:
        url, headers = endpoint(poll, name)
        load.run(url, headers=headers, seconds=1, connections=connections)
    for _ in range(rounds):
        for name in ENDPOINTS:
            url, headers = endpoint(poll, name)
            results[name].append(
                load.run(url, headers=headers, seconds=seconds, connections=connections)
            )
    return results


def latency_rounds(
    poll: Poll, names: tuple[str, ...], *, rounds: int, seconds: float
) -> dict[str, list[load.Load]]:
    """One connection at a time: the latency a poll sees, per endpoint."""
    results: dict[str, list[load.Load]] = {name: [] for name in names}
    for name in names:
        url, headers = endpoint(poll, name)
        load.run(url, headers=headers, seconds=1, connections=1)
    for _ in range(rounds):
        for name in names:
            url, headers = endpoint(poll, name)
            results[name].append(load.run(url, headers=headers, seconds=seconds, connections=1))
    return results


@dataclass
class QueryCount:
    name: str
    count: int
    sql: list[str]


def _client(session: str | None = None) -> Client:
    client = Client(HTTP_HOST="127.0.0.1")
    if session:
        client.cookies["sessionid"] = session
    return client


def count_queries(client: Client, path: str, **headers) -> tuple[QueryCount, object]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, headers=headers)
    return QueryCount(path, len(ctx.captured_queries), [q["sql"] for q in ctx]), response


def poll_queries(poll: Poll, *, token: str, user) -> dict[str, QueryCount]:
    """Queries per poll, counted in this process against the same views and database.
    'cold' is a process's first poll (the time-left estimate is cached for 300 s after it)."""
    out: dict[str, QueryCount] = {}
    client = _client(poll.session)
    out["partial (cold)"], _ = count_queries(client, poll.partial_path, hx_request="true")
    out["partial"], response = count_queries(client, poll.partial_path, hx_request="true")
    assert response.status_code == 200, response.status_code
    out["status (session)"], _ = count_queries(client, poll.status_path)
    out["status (token)"], _ = count_queries(
        _client(), poll.status_path, authorization=f"Bearer {token}"
    )
    out["status (token)"], _ = count_queries(
        _client(), poll.status_path, authorization=f"Bearer {token}"
    )  # the second call: the token's last_used_at is written at most once a minute
    out["healthz"], _ = count_queries(client, "/healthz")
    # The same partial with the session in a signed cookie instead of the database, to show
    # what that one setting would change.
    with override_settings(SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies"):
        signed = _client()
        signed.force_login(user)
        count_queries(signed, poll.partial_path, hx_request="true")
        out["partial, signed-cookie session"], _ = count_queries(
            signed, poll.partial_path, hx_request="true"
        )
    return out


def profile_view(path: str, *, session: str, calls: int, **headers) -> str:
    """cProfile of calls in-process requests (test client, full middleware stack)."""
    client = _client(session)
    client.get(path, headers=headers)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(calls):
        client.get(path, headers=headers)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
    return out.getvalue()


def server_time(path: str, *, session: str, calls: int = 7) -> tuple[float, QueryCount, float]:
    """Median milliseconds for the full Django stack to answer (in this process, no network),
    the queries one answer makes, and the slowest of its queries in ms."""
    client = _client(session)
    client.get(path)
    client.get(path)
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    with CaptureQueriesContext(connection) as ctx:
        client.get(path)
    slowest = max((float(q["time"]) * 1000 for q in ctx.captured_queries), default=0.0)
    counted = QueryCount(path, len(ctx.captured_queries), [q["sql"] for q in ctx])
    return median(times), counted, slowest


# -- the queue ------------------------------------------------------------------------------


def api_call(site: Site, token: str, path: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        site.base_url + path,
        method="POST",
        data=json.dumps(body).encode(),
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def _finished(ids: list[str]) -> int:
    return Job.objects.filter(pk__in=ids, status__in=Job.FINISHED_STATUSES).count()


@dataclass
class Pickup:
    latencies_ms: list[float]  # enqueued_at -> started_at (the worker's claim)
    statuses: dict[str, int]


def enqueue_to_running(site: Site, token: str, project_id: int, *, jobs: int) -> Pickup:
    """Precision reviews over the tiny library, one at a time on an idle cluster: submit, wait
    until it has finished, pause a random moment (so submissions fall anywhere in the
    broker's poll cycle), submit the next."""
    ids = []
    rng = random.Random(1)
    for i in range(jobs):
        code, body = api_call(
            site,
            token,
            "/generate-review-async",
            {"project_id": project_id, "objective": f"remdesivir treatment outcomes COVID-19 {i}"},
        )
        assert code == 202, (code, body)
        ids.append(body["job_id"])
        wait_until(
            lambda job_id=body["job_id"]: _finished([job_id]),
            timeout=60,
            interval=0.01,
            message=f"job {body['job_id']} did not finish: {site.tail('qcluster')}",
        )
        time.sleep(rng.uniform(0.05, 0.45))
    rows = Job.objects.filter(pk__in=ids).values_list("enqueued_at", "started_at", "status")
    latencies, statuses = [], {}
    for enqueued, started, status in rows:
        statuses[status] = statuses.get(status, 0) + 1
        latencies.append((started - enqueued).total_seconds() * 1000)
    return Pickup(latencies, statuses)


SHORT_TEXT = (
    "Background. Asthma exacerbations remain common. Methods. We randomised 240 adults with "
    "moderate asthma to inhaled budesonide or placebo for 24 weeks in a double-blind trial. "
    "Results. Severe exacerbations fell from 32% to 18% (hazard ratio 0.52, 95% CI 0.35 to "
    "0.77, p = 0.001). Limitations. The trial was short and single-centre. Conclusions. "
    "Inhaled corticosteroids reduced exacerbations."
)


@dataclass
class Throughput:
    jobs: int
    completed: int
    submit_seconds: float
    total_seconds: float  # first created_at -> last finished_at

    @property
    def rate(self) -> float:
        return self.completed / self.total_seconds if self.total_seconds else 0.0

    @property
    def submit_rate(self) -> float:
        return self.jobs / self.submit_seconds if self.submit_seconds else 0.0


def worker_throughput(
    site: Site, clients: list[tuple[str, int]], *, jobs: int, tag: str, threads: int = 4
) -> Throughput:
    """jobs deep dives of a short pasted text, submitted over HTTP as fast as `threads`
    clients can (spread over many users, at most two each), then run to completion."""
    work = [
        (clients[i % len(clients)], {"title": f"Bench paper {tag} {i}", "text": SHORT_TEXT})
        for i in range(jobs)
    ]
    ids: list[str] = []
    errors: list = []
    lock = threading.Lock()

    def submit(part) -> None:
        for (token, project_id), body in part:
            code, answer = api_call(
                site, token, "/deep-dive-async", {"project_id": project_id, **body}
            )
            with lock:
                if code == 202:
                    ids.append(answer["job_id"])
                else:
                    errors.append((code, answer))

    started = time.perf_counter()
    workers = [threading.Thread(target=submit, args=(work[i::threads],)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    submitted = time.perf_counter() - started
    if errors:
        raise RuntimeError(f"{len(errors)} submissions refused, e.g. {errors[0]}")
    wait_until(
        lambda: _finished(ids) == len(ids),
        timeout=60 + jobs,
        interval=0.2,
        message=f"jobs did not all finish: {site.tail('qcluster')}",
    )
    rows = list(Job.objects.filter(pk__in=ids).values_list("created_at", "finished_at", "status"))
    first = min(r[0] for r in rows)
    last = max(r[1] for r in rows)
    completed = sum(1 for r in rows if r[2] == Job.Status.COMPLETED)
    return Throughput(jobs, completed, submitted, (last - first).total_seconds())
