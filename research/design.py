"""The one study-design classifier: what kind of study a paper is, and how strong its evidence.

Reviews rank papers by the evidence level of their design; deep dives name the design and quote
the sentence that shows it. Both ask classify_design, which reads NLM's publication types and
MeSH headings, then cue phrases in the title and in the text. The strongest design any signal
supports wins; at equal strength the more authoritative signal (publication type, MeSH, title,
text, in that order) and then the more specific design (earlier in DESIGNS) do.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from research.records import PaperRecord
from research.text import Sentence, split_sentences


@dataclass(frozen=True, slots=True)
class EvidenceLevel:
    """One rung of the evidence ladder."""

    key: str
    label: str
    score: float


# Highest first: meta-analysis > systematic review > RCT > clinical trial > cohort/observational
# > review > case report > other.
META_ANALYSIS = EvidenceLevel("meta_analysis", "Meta-analysis", 1.0)
SYSTEMATIC_REVIEW = EvidenceLevel("systematic_review", "Systematic review", 0.9)
RCT = EvidenceLevel("rct", "Randomised controlled trial", 0.8)
CLINICAL_TRIAL = EvidenceLevel("clinical_trial", "Clinical trial", 0.7)
OBSERVATIONAL = EvidenceLevel("observational", "Cohort or observational study", 0.55)
REVIEW = EvidenceLevel("review", "Review", 0.45)
CASE_REPORT = EvidenceLevel("case_report", "Case report", 0.3)
OTHER = EvidenceLevel("other", "Other study", 0.2)
LEVELS = (
    META_ANALYSIS, SYSTEMATIC_REVIEW, RCT, CLINICAL_TRIAL, OBSERVATIONAL, REVIEW, CASE_REPORT,
    OTHER,
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class StudyDesign:
    """A kind of study, its evidence level and the signals that show it.

    Title cues are matched in the lower-cased title padded with spaces and are trusted more than
    text cues ("review" in a title names the paper; in an abstract it is often "chart review").
    """

    name: str
    level: EvidenceLevel
    publication_types: frozenset[str] = frozenset()
    mesh: frozenset[str] = frozenset()
    title_cues: tuple[str, ...] = ()
    text_cues: tuple[str, ...] = ()


# Strongest evidence first; within a level, the most specific design first.
DESIGNS: tuple[StudyDesign, ...] = (
    StudyDesign(
        "meta-analysis", META_ANALYSIS,
        publication_types=frozenset({"meta-analysis", "network meta-analysis"}),
        title_cues=("meta-analysis", "meta-analyses", "metaanalysis", "meta analysis"),
        text_cues=("meta-analysis", "meta-analyses", "metaanalysis", "meta analysis",
                   "pooled analysis of"),
    ),
    StudyDesign(
        "systematic review", SYSTEMATIC_REVIEW,
        publication_types=frozenset({"systematic review"}),
        title_cues=("systematic review", "systematic literature review"),
        text_cues=("systematic review", "systematically searched", "prisma"),
    ),
    StudyDesign(
        "randomised controlled trial", RCT,
        publication_types=frozenset(
            {"randomized controlled trial", "pragmatic clinical trial", "equivalence trial"}
        ),
        title_cues=("randomized controlled", "randomised controlled", "randomized clinical trial",
                    "randomised clinical trial", "randomized trial", "randomised trial"),
        text_cues=("randomized controlled", "randomised controlled", "randomly assigned",
                   "randomly allocated", "were randomized", "were randomised",
                   "randomized, double-blind", "randomised, double-blind",
                   "randomized clinical trial", "randomised clinical trial", "randomized trial",
                   "randomised trial", "randomized, placebo", "randomised, placebo",
                   "underwent randomization", "underwent randomisation"),
    ),
    StudyDesign(
        "non-randomised clinical trial", CLINICAL_TRIAL,
        publication_types=frozenset(
            {"clinical trial", "controlled clinical trial", "adaptive clinical trial",
             "clinical study", "clinical trial, phase i", "clinical trial, phase ii",
             "clinical trial, phase iii", "clinical trial, phase iv"}
        ),
        title_cues=("clinical trial", "phase 1", "phase 2", "phase 3", "phase i ", "phase ii",
                    "phase iii", "single-arm", "open-label trial", "pilot trial"),
        text_cues=("single-arm", "open-label trial", "non-randomized", "non-randomised",
                   "phase 1 trial", "phase 2 trial", "phase 3 trial", "phase i trial",
                   "phase ii trial", "phase iii trial"),
    ),
    StudyDesign(
        "case-control study", OBSERVATIONAL,
        mesh=frozenset({"case-control studies"}),
        title_cues=("case-control",),
        text_cues=("case-control", "case control study"),
    ),
    StudyDesign(
        "cohort study", OBSERVATIONAL,
        publication_types=frozenset({"observational study", "twin study"}),
        mesh=frozenset({"cohort studies", "prospective studies", "retrospective studies",
                        "longitudinal studies", "follow-up studies"}),
        title_cues=("cohort", "retrospective", "prospective", "registry", "observational",
                    "population-based", "nationwide"),
        text_cues=("cohort", "prospective study", "retrospective study", "retrospectively",
                   "longitudinal study", "follow-up study", "registry", "observational study",
                   "population-based"),
    ),
    StudyDesign(
        "cross-sectional study", OBSERVATIONAL,
        mesh=frozenset({"cross-sectional studies"}),
        title_cues=("cross-sectional",),
        text_cues=("cross-sectional", "cross sectional", "survey"),
    ),
    StudyDesign(
        "narrative review", REVIEW,
        publication_types=frozenset({"review", "scoping review"}),
        title_cues=("review", "overview", "state of the art", "update on"),
        text_cues=("this review", "we review", "review of the literature", "narrative review"),
    ),
    StudyDesign(
        "case report", CASE_REPORT,
        publication_types=frozenset({"case reports"}),
        title_cues=("case report", "a case of", "case series"),
        text_cues=("case report", "we report a case", "we present a case", "we describe a case",
                   "case series"),
    ),
    StudyDesign(
        "qualitative study", OTHER,
        text_cues=("qualitative study", "semi-structured interview", "thematic analysis",
                   "focus group"),
    ),
    StudyDesign(
        "in silico study", OTHER,
        text_cues=("in silico", "molecular docking", "molecular dynamics simulation",
                   "computational model"),
    ),
    StudyDesign(
        "animal study", OTHER,
        text_cues=("mouse model", "mice were", "rats were", "murine model", "animal model",
                   "in vivo", "zebrafish"),
    ),
    StudyDesign(
        "in vitro study", OTHER,
        text_cues=("in vitro", "cell line", "cultured cells", "cell culture",
                   "cells were treated"),
    ),
)  # fmt: skip
UNDETERMINED = StudyDesign("not determined", OTHER)
# Signals in order of authority; "text" is the abstract for a review, the paper for a deep dive.
SOURCES = ("publication type", "MeSH", "title", "text")
# Mendelian randomisation is genetic epidemiology, not a randomised trial.
NOT_A_DESIGN_CUE = "mendelian randomi"


@dataclass(frozen=True, slots=True)
class DesignAssessment:
    """A study design, the signal it was read from ("" for none) and the sentence showing it
    ("" when it was read from indexing alone)."""

    design: StudyDesign
    source: str
    quote: str = ""

    @property
    def level(self) -> EvidenceLevel:
        """The design's rung on the evidence ladder."""
        return self.design.level


def classify_design(
    *,
    publication_types: Iterable[str] = (),
    mesh: Iterable[str] = (),
    title: str = "",
    sentences: Iterable[Sentence] = (),
    text_source: str = "text",
) -> DesignAssessment:
    """The strongest study design the paper's indexing, title or sentences show; text_source
    names where the sentences came from."""
    types = frozenset(p.lower() for p in publication_types)
    headings = frozenset(m.lower() for m in mesh)
    padded_title = f" {title.lower()} "
    lowered = [
        (s.text, s.text.lower()) for s in sentences if NOT_A_DESIGN_CUE not in s.text.lower()
    ]
    best: tuple[tuple[float, int, int], DesignAssessment] | None = None
    joined = "\n".join(low for _, low in lowered)
    for order, design in enumerate(DESIGNS):
        if best is not None and design.level.score < best[1].level.score:
            break  # DESIGNS is strongest first: nothing further on can win
        quote = ""
        if _has_cue(joined, design.text_cues):
            quote = next(text for text, low in lowered if _has_cue(low, design.text_cues))
        found = (
            bool(design.publication_types & types),
            bool(design.mesh & headings),
            _has_cue(padded_title, design.title_cues),
            bool(quote),
        )
        if not any(found):
            continue
        source = found.index(True)
        key = (-design.level.score, source, order)
        if best is None or key < best[0]:
            where = text_source if source == len(SOURCES) - 1 else SOURCES[source]
            if not quote and where == "title":
                quote = title.strip()
            best = (key, DesignAssessment(design, where, quote))
    return best[1] if best is not None else DesignAssessment(UNDETERMINED, "")


def assess_evidence(record: PaperRecord) -> DesignAssessment:
    """A library record's study design and evidence level, from its title and abstract.

    A review ranks hundreds of records and quotes none of these cues, so the abstract is read
    as one passage; only one that mentions Mendelian randomisation is split into sentences, so
    that its other sentences still count."""
    abstract = record.abstract_text()
    if NOT_A_DESIGN_CUE in abstract.lower():
        passages = split_sentences(abstract)
    else:
        passages = [Sentence(abstract, 0, len(abstract))]
    return classify_design(
        publication_types=record.publication_types,
        mesh=(m.descriptor for m in record.mesh),
        title=record.title,
        sentences=passages,
        text_source="abstract",
    )


def _has_cue(text: str, cues: tuple[str, ...]) -> bool:
    """Whether any cue phrase occurs in text."""
    return any(cue in text for cue in cues)
