"""BM25 search over the library: title, abstract, MeSH, keywords and chemicals, stemmed."""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Literal

import bm25s
import numpy as np

from research.indexing import Suggestions, suggest_headings
from research.records import PaperRecord
from research.text import content_stems
from research.version import ENGINE_VERSION, INDEX_FORMAT

CURRENT_FILE = "CURRENT"
LOCK_FILE = ".lock"
META_FILE = "meta.json"
PMIDS_FILE = "pmids.npy"
SORTED_PMIDS_FILE = "pmids_sorted.npy"
SORT_ORDER_FILE = "pmids_order.npy"
RANK_FILE = "pmid_rank.npy"
FULL_TEXT_FILE = "has_pmcid.npy"
SUGGESTIONS_FILE = "suggested_headings.json"
# Headings are suggested for up to this many unindexed papers (the last the build reads), from
# up to this many indexed ones: the work grows with the product of the two.
SUGGEST_FOR = 30_000
SUGGEST_FROM = 30_000
# Title words say most about a paper, so the title counts twice.
TITLE_WEIGHT = 2

# bm25s logs progress bars and notices at INFO; the engine's callers report progress themselves.
logging.getLogger("bm25s").setLevel(logging.WARNING)


def document_text(record: PaperRecord) -> str:
    """The text a record is indexed under."""
    parts = [record.title] * TITLE_WEIGHT
    parts.append(record.abstract_text())
    parts.extend(term.descriptor for term in record.mesh)
    parts.extend(record.keywords)
    parts.extend(record.chemicals)
    return " ".join(parts)


class SearchIndex:
    """A BM25 index of paper records, searchable in milliseconds and saved atomically."""

    def __init__(
        self,
        *,
        pmids: np.ndarray,
        sorted_pmids: np.ndarray,
        sort_order: np.ndarray,
        pmid_rank: np.ndarray,
        has_pmcid: np.ndarray,
        retriever: bm25s.BM25 | None,
        fingerprint: str = "",
        version: str = "",
        suggestions: Suggestions | None = None,
    ) -> None:
        self.pmids = pmids
        # Suggested MeSH headings for the papers NLM has not indexed (research.indexing).
        self.suggestions = suggestions or Suggestions()
        self.fingerprint = fingerprint
        # The saved version's directory name; empty until the index is saved.
        self.version = version
        self._sorted_pmids = sorted_pmids
        self._sort_order = sort_order
        self._pmid_rank = pmid_rank
        self._has_pmcid = has_pmcid
        self._retriever = retriever
        self._vocab: dict[str, int] = retriever.vocab_dict if retriever is not None else {}

    @classmethod
    def build(
        cls, records: Iterable[PaperRecord], *, fingerprint: str = "", suggest: bool = True
    ) -> SearchIndex:
        """Index the records; a PMID seen twice keeps its last record. With suggest, papers
        without MeSH headings get suggested ones learned from those with them."""
        vocab: dict[str, int] = {}
        position: dict[str, int] = {}
        pmids: list[str] = []
        full_text: list[bool] = []
        corpus: list[list[int]] = []
        indexed: deque[PaperRecord] = deque(maxlen=SUGGEST_FROM)
        unindexed: deque[PaperRecord] = deque(maxlen=SUGGEST_FOR)
        for record in records:
            if suggest:
                (indexed if record.mesh else unindexed).append(record)
            ids = [vocab.setdefault(s, len(vocab)) for s in content_stems(document_text(record))]
            if record.pmid in position:
                at = position[record.pmid]
                corpus[at], full_text[at] = ids, bool(record.pmcid)
                continue
            position[record.pmid] = len(pmids)
            pmids.append(record.pmid)
            full_text.append(bool(record.pmcid))
            corpus.append(ids)
        retriever = None
        if vocab:
            retriever = bm25s.BM25()
            retriever.index((corpus, vocab), create_empty_token=False, show_progress=False)
        pmid_array = np.array(pmids, dtype=f"<U{max(map(len, pmids), default=1) or 1}")
        sort_order = np.argsort(pmid_array, kind="stable")
        # Ties break by PMID in numeric order (shorter first); a rank array keeps that one lexsort.
        pmid_rank = np.empty(len(pmids), dtype=np.int64)
        pmid_rank[np.lexsort((pmid_array, np.char.str_len(pmid_array)))] = np.arange(len(pmids))
        return cls(
            pmids=pmid_array,
            sorted_pmids=pmid_array[sort_order],
            sort_order=sort_order,
            pmid_rank=pmid_rank,
            has_pmcid=np.array(full_text, dtype=bool),
            retriever=retriever,
            fingerprint=fingerprint,
            suggestions=suggest_headings(_unique(indexed), _unique(unindexed)),
        )

    def __len__(self) -> int:
        return len(self.pmids)

    def __contains__(self, pmid: object) -> bool:
        return self._position(pmid) is not None

    def suggested_headings(self, pmids: Sequence[str]) -> dict[str, dict[str, float]]:
        """MeSH headings suggested for those papers NLM has not indexed, by PMID."""
        return self.suggestions.for_pmids(pmids)

    def has_pmcid(self, pmid: str) -> bool:
        """Whether the paper has free full text in PubMed Central."""
        at = self._position(pmid)
        return at is not None and bool(self._has_pmcid[at])

    def _position(self, pmid: object) -> int | None:
        """Where the PMID sits in self.pmids, found by binary search; None if absent."""
        if not isinstance(pmid, str):
            return None
        at = int(np.searchsorted(self._sorted_pmids, pmid))
        if at == len(self._sorted_pmids) or self._sorted_pmids[at] != pmid:
            return None
        return int(self._sort_order[at])

    def search(
        self, query: str, k: int = 50, *, allowed: Callable[[str], bool] | None = None
    ) -> list[tuple[str, float]]:
        """The k best (pmid, score) pairs for the query, best first, ties by PMID."""
        if self._retriever is None or k <= 0:
            return []
        token_ids = list(
            dict.fromkeys(self._vocab[s] for s in content_stems(query) if s in self._vocab)
        )
        if not token_ids:
            return []
        scores = self._retriever.get_scores_from_ids(token_ids)
        matched = np.flatnonzero(scores > 0)
        ranked = matched[np.lexsort((self._pmid_rank[matched], -scores[matched]))]
        results: list[tuple[str, float]] = []
        for at in ranked:
            pmid = str(self.pmids[at])
            if allowed is None or allowed(pmid):
                results.append((pmid, round(float(scores[at]), 6)))
                if len(results) == k:
                    break
        return results

    def save(self, directory: Path) -> None:
        """Write the index beside any older one, then switch to it in one atomic rename."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        # Two processes rebuilding at once must not delete each other's fresh version.
        with open(directory / LOCK_FILE, "a+b") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            self._save_locked(directory)

    def _save_locked(self, directory: Path) -> None:
        """Write a new version, point CURRENT at it, then drop older versions."""
        name = f"v{INDEX_FORMAT}-{uuid.uuid4().hex}"
        target = directory / name
        staging = directory / f".{name}.partial"
        staging.mkdir()
        if self._retriever is not None:
            self._retriever.save(staging, show_progress=False)
        arrays = {
            PMIDS_FILE: self.pmids,
            SORTED_PMIDS_FILE: self._sorted_pmids,
            SORT_ORDER_FILE: self._sort_order,
            RANK_FILE: self._pmid_rank,
            FULL_TEXT_FILE: self._has_pmcid,
        }
        for file_name, array in arrays.items():
            np.save(staging / file_name, array, allow_pickle=False)
        meta = {
            "format": INDEX_FORMAT,
            "engine_version": ENGINE_VERSION,
            "fingerprint": self.fingerprint,
            "documents": len(self.pmids),
            "empty": self._retriever is None,
        }
        (staging / META_FILE).write_text(json.dumps(meta), encoding="utf-8")
        (staging / SUGGESTIONS_FILE).write_text(
            json.dumps(self.suggestions.to_dict()), encoding="utf-8"
        )
        staging.rename(target)
        pointer = directory / f".{CURRENT_FILE}.{uuid.uuid4().hex}"
        pointer.write_text(name, encoding="utf-8")
        os.replace(pointer, directory / CURRENT_FILE)
        self.version = name
        _remove_old_versions(directory, keep=name)

    @staticmethod
    def current_version(directory: Path) -> str | None:
        """The name of the version CURRENT points at, reading nothing else; None if none."""
        try:
            name = (Path(directory) / CURRENT_FILE).read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        return name or None

    @classmethod
    def load(cls, directory: Path, *, mmap: bool = False) -> SearchIndex:
        """Load the index last saved in directory; FileNotFoundError if there is none.

        With mmap, the arrays are mapped read-only from disk, so processes share one copy."""
        directory = Path(directory)
        # A concurrent save may remove the version just read from CURRENT; read it again then.
        for attempt in range(3):
            try:
                return cls._load_version(directory, mmap=mmap)
            except FileNotFoundError:
                if attempt == 2 or not (directory / CURRENT_FILE).exists():
                    raise
        raise AssertionError("unreachable")

    @classmethod
    def _load_version(cls, directory: Path, *, mmap: bool) -> SearchIndex:
        """Load the version CURRENT names."""
        name = cls.current_version(directory)
        if name is None:
            raise FileNotFoundError(f"no search index in {directory}")
        version = directory / name
        meta = json.loads((version / META_FILE).read_text(encoding="utf-8"))
        if meta.get("format") != INDEX_FORMAT:
            raise FileNotFoundError(f"the search index in {directory} has an older format")
        mmap_mode: Literal["r"] | None = "r" if mmap else None

        def array(file_name: str) -> np.ndarray:
            loaded: np.ndarray = np.load(
                version / file_name, mmap_mode=mmap_mode, allow_pickle=False
            )
            return loaded

        retriever = None
        if not meta.get("empty"):
            retriever = bm25s.BM25.load(version, mmap=mmap, show_progress=False)
        return cls(
            pmids=array(PMIDS_FILE),
            sorted_pmids=array(SORTED_PMIDS_FILE),
            sort_order=array(SORT_ORDER_FILE),
            pmid_rank=array(RANK_FILE),
            has_pmcid=array(FULL_TEXT_FILE),
            retriever=retriever,
            fingerprint=str(meta.get("fingerprint", "")),
            version=name,
            suggestions=Suggestions.from_dict(
                json.loads((version / SUGGESTIONS_FILE).read_text(encoding="utf-8"))
            ),
        )


def _unique(records: Iterable[PaperRecord]) -> list[PaperRecord]:
    """The records with a PMID seen twice kept once, as its last record."""
    return list({record.pmid: record for record in records}.values())


def _remove_old_versions(directory: Path, *, keep: str) -> None:
    """Delete superseded index versions and abandoned partial writes."""
    for entry in directory.iterdir():
        if entry.name == keep or not entry.is_dir():
            continue
        if entry.name.startswith(("v", ".v")):
            shutil.rmtree(entry, ignore_errors=True)
