"""Recovery after a crash: a worker cluster is SIGKILLed mid-job and restarted at once (as
systemd's Restart=always does); how long until the job runs again, against the heartbeat
staleness threshold (target: at most twice the threshold). The reaper is the real one, run by
the restarted cluster's own schedule, so the figure includes its cadence.

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


def measure(site: Site) -> Figure:
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
        target="≤ 2 × threshold",
        passed=seconds <= 2 * threshold,
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
        figure = measure(site)
    finally:
        site.cleanup()
    print(
        f"{figure.name}: {figure.value:.1f} s; {figure.reference}; ratio {figure.ratio:.2f}; "
        f"target {figure.target}: {figure.verdict} ({time.monotonic() - began:.0f} s)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
