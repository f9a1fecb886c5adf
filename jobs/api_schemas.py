"""The JSON API's request and response shapes, from which django-ninja writes the OpenAPI
document and against which it checks every answer.

Request bodies are *described* here but their values are *validated* by the forms in
jobs/forms.py, the same forms the pages use, so a rule lives in one place and the API's field
errors read exactly as the pages' do. A request field therefore accepts any single JSON value (a
list or an object is refused here, as the forms cannot read one) and carries the JSON Schema of
what the form accepts; tests/integration/test_openapi.py keeps these fields in step with the
forms."""

from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import BaseModel, BeforeValidator, ConfigDict, WithJsonSchema
from pydantic_core import PydanticCustomError

from research.schema import DeepDiveResult, ImportResult, ReviewResult

SINGLE_VALUE_MESSAGE = "Expected a single value, not a list or object."


def _single_value(value: Any) -> Any:
    if isinstance(value, list | dict):
        raise PydanticCustomError("invalid", SINGLE_VALUE_MESSAGE)
    return value


# A body field whose value a form validates; its WithJsonSchema documents what the form accepts.
SingleValue = Annotated[Any, BeforeValidator(_single_value)]


def _text(description: str, max_length: int | None = None, **extra: Any) -> WithJsonSchema:
    """The documentation of a text field."""
    schema: dict[str, Any] = {"type": "string", "description": description, **extra}
    if max_length is not None:
        schema["maxLength"] = max_length
    return WithJsonSchema(schema)


PROJECT_ID = WithJsonSchema(
    {"type": "integer", "description": "The id of a project in which you are an owner or editor."}
)


class JobRequest(BaseModel):
    # A plain pydantic model, not ninja's Schema: Schema reads its input as attributes, which
    # would drop the extra keys. Keys a form does not read are ignored but must still be single
    # values, as before.
    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, SingleValue]

    project_id: Annotated[SingleValue, PROJECT_ID] = None


class ReviewRequest(JobRequest):
    """A review of the project's library (or of live PubMed) for an objective."""

    model_config = ConfigDict(json_schema_extra={"required": ["project_id", "objective"]})

    objective: Annotated[
        SingleValue, _text("What you want to find out (3–2,000 characters).", 2000, minLength=3)
    ] = None
    molecule: Annotated[SingleValue, _text("Optional drug or molecule to focus on.", 200)] = None
    preference: Annotated[
        SingleValue,
        WithJsonSchema({"type": "string", "enum": ["precision", "recall"], "default": "precision"}),
    ] = None
    full_text_only: Annotated[
        SingleValue,
        WithJsonSchema(
            {
                "type": "boolean",
                "default": False,
                "description": "Only papers with free full text (PubMed Central).",
            }
        ),
    ] = None
    source: Annotated[
        SingleValue,
        WithJsonSchema(
            {"type": "string", "enum": ["library", "pubmed", "both"], "default": "library"}
        ),
    ] = None


class DeepDiveRequest(JobRequest):
    """A deep dive into one paper: give exactly one of `pmid`, `title` + `text`, or (multipart
    only) `file`."""

    model_config = ConfigDict(json_schema_extra={"required": ["project_id"]})

    pmid: Annotated[
        SingleValue,
        _text(
            "A PMID (or doi:… / title:… key) of a paper in the project's library.",
            pattern=r"^(\d{1,10}|doi:\S+|title:[0-9a-f]{12})$",
        ),
    ] = None
    title: Annotated[SingleValue, _text("The title of a pasted paper.", 500)] = None
    text: Annotated[
        SingleValue, _text("A pasted paper's abstract or full text (20 words or more).")
    ] = None
    objective: Annotated[
        SingleValue, _text("Optional: what you want to learn from this paper.", 2000)
    ] = None
    file: Annotated[
        SingleValue,
        WithJsonSchema(
            {
                "type": "string",
                "format": "binary",
                "description": "multipart/form-data only: the paper's PDF or PMC XML (JATS).",
            }
        ),
    ] = None


class ImportRequest(JobRequest):
    """A reference file to add to the project's library (multipart/form-data)."""

    model_config = ConfigDict(json_schema_extra={"required": ["project_id", "file"]})

    file: Annotated[
        SingleValue,
        WithJsonSchema(
            {
                "type": "string",
                "format": "binary",
                "description": "PubMed XML (plain or .gz), MEDLINE/.nbib, RIS, BibTeX or CSV.",
            }
        ),
    ] = None


JobKind = Literal["review", "deep_dive", "import"]
JobStatusName = Literal["queued", "processing", "completed", "failed", "cancelled"]


class Accepted(Schema):
    """A job queued (202), or the identical job of yours already queued or running (200)."""

    job_id: str
    job_type: JobKind
    status: JobStatusName
    poll_url: str
    message: str


class JobStatus(Schema):
    """A job's state; `result` is present once it has completed."""

    job_id: str
    job_type: JobKind
    status: JobStatusName
    stage: str
    progress: int
    created_at: str
    started_at: str | None
    finished_at: str | None
    elapsed_seconds: int | None
    error: str | None
    result_url: str
    poll_after_seconds: int | None
    result: ReviewResult | DeepDiveResult | ImportResult | None = None


class Error(Schema):
    error: str


class FieldError(Schema):
    message: str
    code: str


class InvalidInput(Schema):
    """400: `fields` maps each field (or `__all__`) to what is wrong with it."""

    error: str
    fields: dict[str, list[FieldError]] | None = None


class CancelConflict(Schema):
    """409: the job had already finished."""

    error: str
    job_status: JobStatusName
