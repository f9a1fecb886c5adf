"""django-q2's qcluster with the job reaper beside it: `manage.py reap_jobs --loop` in a child
process, so crash recovery never waits for a free worker. Every place that runs `manage.py
qcluster` gets it ("jobs" comes before "django_q" in INSTALLED_APPS, so this command wins)."""

import logging
import multiprocessing
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django_q.management.commands import qcluster

log = logging.getLogger(__name__)


def start_reaper() -> subprocess.Popen:
    """The reaper loop, in this process group; it ends by itself should this process die."""
    manage = Path(settings.BASE_DIR) / "manage.py"
    return subprocess.Popen([sys.executable, str(manage), "reap_jobs", "--loop"])


class Command(qcluster.Command):
    help = "Starts a Django Q cluster and, beside it, the job reaper (manage.py reap_jobs --loop)."

    def handle(self, *args, **options) -> None:
        reaper, started = start_reaper(), time.monotonic()
        try:
            # Returns once the cluster runs; its own SIGTERM/SIGINT handlers stop it.
            super().handle(*args, **options)
            while multiprocessing.active_children():
                restart_due = time.monotonic() - started >= settings.JOB_REAP_SECONDS
                if reaper.poll() is not None and restart_due:
                    log.error("the job reaper exited (%s); starting it again", reaper.returncode)
                    reaper, started = start_reaper(), time.monotonic()
                time.sleep(0.5)
        finally:
            reaper.terminate()
            try:
                reaper.wait(timeout=10)
            except subprocess.TimeoutExpired:
                reaper.kill()
