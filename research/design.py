"""The one study-design classifier: what kind of study a paper is, and how strong its evidence.

Reviews rank papers by the evidence level of their design; deep dives name the design and quote
the sentence that shows it. Both ask classify_design, which reads, in this order:

1. NLM's publication types, trusted when one names a design (the strongest such type wins); a
   comparative study or a clinical trial so typed may be made more specific by the text (an
   animal study, a cohort, a randomised trial);
2. MeSH design headings and explicit phrases in the title and text ("randomly assigned",
   "a case of", "cross-sectional"), matched as whole words and skipped when negated or spoken of
   as planned ("not randomised", "a future meta-analysis", "protocol for a systematic review")
   or when the "trial" is of animals; the strongest design any of them shows wins, at equal
   strength the more authoritative signal (MeSH, title, text) and then the more specific design;
3. a linear model of the title and abstract learned from NLM's publication types
   (research.design_model). Its comparative study, and original research of no design type
   ("primary study", as most of what NLM's indexers left untyped is), the text may again make
   more specific; what it reads as no study at all, or a text too short to read, is "not
   determined".

A caller reading the design from part of a paper (a deep dive's methods) may give the whole
title and abstract as context, so that it reads the design a review reads from the record.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from research.design_model import (
    NOT_A_STUDY_CLASS,
    NOT_A_STUDY_TYPES,
    OTHER_CLASS,
    enough_text,
    shipped_model,
)
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

    Cues are regular-expression fragments matched case-insensitively as whole words (a hyphen
    counts as part of a word, so "randomized" does not fire inside "non-randomized"). Title and
    text cues settle the design on their own; detail cues only make a primary study that
    something else found more specific ("rats were" makes a comparative study an animal study,
    but does not make a case report one).
    """

    name: str
    level: EvidenceLevel
    publication_types: frozenset[str] = frozenset()
    mesh: frozenset[str] = frozenset()
    title_cues: tuple[str, ...] = ()
    text_cues: tuple[str, ...] = ()
    detail_cues: tuple[str, ...] = ()
    # Whether a primary study (typed or read as comparative) may be refined to this design.
    primary: bool = False


RANDOMISED = r"randomi[sz]ed"
REVIEW_NOT_AFTER = "".join(
    f"(?<!{words} )"
    for words in ("and", "and a", "with", "with a", "including", "chart", "retrospective",
                  "record", "records", "case")
)  # fmt: skip
# Strongest evidence first; within a level, the most specific design first.
DESIGNS: tuple[StudyDesign, ...] = (
    StudyDesign(
        "meta-analysis", META_ANALYSIS,
        publication_types=frozenset({"meta-analysis", "network meta-analysis"}),
        title_cues=(r"meta-?analys[ie]s", r"meta analys[ie]s"),
        text_cues=(r"meta-?analys[ie]s", r"meta analys[ie]s", r"pooled analysis of"),
    ),
    StudyDesign(
        "systematic review", SYSTEMATIC_REVIEW,
        publication_types=frozenset({"systematic review"}),
        title_cues=(r"systematic (?:literature )?reviews?",),
        text_cues=(r"systematic (?:literature )?reviews?", r"systematically searched", r"prisma"),
    ),
    StudyDesign(
        "randomised controlled trial", RCT,
        publication_types=frozenset(
            {"randomized controlled trial", "pragmatic clinical trial", "equivalence trial"}
        ),
        title_cues=(rf"{RANDOMISED} (?:controlled|clinical|double-blind|placebo-controlled)",
                    rf"{RANDOMISED},? (?:double-blind|placebo-controlled)",
                    rf"{RANDOMISED} (?:crossover |cross-over )?trials?"),
        text_cues=(rf"{RANDOMISED} (?:controlled|clinical|double-blind|placebo-controlled)",
                   rf"{RANDOMISED},? (?:double-blind|single-blind|placebo)",
                   rf"{RANDOMISED} (?:crossover |cross-over )?trials?",
                   r"randomly (?:assigned|allocated|divided|distributed|administered|given)",
                   r"(?:assigned|allocated|divided|given|treated) at random",
                   r"in (?:a )?(?:random|randomi[sz]ed) order",
                   rf"(?:were|was) {RANDOMISED}", r"underwent randomi[sz]ation",
                   r"random allocation"),
        primary=True,
    ),
    StudyDesign(
        "non-randomised clinical trial", CLINICAL_TRIAL,
        publication_types=frozenset(
            {"clinical trial", "controlled clinical trial", "adaptive clinical trial",
             "clinical study", "clinical trial, phase i", "clinical trial, phase ii",
             "clinical trial, phase iii", "clinical trial, phase iv"}
        ),
        title_cues=(r"clinical trials?", r"phase (?:[1-4]|i{1,3}|iv)", r"single-arm",
                    r"open-label trial", r"pilot trial", r"double-blind"),
        text_cues=(r"single-arm", r"open-label trial", r"non-?randomi[sz]ed (?:controlled )?trial",
                   r"phase (?:[1-4]|i{1,3}|iv) (?:clinical )?trial", r"clinical trial",
                   r"double-?blind", r"double blind", r"placebo"),
        primary=True,
    ),
    StudyDesign(
        "case-control study", OBSERVATIONAL,
        mesh=frozenset({"case-control studies"}),
        title_cues=(r"case-control",),
        text_cues=(r"case-control (?:study|design|analysis)", r"case control study"),
        detail_cues=(r"case-control", r"matched controls"),
        primary=True,
    ),
    StudyDesign(
        "cohort study", OBSERVATIONAL,
        publication_types=frozenset({"observational study", "twin study"}),
        mesh=frozenset({"cohort studies", "prospective studies", "retrospective studies",
                        "longitudinal studies", "follow-up studies"}),
        title_cues=(r"cohort", r"registry", r"observational study", r"population-based",
                    r"nationwide"),
        text_cues=(r"cohort study", r"prospective study", r"retrospective study",
                   r"longitudinal study", r"follow-up study", r"observational study",
                   r"population-based (?:cohort|study)", r"registry-based", r"cohort of"),
        detail_cues=(r"cohorts?", r"retrospectively", r"prospectively", r"followed (?:up )?for",
                     r"registry", r"population-based"),
        primary=True,
    ),
    StudyDesign(
        "cross-sectional study", OBSERVATIONAL,
        mesh=frozenset({"cross-sectional studies"}),
        title_cues=(r"cross-sectional", r"a survey", r"questionnaire survey"),
        text_cues=(r"cross-?sectional (?:study|survey|design|analysis)", r"cross sectional study"),
        detail_cues=(r"cross-sectional", r"surveys?", r"questionnaires?", r"prevalence"),
        primary=True,
    ),
    StudyDesign(
        "narrative review", REVIEW,
        publication_types=frozenset({"review", "scoping review"}),
        # Not "... and review of the literature" or "with a review": case reports say that of
        # their own discussion; nor a chart, record or case review, which is a primary study.
        title_cues=(rf"{REVIEW_NOT_AFTER}(?:(?:a|an|brief|literature|critical|narrative|scoping) "
                    r"review|reviews?|overview|state of the art|update on|current concepts)",),
        text_cues=(r"this review", r"we review", r"narrative review",
                   r"(?:present|current) state of (?:knowledge|the art)",
                   r"(?:this|the present) (?:article|paper) reviews",
                   r"review (?:summari[sz]es|discusses|describes)"),
    ),
    StudyDesign(
        "case report", CASE_REPORT,
        publication_types=frozenset({"case reports"}),
        title_cues=(r"case reports?", r"a case of", r"case series",
                    r"report of (?:a|one|two|three|\d) cases?", r"(?:two|three|four) cases"),
        text_cues=(r"case reports?",
                   r"(?:we|the authors) (?:report|present|describe) "
                   r"(?:a|an|the|two|three|four) (?:\w+ )?cases?",
                   r"case series", r"a case of", r"(?:a|this) (?:\d+|\w+)-year-old",
                   r"a case is (?:reported|presented|described)",
                   r"cases? (?:is|are) (?:reported|presented|described)"),
    ),
    StudyDesign(
        "qualitative study", OTHER,
        text_cues=(r"qualitative study", r"semi-structured interviews?", r"thematic analysis",
                   r"focus groups?"),
        primary=True,
    ),
    StudyDesign(
        "in silico study", OTHER,
        text_cues=(r"in silico", r"molecular docking", r"molecular dynamics simulations?"),
        detail_cues=(r"computational model", r"computer (?:model|simulation)s?"),
        primary=True,
    ),
    StudyDesign(
        "animal study", OTHER,
        text_cues=(r"mouse model", r"murine model", r"animal model", r"rat model"),
        detail_cues=(r"(?:mice|rats|dogs|rabbits|cats|monkeys|pigs|hamsters|sheep|animals) were",
                     r"in (?:mice|rats|dogs|rabbits|cats|monkeys|pigs|hamsters|sheep)",
                     r"of (?:mice|rats|dogs|rabbits|cats|monkeys|pigs|hamsters)",
                     r"(?:male|female|adult|young|newborn|neonatal|pregnant) "
                     r"(?:mice|rats|dogs|rabbits|cats|monkeys|pigs|hamsters|guinea pigs)",
                     r"guinea pigs", r"in vivo", r"zebrafish", r"experimental animals"),
        primary=True,
    ),
    StudyDesign(
        "in vitro study", OTHER,
        text_cues=(r"in vitro study", r"cell lines?", r"cultured cells", r"cell cultures?"),
        detail_cues=(r"in vitro", r"cells were (?:treated|incubated|cultured)", r"incubated",
                     r"homogenates?", r"purified", r"cultured", r"isolated (?:\w+ )?cells"),
        primary=True,
    ),
)  # fmt: skip
UNDETERMINED = StudyDesign("not determined", OTHER)
# Primary studies the model reads from the wording when nothing names their design more
# closely: one comparing groups or conditions (NLM's "Comparative Study"), and original research
# of no design type, as most of what NLM's indexers left untyped is.
COMPARATIVE = StudyDesign(
    "comparative study", OTHER, publication_types=frozenset({"comparative study"})
)
PRIMARY = StudyDesign("primary study", OTHER)
# Signals in order of authority; "text" is the abstract for a review, the paper for a deep dive.
SOURCES = ("publication type", "MeSH", "title", "text")
# Mendelian randomisation is genetic epidemiology, not a randomised trial.
NOT_A_DESIGN_RE = re.compile(r"mendelian randomi[sz]ation", re.IGNORECASE)
# A cue that these words precede (within a few words) is denied or only planned or wished for.
NEGATED_BEFORE_RE = re.compile(
    r"(?<![\w-])(?:(?:not|no|non|nor|neither|never|without|lack|lacking|absence|rather than|"
    r"instead of|further)[\s,]+(?:[\w-]+[\s,]+){0,2}|(?:future|planned|proposed|upcoming|"
    r"ongoing|protocols?)[\s,]+(?:[\w-]+[\s,]+){0,5})$",
    re.IGNORECASE,
)
# ...or that these words follow: "a randomised trial is needed", "a meta-analysis protocol".
NEGATED_AFTER_RE = re.compile(
    r"^(?:\s+and\s+meta-?analys[ie]s)?(?:\s+(?:trials?|studies|study|design))?\s+(?:protocols?|"
    r"(?:is|are|was|were) (?:not|needed|warranted|required|necessary|planned|lacking|scarce|"
    r"under ?way|ongoing)|(?:would|should|could|may|might|will)(?![\w-]))",
    re.IGNORECASE,
)
# A trial or random allocation of these is not a trial of people...
ANIMAL_RE = re.compile(
    r"(?<![\w-])(?:rats?|mice|mouse|dogs?|rabbits?|pigs?|piglets?|swine|sows?|boars?|cattle|cows?|"
    r"calves|heifers|steers|bulls?|sheep|ewes?|lambs?|goats?|horses?|ponies|chickens?|chicks?|"
    r"broilers?|hens?|poultry|turkeys?|ducks?|quails?|fish(?! oil)|trout|salmon|monkeys?|"
    r"hamsters?|guinea pigs?|cats?|animals?|birds?|seedlings?|plants?|plots?|"
    r"feeding trials?)(?![\w-])",
    re.IGNORECASE,
)
# ...unless the same sentence speaks of people.
HUMAN_RE = re.compile(
    r"(?<![\w-])(?:patients?|participants?|subjects|volunteers?|men|women|adults?|children|"
    r"infants?|adolescents?|persons?|people|individuals|mothers?|pregnant women)(?![\w-])",
    re.IGNORECASE,
)
ANIMAL_DESIGNS = frozenset({"randomised controlled trial", "non-randomised clinical trial"})
# The model reads title and abstract; a full paper is read from its beginning only.
MODEL_TEXT_CHARACTERS = 6_000


def _combined(kind: str) -> re.Pattern[str]:
    """One whole-word, case-insensitive pattern for every design's cues of a kind ("title_cues",
    "text_cues" or "detail_cues"), each design's in a group named for its place in DESIGNS, so
    that a text is scanned once for all of them."""
    groups = "|".join(
        f"(?P<d{i}>{'|'.join(getattr(d, kind))})" for i, d in enumerate(DESIGNS) if getattr(d, kind)
    )
    return re.compile(rf"(?<![\w-])(?:{groups})(?![\w-])", re.IGNORECASE)


_TITLE_RE = _combined("title_cues")
_TEXT_RE = _combined("text_cues")
_DETAIL_RE = _combined("detail_cues")
_BY_NAME = {d.name: d for d in (*DESIGNS, COMPARATIVE)}
_BY_NAME.update({OTHER_CLASS: PRIMARY, NOT_A_STUDY_CLASS: UNDETERMINED})


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


def _live_match(text: str, match: re.Match[str], design: StudyDesign) -> bool:
    """Whether a cue's match in text (one sentence or a title) is neither negated nor, for a
    trial design, about animals."""
    before = text[max(0, match.start() - 40) : match.start()]
    after = text[match.end() : match.end() + 60]
    if NEGATED_BEFORE_RE.search(before) or NEGATED_AFTER_RE.search(after):
        return False
    if design.name not in ANIMAL_DESIGNS or not ANIMAL_RE.search(text):
        return True
    return bool(HUMAN_RE.search(text))


def _live(pattern: re.Pattern[str], texts: Sequence[str]) -> dict[str, int]:
    """Each design (by name) with a live cue of the pattern in the texts, and the first text
    holding one."""
    found: dict[str, int] = {}
    for index, text in enumerate(texts):
        for match in pattern.finditer(text):
            design = DESIGNS[int(str(match.lastgroup)[1:])]
            if design.name not in found and _live_match(text, match, design):
                found[design.name] = index
    return found


class _Cues:
    """The live cues of a paper's title and sentences, each kind searched for once, when asked."""

    def __init__(self, title: str, texts: list[str]) -> None:
        self.title = title
        self.texts = texts
        self._title: dict[str, int] | None = None
        self._text: dict[str, int] | None = None
        self._detail: dict[str, int] | None = None

    def in_title(self, design: StudyDesign) -> bool:
        """Whether the title holds a live cue of the design."""
        if self._title is None:
            self._title = _live(_TITLE_RE, [self.title])
        return design.name in self._title

    def text_quote(self, design: StudyDesign) -> str:
        """The first sentence holding a live text cue of the design, or ""."""
        if self._text is None:
            self._text = _live(_TEXT_RE, self.texts)
        index = self._text.get(design.name)
        return "" if index is None else self.texts[index]

    def detail_quote(self, design: StudyDesign) -> str:
        """The first sentence holding a live text or detail cue of the design, or ""."""
        if self._detail is None:
            self.text_quote(design)
            assert self._text is not None
            self._detail = _live(_DETAIL_RE, self.texts)
            for name, first in self._text.items():
                self._detail[name] = min(first, self._detail.get(name, first))
        index = self._detail.get(design.name)
        return "" if index is None else self.texts[index]


def classify_design(
    *,
    publication_types: Iterable[str] = (),
    mesh: Iterable[str] = (),
    title: str = "",
    sentences: Iterable[Sentence] = (),
    text_source: str = "text",
    context: Iterable[Sentence] | None = None,
) -> DesignAssessment:
    """The paper's study design from its indexing, title, sentences and, when those do not
    settle it, the learned model; text_source names where the sentences came from.

    context is the whole title and abstract when sentences are only part of them (a deep dive's
    methods): the learned model then reads all of it, as it does for a review, while explicit
    cues are read (and quoted) only from the sentences and the title, so a background sentence
    citing a meta-analysis does not make the study one."""
    title = title.strip()
    given = list(sentences)
    read = given if context is None else list(context)
    quotable = {s.text for s in given}
    texts = [s.text for s in given if not NOT_A_DESIGN_RE.search(s.text)]
    body = " ".join(s.text for s in read if s.text.strip() != title)[:MODEL_TEXT_CHARACTERS]
    found = _assess(
        frozenset(p.lower() for p in publication_types),
        frozenset(m.lower() for m in mesh),
        title,
        texts,
        body,
        text_source,
    )
    if found.quote and found.quote != title and found.quote not in quotable:
        return DesignAssessment(found.design, found.source)
    return found


def _assess(
    types: frozenset[str],
    headings: frozenset[str],
    title: str,
    texts: list[str],
    body: str,
    text_source: str,
) -> DesignAssessment:
    """classify_design on lower-cased indexing, the texts to find cues in and the model's text."""
    cues = _Cues(title, texts)
    typed = next((d for d in (*DESIGNS, COMPARATIVE) if d.publication_types & types), None)
    if typed is not None:
        return _refine(typed, "publication type", cues, headings, text_source)
    if types & NOT_A_STUDY_TYPES:
        return DesignAssessment(UNDETERMINED, "publication type")
    found = _explicit(cues, headings, text_source)
    if found is not None:
        return found
    if not enough_text(body):
        return _refine(UNDETERMINED, "", cues, headings, text_source)
    design = _BY_NAME[shipped_model().predict(title, body)]
    if design is UNDETERMINED:
        return DesignAssessment(UNDETERMINED, "")
    return _refine(design, text_source, cues, headings, text_source)


def _explicit(cues: _Cues, headings: frozenset[str], text_source: str) -> DesignAssessment | None:
    """The strongest design MeSH or an explicit title or text cue shows, if any does."""
    best: tuple[tuple[float, int, int], DesignAssessment] | None = None
    for order, design in enumerate(DESIGNS):
        if best is not None and design.level.score < best[1].level.score:
            break  # DESIGNS is strongest first: nothing further on can win
        quote = cues.text_quote(design)
        found = (bool(design.mesh & headings), cues.in_title(design), bool(quote))
        if not any(found):
            continue
        source = found.index(True)
        key = (-design.level.score, source, order)
        if best is None or key < best[0]:
            where = text_source if source == 2 else SOURCES[source + 1]
            if where == "title":
                quote = cues.title
            elif where == "MeSH":
                quote = ""
            best = (key, DesignAssessment(design, where, quote))
    return best[1] if best is not None else None


def _refine(
    design: StudyDesign, source: str, cues: _Cues, headings: frozenset[str], text_source: str
) -> DesignAssessment:
    """A design made more specific by the text where it may be: a typed clinical trial that
    says it was randomised is a randomised trial, and a comparative (or undetermined) study an
    animal, laboratory or observational one when its MeSH or words say so."""
    if design.name == "non-randomised clinical trial":
        candidates: tuple[StudyDesign, ...] = (DESIGNS[2],)
    elif design in (COMPARATIVE, PRIMARY, UNDETERMINED):
        candidates = tuple(d for d in DESIGNS if d.primary)
    else:
        candidates = ()
    for candidate in candidates:
        if candidate.mesh & headings:
            return DesignAssessment(candidate, "MeSH")
        if cues.in_title(candidate):
            return DesignAssessment(candidate, "title", cues.title)
        quote = cues.detail_quote(candidate)
        if quote:
            return DesignAssessment(candidate, text_source, quote)
    if design is UNDETERMINED:
        return DesignAssessment(design, "")
    quote = cues.title if source != "publication type" and cues.in_title(design) else ""
    return DesignAssessment(design, source, quote)


def assess_evidence(record: PaperRecord) -> DesignAssessment:
    """A library record's study design and evidence level, from its indexing, title and abstract.

    Each sentence is read on its own, so that a negation or an animal in one sentence does not
    silence a cue in another."""
    return classify_design(
        publication_types=record.publication_types,
        mesh=(m.descriptor for m in record.mesh),
        title=record.title,
        sentences=split_sentences(record.abstract_text()),
        text_source="abstract",
    )
