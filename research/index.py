"""BM25 search over the library: title, abstract, MeSH, keywords and chemicals, stemmed."""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path

import bm25s
import numpy as np

from research.records import PaperRecord
from research.text import content_stems
from research.version import ENGINE_VERSION, INDEX_FORMAT

CURRENT_FILE = "CURRENT"
LOCK_FILE = ".lock"
META_FILE = "meta.json"
PMIDS_FILE = "pmids.json"
FULL_TEXT_FILE = "has_pmcid.npy"
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
        pmids: list[str],
        has_pmcid: np.ndarray,
        retriever: bm25s.BM25 | None,
        fingerprint: str = "",
    ) -> None:
        self.pmids = pmids
        self.fingerprint = fingerprint
        self._has_pmcid = has_pmcid
        self._retriever = retriever
        self._vocab: dict[str, int] = dict(retriever.vocab_dict) if retriever is not None else {}
        self._position = {pmid: i for i, pmid in enumerate(pmids)}
        # Ties break by PMID in numeric order; a rank array keeps that a single lexsort.
        order = sorted(range(len(pmids)), key=lambda i: (len(pmids[i]), pmids[i]))
        self._pmid_rank = np.empty(len(pmids), dtype=np.int64)
        self._pmid_rank[order] = np.arange(len(pmids))

    @classmethod
    def build(cls, records: Iterable[PaperRecord], *, fingerprint: str = "") -> SearchIndex:
        """Index the records; a PMID seen twice keeps its last record."""
        vocab: dict[str, int] = {}
        position: dict[str, int] = {}
        pmids: list[str] = []
        full_text: list[bool] = []
        corpus: list[list[int]] = []
        for record in records:
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
        return cls(
            pmids=pmids,
            has_pmcid=np.array(full_text, dtype=bool),
            retriever=retriever,
            fingerprint=fingerprint,
        )

    def __len__(self) -> int:
        return len(self.pmids)

    def __contains__(self, pmid: object) -> bool:
        return pmid in self._position

    def has_pmcid(self, pmid: str) -> bool:
        """Whether the paper has free full text in PubMed Central."""
        at = self._position.get(pmid)
        return at is not None and bool(self._has_pmcid[at])

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
            pmid = self.pmids[at]
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
        (staging / PMIDS_FILE).write_text(json.dumps(self.pmids), encoding="utf-8")
        np.save(staging / FULL_TEXT_FILE, self._has_pmcid, allow_pickle=False)
        meta = {
            "format": INDEX_FORMAT,
            "engine_version": ENGINE_VERSION,
            "fingerprint": self.fingerprint,
            "documents": len(self.pmids),
            "empty": self._retriever is None,
        }
        (staging / META_FILE).write_text(json.dumps(meta), encoding="utf-8")
        staging.rename(target)
        pointer = directory / f".{CURRENT_FILE}.{uuid.uuid4().hex}"
        pointer.write_text(name, encoding="utf-8")
        os.replace(pointer, directory / CURRENT_FILE)
        _remove_old_versions(directory, keep=name)

    @classmethod
    def load(cls, directory: Path) -> SearchIndex:
        """Load the index last saved in directory; FileNotFoundError if there is none."""
        directory = Path(directory)
        # A concurrent save may remove the version just read from CURRENT; read it again then.
        for attempt in range(3):
            try:
                return cls._load_version(directory)
            except FileNotFoundError:
                if attempt == 2 or not (directory / CURRENT_FILE).exists():
                    raise
        raise AssertionError("unreachable")

    @classmethod
    def _load_version(cls, directory: Path) -> SearchIndex:
        """Load the version CURRENT names."""
        current = directory / CURRENT_FILE
        if not current.exists():
            raise FileNotFoundError(f"no search index in {directory}")
        version = directory / current.read_text(encoding="utf-8").strip()
        meta = json.loads((version / META_FILE).read_text(encoding="utf-8"))
        if meta.get("format") != INDEX_FORMAT:
            raise FileNotFoundError(f"the search index in {directory} has an older format")
        pmids = json.loads((version / PMIDS_FILE).read_text(encoding="utf-8"))
        has_pmcid = np.load(version / FULL_TEXT_FILE, allow_pickle=False)
        retriever = None
        if not meta.get("empty"):
            retriever = bm25s.BM25.load(version, show_progress=False)
        return cls(
            pmids=pmids,
            has_pmcid=has_pmcid,
            retriever=retriever,
            fingerprint=str(meta.get("fingerprint", "")),
        )


def _remove_old_versions(directory: Path, *, keep: str) -> None:
    """Delete superseded index versions and abandoned partial writes."""
    for entry in directory.iterdir():
        if entry.name == keep or not entry.is_dir():
            continue
        if entry.name.startswith(("v", ".v")):
            shutil.rmtree(entry, ignore_errors=True)
