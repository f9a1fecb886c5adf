"""Several worker clusters share one database and one broker — PostgreSQL and Redis as on several
machines, or SQLite and the database broker as on one: every job completes exactly once, both
clusters work, and killing one mid-run loses nothing."""

from collections import Counter

import pytest
from django_q.models import Task

from jobs import lifecycle
from jobs.models import Job
from tests.conftest import make_project, make_user, wait_for

pytestmark = [
    pytest.mark.worker,
    pytest.mark.multi_cluster,
    pytest.mark.django_db(transaction=True),
]

JOBS = 200
TEXT = (
    "Methods. We randomised 120 adults to drug or placebo in a double-blind trial. "
    "Results. Recovery was faster with the drug (hazard ratio 1.31, 95% CI 1.12 to 1.52; p<0.001). "
    "Conclusions. The drug shortened recovery. "
)


def test_two_clusters_share_the_work_and_survive_losing_one(start_worker, settings):
    settings.JOB_MAX_ACTIVE_PER_USER = JOBS
    settings.JOB_STALE_SECONDS = 3
    settings.JOB_UNCLAIMED_SECONDS = 3
    user = make_user()
    project = make_project(user)
    alpha = start_worker(
        WORKER_NAME="alpha",
        Q_WORKERS="2",
        JOB_STAGE_DELAY_SECONDS="0.02",
        JOB_HEARTBEAT_SECONDS="1",
    )
    beta = start_worker(
        WORKER_NAME="beta", Q_WORKERS="2", JOB_STAGE_DELAY_SECONDS="0.02", JOB_HEARTBEAT_SECONDS="1"
    )
    ids = [
        lifecycle.job_create_deep_dive(
            project=project, creator=user, title=f"Trial {n}", text=TEXT + f"Trial number {n}."
        ).pk
        for n in range(JOBS)
    ]
    wait_for(
        lambda: Job.objects.filter(status="completed", worker__startswith="beta:").count() >= 20,
        timeout=120,
        message="the second cluster never did any work",
    )
    beta.kill()

    def all_done() -> bool:
        lifecycle.job_reap()  # what the reapers do, with this test's short thresholds
        return Job.objects.filter(pk__in=ids, status="completed").count() == JOBS

    wait_for(
        all_done, timeout=240, interval=1, message="not every job completed after losing a cluster"
    )
    workers = Counter(w.split(":")[0] for w in Job.objects.values_list("worker", flat=True))
    assert set(workers) == {"alpha", "beta"}, workers
    assert alpha.process.poll() is None
    completions = Counter(
        args[0]
        for args in Task.objects.filter(func="jobs.tasks.run_job", result="completed").values_list(
            "args", flat=True
        )
    )
    assert max(completions.values()) == 1  # no job's work was stored twice
    assert (
        Job.objects.filter(pk__in=ids).filter(deepdiveanalysis__result__isnull=False).count()
        == JOBS
    )
