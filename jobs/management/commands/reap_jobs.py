"""Run the job reaper once (it also runs every minute in the worker cluster's schedule)."""

from django.core.management.base import BaseCommand

from jobs.lifecycle import job_reap


class Command(BaseCommand):
    help = "Requeue jobs whose worker died, fail jobs over budget, re-ring lost queued jobs."

    def handle(self, *args, **options) -> None:
        counts = job_reap()
        self.stdout.write(", ".join(f"{name.replace('_', ' ')}: {n}" for name, n in counts.items()))
