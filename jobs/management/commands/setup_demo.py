"""Create the demo user and project for `make run`, and print the login."""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from jobs.models import Membership, Project, Role


class Command(BaseCommand):
    help = "Create (or keep) the demo login and its project, and print the login."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--username", default="demo")

    @transaction.atomic
    def handle(self, *args, username: str, **options) -> None:
        password_file = settings.DATA_DIR / "demo-password.txt"
        if not password_file.exists():
            password_file.write_text(secrets.token_urlsafe(9))
        password = password_file.read_text().strip()
        user, _ = get_user_model().objects.get_or_create(
            username=username, defaults={"email": f"{username}@example.org"}
        )
        user.is_staff = user.is_superuser = True
        user.set_password(password)
        user.save()
        project = Project.objects.filter(owner=user).first() or Project.objects.create(
            name="Demo project",
            description="A place to try reviews and deep dives on the demo library.",
            owner=user,
        )
        Membership.objects.get_or_create(project=project, user=user, defaults={"role": Role.OWNER})
        self.stdout.write(
            self.style.SUCCESS(f"\n  Demo login →  username: {username}   password: {password}\n")
        )
