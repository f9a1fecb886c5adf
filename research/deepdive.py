"""Deep dive into one paper: its scientific model, methods, results and limitations, all quoted."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from research.deepdive_rules import (
    BLINDING_CUES,
    CASE_REPORT_LIMITATION,
    CI_RE,
    CONTROL_CUES,
    COUNT_RE,
    CROSS_SECTIONAL_LIMITATION,
    DESIGN_SECTIONS,
    FOLLOW_UP_RE,
    FULL_TEXT_KINDS,
    FULL_TEXT_SOURCES,
    GENERIC_GROUP_WORDS,
    GROUP_PAREN_RE,
    GROUP_THE_RE,
    INTENTION_TO_TREAT_CUES,
    LARGE_SAMPLE,
    LIMITATION_CUES,
    MAX_ARMS,
    MAX_KEY_RESULTS,
    MAX_PERCENTAGES,
    MENDELIAN_CUE,
    MODEL_CUES,
    MULTICENTRE_CUES,
    N_EQUALS_RE,
    NOT_RANDOMISED_CUES,
    OBSERVATIONAL_DESIGNS,
    OBSERVATIONAL_LIMITATION,
    OPEN_LABEL,
    OPEN_LABEL_LIMITATION,
    P_VALUE_RE,
    PARAGRAPH_RE,
    PERCENT_RE,
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
    SYNTHESIS_CUES,
    TECHNIQUE_RES,
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
    METHODS,
    SKIPPED_SECTIONS,
    TITLE,
    abstract_section_name,
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
        sections: list[str] = []
        for part in record.abstract:
            name = abstract_section_name(part)
            pieces = split_sentences(part.text, section=name)
            if name == ABSTRACT and len(pieces) > 1:
                pieces = _sections_by_role(pieces)
            for piece in pieces:
                if piece.section not in sections:
                    sections.append(piece.section)
            sentences.extend(pieces)
        return _Document(
            sentences=tuple(sentences),
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
    body, headings = _pasted_sentences(request.text)
    return _Document(
        sentences=tuple(sentences + body),
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


def _pasted_sentences(text: str) -> tuple[list[Sentence], tuple[str, ...]]:
    """Split pasted text at its headings and paragraphs, then into sentences with offsets."""
    marks = heading_marks(text)
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


def _scientific_model(document: _Document) -> tuple[ScientificModel, tuple[LimitationNote, ...]]:
    """Design, population, arms, randomisation, blinding and control, with quotes."""
    design_sentences = document.within(DESIGN_SECTIONS)
    anchors: list[Anchor] = []
    design, design_quote = _study_design(document, design_sentences)
    if design_quote:
        anchors.append(Anchor("study_design", design_quote))
    model_type = _model_type(document, list(document.sentences))
    methods_first = sorted(design_sentences, key=lambda s: s.section != METHODS)
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
    quoted_limitations = _design_limitations(
        document, design, (blinding, blinding_quote), model_type, (sample_size, sample_quote)
    )
    anchors.extend(Anchor("limitations", quote) for _, quote in quoted_limitations if quote)
    limitations = tuple(text for text, _ in quoted_limitations)
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
        limitations=limitations,
        anchors=tuple(anchors),
    )
    return model, tuple(LimitationNote(text, quote) for text, quote in quoted_limitations if quote)


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
    title = next((s.text for s in sentences if s.section == TITLE), "")
    assessment = classify_design(
        publication_types=document.publication_types,
        mesh=document.mesh,
        title=title,
        sentences=sentences,
    )
    name = assessment.design.name
    if name == "cohort study":
        name = _cohort_kind(" ".join(s.text.lower() for s in sentences))
    return name, assessment.quote


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
        if MENDELIAN_CUE in text:
            continue
        if any(cue in text for cue in NOT_RANDOMISED_CUES):
            return "not randomised", sentence.text
        if not any(cue in text for cue in RANDOMISED_CUES):
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
    for label, cues in BLINDING_CUES:
        for sentence in document.sentences:
            text = sentence.text.lower()
            if any(c in text for c in cues):
                return label, sentence.text
    return "not reported", ""


def _control(document: _Document) -> tuple[str, str]:
    """What the intervention was compared with."""
    for label, cues in CONTROL_CUES:
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
            _quote_for(sentences, SYNTHESIS_CUES),
        )
    if design == "randomised controlled trial":
        add(
            "Randomised: groups comparable, confounding limited",
            _quote_for(sentences, RANDOMISED_CUES),
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
    quote = _quote_for(sentences, MULTICENTRE_CUES)
    if quote:
        add("Multicentre: results less tied to one site", quote)
    registration = _first(sentences, TRIAL_ID_RE)
    if registration:
        add(f"Registered trial ({registration[0].group(1)})", registration[1].text)
    quote = _quote_for(sentences, INTENTION_TO_TREAT_CUES)
    if quote:
        add("Intention-to-treat analysis", quote)
    if "prospective" in design or (
        design != "retrospective cohort study" and _quote_for(sentences, PROSPECTIVE_CUES)
    ):
        quote = _quote_for(sentences, PROSPECTIVE_CUES)
        if quote:
            add("Prospective data collection", quote)
    follow_up = _long_follow_up(sentences)
    if follow_up:
        add(f"Long follow-up ({follow_up[0]})", follow_up[1])
    return tuple(dict.fromkeys(strengths))


def _design_limitations(
    document: _Document,
    design: str,
    blinding: tuple[str, str],
    model_type: str,
    sample_size: tuple[int | None, str],
) -> tuple[tuple[str, str], ...]:
    """Design features that weaken the findings, each with the sentence it is read from ("" when
    it follows from the design alone)."""
    limitations: dict[str, str] = {}
    sentences = list(document.sentences)
    size, size_quote = sample_size
    if size is not None and size < SMALL_SAMPLE:
        limitations[f"Small sample (n = {size})"] = size_quote
    quote = _quote_for(sentences, RETROSPECTIVE_CUES)
    if "retrospective" in design or quote:
        limitations[RETROSPECTIVE_LIMITATION] = quote
    if design in OBSERVATIONAL_DESIGNS:
        limitations[OBSERVATIONAL_LIMITATION] = ""
    if design == "cross-sectional study":
        limitations[CROSS_SECTIONAL_LIMITATION] = ""
    if design == "case report":
        limitations[CASE_REPORT_LIMITATION] = ""
    level, blinding_quote = blinding
    if level == OPEN_LABEL:
        limitations[OPEN_LABEL_LIMITATION] = blinding_quote
    quote = _quote_for(sentences, SINGLE_CENTRE_CUES)
    if quote:
        limitations[SINGLE_CENTRE_LIMITATION] = quote
    if model_type in PRECLINICAL_MODELS:
        limitations[PRECLINICAL_LIMITATION] = ""
    return tuple(limitations.items())


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
        for order, (name, category, pattern) in enumerate(TECHNIQUE_RES):
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


def _limitation_notes(
    document: _Document, design_limitations: tuple[LimitationNote, ...]
) -> tuple[LimitationNote, ...]:
    """Limitations and possible biases the text states, then those of the design read from a
    sentence, each with the sentence whose cue fired."""
    notes: list[LimitationNote] = []
    seen: set[str] = set()
    for sentence in document.sentences:
        for label, pattern in LIMITATION_CUES:
            if label not in seen and pattern.search(sentence.text):
                seen.add(label)
                notes.append(LimitationNote(label, sentence.text))
    for note in design_limitations:
        if note.text not in seen:
            seen.add(note.text)
            notes.append(note)
    return tuple(notes)


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
