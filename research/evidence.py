"""Level of evidence of a paper, from its publication types, MeSH and wording."""

from __future__ import annotations

from dataclasses import dataclass

from research.records import PaperRecord


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

PUBLICATION_TYPE_LEVELS = {
    "meta-analysis": META_ANALYSIS,
    "network meta-analysis": META_ANALYSIS,
    "systematic review": SYSTEMATIC_REVIEW,
    "randomized controlled trial": RCT,
    "pragmatic clinical trial": RCT,
    "equivalence trial": RCT,
    "clinical trial": CLINICAL_TRIAL,
    "clinical trial, phase i": CLINICAL_TRIAL,
    "clinical trial, phase ii": CLINICAL_TRIAL,
    "clinical trial, phase iii": CLINICAL_TRIAL,
    "clinical trial, phase iv": CLINICAL_TRIAL,
    "controlled clinical trial": CLINICAL_TRIAL,
    "adaptive clinical trial": CLINICAL_TRIAL,
    "clinical study": CLINICAL_TRIAL,
    "observational study": OBSERVATIONAL,
    "twin study": OBSERVATIONAL,
    "review": REVIEW,
    "scoping review": REVIEW,
    "case reports": CASE_REPORT,
}
MESH_LEVELS = {
    "cohort studies": OBSERVATIONAL,
    "prospective studies": OBSERVATIONAL,
    "retrospective studies": OBSERVATIONAL,
    "longitudinal studies": OBSERVATIONAL,
    "follow-up studies": OBSERVATIONAL,
    "case-control studies": OBSERVATIONAL,
    "cross-sectional studies": OBSERVATIONAL,
}
# Cue phrases for records not yet indexed by NLM, whose only publication type is "Journal Article".
# Title cues are trusted more than abstract cues ("review" in an abstract is often "chart review").
TITLE_CUES = (
    (META_ANALYSIS, ("meta-analysis", "meta-analyses", "metaanalysis", "meta analysis")),
    (SYSTEMATIC_REVIEW, ("systematic review", "systematic literature review")),
    (RCT, ("randomized controlled", "randomised controlled", "randomized clinical trial",
           "randomised clinical trial", "randomized trial", "randomised trial")),
    (CLINICAL_TRIAL, ("clinical trial", "phase 1", "phase 2", "phase 3", "phase i ", "phase ii",
                      "phase iii", "single-arm", "open-label trial", "pilot trial")),
    (OBSERVATIONAL, ("cohort", "case-control", "cross-sectional", "retrospective", "prospective",
                     "registry", "observational", "population-based", "nationwide")),
    (REVIEW, ("review", "overview", "state of the art", "update on")),
    (CASE_REPORT, ("case report", "a case of", "case series")),
)  # fmt: skip
ABSTRACT_CUES = (
    (META_ANALYSIS, ("meta-analysis", "meta-analyses", "pooled analysis of")),
    (SYSTEMATIC_REVIEW, ("systematic review", "systematically searched", "prisma")),
    (RCT, ("randomized controlled", "randomised controlled", "randomly assigned",
           "randomly allocated", "were randomized", "were randomised", "randomized, double-blind",
           "randomised, double-blind", "randomized, placebo-controlled")),
    (CLINICAL_TRIAL, ("single-arm", "phase 1 trial", "phase 2 trial", "phase 3 trial",
                      "phase i trial", "phase ii trial", "phase iii trial", "open-label trial")),
    (OBSERVATIONAL, ("cohort study", "retrospective cohort", "prospective cohort", "case-control",
                     "cross-sectional", "retrospective study", "retrospectively", "registry",
                     "observational study", "population-based")),
    (CASE_REPORT, ("we report a case", "we present a case", "we describe a case", "case report")),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class EvidenceAssessment:
    """An evidence level and where it was read from."""

    level: EvidenceLevel
    source: str  # "publication type", "MeSH", "title", "abstract" or "" for the default


def assess_evidence(record: PaperRecord) -> EvidenceAssessment:
    """The highest evidence level any of the record's signals supports."""
    found: list[EvidenceAssessment] = []
    for publication_type in record.publication_types:
        level = PUBLICATION_TYPE_LEVELS.get(publication_type.lower())
        if level:
            found.append(EvidenceAssessment(level, "publication type"))
    for term in record.mesh:
        level = MESH_LEVELS.get(term.descriptor.lower())
        if level:
            found.append(EvidenceAssessment(level, "MeSH"))
    title = f" {record.title.lower()} "
    level = _first_cue(title, TITLE_CUES)
    if level:
        found.append(EvidenceAssessment(level, "title"))
    level = _first_cue(record.abstract_text().lower(), ABSTRACT_CUES)
    if level:
        found.append(EvidenceAssessment(level, "abstract"))
    if not found:
        return EvidenceAssessment(OTHER, "")
    # Highest level wins; at equal level the more authoritative source (listed first) does.
    return max(found, key=lambda a: a.level.score)


def _first_cue(
    text: str, cues: tuple[tuple[EvidenceLevel, tuple[str, ...]], ...]
) -> EvidenceLevel | None:
    """The highest level whose cue phrase appears in text."""
    for level, phrases in cues:
        if any(phrase in text for phrase in phrases):
            return level
    return None
