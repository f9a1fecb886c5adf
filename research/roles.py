"""Sentence roles (BACKGROUND, OBJECTIVE, METHODS, RESULTS, CONCLUSIONS) learned from the library.

NLM's structured abstracts label their parts; every sentence of a labelled part is a training
example. The classifier is a linear model in the spirit of the PubMed 200k RCT work: features are
the sentence's words and word pairs, its relative position in the abstract, and the words of the
sentences before and after it. It is trained with scikit-learn (only `train` needs it) and shipped
as a small gzipped JSON file of the strongest features' weights, applied here in plain Python:
no pickles, nothing but numbers and feature names is ever loaded.

Build the shipped model with ``python -m research train-roles --library FILE``; it is
reproducible (the held-out split is a seeded hash of each PMID, the solver deterministic).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from research import linear
from research.records import PaperRecord
from research.sections import section_kind
from research.text import split_sentences
from research.tokens import words

ROLES = ("BACKGROUND", "OBJECTIVE", "METHODS", "RESULTS", "CONCLUSIONS")
MODEL_PATH = Path(__file__).with_name("roles_model.json.gz")
POSITION_BUCKETS = 5
DEFAULT_FEATURES = 12_000
DEFAULT_SEED = 12
HELD_OUT_PERCENT = 10
MIN_FEATURE_COUNT = 2
REGULARISATION_C = 1.0
WEIGHT_DECIMALS = 3


class RoleModelMissingError(RuntimeError):
    """The model file is absent: build it with `python -m research train-roles`."""


@dataclass(frozen=True)
class RoleModel:
    """A linear sentence-role model: one weight per role for each feature, plus a bias."""

    roles: tuple[str, ...]
    bias: tuple[float, ...]
    weights: dict[str, tuple[float, ...]]

    def scores(self, features: Iterable[str]) -> list[float]:
        """The linear score of each role for a sentence's features."""
        return linear.scores(self.bias, self.weights, features)

    def probabilities(self, sentences: Sequence[str]) -> list[dict[str, float]]:
        """Each sentence's probability of each role, the sentences being one abstract in order."""
        return [
            linear.softmax(self.roles, self.scores(features))
            for features in abstract_features(sentences)
        ]

    def predict(self, sentences: Sequence[str]) -> list[str]:
        """Each sentence's most likely role (ties go to the earlier role in ROLES)."""
        labels = []
        for features in abstract_features(sentences):
            raw = self.scores(features)
            labels.append(self.roles[raw.index(max(raw))])
        return labels

    def to_json(self) -> dict[str, Any]:
        """The model as plain JSON data (sorted, so the file is byte-for-byte reproducible)."""
        return linear.weights_json("roles", self.roles, self.bias, self.weights)

    @classmethod
    def from_json(cls, data: Any) -> RoleModel:
        """A model from to_json's data, checking every value is what it should be."""
        roles, bias, weights = linear.weights_from_json(data, "roles", "role model")
        return cls(roles=roles, bias=bias, weights=weights)


def save_model(model: RoleModel, path: Path) -> None:
    """Write the model as gzipped JSON, reproducibly (no name or time in the gzip header)."""
    linear.write(model.to_json(), path)


def load_model(path: Path) -> RoleModel:
    """Read a model written by save_model."""
    missing = RoleModelMissingError(
        f"{path} is missing: build it with `python -m research train-roles --library FILE`."
    )
    return RoleModel.from_json(linear.read(path, missing))


@lru_cache(maxsize=1)
def shipped_model() -> RoleModel:
    """The model shipped with the engine (research/roles_model.json.gz), read once."""
    return load_model(MODEL_PATH)


def _tokens(text: str) -> list[str]:
    """Lower-case words, any token holding a digit folded to "<num>"."""
    return ["<num>" if any(ch.isdigit() for ch in w) else w for w in words(text)]


def sentence_features(text: str) -> list[str]:
    """Words and word pairs of one sentence, plus a few surface cues."""
    tokens = _tokens(text)
    features = {f"w:{t}" for t in tokens}
    features.update(f"b:{a}_{b}" for a, b in zip(tokens, tokens[1:], strict=False))
    if "%" in text:
        features.add("c:percent")
    if any(ch in text for ch in "<=>±"):
        features.add("c:comparison")
    return sorted(features)


def abstract_features(sentences: Sequence[str]) -> list[list[str]]:
    """Each sentence's features in its abstract: its own, its position, its neighbours' words."""
    own = [_tokens(s) for s in sentences]
    count = len(sentences)
    result = []
    for i, text in enumerate(sentences):
        features = sentence_features(text)
        bucket = min(POSITION_BUCKETS - 1, i * POSITION_BUCKETS // max(count, 1))
        features.append(f"p:{bucket}")
        if i == 0:
            features.append("p:first")
        if i == count - 1:
            features.append("p:last")
        if i > 0:
            features.extend(sorted({f"pw:{t}" for t in own[i - 1]}))
        else:
            features.append("pw:<start>")
        if i < count - 1:
            features.extend(sorted({f"nw:{t}" for t in own[i + 1]}))
        else:
            features.append("nw:<end>")
        result.append(features)
    return result


def labelled_abstract(record: PaperRecord) -> list[tuple[str, str]] | None:
    """(sentence, role) for a structured abstract whose every part has a role, else None."""
    if len(record.abstract) < 2:
        return None
    labelled: list[tuple[str, str]] = []
    for section in record.abstract:
        role = section_kind(section)
        if role not in ROLES:
            return None
        labelled.extend((s.text, role) for s in split_sentences(section.text))
    return labelled or None


def held_out(pmid: str, seed: int = DEFAULT_SEED) -> bool:
    """Whether a PMID falls in the held-out share (a seeded hash, so the split is stable)."""
    return linear.in_share(f"{seed}:{pmid}", HELD_OUT_PERCENT)


@dataclass(frozen=True)
class Evaluation:
    """How well a model labels the sentences of held-out structured abstracts."""

    abstracts: int
    sentences: int
    accuracy: float
    f1: dict[str, float]

    def report(self) -> str:
        """The figures as lines of text."""
        lines = [
            f"held-out: {self.abstracts:,} abstracts, {self.sentences:,} sentences",
            f"accuracy: {self.accuracy:.3f}",
        ]
        lines.extend(f"F1 {role}: {value:.3f}" for role, value in self.f1.items())
        return "\n".join(lines)


def evaluate(model: RoleModel, abstracts: Sequence[list[tuple[str, str]]]) -> Evaluation:
    """Accuracy and per-role F1 of the model on labelled abstracts."""
    true_positive = dict.fromkeys(ROLES, 0)
    predicted = dict.fromkeys(ROLES, 0)
    actual = dict.fromkeys(ROLES, 0)
    correct = total = 0
    for abstract in abstracts:
        guesses = model.predict([text for text, _ in abstract])
        for (_, truth), guess in zip(abstract, guesses, strict=True):
            total += 1
            actual[truth] += 1
            predicted[guess] = predicted.get(guess, 0) + 1
            if guess == truth:
                correct += 1
                true_positive[truth] += 1
    f1 = {}
    for role in ROLES:
        denominator = predicted[role] + actual[role]
        f1[role] = 2 * true_positive[role] / denominator if denominator else 0.0
    return Evaluation(len(abstracts), total, correct / total if total else 0.0, f1)


def split_abstracts(
    records: Iterable[PaperRecord], seed: int = DEFAULT_SEED
) -> tuple[list[list[tuple[str, str]]], list[list[tuple[str, str]]]]:
    """(training, held-out) labelled abstracts of the records, split by PMID."""
    training: list[list[tuple[str, str]]] = []
    testing: list[list[tuple[str, str]]] = []
    for record in sorted(records, key=lambda r: r.pmid):
        labelled = labelled_abstract(record)
        if labelled is not None:
            (testing if held_out(record.pmid, seed) else training).append(labelled)
    return training, testing


def train(
    abstracts: Sequence[list[tuple[str, str]]], *, max_features: int = DEFAULT_FEATURES
) -> RoleModel:
    """Fit a multinomial logistic regression and keep the max_features strongest features."""
    rows: list[list[str]] = []
    labels: list[str] = []
    for abstract in abstracts:
        rows.extend(abstract_features([t for t, _ in abstract]))
        labels.extend(role for _, role in abstract)
    present = [r for r in ROLES if r in labels]
    if len(present) < 2:
        raise ValueError("training needs sentences of at least two roles")
    common = linear.common_features(rows, MIN_FEATURE_COUNT)
    classes, coef, intercept, names = linear.fit(
        [{f: 1.0 for f in row if f in common} for row in rows],
        labels,
        C=REGULARISATION_C,
        max_iter=1000,
    )
    # Roles absent from training get a bias far below the others, so they are never predicted.
    column = {role: classes.index(role) if role in classes else -1 for role in ROLES}

    def pick(values: Any, role: str, missing: float) -> float:
        return round(float(values[column[role]]), WEIGHT_DECIMALS) if column[role] >= 0 else missing

    weights: dict[str, tuple[float, ...]] = {}
    for j in linear.strongest(names, coef, range(len(classes)))[:max_features]:
        row = tuple(pick([coef[c][j] for c in range(len(classes))], r, 0.0) for r in ROLES)
        if any(row):
            weights[names[j]] = row
    bias = tuple(pick(list(intercept), r, -50.0) for r in ROLES)
    return RoleModel(roles=ROLES, bias=bias, weights=weights)
