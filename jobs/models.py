"""Projects, their members, research jobs and the paper library."""

import hashlib
import secrets
import uuid
from datetime import datetime
from functools import cached_property

from django.conf import settings
from django.db import models
from django.db.models import ExpressionWrapper, Q
from django.urls import reverse
from django.utils.timezone import now

from research.schema import DeepDiveResult, ImportResult, ReviewResult, load_result


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    EDITOR = "editor", "Editor"
    VIEWER = "viewer", "Viewer"


class ProjectQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ProjectQuerySet":
        """Projects the user is a member of, in any role."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(memberships__user=user)

    def editable_by(self, user) -> "ProjectQuerySet":
        """Projects where the user may start and cancel jobs."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(memberships__user=user, memberships__role__in=[Role.OWNER, Role.EDITOR])


class Project(models.Model):
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_projects"
    )
    created_at = models.DateTimeField(default=now)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("project_detail", args=[self.pk])


class Membership(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.VIEWER)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="one_membership_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.project} ({self.role})"

    @property
    def can_edit(self) -> bool:
        return self.role in {Role.OWNER, Role.EDITOR}


class JobQuerySet(models.QuerySet):
    def visible_to(self, user) -> "JobQuerySet":
        """The one place that decides who may see a job: members of its project."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(project_id__in=Membership.objects.filter(user=user).values("project_id"))

    def editable_by(self, user) -> "JobQuerySet":
        """Jobs the user may cancel or retry: owners and editors of the project."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(
            project_id__in=Membership.objects.filter(
                user=user, role__in=[Role.OWNER, Role.EDITOR]
            ).values("project_id")
        )

    def deletable_by(self, user) -> "JobQuerySet":
        """Jobs the user may delete: their own while they may still edit the project, and
        every job of a project they own."""
        if not user.is_authenticated:
            return self.none()
        owned = Membership.objects.filter(user=user, role=Role.OWNER).values("project_id")
        return self.editable_by(user).filter(Q(creator_id=user.pk) | Q(project_id__in=owned))

    def for_member(self, user) -> "JobQuerySet":
        """Jobs the user may see, with can_edit, through one join on their membership: the
        cheapest read for the hot paths (it decides exactly as visible_to does)."""
        if not user.is_authenticated:
            return self.none()
        return self.for_member_id(user.pk)

    def for_member_id(self, user_id) -> "JobQuerySet":
        """for_member, from the user's id alone."""
        return self.filter(project__memberships__user_id=user_id).annotate(
            can_edit=ExpressionWrapper(
                Q(project__memberships__role__in=[Role.OWNER, Role.EDITOR]),
                output_field=models.BooleanField(),
            )
        )

    def active(self) -> "JobQuerySet":
        return self.filter(status__in=Job.ACTIVE_STATUSES)

    def finished(self) -> "JobQuerySet":
        return self.filter(status__in=Job.FINISHED_STATUSES)

    def stale(self, *, older_than: datetime) -> "JobQuerySet":
        """Processing jobs whose worker has not written a heartbeat since older_than."""
        return self.filter(status=Job.Status.PROCESSING, heartbeat_at__lt=older_than)

    def with_detail(self) -> "JobQuerySet":
        """The job with every kind's inputs and result in the same query (the kinds' large
        inputs, pasted text and uploaded files, left out)."""
        from jobs.kinds import detail_joins, large_columns

        return self.select_related(*detail_joins()).defer(*large_columns())

    def for_list(self) -> "JobQuerySet":
        """What the lists show, in one query: no results, project and creator joined."""
        from jobs.kinds import detail_joins, large_columns, result_columns

        return (
            self.select_related("project", "creator", *detail_joins())
            .defer(*result_columns(), *large_columns())
            .order_by("-created_at")
        )


class Job(models.Model):
    """One run of the engine. Status is written only by jobs.lifecycle."""

    class Kind(models.TextChoices):
        REVIEW = "review", "Literature review"
        DEEP_DIVE = "deep_dive", "Deep dive"
        IMPORT = "import", "Library import"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        PROCESSING = "processing", "Processing"
        COMPLETED = "completed", "Completed"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    ACTIVE_STATUSES = (Status.QUEUED, Status.PROCESSING)
    FINISHED_STATUSES = (Status.COMPLETED, Status.FAILED, Status.CANCELLED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    stage = models.CharField(max_length=120, default="Waiting for a worker")
    progress = models.PositiveSmallIntegerField(default=0)
    # No single-column indexes: job_project_recent and job_creator_recent start with these
    # columns, and with both SQLite's planner picks the wrong one for the jobs page.
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="jobs", db_index=False
    )
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jobs", db_index=False
    )
    created_at = models.DateTimeField(default=now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    budget_seconds = models.PositiveIntegerField()
    attempts = models.PositiveSmallIntegerField(default=0)
    worker = models.CharField(max_length=120, blank=True)
    error = models.TextField(blank=True, help_text="What went wrong, in words for the user.")
    error_detail = models.TextField(blank=True, help_text="Technical detail, for staff only.")
    retry_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="retries"
    )
    enqueued_at = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)
    pruned_at = models.DateTimeField(
        null=True, blank=True, help_text="When the result was removed under the retention policy."
    )
    input_hash = models.CharField(max_length=64, blank=True)
    idempotency_key = models.CharField(max_length=100, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        # Added by migration 0003 without locking the table on PostgreSQL.
        indexes = [
            models.Index(fields=["project", "-created_at"], name="job_project_recent"),
            models.Index(fields=["creator", "-created_at"], name="job_creator_recent"),
            models.Index(
                fields=["status", "heartbeat_at"],
                name="job_active_heartbeat",
                condition=Q(status__in=["queued", "processing"]),
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="progress_at_most_100"),
            # One active job per user, project and inputs: a double click starts one job.
            models.UniqueConstraint(
                fields=["creator", "project", "input_hash"],
                condition=Q(status__in=["queued", "processing"]),
                name="one_active_job_per_input",
            ),
            models.UniqueConstraint(
                fields=["creator", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="one_job_per_idempotency_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.id}"

    def get_absolute_url(self) -> str:
        return reverse("job_detail", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED_STATUSES

    @property
    def elapsed_seconds(self) -> int | None:
        """Seconds of work so far, or in all once finished; None before it starts."""
        if self.started_at is None:
            return None
        end = self.finished_at or now()
        return max(0, int((end - self.started_at).total_seconds()))

    @property
    def poll_after_seconds(self) -> int:
        """How long the page should wait before asking again: often at first, then less
        often for long jobs."""
        base = settings.JOB_POLL_SECONDS
        age = (now() - self.created_at).total_seconds()
        if age > 600:
            return max(base, 30)
        if age > 120:
            return max(base, 10)
        return base

    @property
    def kind_record(self):
        """This kind's record in the registry (jobs.kinds): its form, runner, labels, template."""
        from jobs.kinds import kind_of

        return kind_of(self)

    @property
    def detail(self) -> "Report | DeepDiveAnalysis | LibraryImport":
        """The kind's own inputs and result."""
        return getattr(self, self.kind_record.detail_attribute)

    @property
    def can_rerun(self) -> bool:
        """Whether a rerun would have the inputs it was given (pruning may have erased them)."""
        return self.kind_record.can_rerun(self)

    @property
    def title(self) -> str:
        return self.detail.headline


class Report(models.Model):
    """A literature review: its inputs and, once completed, its result."""

    class Preference(models.TextChoices):
        PRECISION = "precision", "Precision (fewer, closer papers)"
        RECALL = "recall", "Recall (broader search)"

    class Source(models.TextChoices):
        LIBRARY = "library", "The library"
        PUBMED = "pubmed", "PubMed (live)"
        BOTH = "both", "The library and PubMed"

    job = models.OneToOneField(Job, on_delete=models.CASCADE, primary_key=True)
    objective = models.TextField()
    molecule = models.CharField(max_length=200, blank=True)
    preference = models.CharField(
        max_length=10, choices=Preference.choices, default=Preference.PRECISION
    )
    full_text_only = models.BooleanField(default=False)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.LIBRARY)
    result = models.JSONField(null=True, blank=True)

    def __str__(self) -> str:
        return self.headline

    @property
    def headline(self) -> str:
        return self.objective[:120]

    @cached_property
    def typed_result(self) -> ReviewResult | None:
        """The result read through its schema (any stored version); None while there is none."""
        return None if self.result is None else load_result("review", self.result)

    def inputs(self) -> dict:
        return {
            "objective": self.objective,
            "molecule": self.molecule,
            "preference": self.preference,
            "full_text_only": self.full_text_only,
            "source": self.source,
        }


class DeepDiveAnalysis(models.Model):
    """A deep dive into one paper, from the library or pasted text."""

    job = models.OneToOneField(Job, on_delete=models.CASCADE, primary_key=True)
    objective = models.TextField(blank=True)
    pmid = models.CharField(max_length=255, blank=True)
    title = models.TextField(blank=True)
    text = models.TextField(blank=True)
    upload = models.BinaryField(blank=True, default=b"", help_text="An uploaded PDF or JATS XML.")
    upload_name = models.CharField(max_length=255, blank=True)
    result = models.JSONField(null=True, blank=True)

    class Meta:
        verbose_name = "deep-dive analysis"
        verbose_name_plural = "deep-dive analyses"

    def __str__(self) -> str:
        return self.headline

    @property
    def headline(self) -> str:
        if self.title:
            return self.title[:120]
        if self.upload_name:
            return self.upload_name
        return f"PMID {self.pmid}"

    @cached_property
    def typed_result(self) -> DeepDiveResult | None:
        """The result read through its schema (any stored version); None while there is none."""
        return None if self.result is None else load_result("deep_dive", self.result)

    def inputs(self) -> dict:
        return {
            "objective": self.objective,
            "pmid": self.pmid,
            "title": self.title,
            "text": self.text,
            "upload": bytes(self.upload),
            "upload_name": self.upload_name,
        }


class LibraryImport(models.Model):
    """A reference file uploaded into a project's library, imported in the background."""

    job = models.OneToOneField(Job, on_delete=models.CASCADE, primary_key=True)
    filename = models.CharField(max_length=255)
    content = models.BinaryField()
    result = models.JSONField(null=True, blank=True)

    def __str__(self) -> str:
        return self.headline

    @property
    def headline(self) -> str:
        return self.filename

    @cached_property
    def typed_result(self) -> ImportResult | None:
        """The result read through its schema (any stored version); None while there is none."""
        return None if self.result is None else load_result("import", self.result)

    def inputs(self) -> dict:
        return {"filename": self.filename, "content": bytes(self.content)}


class LibraryRecord(models.Model):
    """One paper record of a library: its identifiers and bibliographic data as columns, the
    engine's full record as JSON."""

    # A PubMed id, or for a reference without one "doi:…" or "title:<hash>".
    pmid = models.CharField(max_length=255)
    doi = models.CharField(max_length=255, blank=True)
    pmcid = models.CharField(max_length=32, blank=True)
    title = models.TextField()
    journal = models.CharField(max_length=512, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    record = models.JSONField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.pmid}: {self.title[:80]}"


class Paper(LibraryRecord):
    """One record of the shared library, keyed by PubMed id: the baseline files an operator
    imports and the records fetched from PubMed. Read-only to members: no upload writes here."""

    pmid = models.CharField(max_length=255, unique=True)


class ProjectReference(LibraryRecord):
    """A reference a project's members uploaded: private to that project, searched and
    deep-dived only from it, and never mixed into the shared library."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="references")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "pmid"], name="one_reference_per_project")
        ]


class ApiTokenQuerySet(models.QuerySet):
    def usable(self) -> "ApiTokenQuerySet":
        return self.filter(revoked_at__isnull=True, user__is_active=True)


class ApiToken(models.Model):
    """A personal token for API clients. Only its SHA-256 is stored."""

    PREFIX = "rvs_"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=12)
    created_at = models.DateTimeField(default=now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    @staticmethod
    def hash(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def issue(cls, *, user, name: str) -> tuple["ApiToken", str]:
        """Create a token and return it with its key, which is shown once and never stored."""
        key = cls.PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, key_hash=cls.hash(key), hint=key[:8])
        return token, key


class Profile(models.Model):
    """A user's preferences."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True
    )
    email_when_done = models.BooleanField(
        default=True,
        help_text="Email me when a long job finishes, fails or times out.",
    )

    def __str__(self) -> str:
        return f"Preferences of {self.user}"


class InvitationQuerySet(models.QuerySet):
    def pending(self) -> "InvitationQuerySet":
        """Invitations that can still be accepted: not used, not revoked, not expired."""
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now())


class Invitation(models.Model):
    """An invitation by email to join a project in a role. The link's token is shown once, in
    the email, and only its SHA-256 is stored; the link works once, until it expires."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(help_text="Stored in lower case; matched without regard to case.")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.VIEWER)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitations_sent"
    )
    created_at = models.DateTimeField(default=now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitations_accepted",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # Inviting an address again replaces its open invitation: one link works at a time.
            models.UniqueConstraint(
                fields=["project", "email"],
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="one_open_invitation_per_email",
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} to {self.project} ({self.role})"

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= now()


class RateBucket(models.Model):
    """A token bucket shared by every process, e.g. for NCBI's requests-per-second limit."""

    name = models.CharField(max_length=50, primary_key=True)
    tokens = models.FloatField()
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.name


class IndexBuild(models.Model):
    """The single-flight lock for building one search index directory, shared by every process
    and host that uses it: whoever holds it builds; the others keep searching the last
    complete index. A holder that stops beating loses it after INDEX_BUILD_STALE_SECONDS."""

    directory = models.CharField(max_length=64, primary_key=True)
    holder = models.CharField(max_length=200, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    builds = models.PositiveIntegerField(default=0)
    built_fingerprint = models.CharField(max_length=200, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.directory
