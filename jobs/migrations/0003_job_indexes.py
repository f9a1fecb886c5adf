"""The job table's indexes, built without blocking writers on PostgreSQL (so the same pattern
serves when an index is added to a table that already holds millions of jobs)."""

from django.db import migrations, models
from django.db.models import Q

from jobs.migration_ops import AddIndexWithoutLocking


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [("jobs", "0002_schedules")]

    operations = [
        AddIndexWithoutLocking(
            model_name="job",
            index=models.Index(fields=["project", "-created_at"], name="job_project_recent"),
        ),
        AddIndexWithoutLocking(
            model_name="job",
            index=models.Index(fields=["creator", "-created_at"], name="job_creator_recent"),
        ),
        AddIndexWithoutLocking(
            model_name="job",
            index=models.Index(
                condition=Q(status__in=["queued", "processing"]),
                fields=["status", "heartbeat_at"],
                name="job_active_heartbeat",
            ),
        ),
    ]
