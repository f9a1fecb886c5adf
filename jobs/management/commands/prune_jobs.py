"""Remove old results and queue records now (it also runs daily in the worker cluster)."""

from django.core.management.base import BaseCommand

from jobs.tasks import prune_old_records


class Command(BaseCommand):
    help = "Remove results older than JOB_RESULT_RETENTION_DAYS and old queue task records."

    def handle(self, *args, **options) -> None:
        counts = prune_old_records()
        self.stdout.write(", ".join(f"{name.replace('_', ' ')}: {n}" for name, n in counts.items()))
