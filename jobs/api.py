"""The JSON endpoints, on the original system's paths, served by django-ninja, which also writes
their OpenAPI document (/api/openapi.json) and a browsable page of it (/api/docs).

Browsers use their session (with CSRF enforced for unsafe methods); other clients send a
personal token as `Authorization: Bearer …`. Request and response shapes are in
jobs/api_schemas.py; the values of a request are validated by the forms the pages use."""

import json
from typing import Annotated, Any
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, reverse
from django.utils.timezone import now
from ninja import Header, NinjaAPI, Status, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.params.models import Body, BodyModel
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from jobs import access, errors, lifecycle
from jobs.api_schemas import (
    Accepted,
    CancelConflict,
    DeepDiveRequest,
    Error,
    ImportRequest,
    InvalidInput,
    JobStatus,
    ReviewRequest,
)
from jobs.forms import DeepDiveForm, ImportForm, ProjectChoiceForm, ReviewForm
from jobs.models import ApiToken, Job
from jobs.operations import count_poll

# last_used_at is written at most this often, so a busy script costs no write per call.
TOKEN_TOUCH_SECONDS = 60

LOG_IN = "Log in, or send a personal API token as 'Bearer <token>'."
BAD_TOKEN = "This API token is not valid or has been revoked."
CSRF_FAILED = "CSRF check failed: send the csrftoken cookie's value as X-CSRFToken."
NOT_UNICODE = "The body holds text that is not valid Unicode (a lone surrogate, e.g. \\ud800)."


class ApiRequest(HttpRequest):
    """A request as ninja hands it to an operation, after authentication."""

    auth: Any  # the user; for a session's status poll, POLL_BY_SESSION


class BadToken(AuthenticationError):
    def __init__(self) -> None:
        super().__init__(message=BAD_TOKEN)


class PersonalToken(HttpBearer):
    """`Authorization: Bearer <token>`, a token made on the API tokens page. A request that
    sends an Authorization header is judged by it alone: a bad one is a 401, never a fall back
    to the session."""

    def __call__(self, request: HttpRequest) -> Any:
        header = request.headers.get("Authorization")
        if not header:
            return None
        scheme, _, key = header.partition(" ")
        user = self.authenticate(request, key.strip()) if scheme.lower() == "bearer" else None
        if user is None:
            raise BadToken
        request.user = user
        return user

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        if not token:
            return None
        found = (
            ApiToken.objects.usable()
            .select_related("user")
            .filter(key_hash=ApiToken.hash(token))
            .first()
        )
        if found is None:
            return None
        moment = now()
        last = found.last_used_at
        if last is None or (moment - last).total_seconds() > TOKEN_TOUCH_SECONDS:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=moment)
        return found.user


POLL_BY_SESSION = "session"


class Session(APIKeyCookie):
    """The browser's login session. Unsafe methods must carry the CSRF token; it is checked
    once the session is known to be logged in, so a logged-out call is a 401, not a CSRF
    failure. With `poll=True` (the status poll, a hot path) only whether the session names a
    user is checked here: access.poll_job checks the account with the job, in one query."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self, *, poll: bool = False) -> None:
        super().__init__(csrf=True)  # csrf=True also makes the docs page send the token
        self.poll = poll

    def _get_key(self, request: HttpRequest) -> str | None:
        # Ninja checks CSRF here, before the login; authenticate() does it after.
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if self.poll:
            return POLL_BY_SESSION if SESSION_KEY in request.session else None
        if not request.user.is_authenticated:
            return None
        if check_csrf(request):
            raise HttpError(403, CSRF_FAILED)
        return request.user


class JsonOrFormBody(BodyModel):
    """A request body sent as a JSON object or as a form (urlencoded or multipart; uploaded
    files stay in request.FILES). Ninja's own Body reads JSON only."""

    @classmethod
    def get_request_data(
        cls, request: HttpRequest, api: NinjaAPI, path_params: dict[str, Any]
    ) -> dict[str, Any]:
        if request.content_type == "application/json":
            try:
                data = api.parser.parse_body(request) if request.body else {}
            except (ValueError, UnicodeDecodeError):
                data = None
            if not isinstance(data, dict):
                raise HttpError(400, "The body is not a JSON object.")
            try:
                # json.loads accepts a lone surrogate ("\ud800"), which UTF-8 cannot encode and
                # no database stores. Form bodies never hold one: bad bytes become U+FFFD.
                json.dumps(data, ensure_ascii=False).encode()
            except UnicodeEncodeError:
                raise HttpError(400, NOT_UNICODE) from None
        else:
            data = api.parser.parse_querydict(request.POST, [], request)
        return {cls.__read_from_single_attr__: data}


class JsonOrForm(Body):  # type: ignore[misc]  # as ninja's own Body, Form and File are
    _model = JsonOrFormBody

    @classmethod
    def _param_source(cls) -> str:
        return "body"


class LocalSwagger(Swagger):
    """The Swagger UI page, pointed at the document's un-namespaced URL. Its assets are the copy
    in the ninja package, served as this site's static files because "ninja" is in
    INSTALLED_APPS (without it, ninja's page would load them from a CDN)."""

    def get_openapi_url(self, api: NinjaAPI, path_params: dict) -> str:
        return reverse("api_openapi", kwargs=path_params)


class SiteRootAPI(NinjaAPI):
    """Ninja's routes spliced into jobs/urls.py at the site's root (see urlpatterns below),
    rather than included under a namespace of their own."""

    def get_root_path(self, path_params: dict) -> str:
        return "/"

    def get_openapi_operation_id(self, operation: Any) -> str:
        return str(operation.view_func.__name__)


api = SiteRootAPI(
    title="reviewsite",
    version="1",
    description=(
        "Start literature reviews, deep dives and library imports, and follow them. "
        "Scripts send a personal API token (made on the API tokens page) as "
        "`Authorization: Bearer <token>`; browsers use their session and send the csrftoken "
        "cookie's value as `X-CSRFToken`."
    ),
    auth=[PersonalToken(), Session()],
    openapi_url="/api/openapi.json",
    docs_url="/api/docs",
    docs=LocalSwagger(settings={"validatorUrl": None}),  # no badge fetched from swagger.io
)


# Error answers keep the seed's shapes: {"error": "..."}, plus "fields" for invalid input.


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    """A bad token, or no token and no login (ninja raises AuthenticationError when every
    auth declines)."""
    if not errors.wants_json(request):  # the job page's cancel/retry buttons
        return redirect_to_login(request.get_full_path())
    message = BAD_TOKEN if isinstance(exc, BadToken) else LOG_IN
    return api.create_response(request, {"error": message}, status=401)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return api.create_response(request, {"error": exc.message}, status=exc.status_code)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields: dict[str, list[dict]] = {}
    for problem in exc.errors:
        name = str(problem["loc"][-1]) if len(problem["loc"]) > 2 else "__all__"
        fields.setdefault(name, []).append({"message": problem["msg"], "code": problem["type"]})
    return api.create_response(request, {"error": "Invalid input.", "fields": fields}, status=400)


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    message = f"The request is larger than the limit of {limit:,} bytes."
    return api.create_response(request, {"error": message}, status=413)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return errors.not_found(request, exc)


@api.exception_handler(PermissionDenied)
def _denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return errors.permission_denied(request, exc)


# Starting jobs.

STARTED = {
    202: Accepted,
    200: Accepted,
    400: InvalidInput,
    401: Error,
    403: Error,
    413: Error,
    422: Error,
    429: Error,
}
IDEMPOTENCY_KEY = Header(
    "",
    alias="Idempotency-Key",
    description="Optional, up to 100 characters: a retried request with the same key and "
    "inputs answers with the job the first one started (200), never a second job.",
)


def _form_bodies(schema: type) -> dict:
    """The form media types a start endpoint accepts beside JSON, for the document."""
    ref = {"schema": {"$ref": f"#/components/schemas/{schema.__name__}"}}
    return {
        "requestBody": {
            "content": {
                "multipart/form-data": ref,
                "application/x-www-form-urlencoded": ref,
            }
        }
    }


def _invalid_form(form: Form) -> Status:
    return Status(400, {"error": "Invalid input.", "fields": form.errors.get_json_data()})


def _start(request: ApiRequest, payload, idempotency_key: str, form_class, kind: str) -> Status:
    data = payload.model_dump(exclude_unset=True)
    chooser = ProjectChoiceForm(data, user=request.auth)
    if not chooser.is_valid():
        return _invalid_form(chooser)
    project = access.project_for(request.auth, chooser.cleaned_data["project_id"].pk, "edit")
    form = form_class(data, request.FILES, project=project)
    if not form.is_valid():
        return _invalid_form(form)
    key = idempotency_key.strip()
    if len(key) > 100:
        return Status(400, {"error": "The Idempotency-Key header is longer than 100 characters."})
    try:
        job, created = lifecycle.job_submit(
            kind=kind,
            project=project,
            creator=request.auth,
            idempotency_key=key,
            **form.cleaned_data,
        )
    except lifecycle.TooManyActiveJobs as exc:
        return Status(429, {"error": str(exc)})
    except lifecycle.IdempotencyKeyReused as exc:
        return Status(422, {"error": str(exc)})
    message = (
        "Job queued. It runs in the background; you can close this page."
        if created
        else "An identical job of yours is already queued or running: this is it."
    )
    accepted = {
        "job_id": str(job.pk),
        "job_type": job.kind,
        "status": job.status,
        "poll_url": f"/jobs/{job.pk}/status",
        "message": message,
    }
    return Status(202 if created else 200, accepted)


@api.post(
    "/generate-review-async",
    url_name="generate_review_async",
    response=STARTED,
    exclude_unset=True,
    summary="Start a literature review",
    openapi_extra=_form_bodies(ReviewRequest),
)
def generate_review_async(
    request: ApiRequest,
    payload: Annotated[ReviewRequest, JsonOrForm(...)],
    idempotency_key: str = IDEMPOTENCY_KEY,
) -> Status:
    return _start(request, payload, idempotency_key, ReviewForm, Job.Kind.REVIEW)


@api.post(
    "/deep-dive-async",
    url_name="deep_dive_async",
    response=STARTED,
    exclude_unset=True,
    summary="Start a deep dive into one paper",
    openapi_extra=_form_bodies(DeepDiveRequest),
)
def deep_dive_async(
    request: ApiRequest,
    payload: Annotated[DeepDiveRequest, JsonOrForm(...)],
    idempotency_key: str = IDEMPOTENCY_KEY,
) -> Status:
    return _start(request, payload, idempotency_key, DeepDiveForm, Job.Kind.DEEP_DIVE)


@api.post(
    "/library-import-async",
    url_name="library_import_async",
    response=STARTED,
    exclude_unset=True,
    summary="Import a reference file into a project's library",
    openapi_extra=_form_bodies(ImportRequest),
)
def library_import_async(
    request: ApiRequest,
    payload: Annotated[ImportRequest, JsonOrForm(...)],
    idempotency_key: str = IDEMPOTENCY_KEY,
) -> Status:
    return _start(request, payload, idempotency_key, ImportForm, Job.Kind.IMPORT)


# Following, cancelling and retrying a job.


def status_payload(request: HttpRequest, job: Job) -> dict[str, Any]:
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
        # Read through the schema, so a result stored by an earlier version comes out upgraded.
        typed = job.detail.typed_result
        payload["result"] = None if typed is None else typed.to_dict()
    return payload


@api.get(
    "/jobs/{uuid:job_id}/status",
    url_name="job_status",
    auth=[PersonalToken(), Session(poll=True)],
    response={200: JobStatus, 401: Error, 404: Error},
    exclude_unset=True,
    summary="A job's state, and its result once completed",
)
def job_status(request: ApiRequest, job_id: UUID) -> dict[str, Any]:
    if request.auth == POLL_BY_SESSION:
        try:
            job = access.poll_job(request, job_id)
        except access.NotLoggedIn:
            raise AuthenticationError from None
    else:
        job = access.job_for(request.auth, job_id, detail=True)
    count_poll()
    return status_payload(request, job)


# Cancel and retry also answer the job page's buttons (form posts that ask for no JSON): those
# get a redirect to the job with a message, and a logged-out browser is sent to log in.
PAGE_BUTTON = {
    "responses": {
        "302": {"description": "A form post from the job page: back to the job (or to log in)."}
    }
}


@api.post(
    "/jobs/{uuid:job_id}/cancel",
    url_name="job_cancel",
    response={200: JobStatus, 401: Error, 403: Error, 404: Error, 409: CancelConflict},
    exclude_unset=True,
    summary="Cancel a queued or running job",
    openapi_extra=PAGE_BUTTON,
)
def job_cancel(request: ApiRequest, job_id: UUID) -> Any:
    job = access.job_for(request.auth, job_id, "edit")
    cancelled = lifecycle.job_cancel(job_id=job.pk)
    job.refresh_from_db()
    if not errors.wants_json(request):
        if cancelled:
            messages.success(request, "Job cancelled.")
        else:
            messages.info(request, f"The job had already {job.get_status_display().lower()}.")
        return redirect(job)
    if not cancelled:
        return Status(
            409, {"error": f"The job has already {job.status}.", "job_status": job.status}
        )
    return status_payload(request, job)


@api.post(
    "/jobs/{uuid:job_id}/retry",
    url_name="job_retry",
    response={202: JobStatus, 401: Error, 403: Error, 404: Error, 409: Error, 429: Error},
    exclude_unset=True,
    summary="Run a failed, cancelled or expired job again, as a new job",
    description="409 when the job is active, still holds its result, or was pruned together "
    "with the inputs it would need (an uploaded file, a pasted paper).",
    openapi_extra=PAGE_BUTTON,
)
def job_retry(request: ApiRequest, job_id: UUID) -> Any:
    job = access.job_for(request.auth, job_id, "edit")
    try:
        new = lifecycle.job_retry(job_id=job.pk, user=request.auth)
    except lifecycle.TooManyActiveJobs as exc:
        return _retry_refused(request, job, 429, str(exc))
    except lifecycle.SubmissionRefused as exc:
        return _retry_refused(request, job, 409, str(exc))
    if new is None:
        message = "Only a failed or cancelled job, or one whose result has expired, can be retried."
        return _retry_refused(request, job, 409, message)
    if not errors.wants_json(request):
        return redirect(new)
    return Status(202, status_payload(request, new))


def _retry_refused(request: HttpRequest, job: Job, code: int, message: str) -> Any:
    if not errors.wants_json(request):
        messages.error(request, message)
        return redirect(job)
    return Status(code, {"error": message})


def urlpatterns() -> list[URLPattern]:
    """The API's URL patterns, for jobs/urls.py: the seed's paths at the site's root, under
    their own names (so reverse("job_status") works), and the document and its page under
    /api/. Ninja's index page at "" is left out: "" is the dashboard."""
    patterns, _, _ = api.urls
    renamed = {"openapi-json": "api_openapi", "openapi-view": "api_docs"}
    kept = [p for p in patterns if isinstance(p, URLPattern) and p.name != "api-root"]
    for pattern in kept:
        pattern.name = renamed.get(pattern.name or "", pattern.name)
    return kept
