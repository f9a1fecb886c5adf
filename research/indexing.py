"""Suggested MeSH headings for papers NLM has not indexed yet, learned from those it has.

A new paper waits weeks or months for NLM's indexers, and until then it has no MeSH headings,
so a review that reads headings would pass it over. This suggests headings the way the nearest
indexed papers were indexed (as NLM's own Medical Text Indexer does with related citations):
the paper's title and abstract are compared with every indexed paper's (TF-IDF, cosine), and a
heading's score is the similarity-weighted share of the NEIGHBOURS most similar indexed papers
that carry it. A paper is never its own neighbour, so a record's own headings never suggest
themselves.

Suggestions are made when the library is indexed (research.index.SearchIndex.build) and kept
with the index; a review treats a suggested heading as evidence in proportion to its score, and
a heading NLM gave as certain.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from research.records import PaperRecord

NEIGHBOURS = 20
# Headings less likely than this are not kept, and at most KEEP per paper.
MIN_SCORE = 0.1
KEEP = 12
# Fewer indexed papers than this teach too little to suggest from.
MIN_TRAINING = 1000
# Similarities are worked out for this many papers at a time (a dense block of
# CHUNK × training floats).
CHUNK = 250


@dataclass(frozen=True)
class Suggestions:
    """Suggested headings per PMID, each paper's kept as a compact string until it is read."""

    descriptors: tuple[str, ...] = ()
    packed: dict[str, str] = field(default_factory=dict)  # pmid → "index:score index:score …"

    def __len__(self) -> int:
        return len(self.packed)

    def for_pmids(self, pmids: Sequence[str]) -> dict[str, dict[str, float]]:
        """The suggested headings and their scores in (0, 1] of those papers that have some."""
        found: dict[str, dict[str, float]] = {}
        for pmid in pmids:
            line = self.packed.get(pmid)
            if line:
                found[pmid] = {
                    self.descriptors[int(at)]: float(score)
                    for at, _, score in (item.partition(":") for item in line.split())
                }
        return found

    def to_dict(self) -> dict[str, object]:
        return {"descriptors": list(self.descriptors), "packed": self.packed}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Suggestions:
        descriptors = data.get("descriptors") or []
        packed = data.get("packed") or {}
        if not isinstance(descriptors, list) or not isinstance(packed, dict):
            raise ValueError("suggested headings are malformed")
        return cls(tuple(str(d) for d in descriptors), {str(k): str(v) for k, v in packed.items()})


def indexing_text(record: PaperRecord) -> str:
    """What a paper is compared on: its title (twice, as it says most) and abstract."""
    return f"{record.title} {record.title} {record.abstract_text()}"


def suggest_headings(
    indexed: Sequence[PaperRecord],
    targets: Sequence[PaperRecord],
    *,
    neighbours: int = NEIGHBOURS,
    min_training: int | None = None,
) -> Suggestions:
    """Headings for each target from its most similar indexed papers (itself excluded); none
    from fewer than min_training indexed papers (MIN_TRAINING by default)."""
    training = [r for r in indexed if r.mesh and (r.title or r.abstract)]
    wanted = [r for r in targets if r.title or r.abstract]
    enough = MIN_TRAINING if min_training is None else min_training
    if len(training) < enough or not wanted:
        return Suggestions()
    from scipy.sparse import csr_matrix  # type: ignore[import-untyped]
    from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]

    vectorizer = TfidfVectorizer(
        sublinear_tf=True, min_df=2, stop_words="english", dtype=np.float32
    )
    known = vectorizer.fit_transform([indexing_text(r) for r in training])
    names: dict[str, int] = {}
    pairs = [
        (at, names.setdefault(m.descriptor, len(names)))
        for at, r in enumerate(training)
        for m in r.mesh
    ]
    rows, columns = np.array(pairs, dtype=np.int64).T
    # Which indexed paper carries which heading, as a 0/1 matrix (a heading given twice counts
    # once).
    carries = csr_matrix(
        (np.ones(len(pairs), dtype=np.float32), (rows, columns)),
        shape=(len(training), len(names)),
    )
    carries.data[:] = 1.0
    position = {r.pmid: at for at, r in enumerate(training)}
    packed: dict[str, str] = {}
    take = min(neighbours, len(training))
    for start in range(0, len(wanted), CHUNK):
        block = wanted[start : start + CHUNK]
        similar = (vectorizer.transform([indexing_text(r) for r in block]) @ known.T).toarray()
        own = [(i, position[r.pmid]) for i, r in enumerate(block) if r.pmid in position]
        if own:
            similar[tuple(np.array(own).T)] = 0.0  # never its own neighbour
        nearest = np.argpartition(-similar, take - 1, axis=1)[:, :take]
        weight = np.take_along_axis(similar, nearest, axis=1)
        weight[weight < 0] = 0.0
        votes = csr_matrix(
            (weight.ravel(), (np.repeat(np.arange(len(block)), take), nearest.ravel())),
            shape=similar.shape,
        )
        scores = (votes @ carries).tocsr()
        totals = weight.sum(axis=1)
        for i, record in enumerate(block):
            if totals[i] <= 0:
                continue
            part = slice(scores.indptr[i], scores.indptr[i + 1])
            share = scores.data[part] / totals[i]
            heading = scores.indices[part]
            keep = share >= MIN_SCORE
            best = sorted(
                zip(heading[keep].tolist(), share[keep].tolist(), strict=True),
                key=lambda item: (-item[1], item[0]),
            )[:KEEP]
            if best:
                packed[record.pmid] = " ".join(f"{h}:{s:.3f}" for h, s in best)
    descriptors = [""] * len(names)
    for name, at in names.items():
        descriptors[at] = name
    return Suggestions(tuple(descriptors), packed)
