"""One record per kind of job: everything that differs between a literature review, a deep dive
and a library import is declared here, and the rest of the app looks it up instead of asking
"which kind is this?"."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

from django.conf import settings
from django.db import models
from django.utils.module_loading import import_string

from jobs.forms import DeepDiveForm, ImportForm, JobInputForm, ReviewForm
from jobs.models import DeepDiveAnalysis, Job, LibraryImport, Report


@dataclass(frozen=True)
class JobKind:
    kind: str
    detail_model: type[models.Model]
    form: type[JobInputForm]
    # The engine runner in jobs.execution, imported on first use (execution needs the lifecycle,
    # which needs this registry).
    runner_path: str
    # Which JOB_BUDGET_SECONDS entry (and so which JOB_BUDGET_* variable) sets the time budget,
    # from the job's inputs.
    budget_key: Callable[[Mapping], str]
    # The engine's stage names in words a researcher reads in the progress bar.
    stage_labels: Mapping[str, str]
    # The partials that show the job's inputs and, once it completed, its result.
    inputs_template: str
    result_template: str
    # Charts of a completed result, for its page (a function of the typed result, by path).
    charts_path: str = ""
    # Input columns too large to read with the job; the runner reads them itself.
    large_inputs: tuple[str, ...] = ()
    # What job_prune erases: the result, and inputs not worth keeping (uploads, pasted text).
    pruned_values: Mapping[str, object] = field(default_factory=lambda: {"result": None})
    # Whether a pruned job can run again from what pruning kept (its detail row).
    rerunnable_after_pruning: Callable[[models.Model], bool] = lambda detail: True
    # The admin's extra columns: the inputs shown on a job's page and searched.
    admin_fields: tuple[str, ...] = ()
    admin_search_fields: tuple[str, ...] = ()
    admin_list_filter: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return Job.Kind(self.kind).label

    @property
    def detail_attribute(self) -> str:
        """The name of the job's one-to-one accessor for its detail row, e.g. job.report."""
        return str(self.detail_model._meta.model_name)

    @property
    def form_name(self) -> str:
        """The form's name in the project page's context."""
        return f"{self.kind}_form"

    @cached_property
    def runner(self) -> Callable:
        return import_string(self.runner_path)

    def charts(self, result) -> dict:
        """The result's charts for its page; none for a kind without charts."""
        return import_string(self.charts_path)(result) if self.charts_path else {}

    def budget_seconds(self, inputs: Mapping) -> int:
        return settings.JOB_BUDGET_SECONDS[self.budget_key(inputs)]

    def stage_label(self, stage: str) -> str:
        return self.stage_labels.get(stage) or readable_stage(stage)

    def can_rerun(self, job: Job) -> bool:
        """Whether running the job again would run it on the inputs it was given."""
        return job.pruned_at is None or self.rerunnable_after_pruning(job.detail)


def readable_stage(stage: str) -> str:
    """A stage no kind names, made readable: "full_text" -> "Full text", and a runner's own
    words ("Searching PubMed") kept as they are."""
    stage = stage.replace("_", " ")
    return stage[:1].upper() + stage[1:]


REVIEW = JobKind(
    kind=Job.Kind.REVIEW,
    detail_model=Report,
    form=ReviewForm,
    runner_path="jobs.execution._review",
    budget_key=lambda inputs: (
        "review_recall" if inputs.get("preference") == "recall" else "review_precision"
    ),
    stage_labels={
        "plan": "Planning search queries",
        "retrieve": "Searching the library",
        "expand": "Widening the search",
        "deduplicate": "Removing duplicates",
        "rank": "Ranking papers",
        "analyse": "Analysing the top papers",
        "synthesise": "Writing the summary",
        "done": "Finishing",
    },
    inputs_template="jobs/job_detail.html#review-inputs",
    result_template="jobs/job_detail.html#review-result",
    charts_path="jobs.operations.review_charts",
    admin_fields=("objective", "molecule", "preference", "full_text_only", "source"),
    admin_search_fields=("objective", "molecule"),
    admin_list_filter=("preference", "source"),
)

DEEP_DIVE = JobKind(
    kind=Job.Kind.DEEP_DIVE,
    detail_model=DeepDiveAnalysis,
    form=DeepDiveForm,
    runner_path="jobs.execution._deep_dive",
    budget_key=lambda inputs: "deep_dive",
    stage_labels={
        "read": "Reading the paper",
        "design": "Identifying the study design",
        "methods": "Extracting the methods",
        "results": "Extracting the results",
        "interpret": "Weighing limitations and relevance",
        "done": "Finishing",
    },
    inputs_template="jobs/job_detail.html#deep-dive-inputs",
    result_template="jobs/job_detail.html#deep-dive-result",
    large_inputs=("text", "upload"),
    # Pasted papers and uploaded files are the member's own material: kept no longer than the
    # result they produced. A paper read from the library by PMID can be read again.
    pruned_values={"result": None, "text": "", "upload": b""},
    rerunnable_after_pruning=lambda detail: bool(getattr(detail, "pmid", "")),
    admin_fields=("objective", "pmid", "title", "upload_name"),
    admin_search_fields=("objective", "pmid", "title", "upload_name"),
)

IMPORT = JobKind(
    kind=Job.Kind.IMPORT,
    detail_model=LibraryImport,
    form=ImportForm,
    runner_path="jobs.execution._import",
    budget_key=lambda inputs: "import",
    stage_labels={"done": "Finishing"},
    inputs_template="jobs/job_detail.html#import-inputs",
    result_template="jobs/job_detail.html#import-result",
    large_inputs=("content",),
    # The uploaded file goes with the result; its references stay in the project's library.
    pruned_values={"result": None, "content": b""},
    rerunnable_after_pruning=lambda detail: False,
    admin_fields=("filename",),
    admin_search_fields=("filename",),
)

KINDS: dict[str, JobKind] = {kind.kind: kind for kind in (REVIEW, DEEP_DIVE, IMPORT)}


def kind_of(job_or_kind: Job | str) -> JobKind:
    """The record of a job's kind (or of a kind's name)."""
    return KINDS[job_or_kind.kind if isinstance(job_or_kind, Job) else job_or_kind]


def detail_joins() -> list[str]:
    """The job's one-to-one accessors of every kind, for select_related."""
    return [kind.detail_attribute for kind in KINDS.values()]


def large_columns() -> list[str]:
    """Every kind's large input columns, as lookups from the job, for defer."""
    return [
        f"{kind.detail_attribute}__{name}" for kind in KINDS.values() for name in kind.large_inputs
    ]


def result_columns() -> list[str]:
    """Every kind's result column, as lookups from the job, for defer."""
    return [f"{kind.detail_attribute}__result" for kind in KINDS.values()]
