"""Pages and htmx partials. Every job URL reads jobs only through the membership check
(Job.objects.visible_to / for_member, or poll_job for the status poll), so a job that isn't
yours is a 404 everywhere."""

import time
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.timezone import now
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, HttpResponseStopPolling

from jobs import lifecycle
from jobs import operations as ops
from jobs.estimates import seconds_left
from jobs.forms import (
    DeepDiveForm,
    ImportForm,
    JobFilterForm,
    MemberForm,
    ProfileForm,
    ProjectForm,
    ReviewForm,
    TokenForm,
)
from jobs.models import ApiToken, Job, Membership, Profile, Project, Role
from jobs.polling import NotLoggedIn, poll_job
from research.exports import to_bibtex, to_json, to_markdown, to_ris


def listed(user, ids: list) -> list[Job]:
    """Rows for a list, in the order of `ids`, with what the list shows joined in one query;
    can_delete says whether to offer Delete."""
    deletable = Job.objects.deletable_by(user).filter(pk=OuterRef("pk"))
    jobs = Job.objects.for_member(user).for_list().annotate(can_delete=Exists(deletable))
    rows = {job.pk: job for job in jobs.filter(pk__in=ids)}
    return [rows[pk] for pk in ids if pk in rows]


def newest(user, jobs, limit: int) -> list[Job]:
    """The newest jobs of a QuerySet: ids first from the job table alone (an index walk that
    stops after `limit`, however many jobs there are), then those rows with their joins."""
    return listed(user, list(jobs.order_by("-created_at").values_list("pk", flat=True)[:limit]))


@require_GET
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    jobs = Job.objects.visible_to(request.user).order_by("-created_at").values_list("pk", flat=True)
    active_ids, recent_ids = list(jobs.active()[:20]), list(jobs.finished()[:10])
    rows = listed(request.user, active_ids + recent_ids)
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
def project_create(request: HttpRequest) -> HttpResponse:
    form = ProjectForm(request.POST)
    if not form.is_valid():
        messages.error(request, "A project needs a name.")
        return redirect("dashboard")
    with transaction.atomic():
        project = form.save(commit=False)
        project.owner = request.user
        project.save()
        Membership.objects.create(project=project, user=request.user, role=Role.OWNER)
    return redirect(project)


def _project_page(
    request: HttpRequest, project: Project, status: int = 200, **forms
) -> HttpResponse:
    membership = get_object_or_404(Membership, project=project, user=request.user)
    context = {
        "project": project,
        "membership": membership,
        "jobs": newest(request.user, Job.objects.filter(project=project), 50),
        "members": project.memberships.select_related("user").order_by("role", "user__username"),
        "review_form": forms.get("review_form") or ReviewForm(),
        "deep_dive_form": forms.get("deep_dive_form") or DeepDiveForm(),
        "member_form": forms.get("member_form") or MemberForm(project=project),
        "import_form": forms.get("import_form") or ImportForm(),
        "reference_count": project.references.count(),
    }
    return render(request, "jobs/project_detail.html", context, status=status)


@require_GET
@login_required
def project_detail(request: HttpRequest, project_id: int) -> HttpResponse:
    project = get_object_or_404(Project.objects.visible_to(request.user), pk=project_id)
    return _project_page(request, project)


@require_POST
@login_required
def project_add_member(request: HttpRequest, project_id: int) -> HttpResponse:
    project = get_object_or_404(Project.objects.visible_to(request.user), pk=project_id)
    if not project.memberships.filter(user=request.user, role=Role.OWNER).exists():
        return HttpResponse("Only the project's owner can add members.", status=403)
    form = MemberForm(request.POST, project=project)
    if not form.is_valid():
        return _project_page(request, project, status=400, member_form=form)
    Membership.objects.create(
        project=project, user=form.cleaned_data["username"], role=form.cleaned_data["role"]
    )
    messages.success(request, f"{form.cleaned_data['username']} added.")
    return redirect(project)


def _start_from_page(request: HttpRequest, project_id: int, form_name: str, form_class, kind):
    project = get_object_or_404(Project.objects.visible_to(request.user), pk=project_id)
    if not Project.objects.editable_by(request.user).filter(pk=project.pk).exists():
        return HttpResponse("Viewers can read this project's jobs but not start them.", status=403)
    form = form_class(request.POST, request.FILES, project=project)
    if not form.is_valid():
        return _project_page(request, project, status=400, **{form_name: form})
    try:
        job, created = lifecycle.job_submit(
            kind=kind, project=project, creator=request.user, **form.cleaned_data
        )
    except lifecycle.TooManyActiveJobs as exc:
        form.add_error(None, str(exc))
        return _project_page(request, project, status=429, **{form_name: form})
    if not created:
        messages.info(request, "You had already started this job: here it is.")
    return redirect(job)


@require_POST
@login_required
def review_start(request: HttpRequest, project_id: int) -> HttpResponse:
    return _start_from_page(request, project_id, "review_form", ReviewForm, Job.Kind.REVIEW)


@require_POST
@login_required
def deep_dive_start(request: HttpRequest, project_id: int) -> HttpResponse:
    return _start_from_page(request, project_id, "deep_dive_form", DeepDiveForm, Job.Kind.DEEP_DIVE)


@require_POST
@login_required
def import_start(request: HttpRequest, project_id: int) -> HttpResponse:
    return _start_from_page(request, project_id, "import_form", ImportForm, Job.Kind.IMPORT)


SOURCE_LABELS = {
    "library_abstract": "only the paper's abstract in the library",
    "pasted_abstract": "only the pasted abstract",
    "pasted_text": "the pasted text",
    "pasted_full_text": "the pasted full text",
    "pdf_full_text": "the full text of the uploaded PDF",
    "jats_full_text": "the full text of the uploaded PMC article",
}


def _status_context(request: HttpRequest, job: Job, watch: int) -> dict:
    """What the status block needs; `watch` is when this page started watching the job."""
    watched_too_long = job.is_active and time.time() - watch > settings.JOB_MAX_POLL_SECONDS
    completed_review = job.status == Job.Status.COMPLETED and job.kind == Job.Kind.REVIEW
    source = (job.detail.result or {}).get("diagnostics", {}).get("source", "")
    return {
        "source_label": SOURCE_LABELS.get(source, "the pasted text"),
        "job": job,
        "watch": watch,
        "watched_too_long": watched_too_long,
        "seconds_left": seconds_left(job),
        "charts": ops.review_charts(job.report.result) if completed_review else {},
    }


@require_GET
@login_required
def job_detail(request: HttpRequest, job_id: UUID) -> HttpResponse:
    jobs = Job.objects.for_member(request.user).with_detail()
    job = get_object_or_404(jobs.select_related("project", "creator"), pk=job_id)
    context = _status_context(request, job, watch=int(time.time()))
    return render(request, "jobs/job_detail.html", context)


@require_GET
def job_status_partial(request: HttpRequest, job_id: UUID) -> HttpResponse:
    try:
        job = poll_job(request, job_id)
    except NotLoggedIn:
        login = redirect_to_login(request.get_full_path())
        # An htmx poll would swap the login page into the status block: send the page there.
        return HttpResponseClientRedirect(login.url) if request.htmx else login
    ops.count_poll()
    watch = request.GET.get("watch", "")
    # A Unix time in ASCII digits; anything else ("²" passes str.isdigit) counts as absent.
    is_time = watch.isascii() and watch.isdigit() and len(watch) <= 12
    watch = int(watch) if is_time else int(time.time())
    response = render(request, "jobs/job_detail.html#status", _status_context(request, job, watch))
    if job.is_finished and request.htmx:
        # 286 tells htmx to stop polling; the finished fragment carries no trigger either.
        response.status_code = HttpResponseStopPolling.status_code
    return response


@require_GET
@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    projects = Project.objects.visible_to(request.user).order_by("name")
    filters = JobFilterForm(request.GET or None, projects=projects)
    jobs = Job.objects.visible_to(request.user)
    if filters.is_valid():
        jobs = filters.apply(jobs)
    ids = jobs.order_by("-created_at").values_list("pk", flat=True)
    page = Paginator(ids, 25).get_page(request.GET.get("page"))
    page.object_list = listed(request.user, list(page.object_list))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "jobs/job_list.html",
        {"page": page, "filters": filters, "query": query.urlencode()},
    )


@require_POST
@login_required
def job_delete(request: HttpRequest, job_id: UUID) -> HttpResponse:
    job = get_object_or_404(Job.objects.visible_to(request.user), pk=job_id)
    if not Job.objects.deletable_by(request.user).filter(pk=job.pk).exists():
        return HttpResponse(
            "Only the member who started this job or an owner of the project can delete it.",
            status=403,
        )
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
def api_tokens(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        _, new_key = ApiToken.issue(user=request.user, name=form.cleaned_data["name"])
        form = TokenForm()
    tokens = ApiToken.objects.filter(user=request.user, revoked_at__isnull=True)
    return render(
        request, "jobs/api_tokens.html", {"form": form, "tokens": tokens, "new_key": new_key}
    )


@require_POST
@login_required
def api_token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken.objects.filter(user=request.user), pk=token_id)
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now())
    messages.success(request, f"Token “{token.name}” revoked.")
    return redirect("api_tokens")


@require_http_methods(["GET", "POST"])
@login_required
def profile(request: HttpRequest) -> HttpResponse:
    prefs, _ = Profile.objects.get_or_create(user=request.user)
    initial = {"email": request.user.email, "email_when_done": prefs.email_when_done}
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        request.user.email = form.cleaned_data["email"]
        request.user.save(update_fields=["email"])
        prefs.email_when_done = form.cleaned_data["email_when_done"]
        prefs.save(update_fields=["email_when_done"])
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
def job_export(request: HttpRequest, job_id: UUID, fmt: str) -> HttpResponse:
    jobs = Job.objects.visible_to(request.user).with_detail()
    job = get_object_or_404(
        jobs, pk=job_id, kind=Job.Kind.REVIEW, status=Job.Status.COMPLETED, pruned_at=None
    )
    render_export, content_type = EXPORTS[fmt]
    response = HttpResponse(render_export(job.report.result), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="review-{job.pk}.{fmt}"'
    return response
