"""Pages and htmx partials. Every job and project is read through jobs.access, so a job
that isn't yours is a 404 everywhere and a change you may not make is a 403."""

import time
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import get_template
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, HttpResponseStopPolling
from django_htmx.middleware import HtmxDetails

from jobs import accounts, lifecycle
from jobs import operations as ops
from jobs.access import (
    NotLoggedIn,
    job_for,
    jobs_listed,
    jobs_visible_to,
    poll_job,
    project_for,
)
from jobs.estimates import seconds_left
from jobs.forms import JobFilterForm, MemberForm, ProfileForm, ProjectForm, TokenForm
from jobs.kinds import KINDS, JobKind
from jobs.models import ApiToken, Job, Membership, Project
from research.exports import to_bibtex, to_json, to_markdown, to_ris
from research.schema import DeepDiveResult


class MemberRequest(HttpRequest):
    """A request as these views see it, for the type checker: past login_required its user is
    a member, and django-htmx's middleware has added the htmx details."""

    user: User
    htmx: HtmxDetails


def newest(user, jobs, limit: int) -> list[Job]:
    """The newest jobs of a QuerySet: ids first from the job table alone (an index walk that
    stops after `limit`, however many jobs there are), then those rows with their joins."""
    ids = list(jobs.order_by("-created_at").values_list("pk", flat=True)[:limit])
    return jobs_listed(user, ids)


@require_GET
@login_required
def dashboard(request: MemberRequest) -> HttpResponse:
    jobs = jobs_visible_to(request.user).order_by("-created_at")
    active_ids = list(jobs.active().values_list("pk", flat=True)[:20])
    recent_ids = list(jobs.finished().values_list("pk", flat=True)[:10])
    rows = jobs_listed(request.user, active_ids + recent_ids)
    active = set(active_ids)
    memberships = Membership.objects.filter(user=request.user).select_related("project")
    return render(
        request,
        "jobs/dashboard.html",
        {
            "active_jobs": [job for job in rows if job.pk in active],
            "recent_jobs": [job for job in rows if job.pk not in active],
            "memberships": memberships.order_by("project__name"),
            "project_form": ProjectForm(),
        },
    )


@require_POST
@login_required
def project_create(request: MemberRequest) -> HttpResponse:
    form = ProjectForm(request.POST)
    if not form.is_valid():
        messages.error(request, "A project needs a name.")
        return redirect("dashboard")
    project = accounts.project_create(owner=request.user, **form.cleaned_data)
    return redirect(project)


def _project_page(
    request: MemberRequest, project: Project, status: int = 200, **forms
) -> HttpResponse:
    membership = get_object_or_404(Membership, project=project, user=request.user)
    context = {
        "project": project,
        "membership": membership,
        "jobs": newest(request.user, Job.objects.filter(project=project), 50),
        "members": project.memberships.select_related("user").order_by("role", "user__username"),
        "member_form": forms.pop("member_form", None) or MemberForm(project=project),
        "reference_count": project.references.count(),
    }
    for kind in KINDS.values():
        # Each kind's form has ids of its own: the page holds all of them at once.
        context[kind.form_name] = forms.get(kind.form_name) or kind.form(auto_id=_form_ids(kind))
    return render(request, "jobs/project_detail.html", context, status=status)


@require_GET
@login_required
def project_detail(request: MemberRequest, project_id: int) -> HttpResponse:
    return _project_page(request, project_for(request.user, project_id))


@require_POST
@login_required
def project_add_member(request: MemberRequest, project_id: int) -> HttpResponse:
    project = project_for(request.user, project_id, "own")
    form = MemberForm(request.POST, project=project)
    if not form.is_valid():
        return _project_page(request, project, status=400, member_form=form)
    accounts.member_add(
        project=project, user=form.cleaned_data["username"], role=form.cleaned_data["role"]
    )
    messages.success(request, f"{form.cleaned_data['username']} added.")
    return redirect(project)


def _form_ids(kind: JobKind) -> str:
    """The element ids of a kind's form on the project page ("review_objective")."""
    return f"{kind.kind}_%s"


def _start_from_page(request: MemberRequest, project_id: int, kind: JobKind) -> HttpResponse:
    project = project_for(request.user, project_id, "edit")
    form = kind.form(request.POST, request.FILES, project=project, auto_id=_form_ids(kind))
    if not form.is_valid():
        return _project_page(request, project, status=400, **{kind.form_name: form})
    try:
        job, created = lifecycle.job_submit(
            kind=kind.kind, project=project, creator=request.user, **form.cleaned_data
        )
    except lifecycle.TooManyActiveJobs as exc:
        form.add_error(None, str(exc))
        return _project_page(request, project, status=429, **{kind.form_name: form})
    if not created:
        messages.info(request, "You had already started this job: here it is.")
    return redirect(job)


@require_POST
@login_required
def review_start(request: MemberRequest, project_id: int) -> HttpResponse:
    return _start_from_page(request, project_id, KINDS[Job.Kind.REVIEW])


@require_POST
@login_required
def deep_dive_start(request: MemberRequest, project_id: int) -> HttpResponse:
    return _start_from_page(request, project_id, KINDS[Job.Kind.DEEP_DIVE])


@require_POST
@login_required
def import_start(request: MemberRequest, project_id: int) -> HttpResponse:
    return _start_from_page(request, project_id, KINDS[Job.Kind.IMPORT])


SOURCE_LABELS = {
    "library_abstract": "only the paper's abstract in the library",
    "pasted_abstract": "only the pasted abstract",
    "pasted_text": "the pasted text",
    "pasted_full_text": "the pasted full text",
    "pdf_full_text": "the full text of the uploaded PDF",
    "jats_full_text": "the full text of the uploaded PMC article",
}


def _status_context(request: MemberRequest, job: Job, watch: int) -> dict:
    """What the status block needs; `watch` is when this page started watching the job. The
    values a running block shows are worked out here once, as plain values: the block is what
    every poll renders."""
    active = job.is_active
    watched_too_long = active and time.time() - watch > settings.JOB_MAX_POLL_SECONDS
    result = job.detail.typed_result if job.status == Job.Status.COMPLETED else None
    source = result.diagnostics.source if isinstance(result, DeepDiveResult) else ""
    return {
        "source_label": SOURCE_LABELS.get(source, "the pasted text"),
        "job": job,
        "active": active,
        "status_label": job.get_status_display(),
        "kind_label": job.get_kind_display().lower(),
        "elapsed": job.elapsed_seconds,
        "poll_seconds": job.poll_after_seconds if active else None,
        "poll_url": reverse("job_status_partial", args=[job.pk]) if active else "",
        "watch": watch,
        "watched_too_long": watched_too_long,
        "seconds_left": seconds_left(job),
        "charts": job.kind_record.charts(result) if result is not None else {},
    }


@require_GET
@login_required
def job_detail(request: MemberRequest, job_id: UUID) -> HttpResponse:
    jobs = Job.objects.select_related("project", "creator")
    job = job_for(request.user, job_id, queryset=jobs, detail=True)
    context = _status_context(request, job, watch=int(time.time()))
    return render(request, "jobs/job_detail.html", context)


@require_GET
def job_status_partial(request: MemberRequest, job_id: UUID) -> HttpResponse:
    try:
        job = poll_job(request, job_id)
    except NotLoggedIn:
        login = redirect_to_login(request.get_full_path())
        # An htmx poll would swap the login page into the status block: send the page there.
        return HttpResponseClientRedirect(login.url) if request.htmx else login
    ops.count_poll()
    asked = request.GET.get("watch", "")
    # A Unix time in ASCII digits; anything else ("²" passes str.isdigit) counts as absent.
    is_time = asked.isascii() and asked.isdigit() and len(asked) <= 12
    watch = int(asked) if is_time else int(time.time())
    context = {**_status_context(request, job, watch), "polled": True}
    if job.is_active:
        # The running block needs nothing from the request (no form, no user, no messages), so
        # it skips the context processors.
        response = HttpResponse(get_template("jobs/job_detail.html#status").render(context))
    else:
        response = render(request, "jobs/job_detail.html#status", context)
    if job.is_finished and request.htmx:
        # 286 tells htmx to stop polling; the finished fragment carries no trigger either.
        response.status_code = HttpResponseStopPolling.status_code
    return response


@require_GET
@login_required
def job_list(request: MemberRequest) -> HttpResponse:
    projects = Project.objects.visible_to(request.user).order_by("name")
    filters = JobFilterForm(request.GET or None, projects=projects)
    jobs = jobs_visible_to(request.user)
    if filters.is_valid():
        jobs = filters.apply(jobs)
    ids = jobs.order_by("-created_at").values_list("pk", flat=True)
    page = Paginator(ids, 25).get_page(request.GET.get("page"))
    page.object_list = jobs_listed(request.user, list(page.object_list))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "jobs/job_list.html",
        {"page": page, "filters": filters, "query": query.urlencode()},
    )


@require_POST
@login_required
def job_delete(request: MemberRequest, job_id: UUID) -> HttpResponse:
    job = job_for(request.user, job_id, "delete")
    if not lifecycle.job_delete(job_id=job.pk):
        messages.error(request, "A job that is still running can't be deleted; cancel it first.")
        return redirect(job)
    messages.success(request, "Job deleted.")
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("job_list")


@require_http_methods(["GET", "POST"])
@login_required
def api_tokens(request: MemberRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        _, new_key = accounts.token_issue(user=request.user, name=form.cleaned_data["name"])
        form = TokenForm()
    tokens = ApiToken.objects.filter(user=request.user, revoked_at__isnull=True)
    return render(
        request, "jobs/api_tokens.html", {"form": form, "tokens": tokens, "new_key": new_key}
    )


@require_POST
@login_required
def api_token_revoke(request: MemberRequest, token_id: int) -> HttpResponse:
    token = accounts.token_revoke(user=request.user, token_id=token_id)
    if token is None:
        raise Http404
    messages.success(request, f"Token “{token.name}” revoked.")
    return redirect("api_tokens")


@require_http_methods(["GET", "POST"])
@login_required
def profile(request: MemberRequest) -> HttpResponse:
    prefs = accounts.profile_for(request.user)
    initial = {"email": request.user.email, "email_when_done": prefs.email_when_done}
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        accounts.profile_save(user=request.user, **form.cleaned_data)
        messages.success(request, "Saved.")
        return redirect("profile")
    return render(request, "jobs/profile.html", {"form": form})


EXPORTS = {
    "md": (to_markdown, "text/markdown; charset=utf-8"),
    "json": (to_json, "application/json"),
    "bib": (to_bibtex, "application/x-bibtex; charset=utf-8"),
    "ris": (to_ris, "application/x-research-info-systems; charset=utf-8"),
}


@require_GET
@login_required
def job_export(request: MemberRequest, job_id: UUID, fmt: str) -> HttpResponse:
    jobs = Job.objects.visible_to(request.user).with_detail()
    job = get_object_or_404(
        jobs, pk=job_id, kind=Job.Kind.REVIEW, status=Job.Status.COMPLETED, pruned_at=None
    )
    render_export, content_type = EXPORTS[fmt]
    review = job.report.typed_result
    if review is None:
        raise Http404("This review has no result to export.")
    response = HttpResponse(render_export(review), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="review-{job.pk}.{fmt}"'
    return response
