"""Uploaded references become their projects' own; the shared library keeps only what an
operator imported or PubMed returned.

Every paper an upload linked to a project is copied into that project's references. Papers
only uploads can have made (ids "doi:…" and "title:…") then leave the shared library, and so
do numeric PMIDs an upload touched: an upload overwrote them in place, so their text may not
be NLM's. Re-running `manage.py import_pubmed` on the baseline files restores those."""

import django.db.models.deletion
from django.db import migrations, models

FIELDS = ["pmid", "doi", "pmcid", "title", "journal", "year", "record"]
BATCH = 1000


def move_uploads_to_projects(apps, schema_editor):
    Paper = apps.get_model("jobs", "Paper")
    Project = apps.get_model("jobs", "Project")
    ProjectReference = apps.get_model("jobs", "ProjectReference")
    links = Project.papers.through.objects.order_by("pk").values_list("project_id", "paper_id")
    touched: set[int] = set()
    pending: list[tuple[int, int]] = []
    for link in links.iterator(chunk_size=BATCH):
        pending.append(link)
        if len(pending) == BATCH:
            touched |= _copy(Paper, ProjectReference, pending)
            pending = []
    if pending:
        touched |= _copy(Paper, ProjectReference, pending)
    ids = sorted(touched)
    for start in range(0, len(ids), BATCH):
        Paper.objects.filter(pk__in=ids[start : start + BATCH]).delete()


def _copy(Paper, ProjectReference, links) -> set[int]:
    """Copy one batch of (project, paper) links into project references; the papers' ids."""
    papers = Paper.objects.in_bulk([paper_id for _, paper_id in links])
    ProjectReference.objects.bulk_create(
        [
            ProjectReference(
                project_id=project_id,
                **{field: getattr(papers[paper_id], field) for field in FIELDS},
            )
            for project_id, paper_id in links
        ],
        ignore_conflicts=True,
    )
    return {paper_id for _, paper_id in links}


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0004_reaper_outside_queue"),
    ]

    operations = [
        migrations.CreateModel(
            name="ProjectReference",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("pmid", models.CharField(max_length=255)),
                ("doi", models.CharField(blank=True, max_length=255)),
                ("pmcid", models.CharField(blank=True, max_length=32)),
                ("title", models.TextField()),
                ("journal", models.CharField(blank=True, max_length=512)),
                ("year", models.PositiveSmallIntegerField(blank=True, null=True)),
                ("record", models.JSONField()),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "project",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="references",
                        to="jobs.project",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("project", "pmid"), name="one_reference_per_project"
                    )
                ],
            },
        ),
        migrations.RunPython(move_uploads_to_projects, migrations.RunPython.noop),
    ]
