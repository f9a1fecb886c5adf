"""The status poll's fast path: the polling member's account is read in the same query as the
job, so a poll costs the session and one query (no separate user query)."""

from uuid import UUID

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.core.exceptions import ValidationError
from django.db.models import F
from django.http import Http404, HttpRequest
from django.utils.crypto import constant_time_compare

from jobs.models import Job


class NotLoggedIn(Exception):
    """The session belongs to no one who may poll: never logged in, logged out, deactivated,
    or the password changed since."""


def poll_job(request: HttpRequest, job_id: UUID) -> Job:
    """The job the session's member polls, with can_edit, inputs and result. It checks what
    django.contrib.auth.get_user checks — a configured backend, an active account, a session
    hash that matches the password — so any of those changing ends access at once.
    Raises NotLoggedIn, or Http404 for a job that is not the member's."""
    User = get_user_model()
    try:
        user_id = User._meta.pk.to_python(request.session[SESSION_KEY])
        backend = request.session[BACKEND_SESSION_KEY]
    except (KeyError, ValidationError) as exc:
        raise NotLoggedIn from exc
    if backend not in settings.AUTHENTICATION_BACKENDS:
        raise NotLoggedIn
    job = (
        Job.objects.for_member_id(user_id)
        .with_detail()
        .annotate(
            account_password=F("project__memberships__user__password"),
            account_active=F("project__memberships__user__is_active"),
        )
        .filter(pk=job_id)
        .first()
    )
    if job is None:
        raise Http404
    account = User(pk=user_id, password=job.account_password, is_active=job.account_active)
    if not account.is_active or not _session_matches(request, account):
        raise NotLoggedIn
    return job


def _session_matches(request: HttpRequest, account) -> bool:
    session_hash = request.session.get(HASH_SESSION_KEY)
    if not session_hash:
        return False
    hashes = [account.get_session_auth_hash(), *account.get_session_auth_fallback_hash()]
    return any(constant_time_compare(session_hash, known) for known in hashes)
