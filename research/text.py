"""Text helpers shared by the index, reviews and deep dives: tokens, stems and sentences."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import Stemmer
from bm25s.stopwords import STOPWORDS_EN

from research.records import AbstractSection
from research.sections import section_kind
from research.tokens import WORD_RE, words

STOPWORDS = frozenset(STOPWORDS_EN)
# Candidate sentence ends: terminal punctuation (with closing quotes/brackets) then whitespace.
# Run-in headings glued to the previous sentence ("…of COVID-19.Methods: The…") also end one.
BOUNDARY_RE = re.compile(r"[.!?][\"')\]]*(?:\s+|(?=[A-Z][a-z]+(?: [A-Za-z]+){0,3}:\s))")
# A sentence starts with a capital, digit, bracket or quote; a lower-case word after a period
# almost always means the period belonged to an abbreviation.
SENTENCE_START_RE = re.compile(r"[\"'(\[]?[A-Z0-9\u0391-\u03a9]")
ABBREVIATIONS = frozenset(
    {
        "al", "e.g", "eg", "i.e", "ie", "vs", "v", "fig", "figs", "tab", "eq", "eqs", "ref",
        "refs", "no", "nos", "vol", "pp", "approx", "ca", "cf", "etc", "resp", "dr", "mr", "mrs",
        "ms", "prof", "inc", "ltd", "co", "corp", "st", "sp", "spp", "var", "subsp", "ed", "eds",
        "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
        "u.s", "dept", "univ", "incl", "est", "nr", "c.f", "viz", "a.k.a",
    }
)  # fmt: skip

_stemmer = Stemmer.Stemmer("english")


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence as an exact slice of the text it came from."""

    text: str
    start: int
    end: int
    section: str = ""


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The English Snowball stem of one lower-case word."""
    stemmed: str = _stemmer.stemWord(word)
    return stemmed


@lru_cache(maxsize=200_000)
def word_form(word: str) -> str:
    """A lower-case word without its plural ending ("studies" → "study", "cells" → "cell"),
    and nothing more: unlike the stem, "methylation" stays apart from "methyl"."""
    if len(word) <= 3 or not word.endswith("s") or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies") and not word.endswith(("aies", "eies")):
        return word[:-3] + "y"
    if word.endswith("es") and word[-3] in "sxz" or word.endswith(("ches", "shes")):
        return word[:-2]
    return word[:-1]


# British spellings folded to the American ones MeSH uses: behaviour → behavior,
# haemoglobin → hemoglobin, oesophagus → esophagus, randomised → randomized.
_SPELLING = (
    (re.compile(r"(?<=[a-z]{2})our$"), "or"),
    (re.compile(r"(?<=[a-z])ae(?=[a-z])"), "e"),
    (re.compile(r"^oe|(?<=[a-z])oe(?=[a-z])"), "e"),
    (re.compile(r"(?<=[a-z]{2})is(e|ed|es|ing|ation|ations)$"), r"iz\1"),
)


@lru_cache(maxsize=50_000)
def us_spelling(form: str) -> str:
    """A word form in American spelling, as MeSH writes it."""
    for pattern, replacement in _SPELLING:
        form = pattern.sub(replacement, form)
    return form


def us_spelling_forms(text: str) -> frozenset[str]:
    """The text's content word forms in American spelling."""
    return frozenset(us_spelling(form) for form in content_forms(text))


def content_forms(text: str) -> list[str]:
    """Word forms (plural folded) of the words that carry meaning, in order."""
    return [word_form(w) for w in words(text) if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]


def content_stems(text: str) -> list[str]:
    """Stems of the words that carry meaning: stopwords and one-letter tokens dropped."""
    return [stem(w) for w in words(text) if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]


def split_sentences(text: str, *, section: str = "") -> list[Sentence]:
    """Split text into sentences, not breaking at abbreviations, initials or decimals."""
    sentences: list[Sentence] = []
    start = 0
    for match in BOUNDARY_RE.finditer(text):
        end = match.end()
        if not _is_boundary(text, match.start(), end):
            continue
        _append(sentences, text, start, end, section)
        start = end
    _append(sentences, text, start, len(text), section)
    return sentences


def _append(sentences: list[Sentence], text: str, start: int, end: int, section: str) -> None:
    """Add the trimmed slice text[start:end] when it holds any word."""
    piece = text[start:end]
    stripped = piece.strip()
    if not stripped or not WORD_RE.search(stripped):
        return
    offset = start + (len(piece) - len(piece.lstrip()))
    sentences.append(Sentence(stripped, offset, offset + len(stripped), section))


def _is_boundary(text: str, punct: int, after: int) -> bool:
    """Whether the punctuation at text[punct] really ends a sentence."""
    if not SENTENCE_START_RE.match(text, after):
        return False
    if text[punct] != ".":
        return True
    token_start = punct
    while token_start > 0 and not text[token_start - 1].isspace() and text[token_start - 1] != "(":
        token_start -= 1
    # Units ("24 h.") and single letters ("vitamin D.") do end sentences; species names
    # ("E. coli") are caught by the lower-case word that follows them.
    return text[token_start:punct].lower().rstrip(".") not in ABBREVIATIONS


def abstract_sentences(sections: tuple[AbstractSection, ...]) -> list[Sentence]:
    """Sentences of every abstract section, each tagged with its section label (or kind)."""
    result: list[Sentence] = []
    for section in sections:
        label = section.label or section_kind(section)
        result.extend(split_sentences(section.text, section=label))
    return result
