"""Schedule the job reaper every minute and the retention pruning daily, in the worker cluster."""

from django.db import migrations

SCHEDULES = [
    ("Reap stale jobs", "jobs.tasks.reap_stale_jobs", "I", {"minutes": 1}),
    ("Prune old results", "jobs.tasks.prune_old_records", "D", {}),
]


def schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    for name, func, schedule_type, extra in SCHEDULES:
        Schedule.objects.update_or_create(
            name=name,
            defaults={"func": func, "schedule_type": schedule_type, "repeats": -1, **extra},
        )


def unschedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.filter(func__in=[func for _, func, _, _ in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0001_initial"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
