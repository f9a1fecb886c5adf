"""The paper library in the database, searched through an on-disk index rebuilt when it changes."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from django.conf import settings
from django.db.models import Count, Max
from django.db.models.functions import Lower

from jobs.models import Paper
from jobs.research import PaperRecord, ParseReport, SearchIndex
from jobs.research.version import INDEX_FORMAT

UPDATED_FIELDS = ["doi", "pmcid", "title", "journal", "year", "record", "updated_at"]
STREAM_CHUNK = 2000

_lock = threading.Lock()
_loaded: SearchIndex | None = None


def index_directory() -> Path:
    """Where the search index lives."""
    return Path(settings.DATA_DIR) / "index"


def library_fingerprint() -> str:
    """Changes whenever a paper is added, updated or deleted; one aggregate query."""
    stats = Paper.objects.aggregate(count=Count("id"), latest=Max("updated_at"), top=Max("id"))
    latest = stats["latest"].isoformat() if stats["latest"] else "-"
    return f"f{INDEX_FORMAT}:{stats['count']}:{stats['top'] or 0}:{latest}"


def _stored_records() -> Iterator[PaperRecord]:
    """Every paper's record, streamed in chunks."""
    rows = Paper.objects.order_by("id").values_list("record", flat=True)
    for data in rows.iterator(chunk_size=STREAM_CHUNK):
        yield PaperRecord.from_dict(data)


def rebuild_index() -> SearchIndex:
    """Index every paper, save the index and make it the one this process searches."""
    global _loaded
    # Taken before reading, so papers changed during the build make the index stale, not lost.
    fingerprint = library_fingerprint()
    index = SearchIndex.build(_stored_records(), fingerprint=fingerprint)
    index.save(index_directory())
    _loaded = index
    return index


class DjangoLibrary:
    """The database's papers, searched through a SearchIndex."""

    def __init__(self, index: SearchIndex) -> None:
        self.index = index

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        """The k best (pmid, score) pairs for the query, best first."""
        return self.index.search(query, k)

    def get_many(self, pmids: Sequence[str]) -> dict[str, PaperRecord]:
        """The records for the PMIDs that exist, keyed by PMID; one query."""
        if not pmids:
            return {}
        rows = Paper.objects.filter(pmid__in=list(pmids)).values_list("pmid", "record")
        return {pmid: PaperRecord.from_dict(data) for pmid, data in rows}

    def __len__(self) -> int:
        return len(self.index)


def get_library() -> DjangoLibrary:
    """The library, its index loaded once per process and reloaded or rebuilt when stale."""
    global _loaded
    fingerprint = library_fingerprint()
    with _lock:
        if _loaded is not None and _loaded.fingerprint == fingerprint:
            return DjangoLibrary(_loaded)
        try:
            saved = SearchIndex.load(index_directory())
        except FileNotFoundError:
            saved = None
        if saved is not None and saved.fingerprint == fingerprint:
            _loaded = saved
        else:
            rebuild_index()
        assert _loaded is not None
        return DjangoLibrary(_loaded)


def import_records(
    records: Iterable[PaperRecord],
    *,
    batch_size: int = 1000,
    report: ParseReport | None = None,
    on_batch: Callable[[int], None] | None = None,
) -> tuple[int, int]:
    """Insert or update papers by PMID; returns (created, updated).

    With a report, the PMIDs its file asked to delete (DeleteCitation) are deleted once the
    records are consumed. on_batch(total) is called after each batch, for progress output.
    """
    created = updated = total = 0
    batch: dict[str, PaperRecord] = {}
    for record in records:
        # A PMID twice in one batch would make PostgreSQL's upsert touch a row twice.
        batch[record.pmid] = record
        if len(batch) >= batch_size:
            new, changed = _upsert(list(batch.values()))
            created, updated, total = created + new, updated + changed, total + len(batch)
            batch.clear()
            if on_batch:
                on_batch(total)
    if batch:
        new, changed = _upsert(list(batch.values()))
        created, updated, total = created + new, updated + changed, total + len(batch)
        if on_batch:
            on_batch(total)
    if report is not None:
        delete_papers(report.deleted)
    return created, updated


def delete_papers(pmids: Iterable[str]) -> int:
    """Delete the papers with these PMIDs; returns how many rows went."""
    pmids = list(dict.fromkeys(pmids))
    removed = 0
    for start in range(0, len(pmids), STREAM_CHUNK):
        removed += Paper.objects.filter(pmid__in=pmids[start : start + STREAM_CHUNK]).delete()[0]
    return removed


def _upsert(records: list[PaperRecord]) -> tuple[int, int]:
    """One batch: count which PMIDs exist, then insert-or-update them in one statement."""
    pmids = [r.pmid for r in records]
    existing = set(Paper.objects.filter(pmid__in=pmids).values_list("pmid", flat=True))
    Paper.objects.bulk_create(
        [_paper(r) for r in records],
        update_conflicts=True,
        unique_fields=["pmid"],
        update_fields=UPDATED_FIELDS,
    )
    return len(records) - len(existing), len(existing)


def _paper(record: PaperRecord) -> Paper:
    """A Paper row for a record, fitted to the column sizes."""
    year = record.year if record.year is not None and 0 < record.year < 32768 else None
    return Paper(
        pmid=record.pmid,
        doi=record.doi[:255],
        pmcid=record.pmcid[:32],
        title=record.title,
        journal=record.journal[:512],
        year=year,
        record=record.to_dict(),
    )


def import_references(
    records: Iterable[PaperRecord], *, project, on_batch: Callable[[int], None] | None = None
) -> dict[str, int]:
    """Add a reference file's records to the library and to the project's references.

    A record without a PMID whose DOI is already in the library is linked, not stored again,
    so a richer PubMed record is never overwritten by a thinner reference entry."""
    records = list(records)
    dois = {r.doi.lower() for r in records if r.doi and not r.pmid.isdigit()}
    known = dict(
        Paper.objects.annotate(doi_key=Lower("doi"))
        .filter(doi_key__in=dois)
        .values_list("doi_key", "pmid")
    )
    linked = [
        known[r.doi.lower()] for r in records if r.doi.lower() in known and not r.pmid.isdigit()
    ]
    fresh = [r for r in records if r.pmid.isdigit() or r.doi.lower() not in known]
    created, updated = import_records(fresh, on_batch=on_batch)
    pmids = [r.pmid for r in fresh] + linked
    for start in range(0, len(pmids), STREAM_CHUNK):
        chunk = pmids[start : start + STREAM_CHUNK]
        project.papers.add(*Paper.objects.filter(pmid__in=chunk).values_list("id", flat=True))
    return {"added": created, "updated": updated, "already_present": len(linked)}
