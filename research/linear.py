"""What the engine's learned classifiers share (the sentence-role model, research.roles, and the
study-design model, research.design_model): a linear model of named features, kept as a small
gzipped JSON file of weights and applied in plain Python — no pickles, nothing but numbers and
feature names is ever loaded — a seeded held-out split, and the scikit-learn fit (only training
needs scikit-learn)."""

from __future__ import annotations

import gzip
import hashlib
import json
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any


def scores(
    bias: Sequence[float], weights: dict[str, tuple[float, ...]], features: Iterable[str]
) -> list[float]:
    """The linear score of each label: its bias plus the weights of the features present."""
    totals = list(bias)
    for feature in features:
        row = weights.get(feature)
        if row is not None:
            for i, value in enumerate(row):
                totals[i] += value
    return totals


def softmax(labels: Sequence[str], raw: Sequence[float]) -> dict[str, float]:
    """Each label's probability from its linear score."""
    top = max(raw)
    exps = [math.exp(s - top) for s in raw]
    total = sum(exps)
    return {label: e / total for label, e in zip(labels, exps, strict=True)}


def weights_json(
    labels_key: str,
    labels: Sequence[str],
    bias: Sequence[float],
    weights: dict[str, tuple[float, ...]],
) -> dict[str, Any]:
    """A model as plain JSON data (sorted, so the file is byte-for-byte reproducible)."""
    return {
        labels_key: list(labels),
        "bias": list(bias),
        "weights": {k: list(weights[k]) for k in sorted(weights)},
    }


def weights_from_json(
    data: Any, labels_key: str, what: str
) -> tuple[tuple[str, ...], tuple[float, ...], dict[str, tuple[float, ...]]]:
    """(labels, bias, weights) from weights_json's data, every value checked."""
    if not isinstance(data, dict):
        raise ValueError(f"a {what} is a JSON object")
    labels = tuple(str(label) for label in data[labels_key])
    width = len(labels)
    bias = _row(data["bias"], width)
    raw = data["weights"]
    if not isinstance(raw, dict):
        raise ValueError(f"a {what}'s weights are an object")
    return labels, bias, {str(k): _row(v, width) for k, v in raw.items()}


def _row(values: Any, width: int) -> tuple[float, ...]:
    """A row of width finite numbers."""
    if not isinstance(values, list) or len(values) != width:
        raise ValueError(f"expected {width} weights")
    row = tuple(float(v) for v in values)
    if not all(math.isfinite(v) for v in row):
        raise ValueError("weights must be finite")
    return row


def write(data: dict[str, Any], path: Path) -> None:
    """Write JSON data gzipped, reproducibly (no name or time in the gzip header)."""
    payload = json.dumps(data, separators=(",", ":"), sort_keys=True).encode()
    with (
        open(path, "wb") as raw,
        gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as out,
    ):
        out.write(payload)


def read(path: Path, missing: Exception) -> Any:
    """The JSON data of a file written by write; `missing` is raised when there is none."""
    try:
        with gzip.open(path, "rb") as handle:
            return json.loads(handle.read())
    except FileNotFoundError as exc:
        raise missing from exc


def in_share(key: str, percent: int) -> bool:
    """Whether a key (a seeded PMID) falls in the given share, by a stable hash."""
    digest = hashlib.sha256(key.encode()).digest()
    return int.from_bytes(digest[:8], "big") % 100 < percent


def fit(
    rows: Sequence[dict[str, float]], labels: Sequence[str], **options: Any
) -> tuple[list[str], list[Any], list[float], list[str]]:
    """A multinomial logistic regression (options go to scikit-learn's LogisticRegression):
    its classes, one row of coefficients per class (a binary fit's single row made two), the
    intercepts, and the feature names the coefficients' columns stand for."""
    from sklearn.feature_extraction import DictVectorizer  # type: ignore[import-untyped]
    from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

    vectorizer = DictVectorizer(dtype=float, sort=True)
    matrix = vectorizer.fit_transform(rows)
    classifier = LogisticRegression(solver="lbfgs", **options)
    classifier.fit(matrix, list(labels))
    classes = [str(c) for c in classifier.classes_]
    coef = list(classifier.coef_)
    intercept = list(classifier.intercept_)
    if len(classes) == 2:  # a binary fit has one row: the second class against the first
        coef = [-coef[0], coef[0]]
        intercept = [-intercept[0], intercept[0]]
    names = [str(n) for n in vectorizer.get_feature_names_out()]
    return classes, coef, intercept, names


def strongest(names: Sequence[str], coef: Sequence[Any], columns: Sequence[int]) -> list[int]:
    """Feature indexes, the largest absolute coefficient over those classes first (ties by
    name)."""
    return sorted(
        range(len(names)),
        key=lambda j: (-max(abs(float(coef[c][j])) for c in columns), names[j]),
    )


def common_features(rows: Iterable[Iterable[str]], minimum: int) -> set[str]:
    """The features seen in at least `minimum` of the rows."""
    counts: dict[str, int] = {}
    for row in rows:
        for feature in row:
            counts[feature] = counts.get(feature, 0) + 1
    return {f for f, n in counts.items() if n >= minimum}
