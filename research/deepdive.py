"""Deep dive into one paper: its scientific model, methods, results and limitations, all quoted.

Each part is read from the section that reports it: how the study was done from Methods (then the
title and undivided text), never from sentences that cite other work or speak of future work;
results from Results and Conclusions; limitations from the Limitations section, a Discussion
paragraph on limitations, or sentences that speak the language of limitations. Every quote names
the section it came from.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from research.deepdive_rules import (
    AGE_AFTER_RE,
    AGE_BEFORE_RE,
    AUTHOR_STATED,
    BLINDING_CUES,
    CASE_REPORT_LIMITATION,
    CI_RE,
    CITATION_RE,
    CONTROL_CUES,
    COUNT_RE,
    CROSS_SECTIONAL_LIMITATION,
    EXPLICIT_LIMITATION_RE,
    FOLLOW_UP_READING,
    FOLLOW_UP_RES,
    FULL_TEXT_KINDS,
    FULL_TEXT_SOURCES,
    FUTURE_WORK_RE,
    GENERIC_GROUP_WORDS,
    GROUP_PAREN_RE,
    GROUP_THE_RE,
    INTENTION_TO_TREAT_CUES,
    LARGE_SAMPLE,
    LIMITATION_CUES,
    LIMITATION_LANGUAGE_RE,
    LIMITATION_LIST_END_RE,
    LIMITATION_LIST_RE,
    LIMITATION_OPENER_RE,
    LIMITATION_READING,
    MAX_ARMS,
    MAX_KEY_RESULTS,
    MAX_LIMITATION_LIST,
    MAX_PERCENTAGES,
    MAX_STATED_LIMITATIONS,
    MENDELIAN_CUE,
    METHOD_FALLBACK_READING,
    METHOD_READING,
    MIN_ROLE_SPLIT,
    MODEL_CUES,
    MULTICENTRE_CUES,
    N_EQUALS_RE,
    NEGATED_AFTER_RE,
    NEGATION_BRIDGES,
    NEGATION_PAIRS,
    NEGATION_TRIGGERS,
    NEGATION_WINDOW,
    NO_CONTROL,
    NOT_RANDOMISED_CUES,
    OBSERVATIONAL_DESIGNS,
    OBSERVATIONAL_LIMITATION,
    OPEN_LABEL,
    OPEN_LABEL_LIMITATION,
    OTHER_WORK_RE,
    P_VALUE_RE,
    PARAGRAPH_RE,
    PERCENT_RE,
    PLACE_BEFORE_RE,
    POPULATION_RE,
    PRECLINICAL_LIMITATION,
    PRECLINICAL_MODELS,
    PROSPECTIVE_CUES,
    RANDOMISATION_DETAILS,
    RANDOMISED_CUES,
    RATIO_CONTEXT_RE,
    RATIO_PATTERNS,
    RATIO_RE,
    RATIO_VALUE_RE,
    RESULT_SECTIONS,
    RETROSPECTIVE_CUES,
    RETROSPECTIVE_LIMITATION,
    SINGLE_CENTRE_CUES,
    SINGLE_CENTRE_LIMITATION,
    SMALL_SAMPLE,
    STUDY_DESIGN_WORDS,
    SYNTHESIS_CUES,
    TECHNIQUE_RES,
    THOUSANDS_SEPARATORS,
    TOTAL_RE,
    TRIAL_ID_RE,
)
from research.design import classify_design
from research.errors import UserFacingError
from research.progress import ProgressCallback, StageClock
from research.records import PaperRecord
from research.roles import shipped_model
from research.schema import (
    Anchor,
    DeepDiveDiagnostics,
    DeepDiveResult,
    ExperimentalMethod,
    KeyResult,
    LimitationNote,
    ResultsInterpretation,
    ScientificModel,
)
from research.sections import (
    ABSTRACT,
    CATEGORY_SECTIONS,
    DISCUSSION,
    INTRODUCTION,
    LIMITATIONS,
    METHODS,
    SKIPPED_SECTIONS,
    TITLE,
    abstract_part_section,
    detect_sections,
    heading_marks,
)
from research.text import Sentence, content_stems, split_sentences
from research.tokens import words

if TYPE_CHECKING:
    from research.fulltext import FullText

__all__ = ["DeepDiveRequest", "deep_dive", "detect_sections"]


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

    @classmethod
    def from_full_text(
        cls, full: FullText, objective: str = "", record: PaperRecord | None = None
    ) -> DeepDiveRequest:
        """A request on a full text read from a file, for a library record or on its own."""
        return cls(
            objective=objective,
            record=record,
            title=full.title,
            text=full.text,
            full_text_source=full.source,
        )


@dataclass(frozen=True)
class _Document:
    """The analysed text as sentences, each tagged with its (canonical) section and numbered
    with the paragraph it belongs to."""

    sentences: tuple[Sentence, ...]
    paragraphs: tuple[int, ...]
    sections: tuple[str, ...]
    publication_types: frozenset[str]
    mesh: frozenset[str]
    characters: int
    source: str

    def within(self, sections: frozenset[str]) -> list[Sentence]:
        """Sentences from those sections, or all sentences if none are."""
        chosen = [s for s in self.sentences if s.section in sections]
        return chosen or list(self.sentences)

    def reading(self, sections: Sequence[str]) -> list[Sentence]:
        """This study's own sentences from those sections, the sections in the order given and
        text order within each: sentences citing other work or speaking of future work are
        left out."""
        rank = {name: i for i, name in enumerate(sections)}
        chosen = [s for s in self.sentences if s.section in rank and not _elsewhere(s.text)]
        return sorted(chosen, key=lambda s: rank[s.section])

    def methods_reading(self) -> list[Sentence]:
        """The sentences telling how the study was done: Methods, then the title and undivided
        text; a text with no Methods at all is read whole but for its Introduction, Methods-less
        sections coming last."""
        if any(s.section == METHODS for s in self.sentences):
            return self.reading(METHOD_READING)
        return self.reading(METHOD_FALLBACK_READING)


def deep_dive(request: DeepDiveRequest, progress: ProgressCallback) -> DeepDiveResult:
    """Analyse one paper, reporting each stage to progress."""
    clock = StageClock(progress)
    clock.start("read", 0)
    document = _document(request)
    clock.start("design", 20)
    model, design_limitations = _scientific_model(document)
    clock.start("methods", 45)
    methods = _methods(document)
    clock.start("results", 65)
    key_results = _key_results(document)
    clock.start("interpret", 85)
    limitations = _limitation_notes(document, design_limitations)
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
        raise ValueError(f"Unknown full text source {source!r}.")  # a caller's bug
    if source in FULL_TEXT_KINDS:
        return _full_text_document(request, FULL_TEXT_KINDS[source])
    if record is not None:
        if not record.abstract:
            raise UserFacingError(
                "This paper has no abstract in the library; paste its full text to analyse it."
            )
        sentences = split_sentences(record.title, section=TITLE)
        paragraphs = [0] * len(sentences)
        sections: list[str] = []
        for number, part in enumerate(record.abstract, start=1):
            name = abstract_part_section(part)
            pieces = split_sentences(part.text, section=name)
            if name == ABSTRACT and len(pieces) > 1:
                pieces = _sections_by_role(pieces)
            for piece in pieces:
                if piece.section not in sections:
                    sections.append(piece.section)
            sentences.extend(pieces)
            paragraphs.extend([number] * len(pieces))
        return _Document(
            sentences=tuple(sentences),
            paragraphs=tuple(paragraphs),
            sections=tuple(sections),
            publication_types=frozenset(p.lower() for p in record.publication_types),
            mesh=frozenset(m.descriptor.lower() for m in record.mesh),
            characters=len(record.title) + len(record.abstract_text()),
            source="library_abstract",
        )
    if not request.text.strip():
        raise UserFacingError(
            "There is no text to analyse: paste the paper's abstract or full text, "
            "or pick a paper from the library."
        )
    sentences = split_sentences(request.title, section=TITLE) if request.title.strip() else []
    body, body_paragraphs, headings = _pasted_sentences(request.text)
    return _Document(
        sentences=tuple(sentences + body),
        paragraphs=(0,) * len(sentences) + body_paragraphs,
        sections=headings,
        publication_types=frozenset(),
        mesh=frozenset(),
        characters=len(request.text),
        source="pasted_abstract" if source == "abstract" else "pasted_text",
    )


def _sections_by_role(sentences: list[Sentence]) -> list[Sentence]:
    """An unlabelled abstract's sentences, each tagged with the section of the role the
    sentence-role model gives it (Introduction, Methods, Results or Conclusions)."""
    roles = shipped_model().predict([s.text for s in sentences])
    return [
        Sentence(s.text, s.start, s.end, CATEGORY_SECTIONS.get(role, ABSTRACT))
        for s, role in zip(sentences, roles, strict=True)
    ]


def _full_text_document(request: DeepDiveRequest, source: str) -> _Document:
    """Sentences of a full text, read with the library record's indexing when there is one."""
    if not request.text.strip():
        raise UserFacingError("The full text is empty: there is nothing to analyse.")
    record = request.record
    title = record.title if record is not None else request.title
    sentences = split_sentences(title, section=TITLE) if title.strip() else []
    body, body_paragraphs, sections = _pasted_sentences(request.text)
    return _Document(
        sentences=tuple(sentences + body),
        paragraphs=(0,) * len(sentences) + body_paragraphs,
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


def _pasted_sentences(text: str) -> tuple[list[Sentence], tuple[int, ...], tuple[str, ...]]:
    """Split pasted text at its headings and paragraphs, then into sentences with offsets; the
    paragraph number of each sentence; the headings' sections. Text under no heading or under
    "Abstract" is split into sections by the sentence-role model, as an unlabelled abstract is,
    when it is long enough for the model to place its sentences."""
    marks = heading_marks(text)
    spans = []
    if not marks or marks[0][0] > 0:
        spans.append((0, marks[0][0] if marks else len(text), ""))
    for i, (_, body_start, name) in enumerate(marks):
        body_end = marks[i + 1][0] if i + 1 < len(marks) else len(text)
        spans.append((body_start, body_end, name))
    sentences: list[Sentence] = []
    paragraphs: list[int] = []
    sections: list[str] = []
    number = 0
    for start, end, name in spans:
        if name and name not in sections:
            sections.append(name)
        if name in SKIPPED_SECTIONS:
            continue
        span: list[Sentence] = []
        for paragraph_start, paragraph_end in _paragraphs(text, start, end):
            number += 1
            for s in split_sentences(text[paragraph_start:paragraph_end], section=name):
                span.append(
                    Sentence(s.text, s.start + paragraph_start, s.end + paragraph_start, name)
                )
                paragraphs.append(number)
        if name in ("", ABSTRACT) and len(span) >= MIN_ROLE_SPLIT:
            span = _sections_by_role(span)
        sentences.extend(span)
    return sentences, tuple(paragraphs), tuple(sections)


def _paragraphs(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of the blank-line separated paragraphs of text[start:end]."""
    spans = []
    cursor = start
    for match in PARAGRAPH_RE.finditer(text, start, end):
        spans.append((cursor, match.start()))
        cursor = match.end()
    spans.append((cursor, end))
    return spans


# --- Reading the right sentences ---------------------------------------------------------------


def _elsewhere(text: str) -> bool:
    """Whether the sentence cites other work or speaks of future work."""
    return bool(
        CITATION_RE.search(text) or OTHER_WORK_RE.search(text) or FUTURE_WORK_RE.search(text)
    )


def _negated(text: str, start: int, end: int, *, prefixes: bool = True) -> bool:
    """Whether text[start:end] is negated, NegEx-style: a trigger ("not", "no", "without",
    "rather than" …) before it with only bridging words between, within one clause; a "non-"
    prefix (when prefixes); or "… was not used" after it."""
    before = text[:start]
    clause = re.split(r"[,;:()\[\]]|\b(?:but|however|although|whereas|while)\b", before)[-1]
    if prefixes and re.search(r"\b(?:non|un)-?$", clause, re.IGNORECASE):
        return True
    tokens = [t.lower() for t in re.findall(r"[A-Za-z]+", clause)][-NEGATION_WINDOW:]
    for i in range(len(tokens) - 1, -1, -1):
        word = tokens[i]
        if word in NEGATION_TRIGGERS or (i > 0 and (tokens[i - 1], word) in NEGATION_PAIRS):
            return True
        if word not in NEGATION_BRIDGES:
            break
    return bool(NEGATED_AFTER_RE.match(text[end:]))


def _affirmed(text: str, cues: Iterable[str]) -> bool:
    """Whether any cue occurs in text (case-insensitive) at least once un-negated."""
    lowered = text.lower()
    for cue in cues:
        at = lowered.find(cue.lower())
        while at != -1:
            if not _negated(lowered, at, at + len(cue)):
                return True
            at = lowered.find(cue.lower(), at + 1)
    return False


def _denied(text: str, cues: Iterable[str]) -> bool:
    """Whether some cue occurs in text only negated ("not placebo controlled")."""
    lowered = text.lower()
    return any(cue.lower() in lowered for cue in cues) and not _affirmed(text, cues)


def _anchor(field: str, sentence: Sentence | None) -> list[Anchor]:
    """The anchor of a field read from the sentence, if there is one."""
    return [Anchor(field, sentence.text, sentence.section)] if sentence is not None else []


def _decimal(text: str) -> float:
    """A decimal written with a point, a mid-dot or a comma, and maybe a typographic minus."""
    return float(text.replace("·", ".").replace(",", ".").replace("−", "-"))


def _decimal_text(text: str) -> str:
    """A decimal as written, with a point for its decimal mark."""
    return text.replace("·", ".").replace(",", ".").replace("−", "-")


def _number(text: str) -> int:
    """A whole number written with optional thousands separators (commas or spaces)."""
    return int(text.translate({ord(c): None for c in THOUSANDS_SEPARATORS}))


# --- Scientific model --------------------------------------------------------------------------


def _scientific_model(document: _Document) -> tuple[ScientificModel, tuple[LimitationNote, ...]]:
    """Design, population, arms, randomisation, blinding and control, with quotes, read from
    Methods (then the title and undivided text)."""
    reading = document.methods_reading()
    anchors: list[Anchor] = []
    design, design_sentence = _study_design(document, reading)
    anchors += _anchor("study_design", design_sentence)
    model_type = _model_type(document, list(document.sentences))
    population, population_sentence = _population(reading)
    anchors += _anchor("population", population_sentence)
    sample_size, sample_sentence = _sample_size(reading)
    anchors += _anchor("sample_size", sample_sentence)
    arms, arms_sentence = _arms(reading)
    anchors += _anchor("arms", arms_sentence)
    randomisation, randomisation_sentence = _randomisation(reading)
    anchors += _anchor("randomisation", randomisation_sentence)
    blinding, blinding_sentence = _blinding(reading)
    anchors += _anchor("blinding", blinding_sentence)
    control, control_sentence = _control(reading)
    anchors += _anchor("control_type", control_sentence)
    strengths = _strengths(
        document,
        design,
        (blinding, blinding_sentence),
        (control, control_sentence),
        (sample_size, sample_sentence),
        (randomisation_sentence if design == "randomised controlled trial" else None),
        anchors,
    )
    quoted = _design_limitations(
        document, design, (blinding, blinding_sentence), model_type, (sample_size, sample_sentence)
    )
    for _, sentence in quoted:
        anchors += _anchor("limitations", sentence)
    model = ScientificModel(
        study_design=design,
        model_type=model_type,
        population=population,
        sample_size=sample_size,
        arms=arms,
        randomisation=randomisation,
        blinding=blinding,
        control_type=control,
        strengths=strengths,
        limitations=tuple(text for text, _ in quoted),
        anchors=tuple(anchors),
    )
    return model, tuple(
        LimitationNote(text, sentence.text, sentence.section)
        for text, sentence in quoted
        if sentence is not None
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


def _study_design(document: _Document, reading: list[Sentence]) -> tuple[str, Sentence | None]:
    """The study design and the sentence that shows it (None when read from indexing only).
    Sentences that deny a design ("rather than a randomised trial") are not offered. An
    abstract is also read whole by the design model, as a review reads it; quotes still come
    only from the sentences offered or the title."""
    title = next((s.text for s in document.sentences if s.section == TITLE), "")
    offered = [s for s in reading if not _denies_design(s.text)]
    assessment = classify_design(
        publication_types=document.publication_types,
        mesh=document.mesh,
        title=title,
        sentences=offered,
        context=list(document.sentences) if document.source.endswith("abstract") else None,
    )
    name = assessment.design.name
    if name == "cohort study":
        name = _cohort_kind(" ".join(s.text.lower() for s in offered))
    quote = assessment.quote
    sentence = next((s for s in offered if s.text == quote), None)
    if sentence is None and quote:
        sentence = next((s for s in document.sentences if s.text == quote), None)
        if sentence is None and quote == title.strip():
            sentence = Sentence(quote, 0, len(quote), TITLE)
    return name, sentence


def _denies_design(text: str) -> bool:
    """Whether a word naming a design is negated in the sentence (a "non-randomised" design
    is a design, so prefixes do not count)."""
    lowered = text.lower()
    for word in STUDY_DESIGN_WORDS:
        at = lowered.find(word)
        while at != -1:
            if _negated(lowered, at, at + len(word), prefixes=False):
                return True
            at = lowered.find(word, at + 1)
    return False


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


def _population(sentences: list[Sentence]) -> tuple[str, Sentence | None]:
    """The study population phrase, preferring one with a qualifier ("patients with …")."""
    fallback: tuple[str, Sentence] | None = None
    for sentence in sentences:
        for match in POPULATION_RE.finditer(sentence.text):
            phrase = " ".join(match.group(0).split()).rstrip(" ,")
            if len(phrase.split()) > 2:
                return phrase, sentence
            fallback = fallback or (phrase, sentence)
    return fallback or ("not reported", None)


def _sample_size(sentences: list[Sentence]) -> tuple[int | None, Sentence | None]:
    """Total number studied, from Methods if they give it, else from the rest of the reading:
    "a total of N", else the largest head count or n = N (the total, not one arm's)."""
    methods = [s for s in sentences if s.section == METHODS]
    others = [s for s in sentences if s.section != METHODS]
    for group in (methods, others):
        found = _first(group, TOTAL_RE)
        if found:
            return _number(found[0].group(1)), found[1]
        best: tuple[int, Sentence] | None = None
        for sentence in group:
            for pattern in (COUNT_RE, N_EQUALS_RE):
                for match in pattern.finditer(sentence.text):
                    value = _number(match.group(1))
                    if 1800 <= value <= 2100 and pattern is COUNT_RE:
                        continue  # a year, not a head count
                    if best is None or value > best[0]:
                        best = (value, sentence)
        if best is not None:
            return best
    return None, None


def _arms(sentences: list[Sentence]) -> tuple[tuple[str, ...], Sentence | None]:
    """Names of the study groups, from "(X group)" and repeated "the X group"."""
    arms: dict[str, str] = {}
    quote: Sentence | None = None
    for sentence in sentences:
        for match in GROUP_PAREN_RE.finditer(sentence.text):
            name = match.group(1).strip()
            if name.lower() not in arms and name.split()[0].lower() not in GENERIC_GROUP_WORDS:
                arms[name.lower()] = name
                quote = quote or sentence
    counts: dict[str, int] = {}
    first_quote: dict[str, Sentence] = {}
    for sentence in sentences:
        for match in GROUP_THE_RE.finditer(sentence.text):
            name = match.group(1).strip()
            if name.split()[0].lower() in GENERIC_GROUP_WORDS:
                continue
            counts[name.lower()] = counts.get(name.lower(), 0) + 1
            first_quote.setdefault(name.lower(), sentence)
            arms_name = arms.get(name.lower())
            if arms_name is None and counts[name.lower()] == 2:
                arms[name.lower()] = name
                quote = quote or first_quote[name.lower()]
    return tuple(list(arms.values())[:MAX_ARMS]), quote


def _randomisation(sentences: list[Sentence]) -> tuple[str, Sentence | None]:
    """Whether and how participants were randomised, details gathered from every mention; a
    negated mention ("were not randomly assigned") says they were not."""
    quote: Sentence | None = None
    details: list[str] = []
    for sentence in sentences:
        text = sentence.text.lower()
        if MENDELIAN_CUE in text:
            continue
        if any(cue in text for cue in NOT_RANDOMISED_CUES) or _denied(text, RANDOMISED_CUES):
            return "not randomised", sentence
        if not _affirmed(text, RANDOMISED_CUES):
            continue
        quote = quote or sentence
        for cue, detail in RANDOMISATION_DETAILS:
            if cue in text and detail not in details:
                details.append(detail)
        ratio = RATIO_RE.search(sentence.text)
        if ratio and not any(d.endswith("allocation") for d in details):
            details.append(f"{ratio.group(0)} allocation")
    if quote is None:
        return "not reported", None
    return "randomised" + (f" ({', '.join(details)})" if details else ""), quote


def _blinding(sentences: list[Sentence]) -> tuple[str, Sentence | None]:
    """The level of blinding the text reports; a negated blinding cue is not blinding."""
    for label, cues in BLINDING_CUES:
        for sentence in sentences:
            found = (
                any(c in sentence.text.lower() for c in cues)
                if label == OPEN_LABEL
                else _affirmed(sentence.text, cues)
            )
            if found:
                return label, sentence
    return "not reported", None


def _control(sentences: list[Sentence]) -> tuple[str, Sentence | None]:
    """What the intervention was compared with; "not placebo controlled" or "no control group"
    says there was no such control."""
    for label, cues in CONTROL_CUES:
        for sentence in sentences:
            if _affirmed(sentence.text, cues):
                return label, sentence
    for sentence in sentences:
        if _denied(sentence.text, ("control group", "controls", "placebo")):
            return NO_CONTROL, sentence
    return "none reported", None


def _strengths(
    document: _Document,
    design: str,
    blinding: tuple[str, Sentence | None],
    control: tuple[str, Sentence | None],
    sample_size: tuple[int | None, Sentence | None],
    randomised: Sentence | None,
    anchors: list[Anchor],
) -> tuple[str, ...]:
    """Design features that make the findings more trustworthy, each read from this study's
    own sentences (never the Introduction)."""
    strengths = []

    def add(text: str, sentence: Sentence | None) -> None:
        strengths.append(text)
        anchors.extend(_anchor("strengths", sentence))

    own = document.methods_reading()
    if design in ("meta-analysis", "systematic review"):
        add("Synthesises the evidence of several studies", _sentence_for(own, SYNTHESIS_CUES))
    if design == "randomised controlled trial":
        add("Randomised: groups comparable, confounding limited", randomised)
    level, blinding_sentence = blinding
    if level in ("double-blind", "triple-blind"):
        add(f"{level.capitalize()}: limits performance and detection bias", blinding_sentence)
    kind, control_sentence = control
    if kind == "placebo":
        add("Placebo-controlled", control_sentence)
    size, size_sentence = sample_size
    if size is not None and size >= LARGE_SAMPLE:
        add(f"Large sample (n = {size:,})", size_sentence)
    sentence = _sentence_for(own, MULTICENTRE_CUES)
    if sentence is not None:
        add("Multicentre: results less tied to one site", sentence)
    every = [s for s in document.sentences if s.section != INTRODUCTION]
    registration = _first(every, TRIAL_ID_RE)
    if registration:
        add(f"Registered trial ({registration[0].group(1)})", registration[1])
    sentence = _sentence_for(own, INTENTION_TO_TREAT_CUES)
    if sentence is not None:
        add("Intention-to-treat analysis", sentence)
    prospective = _sentence_for(own, PROSPECTIVE_CUES)
    if prospective is not None and design != "retrospective cohort study":
        add("Prospective data collection", prospective)
    follow_up = _long_follow_up(document.reading(FOLLOW_UP_READING))
    if follow_up:
        add(f"Long follow-up ({follow_up[0]})", follow_up[1])
    return tuple(dict.fromkeys(strengths))


def _design_limitations(
    document: _Document,
    design: str,
    blinding: tuple[str, Sentence | None],
    model_type: str,
    sample_size: tuple[int | None, Sentence | None],
) -> tuple[tuple[str, Sentence | None], ...]:
    """Design features that weaken the findings, each with the sentence it is read from (None
    when it follows from the design alone)."""
    limitations: dict[str, Sentence | None] = {}
    own = document.methods_reading()
    size, size_sentence = sample_size
    if size is not None and size < SMALL_SAMPLE:
        limitations[f"Small sample (n = {size})"] = size_sentence
    sentence = _sentence_for(own, RETROSPECTIVE_CUES)
    if "retrospective" in design or sentence is not None:
        limitations[RETROSPECTIVE_LIMITATION] = sentence
    if design in OBSERVATIONAL_DESIGNS:
        limitations[OBSERVATIONAL_LIMITATION] = None
    if design == "cross-sectional study":
        limitations[CROSS_SECTIONAL_LIMITATION] = None
    if design == "case report":
        limitations[CASE_REPORT_LIMITATION] = None
    level, blinding_sentence = blinding
    if level == OPEN_LABEL:
        limitations[OPEN_LABEL_LIMITATION] = blinding_sentence
    sentence = _sentence_for(own, SINGLE_CENTRE_CUES)
    if sentence is not None:
        limitations[SINGLE_CENTRE_LIMITATION] = sentence
    if model_type in PRECLINICAL_MODELS:
        limitations[PRECLINICAL_LIMITATION] = None
    return tuple(limitations.items())


def _sentence_for(sentences: list[Sentence], cues: tuple[str, ...]) -> Sentence | None:
    """The first sentence where a cue occurs un-negated (case-insensitive), or None."""
    return next((s for s in sentences if _affirmed(s.text, cues)), None)


def _long_follow_up(sentences: list[Sentence]) -> tuple[str, Sentence] | None:
    """A follow-up or study length of at least a year, with its sentence; an age ("aged 75
    years", "75-year-old") is never one."""
    for sentence in sentences:
        text = sentence.text
        for pattern in FOLLOW_UP_RES:
            for match in pattern.finditer(text):
                amount_start, unit_end = match.start(1), match.end(2)
                if AGE_BEFORE_RE.search(text[:amount_start]) or AGE_AFTER_RE.match(
                    text[unit_end + (1 if text[unit_end : unit_end + 1] == "s" else 0) :]
                ):
                    continue
                amount, unit = _decimal(match.group(1)), match.group(2).lower()
                weeks = amount * {"week": 1, "month": 4.35, "year": 52}[unit]
                if weeks >= 52 and amount < 200:
                    return f"{amount:g} {unit}{'s' if amount != 1 else ''}", sentence
    return None


# --- Methods and results -----------------------------------------------------------------------


def _methods(document: _Document) -> tuple[ExperimentalMethod, ...]:
    """Techniques named in Methods (then the title and undivided text), in reading order."""
    found: list[ExperimentalMethod] = []
    seen: set[str] = set()
    for sentence in document.methods_reading():
        for name, category, pattern in TECHNIQUE_RES:
            if name in seen or not _names_technique(pattern, sentence.text):
                continue
            seen.add(name)
            found.append(ExperimentalMethod(name, category, sentence.text, sentence.section))
    return tuple(found)


def _names_technique(pattern: re.Pattern[str], text: str) -> bool:
    """Whether the text names the technique: an acronym right after "Town, " is a place."""
    for match in pattern.finditer(text):
        word = match.group(0)
        if word.isupper() and len(word) <= 3 and PLACE_BEFORE_RE.search(text[: match.start()]):
            continue
        return True
    return False


def _key_results(document: _Document) -> tuple[KeyResult, ...]:
    """Numbers reported as results, each with its sentence and what it suggests."""
    results: list[tuple[int, int, KeyResult]] = []
    percentages = 0
    for order, sentence in enumerate(document.within(RESULT_SECTIONS)):
        text, section = sentence.text, sentence.section
        found: list[tuple[int, str, str, str]] = []  # (position, kind, value, direction)
        for match in P_VALUE_RE.finditer(text):
            value = " ".join(match.group(0).split())
            found.append((match.start(), "p_value", value, _p_direction(match)))
        for match in CI_RE.finditer(text):
            found.append((match.start(), "confidence_interval", *_interval(match, text)))
        for kind, pattern in RATIO_PATTERNS:
            for match in pattern.finditer(text):
                ratio = RATIO_VALUE_RE.match(text, match.end())
                if ratio:
                    direction = _ratio_direction(kind, _decimal(ratio.group(1)))
                    found.append((match.start(), kind, _decimal_text(ratio.group(1)), direction))
        for pattern in (TOTAL_RE, N_EQUALS_RE):
            for match in pattern.finditer(text):
                found.append((match.start(), "sample_size", str(_number(match.group(1))), ""))
        for match in PERCENT_RE.finditer(text):
            if percentages >= MAX_PERCENTAGES:
                break
            percentages += 1
            percent = f"{_decimal_text(match.group(1))}%"
            found.append((match.start(), "percentage", percent, ""))
        results += [
            (order, at, KeyResult(kind, value, direction, text, section))
            for at, kind, value, direction in found
        ]
    results.sort(key=lambda item: item[:2])
    unique = list(dict.fromkeys(result for _, _, result in results))
    return tuple(unique[:MAX_KEY_RESULTS])


def _p_direction(match: re.Match[str]) -> str:
    """Whether a p-value is significant at 0.05."""
    operator, number, exponent = match.group(1), match.group(2), match.group(3)
    value = _decimal(number) * (10 ** -int(exponent) if exponent else 1)
    if operator in ("<", "≤", "<="):
        return "significant" if value <= 0.05 else "not significant"
    if operator in (">", "≥", ">="):
        return "not significant" if value >= 0.05 else "significant"
    return "significant" if value < 0.05 else "not significant"


def _interval(match: re.Match[str], text: str) -> tuple[str, str]:
    """A confidence interval and whether it excludes no effect (1 for ratios, else 0)."""
    level, low, high = match.group(1), _decimal(match.group(2)), _decimal(match.group(3))
    context = text[max(0, match.start() - 80) : match.start()]
    null = 1.0 if RATIO_CONTEXT_RE.search(context) else 0.0
    excludes = (low > null and high > null) or (low < null and high < null)
    direction = f"excludes no effect ({null:g})" if excludes else f"includes no effect ({null:g})"
    value = f"{level}% CI {_decimal_text(match.group(2))} to {_decimal_text(match.group(3))}"
    return value, direction


def _ratio_direction(kind: str, value: float) -> str:
    """Increase or decrease relative to no effect (1 for ratios, 0 for differences)."""
    null = 0.0 if kind == "effect_size" else 1.0
    if value > null:
        return "increase"
    if value < null:
        return "decrease"
    return "no difference"


# --- Limitations -------------------------------------------------------------------------------


def _limitation_notes(
    document: _Document, design_limitations: tuple[LimitationNote, ...]
) -> tuple[LimitationNote, ...]:
    """Limitations the authors state, then those of the design read from a sentence, each
    with its sentence and section."""
    notes: list[LimitationNote] = []
    seen: set[str] = set()
    for sentence in _stated_limitations(document):
        for label in _limitation_labels(sentence.text, seen):
            if len(notes) < MAX_STATED_LIMITATIONS:
                notes.append(LimitationNote(label, sentence.text, sentence.section))
    for note in design_limitations:
        if note.text not in seen:
            seen.add(note.text)
            notes.append(note)
    return tuple(notes)


def _stated_limitations(document: _Document) -> list[Sentence]:
    """The sentences stating a limitation: all of the Limitations section, a Discussion
    paragraph's list of limitations from the sentence that opens it, and sentences of Results,
    Conclusions, Discussion or undivided text that speak the language of limitations."""
    stated: list[Sentence] = []
    listing: tuple[int, int] | None = None  # (paragraph, sentences listed so far)
    for sentence, paragraph in zip(document.sentences, document.paragraphs, strict=True):
        text = sentence.text
        if listing is not None and listing[0] != paragraph:
            listing = None
        if sentence.section == LIMITATIONS:
            stated.append(sentence)
        elif CITATION_RE.search(text) or sentence.section not in LIMITATION_READING:
            continue
        elif _speaks_of_limitation(text, explicit_only=sentence.section == METHODS):
            stated.append(sentence)
            if sentence.section == DISCUSSION and LIMITATION_OPENER_RE.search(text):
                listing = (paragraph, 0)
        elif (
            listing is not None
            and listing[1] < MAX_LIMITATION_LIST
            and not LIMITATION_LIST_END_RE.search(text)
            and (LIMITATION_LIST_RE.match(text) or listing[1] == 0)
        ):
            stated.append(sentence)
            listing = (paragraph, listing[1] + 1)
        else:
            listing = None
    return stated


def _speaks_of_limitation(text: str, *, explicit_only: bool = False) -> bool:
    """Whether the sentence uses the language of limitations, un-negated ("no publication bias
    was found" states none); explicit_only asks for a limitation named as such ("our study is
    limited by"), as a Methods sentence must."""
    pattern = EXPLICIT_LIMITATION_RE if explicit_only else LIMITATION_LANGUAGE_RE
    return any(
        not _negated(text, m.start(), m.end(), prefixes=False) for m in pattern.finditer(text)
    )


def _limitation_labels(text: str, seen: set[str]) -> list[str]:
    """The kinds of limitation a stating sentence names that are not named yet (each kind once);
    an author-stated limitation when it says "limitation" outright or names no kind."""
    labels: list[str] = []
    named = False
    explicit = False
    for label, pattern in LIMITATION_CUES:
        match = pattern.search(text)
        if match is None or _negated(text, match.start(), match.end(), prefixes=False):
            continue
        if label == AUTHOR_STATED:
            explicit = True
            continue
        named = True
        if label not in seen:
            seen.add(label)
            labels.append(label)
    if explicit or not named:
        labels.insert(0, AUTHOR_STATED)
    return labels


# --- Relevance ---------------------------------------------------------------------------------


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
