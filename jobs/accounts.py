"""Every write to projects, memberships, invitations, accounts, API tokens and profiles,
beside the job lifecycle: views and the admin call these; none of them writes these rows
itself."""

import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils.timezone import now

from jobs.models import ApiToken, Invitation, Membership, Profile, Project, Role

log = logging.getLogger(__name__)

INVITATION_VALID_FOR = timedelta(days=7)
# A project may have this many invitations waiting at once, and send this many a day, so a
# project cannot be used to send mail in bulk.
INVITATIONS_PENDING_MAX = 20
INVITATIONS_PER_DAY_MAX = 50


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


class InvitationRefused(Exception):
    """An invitation that cannot be sent; the message says why, for the project's owner, and
    `status` is the page's HTTP status."""

    def __init__(self, message: str, *, status: int = 429) -> None:
        super().__init__(message)
        self.status = status


class InvitationUnusable(Exception):
    """An invitation link that cannot be accepted (unknown, expired, revoked, used, or meant for
    another address); the message says why, for the person who opened it, and `status` is the
    page's HTTP status."""

    def __init__(self, message: str, *, status: int = 410) -> None:
        super().__init__(message)
        self.status = status


def invitation_create(*, project: Project, invited_by, email: str, role: str) -> Invitation:
    """Invite the address to the project in the role (editor or viewer) and email it the link.
    An open invitation to the same address is replaced, so only the newest link works."""
    email = email.strip().lower()
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        # One invitation at a time per project, so the caps hold against concurrent requests.
        Project.objects.select_for_update().filter(pk=project.pk).first()
        invitations = Invitation.objects.filter(project=project)
        invitations.filter(email=email, accepted_at=None, revoked_at=None).update(revoked_at=now())
        if invitations.pending().count() >= INVITATIONS_PENDING_MAX:
            raise InvitationRefused(
                f"This project already has {INVITATIONS_PENDING_MAX} invitations waiting; "
                "revoke some or wait for them to be accepted."
            )
        if invitations.filter(created_at__gt=now() - timedelta(days=1)).count() >= (
            INVITATIONS_PER_DAY_MAX
        ):
            raise InvitationRefused(
                f"This project has sent {INVITATIONS_PER_DAY_MAX} invitations in the last day; "
                "try again tomorrow."
            )
        invitation = Invitation.objects.create(
            project=project,
            email=email,
            role=role,
            token_hash=Invitation.hash(token),
            invited_by=invited_by,
            expires_at=now() + INVITATION_VALID_FOR,
        )
    try:
        _send_invitation(invitation, token)
    except OSError as exc:
        log.exception("could not email the invitation %s", invitation.pk)
        Invitation.objects.filter(pk=invitation.pk).update(revoked_at=now())
        raise InvitationRefused(
            "The invitation email could not be sent, so no invitation was made; try again later.",
            status=503,
        ) from exc
    return invitation


def _send_invitation(invitation: Invitation, token: str) -> None:
    inviter = invitation.invited_by.get_username()
    link = settings.SITE_URL + reverse("invitation_accept", args=[token])
    days = INVITATION_VALID_FOR.days
    body = "\n".join(
        [
            "Hello,",
            "",
            f"{inviter} invites you to the research project “{invitation.project.name}” on "
            f"reviewsite, as {invitation.get_role_display().lower()}.",
            "",
            f"Accept the invitation here (the link works once, for {days} days): {link}",
            "",
            "If you have no account yet you will choose a username and password there.",
            "If you did not expect this invitation, ignore this email.",
        ]
    )
    send_mail(f"{inviter} invites you to {invitation.project.name}", body, None, [invitation.email])


def invitation_revoke(*, invitation: Invitation) -> bool:
    """Withdraw an invitation nobody has accepted; False if it was accepted or revoked already."""
    open_ = Invitation.objects.filter(pk=invitation.pk, accepted_at=None, revoked_at=None)
    return bool(open_.update(revoked_at=now()))


def invitation_for(token: str) -> Invitation:
    """The invitation the link's token opens, if it can still be accepted."""
    invitation = (
        Invitation.objects.select_related("project", "invited_by")
        .filter(token_hash=Invitation.hash(token))
        .first()
    )
    if invitation is None:
        raise InvitationUnusable(
            "This invitation link is not valid. Check that it was copied whole.", status=404
        )
    if invitation.accepted_at is not None:
        raise InvitationUnusable("This invitation has already been used.")
    if invitation.revoked_at is not None:
        raise InvitationUnusable("This invitation was withdrawn by the project's owner.")
    if invitation.is_expired:
        raise InvitationUnusable(
            "This invitation has expired. Ask the project's owner for a new one."
        )
    return invitation


def account_exists(*, email: str) -> bool:
    """Whether an account already uses the address (without regard to case)."""
    return get_user_model().objects.filter(email__iexact=email.strip()).exists()


def invitation_check_account(*, invitation: Invitation, user) -> None:
    """Refuse an account whose email address is not the invited one (without regard to case)."""
    if not user.email or user.email.strip().casefold() != invitation.email.casefold():
        raise InvitationUnusable(
            f"This invitation was sent to {invitation.email}, and the account you are logged in "
            "with has another email address. Log in with the invited address's account, or "
            "set that address in your profile if it is yours.",
            status=403,
        )


@transaction.atomic
def invitation_accept(*, token: str, user) -> Invitation:
    """Accept the invitation as this account, whose email must be the invited address: the
    account becomes a member in the invited role (a member already keeps their role)."""
    invitation = invitation_for(token)
    invitation_check_account(invitation=invitation, user=user)
    _claim(invitation, user)
    Membership.objects.get_or_create(
        project=invitation.project, user=user, defaults={"role": invitation.role}
    )
    return invitation


@transaction.atomic
def invitation_accept_as_new_user(*, token: str, username: str, password: str):
    """Make an account with the invited address, username and password, and accept the
    invitation with it; returns the new account."""
    invitation = invitation_for(token)
    user = get_user_model().objects.create_user(
        username=username, email=invitation.email, password=password
    )
    _claim(invitation, user)
    Membership.objects.create(project=invitation.project, user=user, role=invitation.role)
    return user


def _claim(invitation: Invitation, user) -> None:
    """Mark the invitation used, if nobody else has meanwhile: one conditional UPDATE, so two
    clicks on the same link can never both accept it."""
    claimed = (
        Invitation.objects.pending()
        .filter(pk=invitation.pk)
        .update(accepted_at=now(), accepted_by=user)
    )
    if not claimed:
        raise InvitationUnusable(
            "This invitation can no longer be accepted: it has just been used, withdrawn or "
            "has expired."
        )


def user_create(*, username: str, email: str, password: str):
    """A new account from open sign-up."""
    return get_user_model().objects.create_user(username=username, email=email, password=password)
