"""Login throttling with django-axes: whose address a login comes from, and the page a
locked-out login gets. Settings: AXES_* and TRUSTED_PROXY_COUNT in reviewsite/settings.py."""

import ipaddress
import math

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off, get_failure_limit, get_lockout_parameters
from django.conf import settings
from django.db.models import Max, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.timezone import now

LOCKED = {"username": "for this account", "ip_address": "from your network address"}


def client_ip(request: HttpRequest) -> str | None:
    """The client's address. With TRUSTED_PROXY_COUNT proxies in front, each appending the
    address it saw to X-Forwarded-For, it is the entry that many places from the right;
    whatever a client put in the header itself stands further left and is never read.
    Without trusted proxies, or when the header is short or malformed, it is the connection's."""
    count = settings.TRUSTED_PROXY_COUNT
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if count > 0 and len(hops) >= count:
        try:
            return str(ipaddress.ip_address(hops[-count]))
        except ValueError:
            pass
    return request.META.get("REMOTE_ADDR") or None


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    """The login page's answer to a locked-out client: which lock holds and for how long."""
    reasons, seconds = _locks(request, credentials)
    minutes = max(1, math.ceil(seconds / 60))
    message = (
        f"Too many failed attempts {' and '.join(reasons) or 'to log in'}. "
        f"Try again in {minutes} minute{'s' if minutes != 1 else ''}."
    )
    response = render(
        request,
        "registration/locked_out.html",
        {"message": message},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
    response["Retry-After"] = str(seconds)
    return response


def _locks(request: HttpRequest, credentials) -> tuple[list[str], int]:
    """The locks that hold (account, address) and the seconds until the last one lifts."""
    limit = get_failure_limit(request, credentials)
    cool_off = get_cool_off(request)
    attempts_by_lock = AxesProxyHandler.get_implementation().get_user_attempts(request, credentials)
    reasons, lifts = [], []
    for parameter, attempts in zip(
        get_lockout_parameters(request, credentials), attempts_by_lock, strict=True
    ):
        seen = attempts.aggregate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        if (seen["failures"] or 0) >= limit:
            names = [parameter] if isinstance(parameter, str) else parameter
            reasons.append(" ".join(LOCKED.get(name, "") for name in names).strip())
            lifts.append(seen["last"] + cool_off)
    seconds = (max(lifts) - now()).total_seconds() if lifts else cool_off.total_seconds()
    return [reason for reason in reasons if reason], max(1, math.ceil(seconds))
