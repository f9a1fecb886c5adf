"""The one section vocabulary: the names of a paper's sections and how headings map to them.

Reviews, deep dives, full-text readers and reference readers all name sections through this
module. A section has a name a reader sees (``Methods``, ``Results`` …) and, for abstracts, the
NLM category PubMed stores (``METHODS``, ``RESULTS`` …; ``BACKGROUND`` and ``OBJECTIVE`` are both
the Introduction). A heading maps to both through one ordered cue table, first cue found wins.
"""

from __future__ import annotations

import re

from research.records import AbstractSection

TITLE = "Title"
ABSTRACT = "Abstract"
INTRODUCTION = "Introduction"
METHODS = "Methods"
RESULTS = "Results"
DISCUSSION = "Discussion"
CONCLUSIONS = "Conclusions"
LIMITATIONS = "Limitations"
REFERENCES = "References"
ACKNOWLEDGEMENTS = "Acknowledgements"
FUNDING = "Funding"
SECTION_NAMES = (
    TITLE, ABSTRACT, INTRODUCTION, METHODS, RESULTS, DISCUSSION, CONCLUSIONS, LIMITATIONS,
    REFERENCES, ACKNOWLEDGEMENTS, FUNDING,
)  # fmt: skip
# NLM's categories of a structured abstract's parts (the NlmCategory attribute).
UNASSIGNED = "UNASSIGNED"
ABSTRACT_CATEGORIES = ("BACKGROUND", "OBJECTIVE", "METHODS", "RESULTS", "CONCLUSIONS", UNASSIGNED)
CATEGORY_SECTIONS = {
    "BACKGROUND": INTRODUCTION,
    "OBJECTIVE": INTRODUCTION,
    "METHODS": METHODS,
    "RESULTS": RESULTS,
    "CONCLUSIONS": CONCLUSIONS,
}
# (cue found in a lower-cased heading, section name, abstract category), first match wins.
HEADING_CUES: tuple[tuple[str, str, str], ...] = (
    ("background", INTRODUCTION, "BACKGROUND"),
    ("introduction", INTRODUCTION, "BACKGROUND"),
    ("intro", INTRODUCTION, "BACKGROUND"),
    ("context", INTRODUCTION, "BACKGROUND"),
    ("rationale", INTRODUCTION, "BACKGROUND"),
    ("importance", INTRODUCTION, "BACKGROUND"),
    ("objective", INTRODUCTION, "OBJECTIVE"),
    ("aim", INTRODUCTION, "OBJECTIVE"),
    ("purpose", INTRODUCTION, "OBJECTIVE"),
    ("goal", INTRODUCTION, "OBJECTIVE"),
    ("hypothesis", INTRODUCTION, "OBJECTIVE"),
    ("question", INTRODUCTION, "OBJECTIVE"),
    ("results and discussion", RESULTS, "RESULTS"),
    ("method", METHODS, "METHODS"),
    ("design", METHODS, "METHODS"),
    ("experimental", METHODS, "METHODS"),
    ("setting", METHODS, "METHODS"),
    ("participant", METHODS, "METHODS"),
    ("patient", METHODS, "METHODS"),
    ("material", METHODS, "METHODS"),
    ("intervention", METHODS, "METHODS"),
    ("measure", METHODS, "METHODS"),
    ("procedure", METHODS, "METHODS"),
    ("analysis", METHODS, "METHODS"),
    ("subject", METHODS, "METHODS"),
    ("population", METHODS, "METHODS"),
    ("data source", METHODS, "METHODS"),
    ("study selection", METHODS, "METHODS"),
    ("eligibility", METHODS, "METHODS"),
    ("search", METHODS, "METHODS"),
    ("result", RESULTS, "RESULTS"),
    ("finding", RESULTS, "RESULTS"),
    ("outcome", RESULTS, "RESULTS"),
    ("observation", RESULTS, "RESULTS"),
    ("conclusion", CONCLUSIONS, "CONCLUSIONS"),
    ("interpretation", CONCLUSIONS, "CONCLUSIONS"),
    ("implication", CONCLUSIONS, "CONCLUSIONS"),
    ("discussion", DISCUSSION, "CONCLUSIONS"),
    ("summary", ABSTRACT, "CONCLUSIONS"),
    ("relevance", CONCLUSIONS, "CONCLUSIONS"),
    ("references", REFERENCES, UNASSIGNED),
    ("bibliograph", REFERENCES, UNASSIGNED),
    ("acknowledg", ACKNOWLEDGEMENTS, UNASSIGNED),
    ("funding", FUNDING, UNASSIGNED),
    ("limitation", LIMITATIONS, UNASSIGNED),
    ("abstract", ABSTRACT, UNASSIGNED),
)
# Section headings on a line of their own in a full text ("2. Methods", "RESULTS:").
HEADING_RE = re.compile(
    r"^[ \t]*(?:\d+(?:\.\d+)*\.?[ \t]+|[IVX]+\.[ \t]+)?"
    r"(abstract|summary|introduction|background|(?:materials?|patients|subjects|participants)"
    r" and methods|methods?|methodology|study design|experimental(?: procedures| section)?"
    r"|results(?: and discussion)?|findings|discussion|conclusions?|limitations"
    r"|references|bibliography|acknowledge?ments|funding)[ \t]*:?[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
# Run-in headings of a structured abstract pasted as text ("Methods: We enrolled …").
INLINE_HEADING_RE = re.compile(
    r"^[ \t]*(background|objectives?|aims?|methods?|results|findings|conclusions?|discussion)"
    r"[ \t]*:[ \t]+(?=\S)",
    re.IGNORECASE | re.MULTILINE,
)
# Sections holding no findings of the paper itself.
SKIPPED_SECTIONS = frozenset({REFERENCES, ACKNOWLEDGEMENTS, FUNDING})


def _cue(heading: str) -> tuple[str, str, str] | None:
    """The first cue of the table found in heading, or None."""
    lowered = heading.lower()
    return next((entry for entry in HEADING_CUES if entry[0] in lowered), None)


def heading_section(heading: str, default: str | None = None) -> str:
    """The section name for a heading; default (or the heading in title case) if none fits."""
    entry = _cue(heading)
    if entry is not None:
        return entry[1]
    return heading.title() if default is None else default


def label_kind(label: str) -> str:
    """The abstract category for a label such as "Materials and Methods"; UNASSIGNED if none."""
    entry = _cue(label) if label else None
    return entry[2] if entry is not None else UNASSIGNED


def section_kind(section: AbstractSection) -> str:
    """An abstract part's category, inferred from its label when NLM left it UNASSIGNED."""
    if section.category != UNASSIGNED:
        return section.category
    return label_kind(section.label)


def abstract_section_name(section: AbstractSection) -> str:
    """The section name of an abstract part: its category's, else Abstract."""
    return CATEGORY_SECTIONS.get(section_kind(section), ABSTRACT)


def heading_marks(text: str) -> list[tuple[int, int, str]]:
    """(heading start, body start, section name) for each heading in text, in order."""
    marks: list[tuple[int, int, str]] = []
    for match in HEADING_RE.finditer(text):
        marks.append((match.start(), match.end(), heading_section(match.group(1))))
    for match in INLINE_HEADING_RE.finditer(text):
        if not any(start <= match.start() < end for start, end, _ in marks):
            marks.append((match.start(), match.end(), heading_section(match.group(1))))
    marks.sort()
    return marks


def detect_sections(text: str) -> tuple[str, ...]:
    """Names of the sections whose headings appear in text, in order of appearance."""
    return tuple(dict.fromkeys(name for _, _, name in heading_marks(text)))


def abstract_part_section(section: AbstractSection) -> str:
    """The section name of an abstract part, reading a part labelled as the study's limitations
    ("LIMITATIONS", "Study limitations") as the Limitations section whatever its category."""
    if section.label and heading_section(section.label, default="") == LIMITATIONS:
        return LIMITATIONS
    return abstract_section_name(section)
