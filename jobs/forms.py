"""Input validation for jobs, projects, members, invitations and accounts. No side effects."""

import re

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm

from jobs.library import project_has
from jobs.models import Invitation, Job, Membership, Project, Report, Role
from research.formats import ReferenceFormatError, detect_format


class JobInputForm(forms.Form):
    """A job's inputs, checked against what the job's project may read."""

    def __init__(self, *args, project: Project | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.project = project


class ReviewForm(JobInputForm):
    objective = forms.CharField(
        min_length=3,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What do you want to find out? e.g. remdesivir treatment outcomes in COVID-19",
    )
    molecule = forms.CharField(
        max_length=200, required=False, help_text="Optional drug or molecule to focus on."
    )
    preference = forms.ChoiceField(
        choices=Report.Preference.choices, initial=Report.Preference.PRECISION, required=False
    )
    full_text_only = forms.BooleanField(
        required=False, label="Only papers with free full text (PubMed Central)"
    )
    source = forms.ChoiceField(
        choices=Report.Source.choices,
        initial=Report.Source.LIBRARY,
        required=False,
        label="Search",
        help_text="PubMed searches are stored in the library, so the review can be read again.",
    )

    def clean_objective(self) -> str:
        return " ".join(self.cleaned_data["objective"].split())

    def clean_molecule(self) -> str:
        return " ".join(self.cleaned_data["molecule"].split())

    def clean_preference(self) -> str:
        return self.cleaned_data["preference"] or Report.Preference.PRECISION

    def clean_source(self) -> str:
        return self.cleaned_data["source"] or Report.Source.LIBRARY


def read_upload(upload, *, kinds: str) -> bytes:
    """The uploaded file's bytes, refused with a clear message when it is too large."""
    limit = settings.UPLOAD_MAX_BYTES
    if upload.size > limit:
        raise forms.ValidationError(
            f"The file is {upload.size:,} bytes; the limit is {limit:,} bytes for {kinds}."
        )
    return upload.read()


class DeepDiveForm(JobInputForm):
    pmid = forms.RegexField(
        regex=r"^(\d{1,10}|doi:\S+|title:[0-9a-f]{12})$",
        required=False,
        label="PMID from the library",
        error_messages={"invalid": "A PMID is a number, e.g. 32445440."},
    )
    file = forms.FileField(
        required=False,
        label="Or: the paper's PDF or PMC full-text XML (JATS)",
        help_text="Full text gives a deeper analysis than an abstract.",
    )
    title = forms.CharField(max_length=500, required=False, label="Or: title of a pasted paper")
    text = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        label="Pasted text (abstract or full text)",
    )
    objective = forms.CharField(
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Optional: what you want to learn from this paper.",
    )

    def clean_text(self) -> str:
        text = self.cleaned_data["text"]
        limit = settings.DEEP_DIVE_MAX_CHARACTERS
        if len(text) > limit:
            raise forms.ValidationError(
                f"The text is {len(text):,} characters long; the limit is {limit:,}."
            )
        return text

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if not upload:
            return None
        content = read_upload(upload, kinds="a paper")
        head = content[:2048].lstrip()
        if not (content.startswith(b"%PDF") or (head.startswith(b"<") and b"<article" in content)):
            raise forms.ValidationError("Upload a PDF, or a PMC full-text XML (JATS) file.")
        return (upload.name[:255], content)

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        pmid, title, text = data.get("pmid"), data.get("title", ""), data.get("text", "")
        upload = data.pop("file", None)
        data["upload_name"], data["upload"] = upload or ("", b"")
        if self.errors:
            return data
        if sum(map(bool, [pmid, text.strip(), upload])) > 1:
            raise forms.ValidationError("Give one of: a PMID, a pasted paper or a file.")
        if upload:
            return data
        if pmid:
            if self.project is None or not project_has(pmid, project_id=self.project.pk):
                self.add_error("pmid", f"PMID {pmid} is not in the library.")
        elif not text.strip():
            raise forms.ValidationError("Give a PMID from the library, or paste a paper's text.")
        elif not title.strip():
            self.add_error("title", "Give the pasted paper a title.")
        elif len(text.split()) < 20:
            self.add_error("text", "Paste at least a full abstract (20 words or more).")
        return data


class ImportForm(JobInputForm):
    file = forms.FileField(
        label="Reference file",
        help_text="PubMed XML (plain or .gz), MEDLINE/.nbib, RIS, BibTeX or CSV.",
    )

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        upload = data.pop("file", None)
        if upload is None:
            return data
        try:
            content = read_upload(upload, kinds="a reference file")
        except forms.ValidationError as exc:
            self.add_error("file", exc)
            return data
        try:
            detect_format(upload.name, content[:4096])
        except ReferenceFormatError as exc:
            self.add_error("file", str(exc))
            return data
        data["filename"], data["content"] = upload.name[:255], content
        return data


class ProjectChoiceForm(forms.Form):
    """The project a job is started in, for API clients."""

    project_id = forms.IntegerField(
        error_messages={"required": "Give the id of one of your projects."}
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_project_id(self) -> Project:
        visible = Project.objects.visible_to(self.user)
        project = visible.filter(pk=self.cleaned_data["project_id"]).first()
        if project is None:
            raise forms.ValidationError("No project of yours has this id.")
        return project


class ProjectForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = ["name", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


class MemberForm(forms.Form):
    username = forms.CharField(max_length=150)
    role = forms.ChoiceField(choices=[(Role.EDITOR, "Editor"), (Role.VIEWER, "Viewer")])

    def __init__(self, *args, project: Project, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.project = project

    def clean_username(self):
        user = get_user_model().objects.filter(username=self.cleaned_data["username"]).first()
        if user is None:
            raise forms.ValidationError("No user has this name.")
        if Membership.objects.filter(project=self.project, user=user).exists():
            raise forms.ValidationError("This user is already a member.")
        return user


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What the token is for, e.g. 'lab script'.")


class JobFilterForm(forms.Form):
    status = forms.ChoiceField(choices=[("", "Any status"), *Job.Status.choices], required=False)
    kind = forms.ChoiceField(choices=[("", "Any kind"), *Job.Kind.choices], required=False)
    project = forms.ModelChoiceField(
        queryset=Project.objects.none(), required=False, empty_label="Any project"
    )

    def __init__(self, *args, projects, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["project"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = projects

    def apply(self, jobs):
        """Narrow a job QuerySet to the chosen filters."""
        data = self.cleaned_data
        if data["status"]:
            jobs = jobs.filter(status=data["status"])
        if data["kind"]:
            jobs = jobs.filter(kind=data["kind"])
        if data["project"]:
            jobs = jobs.filter(project=data["project"])
        return jobs


class ProfileForm(forms.Form):
    email = forms.EmailField(required=False, help_text="Where we send word of finished jobs.")
    email_when_done = forms.BooleanField(
        required=False, label="Email me when a long job finishes, fails or times out"
    )


INVITED_ROLES = [(Role.VIEWER, "Viewer"), (Role.EDITOR, "Editor")]


class InvitationForm(forms.Form):
    email = forms.EmailField(max_length=254, label="Email address")
    role = forms.ChoiceField(choices=INVITED_ROLES, initial=Role.VIEWER)

    def __init__(self, *args, project: Project, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.project = project

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        members = Membership.objects.filter(project=self.project, user__email__iexact=email)
        if members.exists():
            raise forms.ValidationError("Someone with this email address is already a member.")
        return email


def suggested_username(email: str) -> str:
    """A free username made from the address's local part, e.g. ada.lovelace or ada.lovelace2."""
    base = re.sub(r"[^\w.+-]", "", email.split("@")[0], flags=re.ASCII)[:140] or "member"
    users = get_user_model().objects
    candidate, n = base, 1
    while users.filter(username__iexact=candidate).exists():
        n += 1
        candidate = f"{base}{n}"
    return candidate


class InvitedUserForm(UserCreationForm):
    """A new account for the invited address: a username and a password the site's password
    validators accept (they also compare it with the address)."""

    def __init__(self, *args, invitation: Invitation, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.invitation = invitation
        self.instance.email = invitation.email
        self.fields["username"].widget.attrs.pop("autofocus", None)
        self.fields["password1"].widget.attrs["autofocus"] = True

    def clean(self) -> dict | None:
        if get_user_model().objects.filter(email__iexact=self.invitation.email).exists():
            raise forms.ValidationError(
                f"An account with the address {self.invitation.email} already exists: log in "
                "with it to accept, or reset its password if you have forgotten it."
            )
        return super().clean()


class SignupForm(UserCreationForm):
    """Open sign-up: a username, an email address for password resets, and a password."""

    email = forms.EmailField(max_length=254, help_text="Used to reset your password.")

    class Meta(UserCreationForm.Meta):
        fields = ("username", "email")
