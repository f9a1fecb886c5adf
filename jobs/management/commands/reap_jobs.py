"""Run the job reaper once, or with --loop every JOB_REAP_SECONDS: jobs' qcluster command runs
it that way beside each worker cluster, so recovery never waits for a free worker."""

import logging
import os
import signal
import threading
import time
from uuid import UUID

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection

from jobs.lifecycle import job_reap
from jobs.notifications import notify_if_long

log = logging.getLogger(__name__)

# How often the loop looks whether it was stopped or its parent (the cluster) is gone.
WATCH_SECONDS = 0.5


def reap_once() -> dict[str, int]:
    """One pass of the reaper; the creators of long jobs it failed get their email."""
    failed: list[UUID] = []
    counts = job_reap(failed=failed)
    if any(counts.values()):
        log.warning("reaper: %s", counts)
    for job_id in failed:
        notify_if_long(job_id=job_id)
    return counts


class Command(BaseCommand):
    help = "Requeue jobs whose worker died, fail jobs over budget, re-ring lost queued jobs."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--loop",
            action="store_true",
            help="Reap every JOB_REAP_SECONDS until stopped (SIGTERM, SIGINT) or the parent "
            "process is gone.",
        )

    def handle(self, *args, loop: bool = False, **options) -> None:
        if loop:
            reap_until_stopped()
            return
        counts = reap_once()
        self.stdout.write(", ".join(f"{name.replace('_', ' ')}: {n}" for name, n in counts.items()))


def reap_until_stopped() -> None:
    """Reap every JOB_REAP_SECONDS; a failed pass is logged and the next one tried. Ends when
    signalled or when the parent process (the cluster that started it) is gone."""
    parent = os.getppid()
    stopped = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopped.set())
    log.info("reaper running every %s s beside process %s", settings.JOB_REAP_SECONDS, parent)
    next_pass = time.monotonic()
    while not stopped.is_set() and os.getppid() == parent:
        if time.monotonic() >= next_pass:
            next_pass = time.monotonic() + settings.JOB_REAP_SECONDS
            try:
                close_old_connections()
                reap_once()
            except Exception:
                log.exception("reaper pass failed; trying again in %s s", settings.JOB_REAP_SECONDS)
                connection.close()
        stopped.wait(min(WATCH_SECONDS, max(0.0, next_pass - time.monotonic())))
    connection.close()
