"""What a review reads papers from: a Library searches and fetches records."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Protocol

from research.formats import detect_format, read_references
from research.index import SearchIndex
from research.indexing import Suggestions
from research.pubmed_xml import GZIP_MAGIC, read_pubmed
from research.records import PaperRecord


class Library(Protocol):
    """A searchable collection of paper records."""

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        """The k best (pmid, score) pairs for the query, best first."""
        ...

    def get_many(self, pmids: Sequence[str]) -> dict[str, PaperRecord]:
        """The records for the PMIDs that exist, keyed by PMID."""
        ...

    def __len__(self) -> int: ...


def suggested_headings(library: Library, pmids: Sequence[str]) -> dict[str, dict[str, float]]:
    """MeSH headings suggested for the papers among pmids that NLM has not indexed, by PMID
    (research.indexing); a library that suggests none (a search cluster) gives none."""
    suggest = getattr(library, "suggested_headings", None)
    return suggest(pmids) if suggest is not None else {}


class InMemoryLibrary:
    """A Library over records held in memory, with its index built on creation."""

    def __init__(
        self, records: Iterable[PaperRecord], *, suggestions: Suggestions | None = None
    ) -> None:
        """suggestions: headings suggested elsewhere, in place of those the index learns from
        the records themselves."""
        self._records: dict[str, PaperRecord] = {}
        for record in records:
            self._records[record.pmid] = record
        self.index = SearchIndex.build(self._records.values(), suggest=suggestions is None)
        if suggestions is not None:
            self.index.suggestions = suggestions

    def suggested_headings(self, pmids: Sequence[str]) -> dict[str, dict[str, float]]:
        """MeSH headings suggested for the papers NLM has not indexed, by PMID."""
        return self.index.suggested_headings(pmids)

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        """The k best (pmid, score) pairs for the query, best first."""
        return self.index.search(query, k)

    def get_many(self, pmids: Sequence[str]) -> dict[str, PaperRecord]:
        """The records for the PMIDs that exist, keyed by PMID."""
        return {pmid: self._records[pmid] for pmid in pmids if pmid in self._records}

    def __len__(self) -> int:
        return len(self._records)


class CombinedLibrary:
    """Several libraries searched as one: results merged by PMID, best score kept.

    Each library's scores come from its own index statistics, so they are not comparable: a
    search keeps every library's own k best instead of the k best raw scores overall, or a
    small library (a project's references, a PubMed fetch) would be crowded out by a large one.
    The review's ranking then decides between them."""

    def __init__(self, *libraries: Library) -> None:
        self.libraries = libraries

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        """Each library's k best (pmid, score) pairs, merged, best first."""
        best: dict[str, float] = {}
        for library in self.libraries:
            for pmid, score in library.search(query, k):
                best[pmid] = max(score, best.get(pmid, score))
        return sorted(best.items(), key=lambda item: (-item[1], item[0]))

    def get_many(self, pmids: Sequence[str]) -> dict[str, PaperRecord]:
        """The records for the PMIDs that exist, the first library that has one winning."""
        found: dict[str, PaperRecord] = {}
        for library in self.libraries:
            missing = [pmid for pmid in pmids if pmid not in found]
            if not missing:
                break
            found.update(library.get_many(missing))
        return found

    def suggested_headings(self, pmids: Sequence[str]) -> dict[str, dict[str, float]]:
        """Each library's suggested headings, the first library that has some winning."""
        found: dict[str, dict[str, float]] = {}
        for library in reversed(self.libraries):
            found.update(suggested_headings(library, pmids))
        return found

    def __len__(self) -> int:
        return sum(len(library) for library in self.libraries)


def open_library(path: str | os.PathLike[str]) -> InMemoryLibrary:
    """A library of the papers in one file: PubMed XML (plain or .gz), or a reference file
    (MEDLINE/.nbib, RIS, BibTeX, CSV). Bad files raise the reader's error, which says why."""
    source = Path(path)
    with source.open("rb") as handle:
        head = handle.read(4096)
    if head.startswith(GZIP_MAGIC) or detect_format(source.name, head) == "pubmed_xml":
        return InMemoryLibrary(read_pubmed(source))
    return InMemoryLibrary(read_references(source).records)
