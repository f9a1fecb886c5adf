"""Email a job's creator when a long job ends, once."""

import logging
from uuid import UUID

from django.conf import settings
from django.core.mail import send_mail
from django.utils.timezone import now

from jobs.models import Job, Profile

log = logging.getLogger(__name__)

SUBJECTS = {
    Job.Status.COMPLETED: "Your {kind} is ready",
    Job.Status.FAILED: "Your {kind} could not be finished",
}


def notify_if_long(*, job_id: UUID) -> bool:
    """Send the creator one email if the job ran past the threshold and they want emails."""
    job = Job.objects.select_related("creator").with_detail().get(pk=job_id)
    if job.status not in SUBJECTS or not job.creator.email:
        return False
    if (job.elapsed_seconds or 0) < settings.JOB_NOTIFY_AFTER_SECONDS:
        return False
    if Profile.objects.filter(user=job.creator, email_when_done=False).exists():
        return False
    # Claim the announcement first, so a job is announced once whoever gets here first.
    if not Job.objects.filter(pk=job.pk, notified_at__isnull=True).update(notified_at=now()):
        return False
    return _send(job)


def _send(job: Job) -> bool:
    kind = job.get_kind_display().lower()
    link = settings.SITE_URL + job.get_absolute_url()
    lines = [f"Hello {job.creator.get_username()},", ""]
    if job.status == Job.Status.COMPLETED:
        lines.append(f"Your {kind} “{job.title}” finished after {job.elapsed_seconds} seconds.")
    else:
        lines.append(f"Your {kind} “{job.title}” could not be finished: {job.error}")
    lines += ["", f"Open it here: {link}", "", "You can turn these emails off in your profile."]
    try:
        send_mail(
            SUBJECTS[Job.Status(job.status)].format(kind=kind),
            "\n".join(lines),
            None,
            [job.creator.email],
        )
    except OSError:
        log.exception("could not email %s about job %s", job.creator.email, job.pk)
        return False
    return True
