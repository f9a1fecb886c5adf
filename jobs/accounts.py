"""Every write to projects, memberships, API tokens and profiles, beside the job lifecycle:
views and the admin call these; none of them writes these rows itself."""

from django.db import transaction
from django.utils.timezone import now

from jobs.models import ApiToken, Membership, Profile, Project, Role


@transaction.atomic
def project_create(*, owner, name: str, description: str = "") -> Project:
    """A new project, with its creator as its owner and first member."""
    project = Project.objects.create(name=name, description=description, owner=owner)
    Membership.objects.create(project=project, user=owner, role=Role.OWNER)
    return project


def member_add(*, project: Project, user, role: str) -> Membership:
    """Make the user a member of the project in the role (editor or viewer)."""
    return Membership.objects.create(project=project, user=user, role=role)


def token_issue(*, user, name: str) -> tuple[ApiToken, str]:
    """A new personal API token and its key, which is shown once and never stored."""
    return ApiToken.issue(user=user, name=name)


def token_revoke(*, user, token_id: int) -> ApiToken | None:
    """Revoke one of the user's tokens; None if they have no token with this id."""
    token = ApiToken.objects.filter(user=user, pk=token_id).first()
    if token is not None:
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now())
    return token


def profile_for(user) -> Profile:
    """The user's preferences, made with the defaults on first use."""
    return Profile.objects.get_or_create(user=user)[0]


@transaction.atomic
def profile_save(*, user, email: str, email_when_done: bool) -> None:
    """Store the user's email address and whether they want word of finished jobs."""
    user.email = email
    user.save(update_fields=["email"])
    Profile.objects.update_or_create(user=user, defaults={"email_when_done": email_when_done})
