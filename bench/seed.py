"""Rows for the benchmark, written with the ORM in the benchmark's own database: users,
projects, API tokens, a running job to poll, and many finished jobs inserted in bulk
(executemany on SQLite, COPY on PostgreSQL) for the growth figures."""

from __future__ import annotations

import json
import time
import uuid
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils.timezone import now

from jobs import lifecycle
from jobs.models import ApiToken, Job, Membership, Project, Report, Role

PASSWORD = "bench-password-not-secret"
CHUNK = 20_000


def make_user(username: str, *, password: str | None = None):
    return get_user_model().objects.create_user(username=username, password=password)


def make_project(owner, name: str) -> Project:
    project = Project.objects.create(name=name, owner=owner)
    Membership.objects.create(project=project, user=owner, role=Role.OWNER)
    return project


def running_job(*, project: Project, creator, objective: str) -> Job:
    """A review that a worker is running: started a minute ago, 40 % done. No task is queued
    for it, so no worker touches it; the reaper leaves it alone while its heartbeat is fresh."""
    moment = now()
    inputs = {"objective": objective}
    job = Job.objects.create(
        kind=Job.Kind.REVIEW,
        project=project,
        creator=creator,
        status=Job.Status.PROCESSING,
        stage="Ranking papers",
        progress=40,
        created_at=moment - timedelta(seconds=61),
        enqueued_at=moment - timedelta(seconds=61),
        started_at=moment - timedelta(seconds=60),
        heartbeat_at=moment + timedelta(days=1),  # stays fresh for the whole run
        attempts=1,
        worker="bench-host:1:0000",
        budget_seconds=lifecycle.budget_for(kind=Job.Kind.REVIEW),
        input_hash=lifecycle.input_fingerprint(kind=Job.Kind.REVIEW, inputs=inputs),
    )
    Report.objects.create(job=job, **inputs)
    return job


def api_clients(count: int, *, prefix: str) -> list[tuple[str, int]]:
    """count users, each with a project and an API token; [(token, project_id)]."""
    out = []
    for i in range(count):
        user = make_user(f"{prefix}{i}")
        project = make_project(user, f"{prefix} project {i}")
        _, key = ApiToken.issue(user=user, name="bench")
        out.append((key, project.pk))
    return out


def filler_accounts(count: int, *, prefix: str) -> list[tuple[int, int]]:
    """count users with one project each, in bulk; [(user_id, project_id)]."""
    User = get_user_model()
    start = User.objects.filter(username__startswith=prefix).count()
    if count <= start:
        rows = Project.objects.filter(owner__username__startswith=prefix).values_list(
            "owner_id", "pk"
        )
        return list(rows)[:count]
    with transaction.atomic():
        users = User.objects.bulk_create(
            [User(username=f"{prefix}{i}", password="!") for i in range(start, count)],
            batch_size=2000,
        )
        projects = Project.objects.bulk_create(
            [Project(name=f"{u.username} project", owner=u) for u in users], batch_size=2000
        )
        Membership.objects.bulk_create(
            [Membership(project=p, user_id=p.owner_id, role=Role.OWNER) for p in projects],
            batch_size=2000,
        )
    rows = Project.objects.filter(owner__username__startswith=prefix).values_list("owner_id", "pk")
    return list(rows)


JOB_COLUMNS = [
    "id", "kind", "status", "stage", "progress", "project_id", "creator_id", "created_at",
    "started_at", "finished_at", "heartbeat_at", "budget_seconds", "attempts", "worker",
    "error", "error_detail", "retry_of_id", "enqueued_at", "notified_at", "input_hash",
    "idempotency_key",
]  # fmt: skip
REPORT_COLUMNS = ["job_id", "objective", "molecule", "preference", "full_text_only", "result"]
SMALL_RESULT = json.dumps(
    {"executive_summary": "A finished review kept small for the benchmark.", "papers": []}
)


def insert_finished_jobs(owners: list[tuple[int, int]], count: int, *, tag: str) -> float:
    """Insert count finished reviews (a Job row and its Report row each), spread round-robin
    over owners [(user_id, project_id)] and over the last year. Returns seconds taken."""
    if count <= 0:
        return 0.0
    started = time.perf_counter()
    postgres = connection.vendor == "postgresql"
    moment = now()
    year = 365 * 24 * 3600
    budget = lifecycle.budget_for(kind=Job.Kind.REVIEW)
    statuses = [Job.Status.COMPLETED] * 18 + [Job.Status.FAILED, Job.Status.CANCELLED]

    def stamp(value):
        return value if postgres else value.replace(tzinfo=None).isoformat(sep=" ")

    for offset in range(0, count, CHUNK):
        jobs, reports = [], []
        for i in range(offset, min(count, offset + CHUNK)):
            user_id, project_id = owners[i % len(owners)]
            job_id = uuid.uuid4()
            created = moment - timedelta(seconds=year * (count - i) / count + 3600)
            status = statuses[i % len(statuses)]
            done = created + timedelta(seconds=21)
            jobs.append(
                (
                    job_id if postgres else job_id.hex,
                    Job.Kind.REVIEW.value,
                    status.value,
                    "Finished" if status == Job.Status.COMPLETED else status.label,
                    100 if status == Job.Status.COMPLETED else 50,
                    project_id,
                    user_id,
                    stamp(created),
                    stamp(created + timedelta(seconds=1)),
                    stamp(done),
                    stamp(done),
                    budget,
                    1,
                    "bench-host:1:0000",
                    "Something went wrong." if status == Job.Status.FAILED else "",
                    "",
                    None,
                    stamp(created),
                    None,
                    f"{tag}-{i:064d}"[-64:],
                    "",
                )
            )
            reports.append(
                (
                    job_id if postgres else job_id.hex,
                    f"filler objective {tag} {i}",
                    "",
                    "precision",
                    False,
                    SMALL_RESULT if status == Job.Status.COMPLETED else None,
                )
            )
        with transaction.atomic(), connection.cursor() as cursor:
            _write(cursor, Job, JOB_COLUMNS, jobs, postgres)
            _write(cursor, Report, REPORT_COLUMNS, reports, postgres)
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Job._meta.db_table}; ANALYZE {Report._meta.db_table}")
    return time.perf_counter() - started


def _write(cursor, model, columns: list[str], rows: list[tuple], postgres: bool) -> None:
    """Insert rows; columns the model has beyond those listed get their field's default."""
    extra = [f for f in model._meta.concrete_fields if f.column not in columns]
    defaults = tuple(f.get_db_prep_save(f.get_default(), connection) for f in extra)
    if extra:
        columns = columns + [f.column for f in extra]
        rows = [row + defaults for row in rows]
    names = ", ".join(columns)
    table = model._meta.db_table
    if postgres:
        with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        marks = ", ".join("?" for _ in columns)
        cursor.cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)


def job_count() -> int:
    return Job.objects.count()
