"""Accounts that look after themselves: invitations to projects, open sign-up, and the login
and password-reset pages. Django's own views do the work; these add what the site needs."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from jobs import accounts
from jobs.access import project_for
from jobs.accounts import InvitationRefused, InvitationUnusable
from jobs.forms import InvitationForm, InvitedUserForm, SignupForm, suggested_username
from jobs.models import Invitation, Project

# Accounts made here log in with the password they just chose, past the login throttle.
PASSWORD_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _invitations_page(
    request: HttpRequest, project: Project, form: InvitationForm, status: int = 200
) -> HttpResponse:
    context = {"project": project, "invitation_form": form}
    return render(request, "jobs/invitations.html", context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def invitations(request: HttpRequest, project_id: int) -> HttpResponse:
    """The owner's invitations: the form and the pending list (also on the project page)."""
    project = project_for(request.user, project_id, "own")
    form = InvitationForm(request.POST or None, project=project)
    if request.method == "GET" or not form.is_valid():
        return _invitations_page(request, project, form, status=400 if form.is_bound else 200)
    try:
        invitation = accounts.invitation_create(
            project=project, invited_by=request.user, **form.cleaned_data
        )
    except InvitationRefused as refusal:
        form.add_error(None, str(refusal))
        return _invitations_page(request, project, form, status=refusal.status)
    messages.success(request, f"Invitation sent to {invitation.email}.")
    return redirect(project.get_absolute_url() + "#invitations")


@require_POST
@login_required
def invitation_revoke(request: HttpRequest, project_id: int, invitation_id: int) -> HttpResponse:
    project = project_for(request.user, project_id, "own")
    invitation = get_object_or_404(Invitation, project=project, pk=invitation_id)
    if accounts.invitation_revoke(invitation=invitation):
        messages.success(request, f"The invitation to {invitation.email} was revoked.")
    else:
        messages.error(request, f"The invitation to {invitation.email} was used or revoked before.")
    return redirect(project.get_absolute_url() + "#invitations")


def _refused(request: HttpRequest, refusal: InvitationUnusable) -> HttpResponse:
    context = {"refusal": str(refusal)}
    return render(request, "jobs/invitation_accept.html", context, status=refusal.status)


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the email: a new account for the invited address, or, logged in with the
    invited address's account, one button; either way the person lands in the project."""
    try:
        invitation = accounts.invitation_for(token)
        if request.user.is_authenticated:
            return _accept_as_member(request, token, invitation)
        return _accept_as_new_user(request, token, invitation)
    except InvitationUnusable as refusal:
        return _refused(request, refusal)


def _accept_as_member(request: HttpRequest, token: str, invitation: Invitation) -> HttpResponse:
    accounts.invitation_check_account(invitation=invitation, user=request.user)
    if request.method == "GET":
        return render(request, "jobs/invitation_accept.html", {"invitation": invitation})
    accounts.invitation_accept(token=token, user=request.user)
    messages.success(request, f"Welcome to {invitation.project.name}.")
    return redirect(invitation.project)


def _accept_as_new_user(request: HttpRequest, token: str, invitation: Invitation) -> HttpResponse:
    if accounts.account_exists(email=invitation.email):
        context = {"invitation": invitation, "account_exists": True}
        return render(request, "jobs/invitation_accept.html", context)
    initial = {"username": suggested_username(invitation.email)}
    form = InvitedUserForm(request.POST or None, invitation=invitation, initial=initial)
    if request.method == "POST" and form.is_valid():
        user = accounts.invitation_accept_as_new_user(
            token=token,
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password1"],
        )
        login(request, user, backend=PASSWORD_BACKEND)
        messages.success(request, f"Welcome to {invitation.project.name}.")
        return redirect(invitation.project)
    status = 400 if form.is_bound else 200
    context = {"invitation": invitation, "form": form}
    return render(request, "jobs/invitation_accept.html", context, status=status)


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """Open sign-up, when SIGNUP_OPEN allows it; otherwise accounts come by invitation."""
    if not settings.SIGNUP_OPEN:
        raise Http404
    if request.user.is_authenticated:
        return redirect("dashboard")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = accounts.user_create(
            username=data["username"], email=data["email"], password=data["password1"]
        )
        login(request, user, backend=PASSWORD_BACKEND)
        return redirect("dashboard")
    status = 400 if form.is_bound else 200
    return render(request, "registration/signup.html", {"form": form}, status=status)


class LoginView(auth_views.LoginView):
    """Django's login, with a link to sign up when sign-up is open."""

    def get_context_data(self, **kwargs) -> dict:
        return {**super().get_context_data(**kwargs), "signup_open": settings.SIGNUP_OPEN}


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset request (the same answer whether or not the address has an account),
    with the link in its email built on SITE_URL like every other email's."""

    email_template_name = "registration/password_reset_email.txt"

    def form_valid(self, form):
        self.extra_email_context = {"site_url": settings.SITE_URL}
        return super().form_valid(form)
