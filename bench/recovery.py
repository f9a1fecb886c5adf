"""Recovery after a crash, against the heartbeat staleness threshold (target: at most the
threshold plus 15 s). Idle: a worker cluster is SIGKILLed mid-job and restarted at once (as
systemd's Restart=always does). Busy: both workers of a cluster run long jobs and one worker
process is SIGKILLed; the other stays busy throughout. The reaper is the real one, the process
each cluster runs beside its workers, so the figures include its cadence (JOB_REAP_SECONDS).

Run alone: .venv/bin/python bench/recovery.py  (or from bench/run.py, which calls measure()).
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.harness import Site, wait_until  # noqa: E402
from bench.report import Figure  # noqa: E402

TEXT = (
    "Methods. We randomised 120 adults to drug or placebo in a double-blind trial. "
    "Results. Recovery was faster with the drug (hazard ratio 1.31, 95% CI 1.12 to 1.52; "
    "p<0.001). Conclusions. The drug shortened recovery."
)


def measure(site: Site) -> list[Figure]:
    """Crash recovery with an idle cluster, then with every worker busy."""
    return [measure_idle(site), measure_busy(site)]


def measure_idle(site: Site) -> Figure:
    """Kill the site's cluster mid-job, restart it, and time the job's second start."""
    from django.conf import settings
    from django.utils.timezone import now

    from jobs import lifecycle
    from jobs.models import Job

    threshold = settings.JOB_STALE_SECONDS
    stop_cluster(site)
    # A slow job (a pause after each progress report), so it is surely mid-way when killed.
    slow_env = {**site.env, "JOB_STAGE_DELAY_SECONDS": "5", "Q_WORKERS": "1"}
    site.env, normal_env = slow_env, site.env
    site._spawn("qcluster", [sys.executable, "manage.py", "qcluster"])
    site.env = normal_env

    from bench import seed

    user = seed.make_user(f"crash-{os.getpid()}", password=seed.PASSWORD)
    project = seed.make_project(user, "Crash project")
    job = lifecycle.job_create_deep_dive(project=project, creator=user, title="A trial", text=TEXT)
    wait_until(
        lambda: Job.objects.filter(pk=job.pk, status="processing").exists(),
        timeout=120,
        message="the job never started",
    )
    process = site.processes.pop("qcluster")
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    killed_at = now()
    print(f"  cluster killed mid-job; restarted; waiting up to {3 * threshold} s", flush=True)
    site._spawn("qcluster", [sys.executable, "manage.py", "qcluster"])
    restarted = wait_until(
        lambda: (
            Job.objects.filter(pk=job.pk, started_at__gt=killed_at)
            .values_list("started_at", flat=True)
            .first()
        ),
        timeout=3 * threshold + 60,
        interval=0.5,
        message="the job never ran again",
    )
    seconds = (restarted - killed_at).total_seconds()
    return Figure(
        "recovery after a crash (kill → job running again)",
        seconds,
        "s",
        reference=f"heartbeat staleness threshold {threshold} s",
        ratio=seconds / threshold,
        target="≤ threshold + 15 s",
        passed=seconds <= threshold + 15,
    )


def measure_busy(site: Site) -> Figure:
    """Both workers busy with long jobs; SIGKILL the worker process of one and time that job's
    second start, while the other job keeps its worker busy."""
    from django.conf import settings
    from django.utils.timezone import now

    from bench import seed
    from jobs import lifecycle
    from jobs.models import Job

    threshold = settings.JOB_STALE_SECONDS
    stop_cluster(site)
    # Six progress reports with a pause after each: jobs that outlast the recovery.
    delay = max(5, (threshold + 30) / 6)
    slow_env = {**site.env, "JOB_STAGE_DELAY_SECONDS": f"{delay:g}", "Q_WORKERS": "2"}
    site.env, normal_env = slow_env, site.env
    site._spawn("qcluster", [sys.executable, "manage.py", "qcluster"])
    site.env = normal_env

    user = seed.make_user(f"busy-{os.getpid()}", password=seed.PASSWORD)
    project = seed.make_project(user, "Busy project")
    ids = [
        lifecycle.job_create_deep_dive(
            project=project, creator=user, title=f"Trial {n}", text=TEXT
        ).pk
        for n in (1, 2)
    ]

    def both_running() -> dict | None:
        rows = Job.objects.filter(pk__in=ids, status="processing").values_list("pk", "worker")
        return dict(rows) if len(rows) == 2 else None

    running = wait_until(both_running, timeout=120, message="the two workers never were both busy")
    victim, other = ids
    os.kill(int(running[victim].rsplit(":", 2)[-2]), signal.SIGKILL)
    killed_at = now()
    print(f"  one of two busy workers killed; waiting up to {3 * threshold} s", flush=True)
    restarted = wait_until(
        lambda: (
            Job.objects.filter(pk=victim, started_at__gt=killed_at)
            .values_list("started_at", flat=True)
            .first()
        ),
        timeout=3 * threshold + 60,
        interval=0.5,
        message="the job never ran again",
    )
    other_busy = Job.objects.filter(
        pk=other, status="processing", finished_at__isnull=True
    ).exists()
    stop_cluster(site)
    seconds = (restarted - killed_at).total_seconds()
    return Figure(
        "recovery with every worker busy (worker killed → job running again)",
        seconds,
        "s",
        reference=f"heartbeat staleness threshold {threshold} s; "
        f"other worker {'still busy' if other_busy else 'had finished'}",
        ratio=seconds / threshold,
        target="≤ threshold + 15 s",
        passed=seconds <= threshold + 15,
    )


def stop_cluster(site: Site) -> None:
    process = site.processes.pop("qcluster", None)
    if process is not None and process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except Exception:  # noqa: BLE001 - a cluster that will not stop is killed
            os.killpg(process.pid, signal.SIGKILL)


def main() -> int:
    given = {k: v for k in ("DATABASE_URL", "REDIS_URL") if (v := os.environ.get(k))}
    site = Site(database_url=given.get("DATABASE_URL", ""), redis_url=given.get("REDIS_URL", ""))
    began = time.monotonic()
    try:
        site.prepare()
        site.use_in_this_process()
        site._spawn("qcluster", [sys.executable, "manage.py", "qcluster"])
        figures = measure(site)
    finally:
        site.cleanup()
    for figure in figures:
        print(
            f"{figure.name}: {figure.value:.1f} s; {figure.reference}; ratio {figure.ratio:.2f}; "
            f"target {figure.target}: {figure.verdict}"
        )
    print(f"({time.monotonic() - began:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
