"""The reaper leaves the job queue: it now runs every few seconds in a process of its own beside
each worker cluster (jobs' qcluster command), so its schedule goes. The daily pruning stays."""

from django.db import migrations

REAPER = ("Reap stale jobs", "jobs.tasks.reap_stale_jobs")


def unschedule_reaper(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.filter(func=REAPER[1]).delete()


def schedule_reaper(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.update_or_create(
        name=REAPER[0],
        defaults={"func": REAPER[1], "schedule_type": "I", "minutes": 1, "repeats": -1},
    )


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0003_job_indexes"),
    ]

    operations = [migrations.RunPython(unschedule_reaper, schedule_reaper)]
