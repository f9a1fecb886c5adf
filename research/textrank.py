"""TextRank: rank sentences by how central they are, by power iteration over their similarity."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

DAMPING = 0.85
MAX_ITERATIONS = 100
TOLERANCE = 1e-8


def textrank(
    sentence_stems: Sequence[Sequence[str]], bias: Sequence[float] | None = None
) -> list[float]:
    """A centrality score per sentence; bias tilts the random jumps towards some sentences."""
    count = len(sentence_stems)
    if count == 0:
        return []
    if count == 1:
        return [1.0]
    similarity = _cosine_matrix(sentence_stems)
    row_sums = similarity.sum(axis=1, keepdims=True)
    # A sentence sharing no word with the others jumps anywhere, as in PageRank's dangling nodes.
    transition = np.divide(
        similarity, row_sums, out=np.full_like(similarity, 1.0 / count), where=row_sums > 0
    )
    teleport = _teleport(bias, count)
    scores = np.full(count, 1.0 / count)
    for _ in range(MAX_ITERATIONS):
        updated = (1 - DAMPING) * teleport + DAMPING * (transition.T @ scores)
        if np.abs(updated - scores).sum() < TOLERANCE:
            scores = updated
            break
        scores = updated
    return [round(float(s), 10) for s in scores]


def top_sentences(scores: Sequence[float], limit: int) -> list[int]:
    """Indices of the best-scoring sentences (ties to the earlier one), in reading order."""
    ranked = sorted(range(len(scores)), key=lambda i: (-scores[i], i))[:limit]
    return sorted(ranked)


def _cosine_matrix(sentence_stems: Sequence[Sequence[str]]) -> np.ndarray:
    """Cosine similarity of the sentences' stem counts, zero on the diagonal."""
    vocab: dict[str, int] = {}
    for stems in sentence_stems:
        for s in stems:
            vocab.setdefault(s, len(vocab))
    counts = np.zeros((len(sentence_stems), max(len(vocab), 1)))
    for row, stems in enumerate(sentence_stems):
        for s in stems:
            counts[row, vocab[s]] += 1
    norms = np.linalg.norm(counts, axis=1)
    norms[norms == 0] = 1.0
    unit = counts / norms[:, None]
    similarity = unit @ unit.T
    np.fill_diagonal(similarity, 0.0)
    return similarity


def _teleport(bias: Sequence[float] | None, count: int) -> np.ndarray:
    """Half uniform, half proportional to the bias, so unbiased sentences still get a share."""
    uniform = np.full(count, 1.0 / count)
    if bias is None:
        return uniform
    weights = np.asarray(bias, dtype=float)
    total = weights.sum()
    if total <= 0:
        return uniform
    teleport: np.ndarray = 0.5 * uniform + 0.5 * weights / total
    return teleport
