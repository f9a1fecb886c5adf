"""The paper libraries in the database: the shared one, searched through this host's on-disk
index (built once, in the background, and memory-mapped by every worker) or a search cluster,
and each project's own references, indexed in memory."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import batched
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Max, Q
from django.db.models.functions import Lower
from django.utils import timezone

from jobs.models import IndexBuild, Paper, ProjectReference
from research import (
    CombinedLibrary,
    InMemoryLibrary,
    Library,
    PaperRecord,
    ParseReport,
    SearchIndex,
)
from research.opensearch import OpenSearchIndex
from research.version import INDEX_FORMAT

UPDATED_FIELDS = ["doi", "pmcid", "title", "journal", "year", "record", "updated_at"]
STREAM_CHUNK = 2000

_lock = threading.Lock()
_loaded: SearchIndex | None = None
_loaded_from: Path | None = None
_rung_at: float | None = None
_recent: _Recent | None = None
_cluster: tuple[tuple[str, str], OpenSearchIndex] | None = None
# Up to this many papers added since the last build are searchable at once, from memory.
RECENT_PAPERS_MAX = 20_000
# A process that finds its index stale asks for a build at most this often.
RING_EVERY_SECONDS = 30.0
KEY_FILE = ".key"

log = logging.getLogger(__name__)


def index_directory() -> Path:
    """Where the search index lives."""
    return Path(settings.DATA_DIR) / "index"


def library_fingerprint() -> str:
    """Changes whenever a shared paper is added, updated or deleted; one aggregate query."""
    return f"f{INDEX_FORMAT}:{_fingerprint(Paper.objects.all())}"


def _fingerprint(rows) -> str:
    """count:top id:latest update of a library's rows, which any change to them changes."""
    stats = rows.aggregate(count=Count("id"), latest=Max("updated_at"), top=Max("id"))
    latest = stats["latest"].isoformat() if stats["latest"] else "-"
    return f"{stats['count']}:{stats['top'] or 0}:{latest}"


def _stored_records() -> Iterator[PaperRecord]:
    """Every paper's record, streamed in chunks."""
    rows = Paper.objects.order_by("id").values_list("record", flat=True)
    for data in rows.iterator(chunk_size=STREAM_CHUNK):
        yield PaperRecord.from_dict(data)


def rebuild_index() -> SearchIndex:
    """Index every paper, save the index and make it the one this process searches. Other
    processes may be doing the same: build_shared_index is the single-flight way in."""
    global _loaded, _loaded_from
    # Taken before reading, so papers changed during the build make the index stale, not lost.
    fingerprint = library_fingerprint()
    index = SearchIndex.build(_stored_records(), fingerprint=fingerprint)
    index.save(index_directory())
    with _lock:
        _loaded, _loaded_from = index, index_directory()
    return index


class DjangoLibrary:
    """The database's papers, searched through a SearchIndex, plus (while a newer build is on
    its way) the papers added or changed since that index was built, indexed in memory."""

    def __init__(
        self, index: SearchIndex, recent: InMemoryLibrary | None = None, *, added: int = 0
    ) -> None:
        """`added`: how many of the recent papers the index does not hold."""
        self.index = index
        self.recent = recent
        self._size = len(index) + added

    @property
    def version(self) -> str:
        """Which build of the index answers: its saved version's name."""
        return self.index.version

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        """The k best (pmid, score) pairs for the query, best first; with recent papers,
        each part's own k best, merged (as CombinedLibrary does)."""
        if self.recent is None:
            return self.index.search(query, k)
        return CombinedLibrary(DjangoLibrary(self.index), self.recent).search(query, k)

    def get_many(self, pmids: Sequence[str]) -> dict[str, PaperRecord]:
        """The records for the PMIDs that exist, keyed by PMID; one query."""
        return _papers(pmids)

    def suggested_headings(self, pmids: Sequence[str]) -> dict[str, dict[str, float]]:
        """MeSH headings the last build suggested for papers NLM has not indexed, by PMID."""
        return self.index.suggested_headings(pmids)

    def __len__(self) -> int:
        return self._size


class ClusterLibrary:
    """The database's papers, searched in an OpenSearch cluster (SEARCH_BACKEND=opensearch):
    imports index their papers there as they are written, so nothing is rebuilt."""

    def __init__(self, index: OpenSearchIndex) -> None:
        self.index = index

    @property
    def version(self) -> str:
        return f"opensearch:{self.index.index}"

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        """The k best (pmid, score) pairs for the query, best first."""
        return self.index.search(query, k)

    def get_many(self, pmids: Sequence[str]) -> dict[str, PaperRecord]:
        """The records for the PMIDs that exist, keyed by PMID; one query."""
        return _papers(pmids)

    def __len__(self) -> int:
        return len(self.index)


def _papers(pmids: Sequence[str]) -> dict[str, PaperRecord]:
    if not pmids:
        return {}
    rows = Paper.objects.filter(pmid__in=list(pmids)).values_list("pmid", "record")
    return {pmid: PaperRecord.from_dict(data) for pmid, data in rows}


def send_library_to_cluster(
    cluster: OpenSearchIndex, *, on_batch: Callable[[int], None] | None = None
) -> int:
    """Index every shared paper in the search cluster, streamed; how many were sent."""
    sent = 0
    for batch in batched(_stored_records(), STREAM_CHUNK):
        sent += cluster.add(batch)
        if on_batch:
            on_batch(sent)
    cluster.refresh()
    return sent


def search_cluster() -> OpenSearchIndex | None:
    """The OpenSearch index the shared library lives in, or None with the embedded backend."""
    global _cluster
    if settings.SEARCH_BACKEND != "opensearch":
        return None
    place = (settings.OPENSEARCH_URL, settings.OPENSEARCH_INDEX)
    if _cluster is None or _cluster[0] != place:
        _cluster = (place, OpenSearchIndex(*place))
    return _cluster[1]


def get_library() -> DjangoLibrary | ClusterLibrary:
    """The shared library, in the search cluster when one is configured; otherwise searched
    through this host's last complete index: loaded
    memory-mapped once per process, and again when a newer build lands. A stale index keeps
    answering while one background build makes the next (index_build_ring); only a host with
    no index at all builds one before answering, once, whoever asks first."""
    global _loaded, _loaded_from
    cluster = search_cluster()
    if cluster is not None:
        return ClusterLibrary(cluster)
    fingerprint = library_fingerprint()
    with _lock:
        if _loaded_from != index_directory():  # DATA_DIR changed (tests do): start afresh
            _loaded, _loaded_from = None, index_directory()
        if _loaded is not None and _loaded.fingerprint == fingerprint:
            return DjangoLibrary(_loaded)
        newer = _newer_saved_index(_loaded)
        if newer is not None:
            _loaded = newer
    if _loaded is None:
        build_shared_index(wait=True)
        with _lock:
            _loaded = _newer_saved_index(None) or _loaded
    assert _loaded is not None
    if _loaded.fingerprint == fingerprint:
        return DjangoLibrary(_loaded)
    recent = _recent_papers(_loaded, fingerprint)
    if _build_due(_loaded, recent.changed):
        _ring(throttled=True)
    return DjangoLibrary(_loaded, recent.library, added=recent.added)


def _build_due(index: SearchIndex, changed: int) -> bool:
    """Whether a stale index is worth rebuilding yet: once INDEX_REBUILD_AFTER_PAPERS papers
    changed since it was built, or it is INDEX_REBUILD_AFTER_SECONDS old. Until then the few
    new papers are searched from memory, so a stream of small imports (each review that
    fetches from PubMed is one) does not keep a worker rebuilding."""
    if changed >= settings.INDEX_REBUILD_AFTER_PAPERS:
        return True
    try:
        built = (index_directory() / index.version).stat().st_mtime
    except (FileNotFoundError, ValueError):
        return True
    return time.time() - built >= settings.INDEX_REBUILD_AFTER_SECONDS


@dataclass(frozen=True)
class _Recent:
    """The papers added or changed since an index was built, as one process holds them."""

    key: tuple[str, str]  # the index's version and the library's fingerprint
    library: InMemoryLibrary | None  # None when there are none or too many to hold
    changed: int  # how many changed since the build (up to RECENT_PAPERS_MAX + 1)
    added: int  # how many of those the index does not hold at all


def _recent_papers(index: SearchIndex, fingerprint: str) -> _Recent:
    """The papers added or changed since the index was built, indexed in memory once per
    library change in this process, so an import is searchable before the new build lands;
    with too many, the build is awaited."""
    global _recent
    if _recent is not None and _recent.key == (index.version, fingerprint):
        return _recent
    # f<format>:<count>:<top id>:<latest update>, as library_fingerprint wrote it
    parts = index.fingerprint.split(":", 3)
    built_upto = parts[3] if len(parts) == 4 else "-"
    rows = Paper.objects.all()
    if built_upto != "-":
        rows = rows.filter(updated_at__gt=datetime.fromisoformat(built_upto))
    pmids = list(rows.values_list("pmid", flat=True)[: RECENT_PAPERS_MAX + 1])
    library, added = None, 0
    if 0 < len(pmids) <= RECENT_PAPERS_MAX:
        records = Paper.objects.filter(pmid__in=pmids).values_list("record", flat=True)
        library = InMemoryLibrary(PaperRecord.from_dict(data) for data in records)
        added = sum(pmid not in index for pmid in pmids)
    _recent = _Recent((index.version, fingerprint), library, len(pmids), added)
    return _recent


def _newer_saved_index(loaded: SearchIndex | None) -> SearchIndex | None:
    """The index saved on this host, memory-mapped, if it is not the one already loaded."""
    directory = index_directory()
    version = SearchIndex.current_version(directory)
    if version is None or (loaded is not None and loaded.version == version):
        return None
    try:
        return SearchIndex.load(directory, mmap=True)
    except FileNotFoundError:  # an older format, or replaced while read: build anew
        return None


def _ring(*, throttled: bool) -> None:
    """Ask for a background build; throttled, at most every RING_EVERY_SECONDS from this
    process (a worker that finds its index stale asks on every review)."""
    global _rung_at
    moment = time.monotonic()
    if throttled and _rung_at is not None and moment - _rung_at < RING_EVERY_SECONDS:
        return
    _rung_at = moment
    from jobs import lifecycle  # lifecycle imports the kinds, which import this module

    lifecycle.index_build_ring()


def build_shared_index(*, wait: bool = False) -> bool:
    """Bring this host's index up to date with the library, single-flight across every
    process and host that shares the index directory (a lock row in the database). Returns
    whether this call built. Another holder's build is left to it, since a holder looks at
    the library again after saving and builds once more if it changed meanwhile; with wait,
    a caller that finds no index at all waits for the holder's to land (or its lock to go
    stale) instead."""
    key = _directory_key()
    holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    built = False
    while True:
        if not _claim(key, holder):
            if not wait or _newer_saved_index(None) is not None:
                return built
            time.sleep(1)
            continue
        fingerprint = ""
        try:
            fingerprint = library_fingerprint()
            saved = _newer_saved_index(None)
            if saved is None or saved.fingerprint != fingerprint:
                started = time.monotonic()
                with _Heartbeat(key, holder):
                    index = rebuild_index()
                log.info(
                    "search index built: %s papers in %.1f s (%s)",
                    len(index), time.monotonic() - started, index.version,
                )  # fmt: skip
                built = True
        finally:
            _release(key, holder, fingerprint=fingerprint, built=built)
        if library_fingerprint() == fingerprint:
            return built
        wait = False  # changed while building: once more, if nobody else has started


def _directory_key() -> str:
    """This index directory's identity: processes and hosts sharing the directory share its
    lock, and a host with a directory of its own builds its own index."""
    directory = index_directory()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / KEY_FILE
    try:
        with open(path, "x", encoding="ascii") as out:
            out.write(uuid.uuid4().hex)
    except FileExistsError:
        pass
    for _ in range(50):  # written by another process a moment ago
        key = path.read_text(encoding="ascii").strip()
        if key:
            return key
        time.sleep(0.01)
    raise RuntimeError(f"{path} stays empty")


def _claim(key: str, holder: str) -> bool:
    moment = timezone.now()
    stale = moment - timedelta(seconds=settings.INDEX_BUILD_STALE_SECONDS)
    IndexBuild.objects.get_or_create(directory=key)
    free = Q(holder="") | Q(heartbeat_at__lt=stale)
    claimed = IndexBuild.objects.filter(free, directory=key).update(
        holder=holder, heartbeat_at=moment
    )
    return claimed == 1


class _Heartbeat(threading.Thread):
    """Proves a build alive every INDEX_BUILD_HEARTBEAT_SECONDS, from a thread of its own, so
    that the long indexing step (which reads nothing from the database) keeps the lock too."""

    def __init__(self, key: str, holder: str) -> None:
        super().__init__(name="index-build-heartbeat", daemon=True)
        self.key, self.holder = key, holder
        self.done = threading.Event()

    def run(self) -> None:
        try:
            while not self.done.wait(settings.INDEX_BUILD_HEARTBEAT_SECONDS):
                IndexBuild.objects.filter(directory=self.key, holder=self.holder).update(
                    heartbeat_at=timezone.now()
                )
        finally:
            connection.close()

    def __enter__(self) -> _Heartbeat:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.done.set()
        self.join()


def _release(key: str, holder: str, *, fingerprint: str, built: bool) -> None:
    changes: dict = {"holder": "", "heartbeat_at": None}
    if built:
        changes |= {
            "builds": F("builds") + 1,
            "built_fingerprint": fingerprint,
            "finished_at": timezone.now(),
        }
    IndexBuild.objects.filter(directory=key, holder=holder).update(**changes)


def import_records(
    records: Iterable[PaperRecord],
    *,
    batch_size: int = 1000,
    report: ParseReport | None = None,
    on_batch: Callable[[int], None] | None = None,
) -> tuple[int, int]:
    """Insert or update shared papers by PMID, a short transaction a batch; returns (created,
    updated), and rings for a background build of the search index when it wrote
    INDEX_REBUILD_AFTER_PAPERS or more (fewer are searched from memory until a build is due).
    Only operators' baseline files and PubMed's own records come here.

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
    cluster = search_cluster()
    deleted = len(report.deleted) if report is not None else 0
    if cluster is not None:
        cluster.refresh()
    elif total + deleted >= settings.INDEX_REBUILD_AFTER_PAPERS:
        _ring(throttled=False)
    return created, updated


def delete_papers(pmids: Iterable[str]) -> int:
    """Delete the papers with these PMIDs (from the search cluster too); returns how many
    rows went."""
    pmids = list(dict.fromkeys(pmids))
    removed = 0
    for start in range(0, len(pmids), STREAM_CHUNK):
        removed += Paper.objects.filter(pmid__in=pmids[start : start + STREAM_CHUNK]).delete()[0]
    cluster = search_cluster()
    if cluster is not None and pmids:
        cluster.delete(pmids)
    return removed


def _upsert(records: list[PaperRecord]) -> tuple[int, int]:
    """One batch in one short transaction: count which PMIDs exist, then insert-or-update
    them. Short, so that on SQLite running jobs never wait long for the write lock. With a
    search cluster, the batch is indexed there once written."""
    pmids = [r.pmid for r in records]
    with transaction.atomic():
        existing = set(Paper.objects.filter(pmid__in=pmids).values_list("pmid", flat=True))
        Paper.objects.bulk_create(
            [Paper(**_columns(r)) for r in records],
            update_conflicts=True,
            unique_fields=["pmid"],
            update_fields=UPDATED_FIELDS,
        )
    cluster = search_cluster()
    if cluster is not None:
        cluster.add(records)
    return len(records) - len(existing), len(existing)


def _columns(record: PaperRecord) -> dict:
    """A library row's columns for a record, fitted to the column sizes, without NUL
    characters (PostgreSQL stores none, in text or JSON)."""
    year = record.year if record.year is not None and 0 < record.year < 32768 else None
    return {
        "pmid": _no_nul(record.pmid),
        "doi": _no_nul(record.doi)[:255],
        "pmcid": _no_nul(record.pmcid)[:32],
        "title": _no_nul(record.title),
        "journal": _no_nul(record.journal)[:512],
        "year": year,
        "record": _no_nul(record.to_dict()),
    }


def _no_nul(value):
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_no_nul(item) for item in value]
    if isinstance(value, dict):
        return {key: _no_nul(item) for key, item in value.items()}
    return value


def record_for(pmid: str, *, project_id: int) -> PaperRecord | None:
    """A paper a project may deep-dive: the shared library's record, else the project's own."""
    for rows in (
        Paper.objects.filter(pmid=pmid),
        ProjectReference.objects.filter(project_id=project_id, pmid=pmid),
    ):
        data = rows.values_list("record", flat=True).first()
        if data is not None:
            return PaperRecord.from_dict(data)
    return None


def project_has(pmid: str, *, project_id: int) -> bool:
    """Whether a project may read this paper: shared, or one of its own references."""
    return (
        Paper.objects.filter(pmid=pmid).exists()
        or ProjectReference.objects.filter(project_id=project_id, pmid=pmid).exists()
    )


_project_libraries: OrderedDict[int, tuple[str, InMemoryLibrary]] = OrderedDict()
PROJECT_LIBRARIES_KEPT = 16


def project_library(project_id: int) -> InMemoryLibrary | None:
    """A project's own references as a small library of their own (None when it has none),
    indexed on first use and kept per process until they change."""
    fingerprint = _fingerprint(ProjectReference.objects.filter(project_id=project_id))
    if fingerprint.startswith("0:"):
        return None
    with _lock:
        kept = _project_libraries.get(project_id)
        if kept is not None and kept[0] == fingerprint:
            _project_libraries.move_to_end(project_id)
            return kept[1]
    rows = ProjectReference.objects.filter(project_id=project_id).order_by("id")
    library = InMemoryLibrary(
        PaperRecord.from_dict(data)
        for data in rows.values_list("record", flat=True).iterator(chunk_size=STREAM_CHUNK)
    )
    with _lock:
        _project_libraries[project_id] = (fingerprint, library)
        while len(_project_libraries) > PROJECT_LIBRARIES_KEPT:
            _project_libraries.popitem(last=False)
    return library


def index_version(library: Library) -> str:
    """The shared index build a library searches ("" when it searches none)."""
    if isinstance(library, DjangoLibrary | ClusterLibrary):
        return library.version
    if isinstance(library, CombinedLibrary):
        return next(filter(None, map(index_version, library.libraries)), "")
    return ""


def library_for(project_id: int) -> Library:
    """What a review in a project searches: the shared library plus the project's own
    references. A PMID in both reads the shared record."""
    shared = get_library()
    own = project_library(project_id)
    return shared if own is None else CombinedLibrary(shared, own)


def from_project(pmids: Iterable[str], *, project_id: int) -> set[str]:
    """Which of these papers a review read from the project's own references."""
    pmids = list(dict.fromkeys(pmids))
    own = set(
        ProjectReference.objects.filter(project_id=project_id, pmid__in=pmids).values_list(
            "pmid", flat=True
        )
    )
    if not own:
        return own
    return own - set(Paper.objects.filter(pmid__in=own).values_list("pmid", flat=True))


@dataclass
class StagedReferences:
    """A reference file's records sorted against the library, ready to publish."""

    project_id: int
    fresh: list[PaperRecord]
    already_shared: int


def stage_references(records: Iterable[PaperRecord], *, project_id: int) -> StagedReferences:
    """Sort a file's records: those the shared library already has (by PMID, or by DOI for a
    record without one) are read from there; the rest become the project's references.
    Reads only; nothing is written until publish_references."""
    records = list(records)
    pmids = [r.pmid for r in records if r.pmid.isdigit()]
    shared_pmids: set[str] = set()
    for start in range(0, len(pmids), STREAM_CHUNK):
        chunk = pmids[start : start + STREAM_CHUNK]
        shared_pmids.update(Paper.objects.filter(pmid__in=chunk).values_list("pmid", flat=True))
    dois = sorted({r.doi.lower() for r in records if r.doi and not r.pmid.isdigit()})
    shared_dois: set[str] = set()
    for start in range(0, len(dois), STREAM_CHUNK):
        chunk = dois[start : start + STREAM_CHUNK]
        shared_dois.update(
            Paper.objects.annotate(doi_key=Lower("doi"))
            .filter(doi_key__in=chunk)
            .values_list("doi_key", flat=True)
        )

    def shared(record: PaperRecord) -> bool:
        if record.pmid.isdigit():
            return record.pmid in shared_pmids
        return bool(record.doi) and record.doi.lower() in shared_dois

    fresh = list({r.pmid: r for r in records if not shared(r)}.values())
    return StagedReferences(
        project_id=project_id, fresh=fresh, already_shared=len(records) - len(fresh)
    )


def publish_references(staged: StagedReferences, *, batch_size: int = 1000) -> dict[str, int]:
    """Write staged references into their project (insert or replace by id); run it inside
    the transaction that completes the import, so a cancelled import writes nothing."""
    created = updated = 0
    for start in range(0, len(staged.fresh), batch_size):
        batch = staged.fresh[start : start + batch_size]
        existing = set(
            ProjectReference.objects.filter(
                project_id=staged.project_id, pmid__in=[r.pmid for r in batch]
            ).values_list("pmid", flat=True)
        )
        ProjectReference.objects.bulk_create(
            [ProjectReference(project_id=staged.project_id, **_columns(r)) for r in batch],
            update_conflicts=True,
            unique_fields=["project", "pmid"],
            update_fields=UPDATED_FIELDS,
        )
        created, updated = created + len(batch) - len(existing), updated + len(existing)
    return {"added": created, "updated": updated, "already_present": staged.already_shared}
