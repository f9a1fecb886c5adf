"""Projects no longer link to shared papers: their uploads are their own references (0005)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0005_project_references"),
    ]

    operations = [
        migrations.RemoveField(model_name="project", name="papers"),
    ]
