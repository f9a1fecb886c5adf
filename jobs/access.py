"""The one answer to "may this user see or change this job or project?". A job or project the
user is not a member of is a 404 (Http404); one they may see but not change as asked is a 403
(PermissionDenied with a message, rendered by jobs.errors.permission_denied). Views, the JSON
API and the status poll all get jobs and projects here."""

from datetime import UTC, datetime
from functools import cache
from typing import Literal
from uuid import UUID

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import Exists, F, OuterRef
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from jobs.models import Job, JobQuerySet, Membership, Project, ProjectQuerySet, Report, Role

JobRight = Literal["view", "edit", "delete"]
ProjectRight = Literal["view", "edit", "own"]

EDITING_ROLES = (Role.OWNER, Role.EDITOR)

JOB_DENIED = {
    "edit": "Viewers can see this project's jobs but not cancel or retry them.",
    "delete": "Only the member who started this job or an owner of the project can delete it.",
}
PROJECT_DENIED = {
    "edit": "Viewers can read this project's jobs but not start them.",
    "own": "Only the project's owner can add members.",
}


def jobs_visible_to(user) -> JobQuerySet:
    """Every job the user may see: members of its project, in any role."""
    return Job.objects.visible_to(user)


def jobs_listed(user, ids: list) -> list[Job]:
    """The user's jobs among `ids`, in that order, with what the lists show joined in one query;
    can_edit and can_delete say which actions to offer."""
    deletable = Job.objects.deletable_by(user).filter(pk=OuterRef("pk"))
    jobs = Job.objects.for_member(user).for_list().annotate(can_delete=Exists(deletable))
    rows = {job.pk: job for job in jobs.filter(pk__in=ids)}
    return [rows[pk] for pk in ids if pk in rows]


def projects_visible_to(user) -> ProjectQuerySet:
    """Every project the user is a member of."""
    return Project.objects.visible_to(user)


def may(user, job: Job, right: JobRight) -> bool:
    """Whether the user, whose role was read with the job by job_for, has the right on it."""
    role = job.member_role  # type: ignore[attr-defined]  # annotated by job_for
    if right == "view":
        return True
    if right == "edit":
        return role in EDITING_ROLES
    return role == Role.OWNER or (role == Role.EDITOR and job.creator_id == user.pk)


def job_for(
    user,
    job_id: UUID,
    right: JobRight = "view",
    *,
    queryset: JobQuerySet | None = None,
    detail: bool = False,
) -> Job:
    """The job, read with the user's role in its project in one query (can_edit and
    can_delete set on it). Http404 if the user may not see it; PermissionDenied if they may see
    it but lack `right`. `detail` joins every kind's inputs and result; `queryset` narrows the
    jobs looked in (a 404 outside it)."""
    if not user.is_authenticated:
        raise Http404
    jobs = (queryset if queryset is not None else Job.objects.all()).for_member(user)
    if detail:
        jobs = jobs.with_detail()
    job = jobs.annotate(member_role=F("project__memberships__role")).filter(pk=job_id).first()
    if job is None:
        raise Http404
    job.can_delete = may(user, job, "delete")
    if not may(user, job, right):
        raise PermissionDenied(JOB_DENIED[right])
    return job


def project_for(user, project_id: int, right: ProjectRight = "view") -> Project:
    """The project with the user's membership (as project.membership), in one query. Http404 if
    they are not a member; PermissionDenied if they lack `right`."""
    if not user.is_authenticated:
        raise Http404
    project = (
        Project.objects.filter(pk=project_id, memberships__user=user)
        .annotate(member_role=F("memberships__role"))
        .first()
    )
    if project is None:
        raise Http404
    role = project.member_role
    allowed = {"view": True, "edit": role in EDITING_ROLES, "own": role == Role.OWNER}[right]
    if not allowed:
        raise PermissionDenied(PROJECT_DENIED[right])
    return project


class NotLoggedIn(Exception):
    """The session belongs to no one who may poll: never logged in, logged out, deactivated,
    or the password changed since."""


def poll_job(request: HttpRequest, job_id: UUID) -> Job:
    """The status poll's fast path: the job the session's member polls, its can_edit, and the
    member's account, read in one query. It checks what django.contrib.auth.get_user checks — a
    configured backend, an active account, a session hash that matches the password — so any of
    those changing ends access at once. Raises NotLoggedIn, or Http404 for a job that is not
    the member's.

    An unfinished job comes back with its status columns only (no inputs, no result), read
    with one precompiled statement: that is what nearly every poll needs, and building the ORM
    query would cost more than running it. A finished job is read whole (its last poll)."""
    User = get_user_model()
    try:
        user_id = User._meta.pk.to_python(request.session[SESSION_KEY])
        backend = request.session[BACKEND_SESSION_KEY]
    except (KeyError, ValidationError) as exc:
        raise NotLoggedIn from exc
    if backend not in settings.AUTHENTICATION_BACKENDS:
        raise NotLoggedIn
    row = _poll_row(job_id, user_id)
    if row is None:
        raise Http404
    kind, status, stage, progress, created, started, finished, project_id = row[:8]
    role, password, is_active, preference = row[8:]
    account = User(pk=user_id, password=password, is_active=is_active)
    if not account.is_active or not _session_matches(request, account):
        raise NotLoggedIn
    if status in Job.FINISHED_STATUSES:
        job = Job.objects.for_member_id(user_id).with_detail().filter(pk=job_id).first()
        if job is None:  # deleted since the row above was read
            raise Http404
        return job
    job = Job(
        id=job_id,
        kind=kind,
        status=status,
        stage=stage,
        progress=progress,
        created_at=_moment(created) or timezone.now(),
        started_at=_moment(started),
        finished_at=_moment(finished),
        project_id=project_id,
    )
    vars(job)["can_edit"] = role in EDITING_ROLES  # as the ORM path annotates it
    if kind == Job.Kind.REVIEW:  # the time-left estimate reads the review's preference
        job.report = Report(job=job, preference=preference)
    return job


@cache
def _poll_sql() -> str:
    """The poll's statement: a job's status columns with the asking member's role and account
    (and a review's preference, for the time-left estimate); table names from the models."""
    User = get_user_model()
    quote = connection.ops.quote_name

    def column(model, name: str) -> str:
        return quote(model._meta.get_field(name).column)

    job, member, user, report = (
        quote(model._meta.db_table) for model in (Job, Membership, User, Report)
    )
    columns = ", ".join(
        f"j.{column(Job, name)}"
        for name in (
            "kind", "status", "stage", "progress", "created_at", "started_at", "finished_at",
            "project",
        )
    )  # fmt: skip
    return (
        f"SELECT {columns}, m.{column(Membership, 'role')}, u.{column(User, 'password')},"
        f" u.{column(User, 'is_active')}, r.{column(Report, 'preference')}"
        f" FROM {job} j"
        f" INNER JOIN {member} m ON m.{column(Membership, 'project')} = j.{column(Job, 'project')}"
        f" INNER JOIN {user} u ON u.{column(User, 'id')} = m.{column(Membership, 'user')}"
        f" LEFT OUTER JOIN {report} r ON r.{column(Report, 'job')} = j.{column(Job, 'id')}"
        f" WHERE j.{column(Job, 'id')} = %s AND m.{column(Membership, 'user')} = %s"
    )


def _poll_row(job_id: UUID, user_id) -> tuple | None:
    """The poll's one row, or None when the job is not the member's."""
    pk = Job._meta.pk
    assert pk is not None
    key = pk.get_db_prep_value(job_id, connection, prepared=False)
    with connection.cursor() as cursor:
        cursor.execute(_poll_sql(), [key, user_id])
        return cursor.fetchone()


def _moment(value: datetime | None) -> datetime | None:
    """A datetime column as the driver reads it, aware (SQLite's are naive, in UTC)."""
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value, UTC)
    return value


def _session_matches(request: HttpRequest, account) -> bool:
    session_hash = request.session.get(HASH_SESSION_KEY)
    if not session_hash:
        return False
    hashes = [account.get_session_auth_hash(), *account.get_session_auth_fallback_hash()]
    return any(constant_time_compare(session_hash, known) for known in hashes)
