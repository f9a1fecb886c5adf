"""Crash recovery with real clusters. The reaper runs in a process of its own beside each
cluster, not in its queue, so a crashed job runs again soon after its heartbeat goes stale
even while every worker is busy; and that process lives and dies with its cluster."""

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from jobs import lifecycle
from jobs.models import Job
from tests.conftest import Worker, completed_runs, make_project, make_user, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

TEXT = (
    "Methods. We randomised 120 adults to drug or placebo in a double-blind trial. "
    "Results. Recovery was faster with the drug (hazard ratio 1.31, 95% CI 1.12 to 1.52; p<0.001). "
    "Conclusions. The drug shortened recovery."
)
STALE_SECONDS = 4


def alive(pid: int) -> bool:
    """Running, as opposed to gone or a zombie nobody has collected yet."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def reaper_of(pid: int) -> int | None:
    """The reaper process a cluster's main process started, if it is running."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        for child in map(int, children):
            if b"reap_jobs" in Path(f"/proc/{child}/cmdline").read_bytes() and alive(child):
                return child
    except OSError:
        pass
    return None


def test_a_crashed_job_runs_again_within_the_threshold_while_every_worker_is_busy(start_worker):
    user = make_user()
    project = make_project(user)
    worker = start_worker(
        Q_WORKERS="2",
        JOB_STALE_SECONDS=str(STALE_SECONDS),
        JOB_HEARTBEAT_SECONDS="1",
        JOB_STAGE_DELAY_SECONDS="3",  # six progress reports: about 18 s a job
    )
    for n in (1, 2):
        lifecycle.job_create_deep_dive(
            project=project, creator=user, title=f"Trial {n}", text=f"{TEXT} Trial {n}."
        )

    def both_running() -> list | None:
        rows = list(Job.objects.filter(status="processing").values_list("pk", "worker"))
        return rows if len(rows) == 2 else None

    running = wait_for(both_running, timeout=60, message="the two workers never were both busy")
    (victim, victim_worker), (other, other_worker) = running
    victim_pid = int(victim_worker.rsplit(":", 2)[-2])
    assert victim_pid != int(other_worker.rsplit(":", 2)[-2])

    os.kill(victim_pid, signal.SIGKILL)  # one worker process dies mid-job; the other works on
    wait_for(
        lambda: Job.objects.filter(pk=victim, status="processing", attempts=2).exists(),
        timeout=STALE_SECONDS + 15,
        interval=0.2,
        message=f"the job did not run again within {STALE_SECONDS} + 15 s: {worker.output()}",
    )
    wait_for(
        lambda: Job.objects.filter(pk__in=[victim, other], status="completed").count() == 2,
        timeout=90,
        interval=0.5,
        message="the jobs did not complete",
    )
    assert Job.objects.get(pk=victim).attempts == 2
    assert Job.objects.get(pk=other).attempts == 1
    for job_id in (victim, other):
        assert completed_runs(job_id) == 1, job_id


def test_a_cluster_runs_its_reaper_beside_it_and_stops_it_when_it_stops(start_worker):
    worker = start_worker()
    first = wait_for(
        lambda: reaper_of(worker.process.pid), timeout=60, message="no reaper beside the cluster"
    )
    os.kill(first, signal.SIGKILL)  # the cluster starts another
    reaper = wait_for(
        lambda: (pid := reaper_of(worker.process.pid)) != first and pid,
        timeout=30,
        message="the cluster did not start its reaper again",
    )
    worker.stop()  # SIGTERM, as systemd and `make run` stop it
    assert worker.process.returncode == 0, worker.output()
    assert not alive(reaper)


PARENT = """
import subprocess, sys
reaper = subprocess.Popen([sys.executable, "manage.py", "reap_jobs", "--loop"])
print(reaper.pid, flush=True)
reaper.wait()
"""


def test_the_reaper_loop_ends_when_the_process_that_started_it_dies(tmp_path):
    log = tmp_path / "reaper.log"
    with log.open("wb") as output:
        parent = subprocess.Popen(
            [sys.executable, "-c", PARENT],
            cwd=settings.BASE_DIR,
            env=Worker(data_dir=tmp_path).env,
            stdout=subprocess.PIPE,
            stderr=output,
            start_new_session=True,
        )
    try:
        reaper = int(parent.stdout.readline())
        wait_for(
            lambda: "reaper running every" in log.read_text(),
            timeout=30,
            message="the reaper loop did not start",
        )
        os.kill(parent.pid, signal.SIGKILL)  # as an OOM kill would end a cluster
        parent.wait(10)
        wait_for(lambda: not alive(reaper), timeout=10, message="the reaper outlived its parent")
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(parent.pid, signal.SIGKILL)  # whatever is left of it
        parent.wait(10)
