"""The one definition of what the engine returns: reviews, deep dives and imports, versioned.

Every result is a frozen pydantic dataclass. The engine builds them, the worker stores their JSON
(`to_dict()`, which carries `schema_version`), and pages, exports, charts and the command line
read them back with `load_result`, which also upgrades what earlier versions stored.

Why pydantic v2 (and not cattrs): results come back from a JSON column written by any earlier
version, and a stored result that does not fit must fail with an error that names the field and
the value, not with a KeyError three templates later; pydantic validates with exactly such errors,
writes the JSON Schema of each result (`json_schema`) for API readers, and its dataclasses are
plain typed dataclasses to mypy --strict. Pydantic *dataclasses* rather than BaseModel, so the
engine keeps building results the way it always has (positional arguments included) and is
checked as it builds them.

Versions:
  1. no `schema_version`; reviews stored before live PubMed searches lack `source` (they were
     all library reviews), before synthesis lack `synthesis`, and before project libraries
     lack each paper's `from_project`.
  2. `schema_version: 2` on every result; review `source`, `synthesis` and per-paper
     `from_project` are part of the result instead of keys added after serialisation.
     Deep-dive quotes (anchors, methods, key results, limitations) later gained the `section`
     they were read from; results stored before it load with `section` "" (not recorded).

Unknown keys are refused: a result with a key the schema does not know was written by a producer
the schema does not describe, which is a bug to find, not data to drop quietly.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, Literal, overload

from pydantic import ConfigDict, Field, TypeAdapter, ValidationError
from pydantic.dataclasses import dataclass

from research.version import ENGINE_VERSION

SCHEMA_VERSION: Final = 2
ResultKind = Literal["review", "deep_dive", "import"]
Preference = Literal["precision", "recall"]
ReviewSource = Literal["library", "pubmed", "both"]
SynthesisUsed = Literal["llm", "extractive"]

_STRICT = ConfigDict(extra="forbid")


class StoredResult:
    """What every result has: its JSON form, as stored, exported and served (read one back with
    load_result, which also reads earlier versions)."""

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = _ADAPTERS_BY_TYPE[type(self)].dump_python(self, mode="json")
        return data


class ResultSchemaError(Exception):
    """A stored result that no version of the schema describes (our bug, not the user's)."""


# --- Reviews ---------------------------------------------------------------------------------


@dataclass(frozen=True, config=_STRICT)
class QueryRun:
    """One search the review ran and what it found."""

    query: str
    purpose: str
    hits: int
    top_pmid: str


@dataclass(frozen=True, config=_STRICT)
class FactAnchor:
    """A verbatim quote from a paper's title or abstract backing a statement."""

    pmid: str
    section: str
    quote: str


@dataclass(frozen=True, config=_STRICT)
class ScoreBreakdown:
    """The parts of a paper's ranking score, each in [0, 1]."""

    objective_similarity: float
    recency: float
    evidence_level: float
    molecule_match: float
    overall: float


@dataclass(frozen=True, config=_STRICT)
class ReviewedPaper:
    """One analysed paper of the review, in rank order."""

    rank: int
    pmid: str
    title: str
    journal: str
    year: int | None
    authors: tuple[str, ...]
    doi: str
    pmcid: str
    url: str
    publication_types: tuple[str, ...]
    summary: str
    fact_anchors: tuple[FactAnchor, ...]
    relevance: str
    scores: ScoreBreakdown
    evidence_label: str
    matched_queries: tuple[str, ...]
    # Whether the paper came from the project's own references (set by the web side).
    from_project: bool = False


@dataclass(frozen=True, config=_STRICT)
class PaperGroup:
    """The analysed papers a search found, best first."""

    query: str
    top_pmid: str
    pmids: tuple[str, ...]


@dataclass(frozen=True, config=_STRICT)
class ReviewDiagnostics:
    """How the review ran; timings_ms is the only part that varies between identical runs."""

    library_size: int
    pool_size: int
    shortlist_size: int
    analysed: int
    duplicates_removed: int
    weights: dict[str, float]
    timings_ms: dict[str, float]
    engine_version: str = ENGINE_VERSION
    # Which build of the shared search index answered (the web app's reviews); absent before.
    library_version: str = Field(default="", exclude_if=lambda value: not value)


@dataclass(frozen=True, config=_STRICT)
class Synthesis:
    """Which text the report shows, the extractive one or a checked language-model rewrite."""

    used: SynthesisUsed
    note: str
    # With a language model: its name, and which text each part kept ("executive_summary" or
    # a PMID → "llm" / "extractive"). Left out of the JSON when no model was asked.
    model: str | None = Field(default=None, exclude_if=lambda value: value is None)
    parts: dict[str, SynthesisUsed] | None = Field(
        default=None, exclude_if=lambda value: value is None
    )


@dataclass(frozen=True, config=_STRICT)
class ReviewResult(StoredResult):
    """A finished review."""

    objective: str
    molecule: str
    preference: Preference
    full_text_only: bool
    queries: tuple[QueryRun, ...]
    papers: tuple[ReviewedPaper, ...]
    groups: tuple[PaperGroup, ...]
    executive_summary: str
    executive_summary_anchors: tuple[FactAnchor, ...]
    year_distribution: dict[str, int]
    diagnostics: ReviewDiagnostics
    # Where the papers were searched: the library, live PubMed, or both.
    source: ReviewSource = "library"
    # How the summaries were written; None until someone decides (the engine alone does not).
    synthesis: Synthesis | None = None
    schema_version: int = SCHEMA_VERSION


# --- Deep dives ------------------------------------------------------------------------------


@dataclass(frozen=True, config=_STRICT)
class Anchor:
    """A verbatim quote backing one field of the scientific model, and the section it is from."""

    field: str
    quote: str
    # The section the quote was read from (Title, Methods, Results …); "" when not known.
    section: str = ""


@dataclass(frozen=True, config=_STRICT)
class ScientificModel:
    """How the study was designed."""

    study_design: str
    model_type: str
    population: str
    sample_size: int | None
    arms: tuple[str, ...]
    randomisation: str
    blinding: str
    control_type: str
    strengths: tuple[str, ...]
    limitations: tuple[str, ...]
    anchors: tuple[Anchor, ...]


@dataclass(frozen=True, config=_STRICT)
class ExperimentalMethod:
    """A technique the paper used, with the sentence that names it."""

    technique: str
    category: str
    quote: str
    section: str = ""


@dataclass(frozen=True, config=_STRICT)
class KeyResult:
    """A reported number: p-value, interval, ratio, effect size, count or percentage."""

    kind: str
    value: str
    direction: str
    quote: str
    section: str = ""


@dataclass(frozen=True, config=_STRICT)
class LimitationNote:
    """A limitation or possible bias, with the sentence it is read from and that sentence's
    section ("" when it follows from the design alone)."""

    text: str
    quote: str
    section: str = ""


@dataclass(frozen=True, config=_STRICT)
class ResultsInterpretation:
    """What the paper found and how far to trust it."""

    key_results: tuple[KeyResult, ...]
    limitations_biases: tuple[LimitationNote, ...]
    relevance_to_objective: str


@dataclass(frozen=True, config=_STRICT)
class DeepDiveDiagnostics:
    """What was analysed; timings_ms is the only part that varies between identical runs."""

    # library_abstract, pasted_abstract, pasted_text, or pdf_/jats_/pasted_full_text
    source: str
    characters: int
    sentences: int
    sections_detected: tuple[str, ...]
    timings_ms: dict[str, float]


@dataclass(frozen=True, config=_STRICT)
class DeepDiveResult(StoredResult):
    """A finished deep dive."""

    title: str
    pmid: str
    objective: str
    scientific_model: ScientificModel
    experimental_methods: tuple[ExperimentalMethod, ...]
    results_interpretation: ResultsInterpretation
    diagnostics: DeepDiveDiagnostics
    schema_version: int = SCHEMA_VERSION


# --- Imports ---------------------------------------------------------------------------------


@dataclass(frozen=True, config=_STRICT)
class SkippedEntry:
    """An entry of the file left out, where it was and why."""

    entry: int
    label: str
    reason: str


@dataclass(frozen=True, config=_STRICT)
class ImportResult(StoredResult):
    """A finished library import: what the file held and what it changed in the library."""

    filename: str
    format: str
    entries: int
    duplicates_merged: int
    skipped: tuple[SkippedEntry, ...]
    # Written when the import publishes, in the transaction that completes it.
    added: int = 0
    updated: int = 0
    already_present: int = 0
    schema_version: int = SCHEMA_VERSION


Result = ReviewResult | DeepDiveResult | ImportResult

_REVIEW: Final = TypeAdapter(ReviewResult)
_DEEP_DIVE: Final = TypeAdapter(DeepDiveResult)
_IMPORT: Final = TypeAdapter(ImportResult)
_ADAPTERS: Final[dict[str, TypeAdapter[Any]]] = {
    "review": _REVIEW,
    "deep_dive": _DEEP_DIVE,
    "import": _IMPORT,
}
_ADAPTERS_BY_TYPE: Final[dict[type, TypeAdapter[Any]]] = {
    ReviewResult: _REVIEW,
    DeepDiveResult: _DEEP_DIVE,
    ImportResult: _IMPORT,
}
_TYPES: Final[dict[str, type[Result]]] = {
    "review": ReviewResult,
    "deep_dive": DeepDiveResult,
    "import": ImportResult,
}


@overload
def load_result(kind: Literal["review"], data: Mapping[str, Any] | Result) -> ReviewResult: ...
@overload
def load_result(kind: Literal["deep_dive"], data: Mapping[str, Any] | Result) -> DeepDiveResult: ...
@overload
def load_result(kind: Literal["import"], data: Mapping[str, Any] | Result) -> ImportResult: ...
@overload
def load_result(kind: str, data: Mapping[str, Any] | Result) -> Result: ...
def load_result(kind: str, data: Mapping[str, Any] | Result) -> Result:
    """The typed result of a job of this kind, from a typed result or JSON of any version.

    Raises ResultSchemaError naming what does not fit."""
    if kind not in _TYPES:
        raise ResultSchemaError(f"No result schema for jobs of kind {kind!r}.")
    wanted = _TYPES[kind]
    if isinstance(data, ReviewResult | DeepDiveResult | ImportResult):
        if not isinstance(data, wanted):
            raise ResultSchemaError(f"A {type(data).__name__} is not a {kind} result.")
        return data
    if not isinstance(data, Mapping):
        raise ResultSchemaError(
            f"A {kind} result must be a JSON object, not {type(data).__name__}."
        )
    version = data.get("schema_version", 1)
    if version == 1:
        data = _UPGRADES_FROM_1[kind](dict(data))
    elif version != SCHEMA_VERSION:
        raise ResultSchemaError(
            f"This {kind} result has schema version {version!r}; this version of the engine "
            f"reads versions 1 to {SCHEMA_VERSION}."
        )
    try:
        loaded: Result = _ADAPTERS[kind].validate_python(data)
    except ValidationError as exc:
        raise ResultSchemaError(f"A stored {kind} result does not fit the schema: {exc}") from exc
    return loaded


def json_schema(kind: ResultKind) -> dict[str, Any]:
    """The JSON Schema of a kind's current result version."""
    schema: dict[str, Any] = _ADAPTERS[kind].json_schema(mode="serialization")
    return schema


def _review_from_1(data: dict[str, Any]) -> dict[str, Any]:
    """Version 1 reviews: source, synthesis and from_project may be missing."""
    data.setdefault("source", "library")  # live PubMed searches came with synthesis
    data.setdefault("synthesis", None)
    papers = data.get("papers")
    if isinstance(papers, list):
        data["papers"] = [_with_defaults(paper, from_project=False) for paper in papers]
    data["diagnostics"] = _with_defaults(
        data.get("diagnostics"),
        duplicates_removed=0,
        weights={},
        timings_ms={},
        engine_version="",  # unknown: older than the field
    )
    data["schema_version"] = SCHEMA_VERSION
    return data


def _deep_dive_from_1(data: dict[str, Any]) -> dict[str, Any]:
    """Version 1 deep dives differ only by having no version."""
    data["diagnostics"] = _with_defaults(data.get("diagnostics"), timings_ms={})
    data["schema_version"] = SCHEMA_VERSION
    return data


def _import_from_1(data: dict[str, Any]) -> dict[str, Any]:
    """Version 1 imports differ only by having no version."""
    data["schema_version"] = SCHEMA_VERSION
    return data


def _with_defaults(value: object, **defaults: object) -> object:
    """A JSON object with the keys it lacks set to their defaults; anything else as it is, for
    validation to refuse."""
    return {**defaults, **value} if isinstance(value, Mapping) else value


_UPGRADES_FROM_1: Final = {
    "review": _review_from_1,
    "deep_dive": _deep_dive_from_1,
    "import": _import_from_1,
}
