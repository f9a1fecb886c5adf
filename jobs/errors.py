"""Error pages that never show a stack trace: JSON for API clients, a plain page for people."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

API_PATHS = (
    "/generate-review-async",
    "/deep-dive-async",
    "/library-import-async",
    "/healthz",
    "/metrics",
)


def wants_json(request: HttpRequest) -> bool:
    return (
        request.path.startswith(API_PATHS)
        or request.path.endswith("/status")
        or "Authorization" in request.headers
        or "application/json" in request.headers.get("Accept", "")
    )


def _error(request: HttpRequest, status: int, message: str) -> HttpResponse:
    if wants_json(request):
        return JsonResponse({"error": message}, status=status)
    return render(request, "error.html", {"message": message}, status=status)


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    return _error(request, 400, "The request could not be understood.")


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    """Every 403, page or JSON, says what the PermissionDenied raised for it says."""
    message = str(exception or "") or "You may not do this."
    return _error(request, 403, message)


def not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return _error(request, 404, "Not found.")


def server_error(request: HttpRequest) -> HttpResponse:
    if wants_json(request):
        return JsonResponse({"error": "Something went wrong on our side."}, status=500)
    # No request context: the failure may lie in what the context processors need.
    return render(None, "500.html", status=500)
