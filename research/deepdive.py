"""Deep dive into one paper: its scientific model, methods, results and limitations, all quoted."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from research.evidence import MESH_LEVELS, OBSERVATIONAL
from research.progress import ProgressCallback, StageClock
from research.records import PaperRecord, jsonable
from research.text import Sentence, content_stems, label_kind, split_sentences, words

MAX_KEY_RESULTS = 60
MAX_PERCENTAGES = 15
MAX_ARMS = 6
SMALL_SAMPLE = 100
LARGE_SAMPLE = 1000

HEADING_RE = re.compile(
    r"^[ \t]*(?:\d+(?:\.\d+)*\.?[ \t]+|[IVX]+\.[ \t]+)?"
    r"(abstract|summary|introduction|background|(?:materials?|patients|subjects|participants)"
    r" and methods|methods?|methodology|study design|experimental(?: procedures| section)?"
    r"|results(?: and discussion)?|findings|discussion|conclusions?|limitations"
    r"|references|bibliography|acknowledge?ments|funding)[ \t]*:?[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
INLINE_HEADING_RE = re.compile(
    r"^[ \t]*(background|objectives?|aims?|methods?|results|findings|conclusions?|discussion)"
    r"[ \t]*:[ \t]+(?=\S)",
    re.IGNORECASE | re.MULTILINE,
)
PARAGRAPH_RE = re.compile(r"\n[ \t]*\n")
CANONICAL_SECTIONS = (
    ("references", "References"),
    ("bibliograph", "References"),
    ("acknowledg", "Acknowledgements"),
    ("funding", "Funding"),
    ("limitation", "Limitations"),
    ("abstract", "Abstract"),
    ("summary", "Abstract"),
    ("introduction", "Introduction"),
    ("background", "Introduction"),
    ("objective", "Introduction"),
    ("aim", "Introduction"),
    ("results and discussion", "Results"),
    ("method", "Methods"),
    ("design", "Methods"),
    ("experimental", "Methods"),
    ("result", "Results"),
    ("finding", "Results"),
    ("discussion", "Discussion"),
    ("conclusion", "Conclusions"),
)
SKIPPED_SECTIONS = frozenset({"References", "Acknowledgements", "Funding"})
# diagnostics.source for each kind of full text; sources ending in "_abstract" are abstracts only.
FULL_TEXT_KINDS = {"pdf": "pdf_full_text", "jats": "jats_full_text", "pasted": "pasted_full_text"}
FULL_TEXT_SOURCES = frozenset({"", "abstract", *FULL_TEXT_KINDS})
DESIGN_SECTIONS = frozenset({"Title", "Abstract", "Methods", ""})
RESULT_SECTIONS = frozenset({"Title", "Abstract", "Results", "Conclusions", "Discussion", ""})

# Study designs, most specific evidence first; the first whose signal is present wins.
DESIGNS: tuple[tuple[str, frozenset[str], tuple[str, ...]], ...] = (
    ("meta-analysis", frozenset({"meta-analysis", "network meta-analysis"}),
     ("meta-analysis", "meta-analyses", "metaanalysis", "meta analysis")),
    ("systematic review", frozenset({"systematic review"}),
     ("systematic review", "systematically searched", "prisma")),
    ("randomised controlled trial",
     frozenset({"randomized controlled trial", "pragmatic clinical trial"}),
     ("randomized controlled", "randomised controlled", "randomly assigned", "randomly allocated",
      "were randomized", "were randomised", "randomized, double-blind", "randomised, double-blind",
      "randomized clinical trial", "randomised clinical trial", "randomized trial",
      "randomised trial", "randomized, placebo", "randomised, placebo", "underwent randomization",
      "underwent randomisation")),
    ("non-randomised clinical trial",
     frozenset({"clinical trial", "controlled clinical trial", "clinical trial, phase i",
                "clinical trial, phase ii", "clinical trial, phase iii",
                "clinical trial, phase iv"}),
     ("single-arm", "open-label trial", "non-randomized", "non-randomised", "phase 1 trial",
      "phase 2 trial", "phase i trial", "phase ii trial", "clinical trial")),
    ("case-control study", frozenset(), ("case-control", "case control study")),
    ("cohort study", frozenset({"observational study"}),
     ("cohort", "prospective study", "retrospective study", "retrospectively", "longitudinal study",
      "follow-up study", "registry")),
    ("cross-sectional study", frozenset(), ("cross-sectional", "cross sectional", "survey")),
    ("case report", frozenset({"case reports"}),
     ("case report", "we report a case", "we present a case", "we describe a case", "case series")),
    ("qualitative study", frozenset(),
     ("qualitative study", "semi-structured interview", "thematic analysis", "focus group")),
    ("in silico study", frozenset(),
     ("in silico", "molecular docking", "molecular dynamics simulation", "computational model")),
    ("animal study", frozenset(),
     ("mouse model", "mice were", "rats were", "murine model", "animal model", "in vivo",
      "zebrafish")),
    ("in vitro study", frozenset(),
     ("in vitro", "cell line", "cultured cells", "cell culture", "cells were treated")),
    ("narrative review", frozenset({"review"}),
     ("this review", "we review", "review of the literature", "narrative review")),
)  # fmt: skip
MODEL_CUES = (
    ("human", re.compile(r"\b(patients?|participants?|volunteers?|adults?|children|women|men|"
                         r"subjects|humans?|individuals|infants|neonates|respondents)\b", re.I)),
    ("animal", re.compile(r"\b(mice|mouse|rats?|murine|rodents?|zebrafish|rabbits?|pigs?|"
                          r"primates?|dogs?|animals?)\b", re.I)),
    ("in vitro", re.compile(r"\b(in vitro|cell lines?|cultured|cell culture|organoids?)\b", re.I)),
    ("in silico", re.compile(r"\b(in silico|docking|simulations?|computational)\b", re.I)),
)  # fmt: skip
POPULATION_RE = re.compile(
    r"\b(?:\d[\d,]*\s+)?(?:(?:adult|elderly|older|young|hospitali[sz]ed|critically ill|pregnant|"
    r"healthy|consecutive|male|female)\s+)*(?:patients|participants|adults|children|infants|"
    r"neonates|women|men|individuals|subjects|volunteers|residents|students|veterans|mice|rats)"
    r"(?:\s+(?:\d+ years of age or older|with|aged|who|from|undergoing|admitted|receiving|"
    r"diagnosed|treated)\b[^.;:(),]{0,90})?",
    re.IGNORECASE,
)
TOTAL_RE = re.compile(r"\b[Aa] total of (\d[\d,]*)\b")
COUNT_RE = re.compile(
    r"\b(\d[\d,]*)\s+(?:\w+\s+)?(?:patients|participants|subjects|adults|children|women|men|"
    r"individuals|volunteers|cases|infants|respondents|mice|rats)\b"
)
N_EQUALS_RE = re.compile(r"\b[Nn]\s*=\s*(\d[\d,]*)")
GROUP_PAREN_RE = re.compile(r"\(([A-Za-z][\w\- ]{1,50}?) (?:group|arm)\)")
GROUP_THE_RE = re.compile(r"\bthe ((?:[\w\-]+ ){0,2}[\w\-]+) (?:group|arm)\b", re.IGNORECASE)
GENERIC_GROUP_WORDS = frozenset(
    {"same", "age", "whole", "entire", "study", "other", "former", "latter", "each", "this",
     "that", "first", "second", "third", "one", "two", "three", "both", "either", "total", "a"}
)  # fmt: skip
RANDOMISATION_DETAILS = (
    ("cluster", "cluster"),
    ("stratif", "stratified"),
    ("block", "block"),
    ("computer-generated", "computer-generated"),
    ("computer generated", "computer-generated"),
)
RATIO_RE = re.compile(r"\b\d:\d(?::\d)?\b")
FOLLOW_UP_RE = re.compile(r"\b(\d+)[- ](week|month|year)s?\b", re.IGNORECASE)
TRIAL_ID_RE = re.compile(r"\b(NCT\d{8}|ISRCTN\d+|ChiCTR[\w-]+|EudraCT[\s:]*[\d-]+)\b")

NUMBER = r"-?\d+(?:\.\d+)?"
P_VALUE_RE = re.compile(
    r"\b[Pp](?:[\s-]*values?)?\s*(<|>|=|≤|≥|<=|>=)\s*(0?\.\d+|\d(?:\.\d+)?)"
    r"(?:\s*[x×]\s*10\s*[-−–]\s*(\d+))?"
)
CI_RE = re.compile(
    r"\b(\d{2}(?:\.\d+)?)\s*%\s*(?:CI|confidence intervals?|CrI|credible intervals?)"
    r"(?:\s*\[(?:CI|CrI)\])?[\s,:=]*[\[(]?\s*("
    + NUMBER
    + r")\s*(?:to|-|–|—|,)\s*("
    + NUMBER
    + r")",
    re.IGNORECASE,
)
RATIO_PATTERNS = (
    ("odds_ratio", re.compile(r"(?:\b(?i:(?:adjusted )?odds ratios?)|\ba?OR)\b")),
    ("hazard_ratio", re.compile(r"(?:\b(?i:(?:adjusted )?hazard ratios?)|\ba?HR)\b")),
    ("risk_ratio", re.compile(r"(?:\b(?i:(?:relative risk|risk ratio|rate ratio"
                              r"|incidence rate ratio)s?)|\b(?:a?RR|IRR))\b")),
    ("effect_size", re.compile(r"(?:\b(?i:cohen'?s d|hedges'? g|effect sizes?|standardi[sz]ed mean "
                               r"differences?|mean differences?)|\b(?:SMD|WMD|MD)\b)")),
)  # fmt: skip
RATIO_VALUE_RE = re.compile(
    r"\s*(?:\[[^\]]{0,12}\]|\([A-Za-z]{1,5}\))?\s*"
    r"(?:(?:[,:=]|of|was|were|is|(?:in|for) [\w -]{1,30}? (?:was|were|of|=))\s*)?"
    r"(" + NUMBER + r")\b"
)
PERCENT_RE = re.compile(r"\b(\d+(?:\.\d+)?)\s?%(?!\s*(?:CI|confidence|CrI|credible))")
RATIO_CONTEXT_RE = re.compile(r"ratio|\bOR\b|\bHR\b|\bRR\b|\bIRR\b", re.IGNORECASE)

TECHNIQUES: tuple[tuple[str, str, str], ...] = (
    (
        "RT-PCR / qPCR",
        "molecular biology",
        r"\b(?:RT-?q?PCR|qPCR|real-time PCR|polymerase chain reaction|PCR)\b",
    ),
    ("RNA sequencing", "omics", r"\b(?:RNA-?seq|RNA sequencing|transcriptom\w+)\b"),
    (
        "DNA sequencing",
        "omics",
        r"\b(?:whole[- ]genome sequencing|whole[- ]exome sequencing|"
        r"next[- ]generation sequencing|NGS|Sanger sequencing)\b",
    ),
    ("Single-cell sequencing", "omics", r"\bsingle[- ]cell (?:RNA[- ])?seq\w*"),
    (
        "Proteomics / mass spectrometry",
        "omics",
        r"\b(?:proteomic\w*|mass spectrometry|LC-MS(?:/MS)?|MALDI)\b",
    ),
    ("Metabolomics", "omics", r"\bmetabolomic\w*"),
    ("CRISPR gene editing", "molecular biology", r"\bCRISPR\b"),
    ("Western blot", "protein analysis", r"\b[Ww]estern blot\w*"),
    ("ELISA", "immunoassay", r"\bELISA\b|enzyme-linked immunosorbent"),
    ("Flow cytometry", "cell analysis", r"\bflow cytometr\w+|\bFACS\b"),
    ("Immunohistochemistry", "histology", r"\bimmunohistochemi\w+|\bIHC\b"),
    ("Histology", "histology", r"\bhistolog\w+|\bH&E\b|hematoxylin and eosin"),
    ("Microscopy", "imaging", r"\b(?:confocal|electron|fluorescence) microscop\w+"),
    ("Cell culture", "in vitro", r"\bcell cultures?\b|\bcell lines?\b|\bcultured cells\b"),
    (
        "Animal model",
        "in vivo",
        r"\b(?:mouse|murine|rat|animal) models?\b|\bknockout mice\b|"
        r"\btransgenic mice\b",
    ),
    ("Magnetic resonance imaging", "imaging", r"\bMRI\b|magnetic resonance imaging|\bfMRI\b"),
    ("Computed tomography", "imaging", r"\bCT scans?\b|computed tomography|\bCT\b"),
    ("PET imaging", "imaging", r"\bPET\b|positron emission tomography"),
    (
        "Ultrasound / echocardiography",
        "imaging",
        r"\bultrasound\w*|\bultrasonograph\w+|\bechocardiograph\w+",
    ),
    ("NMR spectroscopy", "chemistry", r"\bNMR\b|nuclear magnetic resonance"),
    ("HPLC", "chemistry", r"\bHPLC\b|high-performance liquid chromatography"),
    ("Molecular docking", "in silico", r"\bmolecular docking\b|\bdocking stud\w+"),
    ("Molecular dynamics", "in silico", r"\bmolecular dynamics\b"),
    (
        "Machine learning",
        "computational",
        r"\bmachine learning\b|\bdeep learning\b|\bneural networks?\b|"
        r"\brandom forests?\b|\bsupport vector\b",
    ),
    ("Spirometry", "physiological measurement", r"\bspirometr\w+|\bFEV1\b"),
    ("Electrocardiography", "physiological measurement", r"\belectrocardiogra\w+|\bECG\b|\bEKG\b"),
    ("Questionnaire / survey", "survey", r"\bquestionnaires?\b|\bsurveys?\b"),
    ("Interviews", "qualitative", r"\binterviews?\b|\bfocus groups?\b"),
    ("Kaplan-Meier analysis", "statistics", r"\bKaplan[- ]Meier\b"),
    (
        "Cox proportional hazards regression",
        "statistics",
        r"\bCox (?:proportional[- ]hazards? )?(?:regression|model)\w*|"
        r"\bproportional hazards\b",
    ),
    ("Logistic regression", "statistics", r"\blogistic regression\b"),
    ("Linear regression", "statistics", r"\blinear regression\b"),
    (
        "Mixed-effects model",
        "statistics",
        r"\bmixed[- ]effects?\b|\bmixed models?\b|"
        r"\bgeneralized estimating equations?\b",
    ),
    ("Propensity score methods", "statistics", r"\bpropensity[- ]score\w*"),
    ("ANOVA", "statistics", r"\bANOVA\b|analysis of variance"),
    ("t-test", "statistics", r"\bt[- ]tests?\b"),
    ("Chi-square test", "statistics", r"\bchi[- ]?squared?\b|χ2"),
    ("Mann-Whitney / Wilcoxon test", "statistics", r"\bMann[- ]Whitney\b|\bWilcoxon\b"),
    (
        "Random-effects meta-analysis",
        "evidence synthesis",
        r"\brandom[- ]effects? (?:model|meta-analys\w+)\b",
    ),
    ("Meta-regression", "evidence synthesis", r"\bmeta-regression\b"),
    (
        "Risk-of-bias assessment",
        "evidence synthesis",
        r"\brisk of bias\b|\bGRADE\b|\bNewcastle[- ]Ottawa\b|\bCochrane\b",
    ),
    ("Intention-to-treat analysis", "trial analysis", r"\bintention[- ]to[- ]treat\b|\bITT\b"),
    ("Mendelian randomisation", "genetic epidemiology", r"\bMendelian randomi[sz]ation\b"),
)  # fmt: skip
LIMITATION_CUES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "Author-stated limitation",
        re.compile(
            r"\blimitations?\b|\blimited by\b|\bshortcoming",
            re.I,
        ),
    ),
    (
        "Small sample size",
        re.compile(
            r"\bsmall sample\b|\bsmall number of\b|\bunderpowered\b|"
            r"\blow statistical power\b",
            re.I,
        ),
    ),
    ("Selection bias", re.compile(r"\bselection bias\b", re.I)),
    (
        "Possible bias",
        re.compile(
            r"\b(?:recall|reporting|publication|information|attrition|detection|"
            r"performance) bias\b|\brisk of bias\b",
            re.I,
        ),
    ),
    ("Confounding", re.compile(r"\bconfound\w*", re.I)),
    (
        "Limited generalisability",
        re.compile(
            r"\bgenerali[sz]ab\w+|\bnot be generali[sz]ed\b|\bexternal validity\b",
            re.I,
        ),
    ),
    ("Heterogeneity", re.compile(r"\bheterogene\w+", re.I)),
    (
        "Missing data or loss to follow-up",
        re.compile(
            r"\bmissing data\b|\bloss to follow-up\b|\blost to follow-up\b|"
            r"\bdropouts?\b",
            re.I,
        ),
    ),
    ("Self-reported measures", re.compile(r"\bself-report\w*", re.I)),
    ("Short follow-up", re.compile(r"\bshort(?:er)? follow-up\b|\bshort duration\b", re.I)),
    (
        "Interpret with caution",
        re.compile(
            r"\binterpreted with caution\b|\bcaution is (?:needed|warranted)\b|"
            r"\bfurther (?:studies|research) (?:are|is) needed\b",
            re.I,
        ),
    ),
)  # fmt: skip
_TECHNIQUE_RES = tuple(
    (name, category, re.compile(pattern)) for name, category, pattern in TECHNIQUES
)


@dataclass(frozen=True)
class DeepDiveRequest:
    """A paper to analyse: a library record, or a pasted title and text."""

    objective: str = ""
    record: PaperRecord | None = None
    title: str = ""
    text: str = ""
    # Where text came from: "pdf", "jats" or "pasted" full text, or "abstract" only; "" leaves
    # the choice to the request (the record's abstract, else the pasted text).
    full_text_source: str = ""


@dataclass(frozen=True)
class Anchor:
    """A verbatim quote backing one field of the scientific model."""

    field: str
    quote: str


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class ExperimentalMethod:
    """A technique the paper used, with the sentence that names it."""

    technique: str
    category: str
    quote: str


@dataclass(frozen=True)
class KeyResult:
    """A reported number: p-value, interval, ratio, effect size, count or percentage."""

    kind: str
    value: str
    direction: str
    quote: str


@dataclass(frozen=True)
class LimitationNote:
    """A limitation or possible bias, with the sentence it is read from."""

    text: str
    quote: str


@dataclass(frozen=True)
class ResultsInterpretation:
    """What the paper found and how far to trust it."""

    key_results: tuple[KeyResult, ...]
    limitations_biases: tuple[LimitationNote, ...]
    relevance_to_objective: str


@dataclass(frozen=True)
class DeepDiveDiagnostics:
    """What was analysed; timings_ms is the only part that varies between identical runs."""

    source: str
    characters: int
    sentences: int
    sections_detected: tuple[str, ...]
    timings_ms: dict[str, float]


@dataclass(frozen=True)
class DeepDiveResult:
    """A finished deep dive, serialisable to JSON with to_dict."""

    title: str
    pmid: str
    objective: str
    scientific_model: ScientificModel
    experimental_methods: tuple[ExperimentalMethod, ...]
    results_interpretation: ResultsInterpretation
    diagnostics: DeepDiveDiagnostics

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict (lists, dicts, strings, numbers, None)."""
        return jsonable(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DeepDiveResult:
        """Rebuild from to_dict output."""
        model = data["scientific_model"]
        results = data["results_interpretation"]
        diagnostics = data["diagnostics"]
        return cls(
            title=data["title"],
            pmid=data["pmid"],
            objective=data["objective"],
            scientific_model=ScientificModel(
                **{k: v for k, v in model.items() if k not in _TUPLE_FIELDS and k != "anchors"},
                **{k: tuple(model[k]) for k in _TUPLE_FIELDS},
                anchors=tuple(Anchor(**a) for a in model["anchors"]),
            ),
            experimental_methods=tuple(
                ExperimentalMethod(**m) for m in data["experimental_methods"]
            ),
            results_interpretation=ResultsInterpretation(
                key_results=tuple(KeyResult(**r) for r in results["key_results"]),
                limitations_biases=tuple(
                    LimitationNote(**n) for n in results["limitations_biases"]
                ),
                relevance_to_objective=results["relevance_to_objective"],
            ),
            diagnostics=DeepDiveDiagnostics(
                source=diagnostics["source"],
                characters=int(diagnostics["characters"]),
                sentences=int(diagnostics["sentences"]),
                sections_detected=tuple(diagnostics["sections_detected"]),
                timings_ms=dict(diagnostics.get("timings_ms", {})),
            ),
        )


_TUPLE_FIELDS = ("arms", "strengths", "limitations")


@dataclass(frozen=True)
class _Document:
    """The analysed text as sentences, each tagged with its (canonical) section."""

    sentences: tuple[Sentence, ...]
    sections: tuple[str, ...]
    publication_types: frozenset[str]
    mesh: frozenset[str]
    characters: int
    source: str

    def within(self, sections: frozenset[str]) -> list[Sentence]:
        """Sentences from those sections, or all sentences if none are."""
        chosen = [s for s in self.sentences if s.section in sections]
        return chosen or list(self.sentences)


def deep_dive(request: DeepDiveRequest, progress: ProgressCallback) -> DeepDiveResult:
    """Analyse one paper, reporting each stage to progress."""
    clock = StageClock(progress)
    clock.start("read", 0)
    document = _document(request)
    clock.start("design", 20)
    model = _scientific_model(document)
    clock.start("methods", 45)
    methods = _methods(document)
    clock.start("results", 65)
    key_results = _key_results(document)
    clock.start("interpret", 85)
    limitations = _limitation_notes(document, model)
    relevance = _relevance(request.objective, document, model)
    clock.finish()
    record = request.record
    return DeepDiveResult(
        title=record.title if record else " ".join(request.title.split()),
        pmid=record.pmid if record else "",
        objective=request.objective,
        scientific_model=model,
        experimental_methods=methods,
        results_interpretation=ResultsInterpretation(key_results, limitations, relevance),
        diagnostics=DeepDiveDiagnostics(
            source=document.source,
            characters=document.characters,
            sentences=len(document.sentences),
            sections_detected=document.sections,
            timings_ms=clock.timings_ms,
        ),
    )


def _document(request: DeepDiveRequest) -> _Document:
    """Sentences of the record's title and abstract, or of the pasted text."""
    record = request.record
    source = request.full_text_source
    if source not in FULL_TEXT_SOURCES:
        raise ValueError(f"Unknown full text source {source!r}.")
    if source in FULL_TEXT_KINDS:
        return _full_text_document(request, FULL_TEXT_KINDS[source])
    if record is not None:
        if not record.abstract:
            raise ValueError(
                "This paper has no abstract in the library; paste its full text to analyse it."
            )
        sentences = split_sentences(record.title, section="Title")
        sections: list[str] = []
        for part in record.abstract:
            kind = label_kind(part.label) if part.category == "UNASSIGNED" else part.category
            name = _canonical(kind.lower()) if kind != "UNASSIGNED" else "Abstract"
            if name not in sections:
                sections.append(name)
            sentences.extend(split_sentences(part.text, section=name))
        return _Document(
            sentences=tuple(sentences),
            sections=tuple(sections),
            publication_types=frozenset(p.lower() for p in record.publication_types),
            mesh=frozenset(m.descriptor.lower() for m in record.mesh),
            characters=len(record.title) + len(record.abstract_text()),
            source="library_abstract",
        )
    if not request.text.strip():
        raise ValueError(
            "There is no text to analyse: paste the paper's abstract or full text, "
            "or pick a paper from the library."
        )
    sentences = split_sentences(request.title, section="Title") if request.title.strip() else []
    body, sections = _pasted_sentences(request.text)
    return _Document(
        sentences=tuple(sentences + body),
        sections=sections,
        publication_types=frozenset(),
        mesh=frozenset(),
        characters=len(request.text),
        source="pasted_abstract" if source == "abstract" else "pasted_text",
    )


def _full_text_document(request: DeepDiveRequest, source: str) -> _Document:
    """Sentences of a full text, read with the library record's indexing when there is one."""
    if not request.text.strip():
        raise ValueError("The full text is empty: there is nothing to analyse.")
    record = request.record
    title = record.title if record is not None else request.title
    sentences = split_sentences(title, section="Title") if title.strip() else []
    body, sections = _pasted_sentences(request.text)
    return _Document(
        sentences=tuple(sentences + body),
        sections=sections,
        publication_types=frozenset(p.lower() for p in record.publication_types)
        if record is not None
        else frozenset(),
        mesh=frozenset(m.descriptor.lower() for m in record.mesh)
        if record is not None
        else frozenset(),
        characters=len(request.text),
        source=source,
    )


def detect_sections(text: str) -> tuple[str, ...]:
    """Canonical names of the sections whose headings appear in text, in order of appearance."""
    return tuple(dict.fromkeys(name for _, _, name in _heading_marks(text)))


def _heading_marks(text: str) -> list[tuple[int, int, str]]:
    """(heading start, body start, canonical section) for each heading in text, in order."""
    marks: list[tuple[int, int, str]] = []
    for match in HEADING_RE.finditer(text):
        marks.append((match.start(), match.end(), _canonical(match.group(1).lower())))
    for match in INLINE_HEADING_RE.finditer(text):
        if not any(start <= match.start() < end for start, end, _ in marks):
            marks.append((match.start(), match.end(), _canonical(match.group(1).lower())))
    marks.sort()
    return marks


def _pasted_sentences(text: str) -> tuple[list[Sentence], tuple[str, ...]]:
    """Split pasted text at its headings and paragraphs, then into sentences with offsets."""
    marks = _heading_marks(text)
    spans = []
    if not marks or marks[0][0] > 0:
        spans.append((0, marks[0][0] if marks else len(text), ""))
    for i, (_, body_start, name) in enumerate(marks):
        body_end = marks[i + 1][0] if i + 1 < len(marks) else len(text)
        spans.append((body_start, body_end, name))
    sentences: list[Sentence] = []
    sections: list[str] = []
    for start, end, name in spans:
        if name and name not in sections:
            sections.append(name)
        if name in SKIPPED_SECTIONS:
            continue
        for paragraph_start, paragraph_end in _paragraphs(text, start, end):
            for s in split_sentences(text[paragraph_start:paragraph_end], section=name):
                sentences.append(
                    Sentence(s.text, s.start + paragraph_start, s.end + paragraph_start, name)
                )
    return sentences, tuple(sections)


def _paragraphs(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of the blank-line separated paragraphs of text[start:end]."""
    spans = []
    cursor = start
    for match in PARAGRAPH_RE.finditer(text, start, end):
        spans.append((cursor, match.start()))
        cursor = match.end()
    spans.append((cursor, end))
    return spans


def _canonical(heading: str) -> str:
    """Canonical section name for a heading."""
    for cue, name in CANONICAL_SECTIONS:
        if cue in heading:
            return name
    return heading.title()


def _scientific_model(document: _Document) -> ScientificModel:
    """Design, population, arms, randomisation, blinding and control, with quotes."""
    design_sentences = document.within(DESIGN_SECTIONS)
    anchors: list[Anchor] = []
    design, design_quote = _study_design(document, design_sentences)
    if design_quote:
        anchors.append(Anchor("study_design", design_quote))
    model_type = _model_type(document, list(document.sentences))
    methods_first = sorted(design_sentences, key=lambda s: s.section != "Methods")
    population, population_quote = _population(methods_first)
    if population_quote:
        anchors.append(Anchor("population", population_quote))
    sample_size, sample_quote = _sample_size(list(document.sentences))
    if sample_quote:
        anchors.append(Anchor("sample_size", sample_quote))
    arms, arms_quote = _arms(list(document.sentences))
    if arms_quote:
        anchors.append(Anchor("arms", arms_quote))
    randomisation, randomisation_quote = _randomisation(document)
    if randomisation_quote:
        anchors.append(Anchor("randomisation", randomisation_quote))
    blinding, blinding_quote = _blinding(document)
    if blinding_quote:
        anchors.append(Anchor("blinding", blinding_quote))
    control, control_quote = _control(document)
    if control_quote:
        anchors.append(Anchor("control_type", control_quote))
    strengths = _strengths(document, design, blinding, control, sample_size, anchors)
    limitations = _design_limitations(document, design, blinding, model_type, sample_size, anchors)
    return ScientificModel(
        study_design=design,
        model_type=model_type,
        population=population,
        sample_size=sample_size,
        arms=arms,
        randomisation=randomisation,
        blinding=blinding,
        control_type=control,
        strengths=strengths,
        limitations=limitations,
        anchors=tuple(anchors),
    )


def _first(
    sentences: list[Sentence], pattern: re.Pattern[str]
) -> tuple[re.Match[str], Sentence] | None:
    """The first match of pattern in the sentences, and its sentence."""
    for sentence in sentences:
        match = pattern.search(sentence.text)
        if match:
            return match, sentence
    return None


def _study_design(document: _Document, sentences: list[Sentence]) -> tuple[str, str]:
    """The study design and the sentence that shows it ("" when read from indexing only)."""
    lowered = [(s, s.text.lower()) for s in sentences]
    mesh_observational = any(MESH_LEVELS.get(m) is OBSERVATIONAL for m in document.mesh)
    for name, publication_types, cues in DESIGNS:
        from_indexing = bool(publication_types & document.publication_types) or (
            name == "cohort study" and mesh_observational
        )
        quote = next(
            (
                s.text
                for s, text in lowered
                if any(c in text for c in cues) and "mendelian randomi" not in text
            ),
            "",
        )
        if from_indexing or quote:
            if name == "cohort study":
                name = _cohort_kind(" ".join(t for _, t in lowered))
            return name, quote
    return "not determined", ""


def _cohort_kind(text: str) -> str:
    """Prospective or retrospective cohort, when the text says which."""
    if "retrospective" in text:
        return "retrospective cohort study"
    if "prospective" in text:
        return "prospective cohort study"
    return "cohort study"


def _model_type(document: _Document, sentences: list[Sentence]) -> str:
    """Human, animal, in vitro or in silico (or a combination), from MeSH and wording."""
    text = " ".join(s.text for s in sentences)
    found = []
    for name, pattern in MODEL_CUES:
        hits = len(pattern.findall(text))
        if name == "human" and "humans" in document.mesh:
            hits += 2
        if name == "animal" and "animals" in document.mesh:
            hits += 2
        if hits:
            found.append(name)
    return " and ".join(found) if found else "not determined"


def _population(sentences: list[Sentence]) -> tuple[str, str]:
    """The study population phrase, preferring one with a qualifier ("patients with …")."""
    fallback: tuple[str, str] | None = None
    for sentence in sentences:
        for match in POPULATION_RE.finditer(sentence.text):
            phrase = " ".join(match.group(0).split()).rstrip(" ,")
            if len(phrase.split()) > 2:
                return phrase, sentence.text
            fallback = fallback or (phrase, sentence.text)
    return fallback or ("not reported", "")


def _number(text: str) -> int:
    """An integer written with optional thousands separators."""
    return int(text.replace(",", ""))


def _sample_size(sentences: list[Sentence]) -> tuple[int | None, str]:
    """Total number studied: "a total of N", else the largest head count or n = N."""
    found = _first(sentences, TOTAL_RE)
    if found:
        return _number(found[0].group(1)), found[1].text
    best: tuple[int, str] | None = None
    for sentence in sentences:
        for pattern in (COUNT_RE, N_EQUALS_RE):
            for match in pattern.finditer(sentence.text):
                value = _number(match.group(1))
                if 1800 <= value <= 2100 and pattern is COUNT_RE:
                    continue  # a year, not a head count
                if best is None or value > best[0]:
                    best = (value, sentence.text)
    return best if best else (None, "")


def _arms(sentences: list[Sentence]) -> tuple[tuple[str, ...], str]:
    """Names of the study groups, from "(X group)" and repeated "the X group"."""
    arms: dict[str, str] = {}
    quote = ""
    for sentence in sentences:
        for match in GROUP_PAREN_RE.finditer(sentence.text):
            name = match.group(1).strip()
            if name.lower() not in arms and name.split()[0].lower() not in GENERIC_GROUP_WORDS:
                arms[name.lower()] = name
                quote = quote or sentence.text
    counts: dict[str, int] = {}
    first_quote: dict[str, str] = {}
    for sentence in sentences:
        for match in GROUP_THE_RE.finditer(sentence.text):
            name = match.group(1).strip()
            if name.split()[0].lower() in GENERIC_GROUP_WORDS:
                continue
            counts[name.lower()] = counts.get(name.lower(), 0) + 1
            first_quote.setdefault(name.lower(), sentence.text)
            arms_name = arms.get(name.lower())
            if arms_name is None and counts[name.lower()] == 2:
                arms[name.lower()] = name
                quote = quote or first_quote[name.lower()]
    return tuple(list(arms.values())[:MAX_ARMS]), quote


def _randomisation(document: _Document) -> tuple[str, str]:
    """Whether and how participants were randomised, details gathered from every mention."""
    quote = ""
    details: list[str] = []
    for sentence in document.sentences:
        text = sentence.text.lower()
        if "mendelian randomi" in text:
            continue
        if "non-randomi" in text or "nonrandomi" in text or "not randomi" in text:
            return "not randomised", sentence.text
        if "randomi" not in text and "randomly" not in text:
            continue
        quote = quote or sentence.text
        for cue, detail in RANDOMISATION_DETAILS:
            if cue in text and detail not in details:
                details.append(detail)
        ratio = RATIO_RE.search(sentence.text)
        if ratio and not any(d.endswith("allocation") for d in details):
            details.append(f"{ratio.group(0)} allocation")
    if not quote:
        return "not reported", ""
    return "randomised" + (f" ({', '.join(details)})" if details else ""), quote


def _blinding(document: _Document) -> tuple[str, str]:
    """The level of blinding the text reports."""
    checks = (
        ("triple-blind", ("triple-blind", "triple blind", "triple-masked")),
        ("double-blind", ("double-blind", "double blind", "double-masked", "double masked")),
        ("single-blind", ("single-blind", "single blind", "single-masked")),
        (
            "assessor-blinded",
            ("assessor-blind", "observer-blind", "blinded assessor", "blinded outcome"),
        ),
        ("open-label (not blinded)", ("open-label", "open label", "unblinded", "non-blinded")),
    )
    for label, cues in checks:
        for sentence in document.sentences:
            text = sentence.text.lower()
            if any(c in text for c in cues):
                return label, sentence.text
    return "not reported", ""


def _control(document: _Document) -> tuple[str, str]:
    """What the intervention was compared with."""
    checks = (
        ("placebo", ("placebo",)),
        ("sham", ("sham",)),
        ("standard of care", ("standard of care", "standard care", "usual care",
                              "standard treatment", "conventional therapy",
                              "best supportive care")),
        ("historical controls", ("historical control",)),
        ("healthy controls", ("healthy control", "healthy volunteers", "healthy subjects")),
        ("no treatment", ("no treatment", "untreated")),
        ("active comparator", ("active comparator", "active control")),
        ("control group (type not stated)", ("control group", "controls")),
    )  # fmt: skip
    for label, cues in checks:
        for sentence in document.sentences:
            text = sentence.text.lower()
            if any(c in text for c in cues):
                return label, sentence.text
    return "none reported", ""


def _strengths(
    document: _Document,
    design: str,
    blinding: str,
    control: str,
    sample_size: int | None,
    anchors: list[Anchor],
) -> tuple[str, ...]:
    """Design features that make the findings more trustworthy."""
    strengths = []

    def add(text: str, quote: str) -> None:
        strengths.append(text)
        if quote:
            anchors.append(Anchor("strengths", quote))

    sentences = list(document.sentences)
    if design in ("meta-analysis", "systematic review"):
        add(
            "Synthesises the evidence of several studies",
            _quote_for(sentences, ("systematic", "meta-anal")),
        )
    if design == "randomised controlled trial":
        add(
            "Randomised: groups comparable, confounding limited",
            _quote_for(sentences, ("randomi", "randomly")),
        )
    if blinding in ("double-blind", "triple-blind"):
        add(
            f"{blinding.capitalize()}: limits performance and detection bias",
            _quote_for(sentences, (blinding[:6],)),
        )
    if control == "placebo":
        add("Placebo-controlled", _quote_for(sentences, ("placebo",)))
    if sample_size is not None and sample_size >= LARGE_SAMPLE:
        add(
            f"Large sample (n = {sample_size:,})",
            _quote_for(sentences, (f"{sample_size}", f"{sample_size:,}")),
        )
    quote = _quote_for(sentences, ("multicent", "multi-cent", "multicenter", "multinational"))
    if quote:
        add("Multicentre: results less tied to one site", quote)
    registration = _first(sentences, TRIAL_ID_RE)
    if registration:
        add(f"Registered trial ({registration[0].group(1)})", registration[1].text)
    quote = _quote_for(sentences, ("intention-to-treat", "intention to treat"))
    if quote:
        add("Intention-to-treat analysis", quote)
    if "prospective" in design or (
        design != "retrospective cohort study" and _quote_for(sentences, ("prospective",))
    ):
        quote = _quote_for(sentences, ("prospective",))
        if quote:
            add("Prospective data collection", quote)
    follow_up = _long_follow_up(sentences)
    if follow_up:
        add(f"Long follow-up ({follow_up[0]})", follow_up[1])
    return tuple(dict.fromkeys(strengths))


def _design_limitations(
    document: _Document,
    design: str,
    blinding: str,
    model_type: str,
    sample_size: int | None,
    anchors: list[Anchor],
) -> tuple[str, ...]:
    """Design features that weaken the findings."""
    limitations = []

    def add(text: str, quote: str) -> None:
        limitations.append(text)
        if quote:
            anchors.append(Anchor("limitations", quote))

    sentences = list(document.sentences)
    if sample_size is not None and sample_size < SMALL_SAMPLE:
        add(f"Small sample (n = {sample_size})", _quote_for(sentences, (str(sample_size),)))
    if "retrospective" in design or _quote_for(sentences, ("retrospective",)):
        add(
            "Retrospective: depends on records kept for other purposes",
            _quote_for(sentences, ("retrospective",)),
        )
    if design in ("cohort study", "prospective cohort study", "retrospective cohort study",
                  "case-control study", "cross-sectional study"):  # fmt: skip
        add("Observational: associations, not causation; confounding possible", "")
    if design == "cross-sectional study":
        add("Cross-sectional: cannot establish the order of cause and effect", "")
    if design == "case report":
        add("Single case or case series: not generalisable", "")
    if blinding == "open-label (not blinded)":
        add(
            "Open-label: outcomes may be biased by knowing the treatment",
            _quote_for(sentences, ("open-label", "open label", "unblinded")),
        )
    quote = _quote_for(
        sentences,
        ("single-centre", "single-center", "single center", "single centre", "single institution"),
    )
    if quote:
        add("Single centre: may not generalise", quote)
    if model_type in (
        "animal",
        "in vitro",
        "in silico",
        "animal and in vitro",
        "in vitro and in silico",
    ):
        add("Preclinical model: findings may not translate to humans", "")
    return tuple(dict.fromkeys(limitations))


def _quote_for(sentences: list[Sentence], cues: tuple[str, ...]) -> str:
    """The first sentence containing any cue (case-insensitive), or ""."""
    for sentence in sentences:
        text = sentence.text.lower()
        if any(c.lower() in text for c in cues):
            return sentence.text
    return ""


def _long_follow_up(sentences: list[Sentence]) -> tuple[str, str] | None:
    """A follow-up or study length of at least a year, with its sentence."""
    for sentence in sentences:
        for match in FOLLOW_UP_RE.finditer(sentence.text):
            amount, unit = int(match.group(1)), match.group(2).lower()
            weeks = amount * {"week": 1, "month": 4.35, "year": 52}[unit]
            if weeks >= 52 and amount < 200:
                return f"{amount} {unit}{'s' if amount > 1 else ''}", sentence.text
    return None


def _methods(document: _Document) -> tuple[ExperimentalMethod, ...]:
    """Techniques named in the text, in order of first mention."""
    found: list[tuple[int, int, ExperimentalMethod]] = []
    seen: set[str] = set()
    for position, sentence in enumerate(document.sentences):
        for order, (name, category, pattern) in enumerate(_TECHNIQUE_RES):
            if name in seen or not pattern.search(sentence.text):
                continue
            seen.add(name)
            found.append((position, order, ExperimentalMethod(name, category, sentence.text)))
    return tuple(method for _, _, method in sorted(found, key=lambda item: item[:2]))


def _key_results(document: _Document) -> tuple[KeyResult, ...]:
    """Numbers reported as results, each with its sentence and what it suggests."""
    results: list[tuple[int, int, KeyResult]] = []
    percentages = 0
    for sentence in document.within(RESULT_SECTIONS):
        text = sentence.text
        for match in P_VALUE_RE.finditer(text):
            results.append((sentence.start, match.start(), _p_value(match, text)))
        for match in CI_RE.finditer(text):
            results.append((sentence.start, match.start(), _interval(match, text)))
        for kind, pattern in RATIO_PATTERNS:
            for match in pattern.finditer(text):
                value = RATIO_VALUE_RE.match(text, match.end())
                if value:
                    number = float(value.group(1))
                    results.append(
                        (sentence.start, match.start(),
                         KeyResult(kind, value.group(1), _ratio_direction(kind, number), text))
                    )  # fmt: skip
        for pattern in (TOTAL_RE, N_EQUALS_RE):
            for match in pattern.finditer(text):
                results.append(
                    (
                        sentence.start,
                        match.start(),
                        KeyResult("sample_size", str(_number(match.group(1))), "", text),
                    )
                )
        for match in PERCENT_RE.finditer(text):
            if percentages >= MAX_PERCENTAGES:
                break
            percentages += 1
            results.append(
                (
                    sentence.start,
                    match.start(),
                    KeyResult("percentage", f"{match.group(1)}%", "", text),
                )
            )
    results.sort(key=lambda item: item[:2])
    unique = list(dict.fromkeys(result for _, _, result in results))
    return tuple(unique[:MAX_KEY_RESULTS])


def _p_value(match: re.Match[str], text: str) -> KeyResult:
    """A p-value and whether it is significant at 0.05."""
    operator, number, exponent = match.group(1), match.group(2), match.group(3)
    value = float(number) * (10 ** -int(exponent) if exponent else 1)
    if operator in ("<", "≤", "<="):
        direction = "significant" if value <= 0.05 else "not significant"
    elif operator in (">", "≥", ">="):
        direction = "not significant" if value >= 0.05 else "significant"
    else:
        direction = "significant" if value < 0.05 else "not significant"
    return KeyResult("p_value", " ".join(match.group(0).split()), direction, text)


def _interval(match: re.Match[str], text: str) -> KeyResult:
    """A confidence interval and whether it excludes no effect (1 for ratios, else 0)."""
    level, low, high = match.group(1), float(match.group(2)), float(match.group(3))
    context = text[max(0, match.start() - 80) : match.start()]
    null = 1.0 if RATIO_CONTEXT_RE.search(context) else 0.0
    excludes = (low > null and high > null) or (low < null and high < null)
    direction = f"excludes no effect ({null:g})" if excludes else f"includes no effect ({null:g})"
    return KeyResult(
        "confidence_interval", f"{level}% CI {match.group(2)} to {match.group(3)}", direction, text
    )


def _ratio_direction(kind: str, value: float) -> str:
    """Increase or decrease relative to no effect (1 for ratios, 0 for differences)."""
    null = 0.0 if kind == "effect_size" else 1.0
    if value > null:
        return "increase"
    if value < null:
        return "decrease"
    return "no difference"


def _limitation_notes(document: _Document, model: ScientificModel) -> tuple[LimitationNote, ...]:
    """Limitations and possible biases the text states, each with its sentence."""
    notes: list[LimitationNote] = []
    seen: set[str] = set()
    for sentence in document.sentences:
        for label, pattern in LIMITATION_CUES:
            if label not in seen and pattern.search(sentence.text):
                seen.add(label)
                notes.append(LimitationNote(label, sentence.text))
    limitation_quotes = [a.quote for a in model.anchors if a.field == "limitations"]
    for text, quote in zip(
        [t for t in model.limitations if _has_quote(t)], limitation_quotes, strict=False
    ):
        if text not in seen:
            seen.add(text)
            notes.append(LimitationNote(text, quote))
    return tuple(notes)


def _has_quote(limitation: str) -> bool:
    """Whether a design limitation was read from a sentence (not inferred from the design)."""
    return not limitation.startswith(
        ("Observational", "Cross-sectional", "Single case", "Preclinical")
    )


def _relevance(objective: str, document: _Document, model: ScientificModel) -> str:
    """How the paper bears on the researcher's objective, in words."""
    if not objective.strip():
        return "No objective was given, so relevance to it was not assessed."
    wanted: dict[str, str] = {}
    for word in words(objective):
        stems = content_stems(word)
        if stems:
            wanted.setdefault(stems[0], word)
    if not wanted:
        return "The objective has no searchable terms, so relevance to it was not assessed."
    best: tuple[int, int, Sentence] | None = None
    covered: set[str] = set()
    for position, sentence in enumerate(document.sentences):
        overlap = set(wanted).intersection(content_stems(sentence.text))
        covered |= overlap
        if overlap and (best is None or (-len(overlap), position) < (best[0], best[1])):
            best = (-len(overlap), position, sentence)
    present = [wanted[s] for s in wanted if s in covered]
    if not present:
        return (
            f"The text does not mention any term of the objective ({', '.join(wanted.values())}); "
            "it is probably not relevant."
        )
    design = model.study_design if model.study_design != "not determined" else "study"
    parts = [
        f"The paper covers {len(present)} of {len(wanted)} objective terms ({', '.join(present)}).",
        f"As a {design}"
        + (f" of {model.sample_size:,} participants" if model.sample_size else "")
        + ", "
        + _strength_phrase(model.study_design)
        + ".",
    ]
    if best is not None:
        parts.append(f"Most relevant passage: “{best[2].text}”")
    return " ".join(parts)


def _strength_phrase(design: str) -> str:
    """How much weight a design's findings carry."""
    if design in ("meta-analysis", "systematic review"):
        return "it summarises the strongest level of evidence"
    if design == "randomised controlled trial":
        return "it can support causal conclusions"
    if "cohort" in design or design in (
        "case-control study",
        "cross-sectional study",
        "non-randomised clinical trial",
    ):
        return "it shows associations that need confirming in trials"
    if design in ("animal study", "in vitro study", "in silico study"):
        return "it gives mechanistic or preclinical evidence only"
    return "its findings should be weighed with care"
