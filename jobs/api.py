"""The JSON endpoints, on the original system's paths. Browsers use their session (with CSRF
enforced); other clients send a personal token as `Authorization: Bearer …`."""

import json
from collections.abc import Callable
from functools import wraps
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import get_object_or_404, redirect
from django.utils.timezone import now
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from jobs import lifecycle
from jobs.errors import wants_json
from jobs.forms import DeepDiveForm, ImportForm, ProjectChoiceForm, ReviewForm
from jobs.models import ApiToken, Job, Project
from jobs.operations import count_poll
from jobs.polling import NotLoggedIn, poll_job

# last_used_at is written at most this often, so a busy script costs no write per call.
TOKEN_TOUCH_SECONDS = 60


def json_error(code: int, message: str, **extra) -> JsonResponse:
    return JsonResponse({"error": message, **extra}, status=code)


def _csrf_failure(request: HttpRequest) -> HttpResponse | None:
    return CsrfViewMiddleware(lambda r: HttpResponse()).process_view(request, None, (), {})


def _token_user(request: HttpRequest, header: str):
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        return None
    token = (
        ApiToken.objects.usable()
        .select_related("user")
        .filter(key_hash=ApiToken.hash(key.strip()))
        .first()
    )
    if token is None:
        return None
    moment = now()
    if (
        token.last_used_at is None
        or (moment - token.last_used_at).total_seconds() > TOKEN_TOUCH_SECONDS
    ):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=moment)
    return token.user


def api_view(view: Callable) -> Callable:
    """Authenticate a JSON call by bearer token or session; 401 for anyone else."""

    @csrf_exempt
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        header = request.headers.get("Authorization", "")
        if header:
            user = _token_user(request, header)
            if user is None:
                return json_error(401, "This API token is not valid or has been revoked.")
            request.user = user
        elif not request.user.is_authenticated:
            return json_error(401, "Log in, or send a personal API token as 'Bearer <token>'.")
        elif request.method not in {"GET", "HEAD", "OPTIONS"} and _csrf_failure(request):
            return json_error(
                403, "CSRF check failed: send the csrftoken cookie's value as X-CSRFToken."
            )
        return view(request, *args, **kwargs)

    return wrapper


def request_data(request: HttpRequest) -> QueryDict | dict | None:
    """The body as a dict, from JSON or a form; None if it is JSON that does not parse.
    A body over DATA_UPLOAD_MAX_MEMORY_SIZE raises RequestDataTooBig."""
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            return None
        return data if isinstance(data, dict) else None
    return request.POST


def _is_valid_unicode(data: dict) -> bool:
    """False when a string in it holds a lone surrogate (JSON's "\\ud800"): json.loads accepts
    one, but UTF-8 cannot encode it and no database stores it. Form bodies never hold one: their
    undecodable bytes become U+FFFD."""
    try:
        json.dumps(data, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return False
    return True


def _editable_project(request: HttpRequest, data) -> Project | JsonResponse:
    chooser = ProjectChoiceForm(data, user=request.user)
    if not chooser.is_valid():
        return json_error(400, "Invalid input.", fields=chooser.errors.get_json_data())
    project = chooser.cleaned_data["project_id"]
    if not Project.objects.editable_by(request.user).filter(pk=project.pk).exists():
        return json_error(403, "You can view this project's jobs but not start them.")
    return project


def _accepted(job: Job, *, created: bool) -> JsonResponse:
    message = (
        "Job queued. It runs in the background; you can close this page."
        if created
        else "An identical job of yours is already queued or running: this is it."
    )
    return JsonResponse(
        {
            "job_id": str(job.pk),
            "job_type": job.kind,
            "status": job.status,
            "poll_url": f"/jobs/{job.pk}/status",
            "message": message,
        },
        status=202 if created else 200,
    )


def _start(request: HttpRequest, form_class, kind: str) -> JsonResponse:
    try:
        data = request_data(request)
    except RequestDataTooBig:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return json_error(413, f"The request is larger than the limit of {limit:,} bytes.")
    if data is None:
        return json_error(400, "The body is not a JSON object.")
    if not _is_valid_unicode(data):
        message = "The body holds text that is not valid Unicode (a lone surrogate, e.g. \\ud800)."
        return json_error(400, message)
    nested = [key for key, value in data.items() if isinstance(value, list | dict)]
    if nested:
        error = [{"message": "Expected a single value, not a list or object.", "code": "invalid"}]
        return json_error(400, "Invalid input.", fields=dict.fromkeys(nested, error))
    project = _editable_project(request, data)
    if isinstance(project, JsonResponse):
        return project
    form = form_class(data, request.FILES, project=project)
    if not form.is_valid():
        return json_error(400, "Invalid input.", fields=form.errors.get_json_data())
    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > 100:
        return json_error(400, "The Idempotency-Key header is longer than 100 characters.")
    try:
        job, created = lifecycle.job_submit(
            kind=kind,
            project=project,
            creator=request.user,
            idempotency_key=key,
            **form.cleaned_data,
        )
    except lifecycle.TooManyActiveJobs as exc:
        return json_error(429, str(exc))
    except lifecycle.IdempotencyKeyReused as exc:
        return json_error(422, str(exc))
    return _accepted(job, created=created)


@require_POST
@api_view
def generate_review_async(request: HttpRequest) -> JsonResponse:
    return _start(request, ReviewForm, Job.Kind.REVIEW)


@require_POST
@api_view
def deep_dive_async(request: HttpRequest) -> JsonResponse:
    return _start(request, DeepDiveForm, Job.Kind.DEEP_DIVE)


@require_POST
@api_view
def library_import_async(request: HttpRequest) -> JsonResponse:
    return _start(request, ImportForm, Job.Kind.IMPORT)


def status_payload(request: HttpRequest, job: Job) -> dict:
    """The status document; the result is included once the job has completed."""
    iso = lambda moment: moment.isoformat() if moment else None  # noqa: E731
    payload = {
        "job_id": str(job.pk),
        "job_type": job.kind,
        "status": job.status,
        "stage": job.stage,
        "progress": job.progress,
        "created_at": iso(job.created_at),
        "started_at": iso(job.started_at),
        "finished_at": iso(job.finished_at),
        "elapsed_seconds": job.elapsed_seconds,
        "error": job.error or None,
        "result_url": request.build_absolute_uri(job.get_absolute_url()),
        "poll_after_seconds": None if job.is_finished else job.poll_after_seconds,
    }
    if job.status == Job.Status.COMPLETED:
        payload["result"] = job.detail.result
    return payload


@require_GET
@csrf_exempt
def job_status(request: HttpRequest, job_id: UUID) -> JsonResponse:
    if "Authorization" in request.headers:
        return api_view(_token_status)(request, job_id)
    try:
        job = poll_job(request, job_id)
    except NotLoggedIn:
        return json_error(401, "Log in, or send a personal API token as 'Bearer <token>'.")
    count_poll()
    return JsonResponse(status_payload(request, job))


def _token_status(request: HttpRequest, job_id: UUID) -> JsonResponse:
    job = get_object_or_404(Job.objects.visible_to(request.user).with_detail(), pk=job_id)
    count_poll()
    return JsonResponse(status_payload(request, job))


# Cancel and retry answer both the job page's buttons and JSON clients, on the same paths.


def _job_action(request: HttpRequest, job_id: UUID, action) -> HttpResponse:
    if not request.user.is_authenticated and not wants_json(request):
        return redirect_to_login(request.get_full_path())
    return api_view(action)(request, job_id)


def _cancel(request: HttpRequest, job_id: UUID) -> HttpResponse:
    job = get_object_or_404(Job.objects.visible_to(request.user), pk=job_id)
    if not Job.objects.editable_by(request.user).filter(pk=job.pk).exists():
        return json_error(403, "Viewers cannot cancel jobs.")
    if not lifecycle.job_cancel(job_id=job.pk):
        job.refresh_from_db()
        if wants_json(request):
            return json_error(409, f"The job has already {job.status}.", job_status=job.status)
        messages.info(request, f"The job had already {job.get_status_display().lower()}.")
        return redirect(job)
    job.refresh_from_db()
    if wants_json(request):
        return JsonResponse(status_payload(request, job))
    messages.success(request, "Job cancelled.")
    return redirect(job)


def _retry(request: HttpRequest, job_id: UUID) -> HttpResponse:
    job = get_object_or_404(Job.objects.visible_to(request.user), pk=job_id)
    if not Job.objects.editable_by(request.user).filter(pk=job.pk).exists():
        return json_error(403, "Viewers cannot retry jobs.")
    new = lifecycle.job_retry(job_id=job.pk, user=request.user)
    if new is None:
        message = "Only a failed or cancelled job, or one whose result has expired, can be retried."
        if wants_json(request):
            return json_error(409, message)
        messages.error(request, message)
        return redirect(job)
    if wants_json(request):
        return JsonResponse(status_payload(request, new), status=202)
    return redirect(new)


@csrf_exempt  # api_view checks CSRF itself for session users; token clients have none
@require_POST
def job_cancel(request: HttpRequest, job_id: UUID) -> HttpResponse:
    return _job_action(request, job_id, _cancel)


@csrf_exempt  # as job_cancel
@require_POST
def job_retry(request: HttpRequest, job_id: UUID) -> HttpResponse:
    return _job_action(request, job_id, _retry)
