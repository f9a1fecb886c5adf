"""Admin for projects, jobs and the library. Job actions go through jobs.lifecycle."""

import json

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from jobs import accounts, lifecycle
from jobs.kinds import KINDS, JobKind
from jobs.models import ApiToken, Invitation, Membership, Paper, Project, ProjectReference


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "created_at"]
    search_fields = ["name", "description", "owner__username"]
    inlines = [MembershipInline]
    autocomplete_fields = ["owner"]


class JobDetailAdmin(admin.ModelAdmin):
    """Shared admin for a kind of job: lifecycle columns from the job, inputs and result."""

    list_display = ["headline", "status", "progress", "creator", "project", "created", "duration"]
    list_filter = ["job__status", "job__created_at"]
    list_select_related = ["job__creator", "job__project"]
    search_fields = ["job__id", "job__creator__username", "job__project__name"]
    actions = ["cancel_jobs", "retry_jobs"]
    date_hierarchy = "job__created_at"

    large_inputs: tuple[str, ...] = ()

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).defer("result", *self.large_inputs)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        # Deleting here would remove the inputs and result but leave the job's row behind;
        # jobs are deleted on the site, by their creator or the project's owners.
        return False

    @admin.display(description="Status", ordering="job__status")
    def status(self, obj) -> str:
        return obj.job.get_status_display()

    @admin.display(description="Progress", ordering="job__progress")
    def progress(self, obj) -> str:
        return f"{obj.job.progress}%"

    @admin.display(description="Creator", ordering="job__creator__username")
    def creator(self, obj) -> str:
        return obj.job.creator.username

    @admin.display(description="Project", ordering="job__project__name")
    def project(self, obj) -> str:
        return obj.job.project.name

    @admin.display(description="Created", ordering="job__created_at")
    def created(self, obj):
        return obj.job.created_at

    @admin.display(description="Duration")
    def duration(self, obj) -> str:
        seconds = obj.job.elapsed_seconds
        return "—" if seconds is None else f"{seconds} s"

    @admin.display(description="Job")
    def job_state(self, obj) -> str:
        job = obj.job
        return format_html(
            "{} · {} · {}% · attempts {} · worker {}<br>{}<br><small>{}</small>",
            job.get_status_display(),
            job.stage,
            job.progress,
            job.attempts,
            job.worker or "—",
            job.error,
            job.error_detail,
        )

    @admin.display(description="Result")
    def pretty_result(self, obj) -> str:
        if obj.result is None:
            return "—"
        return format_html("<pre>{}</pre>", json.dumps(obj.result, indent=2)[:200_000])

    @admin.action(description="Cancel the selected jobs")
    def cancel_jobs(self, request: HttpRequest, queryset: QuerySet) -> None:
        cancelled = sum(lifecycle.job_cancel(job_id=obj.pk) for obj in queryset)
        self.message_user(request, f"{cancelled} job(s) cancelled; finished jobs were left alone.")

    @admin.action(description="Retry the selected failed or cancelled jobs")
    def retry_jobs(self, request: HttpRequest, queryset: QuerySet) -> None:
        count, refusals = 0, set()
        for obj in queryset:
            try:
                count += lifecycle.job_retry(job_id=obj.pk, user=request.user) is not None
            except lifecycle.SubmissionRefused as exc:
                refusals.add(str(exc))
        level = messages.SUCCESS if count and not refusals else messages.WARNING
        self.message_user(
            request,
            " ".join(
                [f"{count} job(s) queued again; others were not failed or cancelled.", *refusals]
            ),
            level,
        )


def detail_admin(kind: JobKind) -> type[JobDetailAdmin]:
    """The admin of a kind's jobs: the shared lifecycle columns, the kind's inputs and result."""
    fields = ["job_state", *kind.admin_fields, "pretty_result"]
    return type(
        f"{kind.detail_model.__name__}Admin",
        (JobDetailAdmin,),
        {
            "__module__": __name__,
            "search_fields": [*JobDetailAdmin.search_fields, *kind.admin_search_fields],
            "list_filter": [*JobDetailAdmin.list_filter, *kind.admin_list_filter],
            "fields": fields,
            "readonly_fields": fields,
            "large_inputs": kind.large_inputs,
        },
    )


# Every kind of job has its admin, from the registry.
for job_kind in KINDS.values():
    admin.site.register(job_kind.detail_model, detail_admin(job_kind))


@admin.register(Paper)
class PaperAdmin(admin.ModelAdmin):
    list_display = ["pmid", "title", "journal", "year"]
    search_fields = ["=pmid", "title", "doi"]
    list_filter = ["year"]
    readonly_fields = ["pmid", "doi", "pmcid", "title", "journal", "year", "record", "updated_at"]


@admin.register(ProjectReference)
class ProjectReferenceAdmin(admin.ModelAdmin):
    list_display = ["pmid", "title", "project", "year"]
    search_fields = ["=pmid", "title", "doi", "project__name"]
    list_select_related = ["project"]
    readonly_fields = [
        "project",
        *("pmid", "doi", "pmcid", "title", "journal", "year", "record", "updated_at"),
    ]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "hint", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["user", "name", "hint", "key_hash", "created_at", "last_used_at"]
    search_fields = ["name", "user__username"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Invitations are made on the project page, which emails the link; here they are read and
    revoked (through jobs.accounts)."""

    list_display = ["email", "project", "role", "invited_by", "expires_at", "accepted_at"]
    list_filter = ["role", "created_at", "revoked_at"]
    list_select_related = ["project", "invited_by"]
    search_fields = ["email", "project__name", "invited_by__username"]
    # Everything but the token's hash, read-only: an invitation is changed only by revoking it.
    fields = readonly_fields = (
        "project",
        "email",
        "role",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_at",
        "accepted_by",
        "revoked_at",
    )
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Revoke the selected invitations")
    def revoke(self, request: HttpRequest, queryset: QuerySet) -> None:
        revoked = sum(accounts.invitation_revoke(invitation=i) for i in queryset)
        self.message_user(request, f"{revoked} invitation(s) revoked.", messages.SUCCESS)
