"""Study design learned from NLM's publication types: a linear model of the title and abstract.

Every record the library's indexers typed is an example: its design is its strongest
design-bearing publication type (meta-analysis, randomised controlled trial, other clinical
trial, review, case report, comparative study); an editorial, letter, historical article and
the like is "not a study"; and a record typed with none of these is "other", so papers without a
design type are not forced into one (most of them are primary research the indexers left
untyped). Features are the title's words and the words and word pairs of title and abstract.
The model is trained with scikit-learn (only `train` needs it) and shipped as a small gzipped
JSON file of the strongest features' weights, applied here in plain Python: no pickles, nothing
but numbers and feature names is ever loaded.

Build the shipped model with ``python -m research train-design --library FILE``; it is
reproducible (the held-out split is a seeded hash of each PMID, the solver deterministic).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from research import linear
from research.records import PaperRecord
from research.tokens import words

_DIGIT_RE = re.compile(r"\d")
MODEL_PATH = Path(__file__).with_name("design_model.json.gz")
OTHER_CLASS = "other"
# Publication types → the class they teach, strongest first: a record takes the first that any
# of its types names (a randomised trial is also typed "Clinical Trial").
TYPE_CLASSES: tuple[tuple[str, frozenset[str]], ...] = (
    ("meta-analysis", frozenset({"meta-analysis", "network meta-analysis"})),
    ("systematic review", frozenset({"systematic review"})),
    (
        "randomised controlled trial",
        frozenset({"randomized controlled trial", "pragmatic clinical trial", "equivalence trial"}),
    ),
    (
        "non-randomised clinical trial",
        frozenset(
            {"clinical trial", "controlled clinical trial", "adaptive clinical trial",
             "clinical trial, phase i", "clinical trial, phase ii", "clinical trial, phase iii",
             "clinical trial, phase iv"}
        ),
    ),
    ("narrative review", frozenset({"review", "scoping review"})),
    ("case report", frozenset({"case reports"})),
    ("comparative study", frozenset({"comparative study"})),
)  # fmt: skip
NOT_A_STUDY_CLASS = "not a study"
# Types of publication that report no study of their own (checked after the design types).
NOT_A_STUDY_TYPES = frozenset(
    {"editorial", "letter", "comment", "news", "newspaper article", "historical article",
     "biography", "autobiography", "portrait", "bibliography", "directory", "dictionary",
     "interview", "lecture", "address", "guideline", "practice guideline",
     "consensus development conference", "consensus development conference, nih", "congress",
     "published erratum", "retraction of publication", "expression of concern"}
)  # fmt: skip
CLASSES = (*(name for name, _ in TYPE_CLASSES), NOT_A_STUDY_CLASS, OTHER_CLASS)
DEFAULT_FEATURES = 6_000
DEFAULT_SEED = 12
HELD_OUT_PERCENT = 15
MIN_FEATURE_COUNT = 3
MIN_CLASS_EXAMPLES = 20
REGULARISATION_C = 0.5
WEIGHT_DECIMALS = 2
# Words a text needs before the model is asked: a title alone says too little.
MIN_WORDS = 15


class DesignModelMissingError(RuntimeError):
    """The model file is absent: build it with `python -m research train-design`."""


@dataclass(frozen=True)
class DesignModel:
    """A linear study-design model: one weight per class for each feature, plus a bias."""

    classes: tuple[str, ...]
    bias: tuple[float, ...]
    weights: dict[str, tuple[float, ...]]

    def probabilities(self, title: str, text: str) -> dict[str, float]:
        """Each class's probability for a paper's title and text (title + abstract)."""
        raw = linear.scores(self.bias, self.weights, design_features(title, text))
        return linear.softmax(self.classes, raw)

    def predict(self, title: str, text: str) -> str:
        """The most likely class (ties go to the earlier class)."""
        found = self.probabilities(title, text)
        return max(self.classes, key=lambda name: found[name])

    def to_json(self) -> dict[str, Any]:
        """The model as plain JSON data (sorted, so the file is byte-for-byte reproducible)."""
        return linear.weights_json("classes", self.classes, self.bias, self.weights)

    @classmethod
    def from_json(cls, data: Any) -> DesignModel:
        """A model from to_json's data, checking every value is what it should be."""
        classes, bias, weights = linear.weights_from_json(data, "classes", "design model")
        if not classes or any(c not in CLASSES for c in classes):
            raise ValueError("a design model's classes must be known designs")
        return cls(classes=classes, bias=bias, weights=weights)


def save_model(model: DesignModel, path: Path) -> None:
    """Write the model as gzipped JSON, reproducibly (no name or time in the gzip header)."""
    linear.write(model.to_json(), path)


def load_model(path: Path) -> DesignModel:
    """Read a model written by save_model."""
    missing = DesignModelMissingError(
        f"{path} is missing: build it with `python -m research train-design --library FILE`."
    )
    return DesignModel.from_json(linear.read(path, missing))


@lru_cache(maxsize=1)
def shipped_model() -> DesignModel:
    """The model shipped with the engine (research/design_model.json.gz), read once."""
    return load_model(MODEL_PATH)


def _tokens(text: str) -> list[str]:
    """Lower-case words, any token holding a digit folded to "<num>"."""
    return [w if w.isalpha() or not _DIGIT_RE.search(w) else "<num>" for w in words(text)]


def design_features(title: str, text: str) -> set[str]:
    """The title's words, and the words and word pairs of title and text read as one passage."""
    title_tokens = _tokens(title)
    tokens = title_tokens + _tokens(text)
    features = {f"t:{t}" for t in title_tokens}
    features.update(f"w:{t}" for t in tokens)
    features.update(f"b:{a}_{b}" for a, b in zip(tokens, tokens[1:], strict=False))
    return features


def enough_text(text: str) -> bool:
    """Whether the text is long enough for the model to read a design from it."""
    return len(words(text)) >= MIN_WORDS


def design_label(publication_types: Iterable[str]) -> str:
    """The class a record's publication types teach: its strongest design type, else "not a
    study" for an editorial, letter, historical article and the like, else "other"."""
    types = {t.lower() for t in publication_types}
    found = next((name for name, named in TYPE_CLASSES if named & types), None)
    if found is not None:
        return found
    return NOT_A_STUDY_CLASS if types & NOT_A_STUDY_TYPES else OTHER_CLASS


def held_out(pmid: str, seed: int = DEFAULT_SEED) -> bool:
    """Whether a PMID falls in the held-out share (a seeded hash, so the split is stable)."""
    return linear.in_share(f"design:{seed}:{pmid}", HELD_OUT_PERCENT)


@dataclass(frozen=True)
class Example:
    """One typed record: its title, abstract and design class."""

    pmid: str
    title: str
    text: str
    label: str


def split_examples(
    records: Iterable[PaperRecord], seed: int = DEFAULT_SEED
) -> tuple[list[Example], list[Example]]:
    """(training, held-out) examples of the typed records with enough text, split by PMID."""
    training: list[Example] = []
    testing: list[Example] = []
    for record in sorted(records, key=lambda r: r.pmid):
        text = record.abstract_text()
        if not record.publication_types or not enough_text(text):
            continue
        example = Example(record.pmid, record.title, text, design_label(record.publication_types))
        (testing if held_out(record.pmid, seed) else training).append(example)
    return training, testing


@dataclass(frozen=True)
class Evaluation:
    """How well a model reads the design of held-out typed records."""

    examples: int
    accuracy: float
    counts: dict[str, int]
    f1: dict[str, float]

    def report(self) -> str:
        """The figures as lines of text."""
        commonest = max(self.counts.values(), default=0) / self.examples if self.examples else 0.0
        lines = [
            f"held-out: {self.examples:,} records",
            f"accuracy: {self.accuracy:.3f} (always the commonest design: {commonest:.3f})",
        ]
        lines.extend(
            f"F1 {name}: {self.f1[name]:.3f} ({self.counts[name]:,} records)"
            for name in self.f1
            if self.counts[name]
        )
        return "\n".join(lines)


def evaluate(model: DesignModel, examples: Sequence[Example]) -> Evaluation:
    """Accuracy and per-class F1 of the model on labelled examples."""
    true_positive = dict.fromkeys(CLASSES, 0)
    predicted = dict.fromkeys(CLASSES, 0)
    actual = dict.fromkeys(CLASSES, 0)
    correct = 0
    for example in examples:
        guess = model.predict(example.title, example.text)
        actual[example.label] += 1
        predicted[guess] += 1
        if guess == example.label:
            correct += 1
            true_positive[guess] += 1
    f1 = {}
    for name in CLASSES:
        denominator = predicted[name] + actual[name]
        f1[name] = 2 * true_positive[name] / denominator if denominator else 0.0
    accuracy = correct / len(examples) if examples else 0.0
    return Evaluation(len(examples), accuracy, actual, f1)


def train(examples: Sequence[Example], *, max_features: int = DEFAULT_FEATURES) -> DesignModel:
    """Fit a multinomial logistic regression and keep the max_features strongest features.

    Classes are weighted by the inverse of their size, so that "other", three records in four,
    does not swallow the rarer designs; classes with fewer than MIN_CLASS_EXAMPLES examples are
    left out of the model."""
    sizes: dict[str, int] = {}
    for example in examples:
        sizes[example.label] = sizes.get(example.label, 0) + 1
    kept = [e for e in examples if sizes[e.label] >= MIN_CLASS_EXAMPLES]
    classes = [c for c in CLASSES if sizes.get(c, 0) >= MIN_CLASS_EXAMPLES]
    if len(classes) < 2:
        raise ValueError("training needs at least two designs with enough examples")
    rows = [design_features(e.title, e.text) for e in kept]
    common = linear.common_features(rows, MIN_FEATURE_COUNT)
    fitted, coef, intercept, names = linear.fit(
        [dict.fromkeys(row & common, 1.0) for row in rows],
        [e.label for e in kept],
        C=REGULARISATION_C,
        max_iter=2000,
        class_weight="balanced",
    )
    order = [fitted.index(c) for c in classes]
    weights: dict[str, tuple[float, ...]] = {}
    for j in linear.strongest(names, coef, order)[:max_features]:
        kept_row = tuple(round(float(coef[c][j]), WEIGHT_DECIMALS) for c in order)
        if any(kept_row):
            weights[names[j]] = kept_row
    bias = tuple(round(float(intercept[c]), WEIGHT_DECIMALS) for c in order)
    return DesignModel(classes=tuple(classes), bias=bias, weights=weights)
