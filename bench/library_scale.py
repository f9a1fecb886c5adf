"""The shared library at scale: build time and memory, memory per worker, search and review
latency, reviews during a rebuild and a project's new references, at each library size.

The library is synthetic: the real records of NLM's two baseline files, copied with new
(9-digit) PMIDs, their abstract sentences and title words shuffled (seeded), streamed into a
SQLite file (pmid, record JSON) as the app's database holds them. Every build and every worker
is a fresh child process, as in the app, where each worker maps the saved index once and reads
records from the database by PMID.

Run: .venv/bin/python bench/library_scale.py [--sizes 50000,200000,1000000] [--rebuild-at N,...]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.eval_queries import FINDING_OBJECTIVES, REVIEW_QUERIES  # noqa: E402
from bench.report import Figure  # noqa: E402
from research.records import AbstractSection, PaperRecord  # noqa: E402

BASELINE_DIR = REPO / "var" / "pubmed"
BASELINE_FILES = (BASELINE_DIR / "pubmed20n0014.xml.gz", BASELINE_DIR / "pubmed21n1298.xml.gz")
DEFAULT_SIZES = (50_000, 200_000, 1_000_000)
# Above any PMID NLM has issued: the library's copies, then a project's new references.
LIBRARY_PMIDS = 900_000_000
REFERENCE_PMIDS = 800_000_000
REFERENCES = 1000
SEED = 15
BATCH = 5000
# Objectives from both files' eras, so that each finds papers among the copies of either.
OBJECTIVES = tuple(q for _, q in REVIEW_QUERIES[:5]) + tuple(q for q, _ in FINDING_OBJECTIVES[:5])
SEARCHES = tuple(q for _, q in REVIEW_QUERIES[5:15]) + tuple(q for q, _ in FINDING_OBJECTIVES[5:15])
PREFERENCES = ("precision", "recall")
MEMORY_TARGET_MIB = 300
REVIEW_TARGET_S = 2.0
REFERENCES_TARGET_S = 60.0
STALL_FACTOR = 2.0


def say(message: str) -> None:
    print(message, flush=True)


# -- the synthetic library ------------------------------------------------------------------


@dataclass(frozen=True)
class BaseRecord:
    """A real record with its abstract already split into sentences, ready to be copied."""

    record: PaperRecord
    sections: tuple[tuple[AbstractSection, tuple[str, ...]], ...]


def read_base(paths: Iterable[Path]) -> list[BaseRecord]:
    """The real records of the files, each with its abstract split into sentences once."""
    from research import read_pubmed
    from research.text import split_sentences

    base = []
    for path in paths:
        for record in read_pubmed(path):
            sections = tuple(
                (s, tuple(sentence.text for sentence in split_sentences(s.text)))
                for s in record.abstract
            )
            base.append(BaseRecord(record, sections))
    return base


def synthetic_records(
    base: Sequence[BaseRecord], count: int, *, first_pmid: int, seed: int
) -> Iterator[PaperRecord]:
    """count records: the base records in turn under new PMIDs, with their abstract sentences
    (within each section) and title words shuffled, so that no two copies read the same and
    the review's duplicate check (same title or DOI) does not fold them together."""
    rng = random.Random(seed)
    for n in range(count):
        copy, original = divmod(n, len(base))
        source = base[original]
        abstract = []
        for section, sentences in source.sections:
            shuffled = list(sentences)
            rng.shuffle(shuffled)
            abstract.append(dataclasses.replace(section, text=" ".join(shuffled)))
        title_words = source.record.title.rstrip(".").split()
        rng.shuffle(title_words)
        doi = source.record.doi
        yield dataclasses.replace(
            source.record,
            pmid=str(first_pmid + n),
            title=" ".join(title_words) + ".",
            abstract=tuple(abstract),
            doi=f"{doi}.copy{copy}" if doi and copy else doi,
        )


def connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, timeout=60)
    connection.execute("PRAGMA journal_mode=WAL")
    return connection


def write_library(path: Path, records: Iterable[PaperRecord]) -> int:
    """Stream the records into a new SQLite file, a batch at a time; returns how many."""
    path.unlink(missing_ok=True)
    connection = connect(path)
    connection.execute("CREATE TABLE paper (pmid TEXT PRIMARY KEY, record TEXT NOT NULL)")
    connection.execute(
        "CREATE TABLE project_reference (pmid TEXT PRIMARY KEY, record TEXT NOT NULL)"
    )
    written = 0
    batch: list[tuple[str, str]] = []
    for record in records:
        batch.append((record.pmid, json.dumps(record.to_dict(), separators=(",", ":"))))
        if len(batch) == BATCH:
            written += _insert(connection, "paper", batch)
    written += _insert(connection, "paper", batch)
    connection.close()
    return written


def _insert(connection: sqlite3.Connection, table: str, rows: list[tuple[str, str]]) -> int:
    with connection:
        connection.executemany(f"INSERT INTO {table} (pmid, record) VALUES (?, ?)", rows)
    count = len(rows)
    rows.clear()
    return count


def stored_records(path: Path, table: str = "paper") -> Iterator[PaperRecord]:
    """Every record in the SQLite file's table, streamed in insertion order."""
    connection = connect(path)
    try:
        for (data,) in connection.execute(f"SELECT record FROM {table} ORDER BY rowid"):
            yield PaperRecord.from_dict(json.loads(data))
    finally:
        connection.close()


class SqliteLibrary:
    """The shared library as a worker sees it: the mapped index, records read by PMID."""

    CHUNK = 500

    def __init__(self, index, path: Path) -> None:
        self.index = index
        self.connection = connect(path)

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        return self.index.search(query, k)

    def get_many(self, pmids: Sequence[str]) -> dict[str, PaperRecord]:
        found: dict[str, PaperRecord] = {}
        pmids = list(pmids)
        for start in range(0, len(pmids), self.CHUNK):
            chunk = pmids[start : start + self.CHUNK]
            marks = ",".join("?" * len(chunk))
            rows = self.connection.execute(
                f"SELECT pmid, record FROM paper WHERE pmid IN ({marks})", chunk
            )
            found.update((pmid, PaperRecord.from_dict(json.loads(data))) for pmid, data in rows)
        return found

    def __len__(self) -> int:
        return len(self.index)


# -- measurements in child processes --------------------------------------------------------


def memory_mib() -> dict[str, float]:
    """This process's private (anonymous) resident memory, its proportional share of every
    page it maps (Pss, when readable) and its peak resident memory, in MiB."""
    status = Path("/proc/self/status").read_text()
    out = {
        "rss_anon": int(re.search(r"RssAnon:\s+(\d+)", status)[1]) / 1024,
        "rss_file": int(re.search(r"RssFile:\s+(\d+)", status)[1]) / 1024,
        "peak": int(re.search(r"VmHWM:\s+(\d+)", status)[1]) / 1024,
    }
    try:
        rollup = Path("/proc/self/smaps_rollup").read_text()
        out["pss"] = int(re.search(r"^Pss:\s+(\d+)", rollup, re.M)[1]) / 1024
    except (OSError, TypeError):
        pass
    return out


def child_build(db: str, index: str) -> dict:
    """Index every record in the SQLite file and save the index beside any older one."""
    from research import SearchIndex

    started = time.perf_counter()
    built = SearchIndex.build(stored_records(Path(db)), fingerprint=f"bench:{db}")
    indexed = time.perf_counter()
    built.save(Path(index))
    saved = time.perf_counter()
    return {
        "records": len(built),
        "build_s": indexed - started,
        "save_s": saved - indexed,
        "peak_mib": memory_mib()["peak"],
    }


def _reviews(library, objectives: Sequence[str]) -> Iterator[dict]:
    """One review per objective and preference: its time, error, papers and candidate pool."""
    from research import ReviewRequest, generate_review, ignore_progress

    for objective in objectives:
        for preference in PREFERENCES:
            request = ReviewRequest(objective, preference=preference)
            row = {"objective": objective, "preference": preference, "error": ""}
            started = time.perf_counter()
            try:
                review = generate_review(request, library, ignore_progress)
            except Exception as exc:  # a failed review is a figure here, not a crash
                row["error"] = f"{type(exc).__name__}: {exc}"
            else:
                row["papers"] = len(review.papers)
                row["pool"] = review.diagnostics.pool_size
            row["seconds"] = time.perf_counter() - started
            yield row


def child_worker(
    db: str, index: str, objectives: list[str], searches: list[str], references: str
) -> dict:
    """A worker's life: map the index, search, review, then take a project's new references."""
    from research import CombinedLibrary, InMemoryLibrary, SearchIndex

    out: dict = {"imported": memory_mib()}
    shared = SqliteLibrary(SearchIndex.load(Path(index), mmap=True), Path(db))
    out["loaded"] = memory_mib()
    out["vocabulary"] = len(shared.index._vocab)
    shared.search(searches[0], 100)  # the first search maps the pages it reads
    times = []
    for query in searches:
        started = time.perf_counter()
        shared.search(query, 100)
        times.append(time.perf_counter() - started)
    out["search_ms"] = statistics.median(times) * 1000
    list(_reviews(shared, objectives[:1]))  # warm: stems, models, the pages reviews read
    out["reviews"] = list(_reviews(shared, objectives))
    out["reviewed"] = memory_mib()

    # A project's new references as the app takes them: stored, read back, indexed in memory,
    # searched together with the shared index. The clock stops at the first search that
    # returns one of them.
    incoming = [json.loads(line) for line in Path(references).read_text().splitlines()]
    probe = incoming[len(incoming) // 2]
    started = time.perf_counter()
    connection = connect(Path(db))
    with connection:
        connection.execute("DELETE FROM project_reference")
        connection.executemany(
            "INSERT INTO project_reference (pmid, record) VALUES (?, ?)",
            [(r["pmid"], json.dumps(r, separators=(",", ":"))) for r in incoming],
        )
    connection.close()
    own = InMemoryLibrary(stored_records(Path(db), "project_reference"))
    hits = CombinedLibrary(shared, own).search(probe["title"], 100)
    out["references_s"] = time.perf_counter() - started
    wanted = {r["pmid"] for r in incoming}
    out["references_found"] = sum(pmid in wanted for pmid, _ in hits)
    return out


def child_reviewer(db: str, index: str, objectives: list[str], stop: str) -> dict:
    """Review in turn until the stop file appears (at least one round of the objectives);
    each review is counted as during the rebuild when it started before the stop file."""
    from research import SearchIndex

    library = SqliteLibrary(SearchIndex.load(Path(index), mmap=True), Path(db))
    list(_reviews(library, objectives[:1]))
    rows = []
    rounds = 0
    while rounds == 0 or not Path(stop).exists():
        reviews = _reviews(library, objectives)
        while True:
            during = not Path(stop).exists()  # looked at before the next review starts
            row = next(reviews, None)
            if row is None:
                break
            rows.append(row | {"during": during})
        rounds += 1
    return {"reviews": rows, "rounds": rounds}


CHILDREN = {"build": child_build, "worker": child_worker, "reviewer": child_reviewer}


def child_command(role: str, **arguments) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--child", role, json.dumps(arguments)]


def last_json(output: str) -> dict:
    return json.loads(output.strip().splitlines()[-1])


def run_child(role: str, **arguments) -> tuple[dict, float]:
    """The child's answer and the wall time from starting it to its exit."""
    started = time.perf_counter()
    result = subprocess.run(
        child_command(role, **arguments), cwd=REPO, stdout=subprocess.PIPE, text=True, check=True
    )
    return last_json(result.stdout), time.perf_counter() - started


# -- one size -------------------------------------------------------------------------------


@dataclass
class SizeResult:
    records: int
    generate_s: float
    sqlite_mib: float
    build_s: float
    build_peak_mib: float
    index_mib: float
    memory: dict[str, dict[str, float]]
    search_ms: float
    reviews: list[dict] = field(default_factory=list)
    references: int = 0
    references_s: float = 0.0
    references_found: int = 0
    vocabulary: int = 0
    rebuild: dict | None = None

    def review_times(self, preference: str) -> list[float]:
        return [r["seconds"] for r in self.reviews if r["preference"] == preference]

    @property
    def failures(self) -> list[dict]:
        return [r for r in self.reviews if r["error"]]


def directory_mib(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def measure_size(
    size: int,
    base: Sequence[BaseRecord],
    workdir: Path,
    *,
    objectives: Sequence[str] = OBJECTIVES,
    searches: Sequence[str] = SEARCHES,
    references: int = REFERENCES,
    rebuild: bool = False,
    keep: bool = False,
) -> SizeResult:
    """Every figure for a library of size records, its files in workdir."""
    db, index = workdir / f"library-{size}.sqlite3", workdir / f"index-{size}"
    say(f"-- {size:,} records: writing the library to {db}")
    started = time.perf_counter()
    written = write_library(db, synthetic_records(base, size, first_pmid=LIBRARY_PMIDS, seed=SEED))
    generated = time.perf_counter() - started
    incoming = workdir / f"references-{size}.jsonl"
    incoming.write_text(
        "".join(
            json.dumps(r.to_dict()) + "\n"
            for r in synthetic_records(
                base, references, first_pmid=REFERENCE_PMIDS, seed=SEED + size
            )
        )
    )
    say(f"   {written:,} records in {generated:.0f} s; building the index in a child process")
    built, build_s = run_child("build", db=str(db), index=str(index))
    say(f"   built in {build_s:.0f} s, peak {built['peak_mib']:,.0f} MiB; a worker reviews")
    worker, _ = run_child(
        "worker",
        db=str(db),
        index=str(index),
        objectives=list(objectives),
        searches=list(searches),
        references=str(incoming),
    )
    result = SizeResult(
        records=built["records"],
        generate_s=generated,
        sqlite_mib=db.stat().st_size / 2**20,
        build_s=build_s,
        build_peak_mib=built["peak_mib"],
        index_mib=directory_mib(index),
        memory={k: worker[k] for k in ("imported", "loaded", "reviewed")},
        search_ms=worker["search_ms"],
        reviews=worker["reviews"],
        references=references,
        references_s=worker["references_s"],
        references_found=worker["references_found"],
        vocabulary=worker["vocabulary"],
    )
    if rebuild:
        say("   reviewing in one process while another rebuilds the index")
        result.rebuild = during_rebuild(db, index, objectives)
    if not keep:
        shutil.rmtree(index, ignore_errors=True)
        for path in (db, incoming, Path(f"{db}-wal"), Path(f"{db}-shm")):
            path.unlink(missing_ok=True)
    return result


def during_rebuild(db: Path, index: Path, objectives: Sequence[str]) -> dict:
    """Reviews in one process, searching the last complete index, while another process
    rebuilds it into the same directory."""
    stop = index.parent / f"{index.name}.rebuilt"
    stop.unlink(missing_ok=True)
    started = time.perf_counter()
    builder = subprocess.Popen(
        child_command("build", db=str(db), index=str(index)),
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    reviewer = subprocess.Popen(
        child_command("reviewer", db=str(db), index=str(index), objectives=list(objectives),
                      stop=str(stop)),
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    built_output, _ = builder.communicate()
    rebuilt_s = time.perf_counter() - started
    stop.touch()
    reviewed_output, _ = reviewer.communicate()
    stop.unlink(missing_ok=True)
    if builder.returncode or reviewer.returncode:
        raise RuntimeError(f"rebuild exit {builder.returncode}, reviewer {reviewer.returncode}")
    reviewed = last_json(reviewed_output)
    return {
        "rebuild_s": rebuilt_s,
        "build": last_json(built_output),
        "reviews": [r for r in reviewed["reviews"] if r["during"]],
        "after": [r for r in reviewed["reviews"] if not r["during"]],
    }


# -- reporting ------------------------------------------------------------------------------


def _ms_or_s(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def _counts(result: SizeResult, preference: str, key: str) -> str:
    """The median and range of a per-review count."""
    values = [r[key] for r in result.reviews if r["preference"] == preference and key in r]
    if not values:
        return "—"
    return f"{statistics.median(values):g} ({min(values)}–{max(values)})"


def _ratio(ratios: Sequence[float]) -> str:
    if not ratios:
        return "—"
    return f"{statistics.median(ratios):.2f} × (median, slowest {max(ratios):.2f} ×)"


def _spread(times: Sequence[float]) -> str:
    if not times:
        return "—"
    return f"{_ms_or_s(statistics.median(times))} / {_ms_or_s(max(times))}"


def rebuild_verdict(result: SizeResult) -> tuple[bool, str] | None:
    """Whether reviews during the rebuild all finished, none slower than STALL_FACTOR × the
    slowest idle review; and the cell that says so."""
    if result.rebuild is None:
        return None
    during = result.rebuild["reviews"]
    times = [r["seconds"] for r in during]
    failed = sum(bool(r["error"]) for r in during)
    idle_max = max(r["seconds"] for r in result.reviews)
    passed = bool(times) and not failed and max(times) <= STALL_FACTOR * idle_max
    cell = f"{_spread(times)} ({len(times)} reviews, {failed} failed)"
    return passed, cell


COLUMNS = (
    "records",
    "build (wall)",
    "build peak",
    "worker private after load / after reviews",
    "search k=100 (median)",
    "precision review median / max",
    "recall review median / max",
    "review during rebuild median / max",
    f"{REFERENCES:,} references searchable after",
)


def table(results: Sequence[SizeResult]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for r in results:
        loaded, reviewed = r.memory["loaded"], r.memory["reviewed"]
        pss = (
            f" (Pss {loaded['pss']:,.0f} / {reviewed['pss']:,.0f})"
            if "pss" in loaded and "pss" in reviewed
            else ""
        )
        rebuild = rebuild_verdict(r)
        cells = [
            f"{r.records:,}",
            f"{r.build_s:,.0f} s",
            f"{r.build_peak_mib:,.0f} MiB",
            f"{loaded['rss_anon']:,.0f} / {reviewed['rss_anon']:,.0f} MiB{pss}",
            f"{r.search_ms:.3g} ms",
            _spread(r.review_times("precision")),
            _spread(r.review_times("recall")),
            rebuild[1] if rebuild else "not run",
            f"{r.references_s:.2f} s"
            + ("" if r.references == REFERENCES else f" ({r.references:,} references)")
            + ("" if r.references_found else " (not found)"),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def details(results: Sequence[SizeResult]) -> str:
    """What the table leaves out: files, sizes, the memory of a worker before it loads."""
    lines = []
    for r in results:
        imported = r.memory["imported"]
        line = (
            f"- {r.records:,} records: library written in {r.generate_s:.0f} s "
            f"({r.sqlite_mib:,.0f} MiB SQLite), index {r.index_mib:,.0f} MiB on disk; worker "
            f"private {imported['rss_anon']:.0f} MiB before loading the index; "
            f"{r.vocabulary:,} stems in the vocabulary; "
            f"{len(r.failures)} of {len(r.reviews)} idle reviews failed; "
            + "; ".join(
                f"{p} reviews kept {_counts(r, p, 'papers')} papers of "
                f"{_counts(r, p, 'pool')} candidates"
                for p in PREFERENCES
            )
        )
        if r.rebuild:
            idle = {(row["objective"], row["preference"]): row["seconds"] for row in r.reviews}
            slowdown = [
                row["seconds"] / idle[row["objective"], row["preference"]]
                for row in r.rebuild["reviews"]
            ]
            line += (
                f"; rebuild {r.rebuild['rebuild_s']:.0f} s (peak "
                f"{r.rebuild['build']['peak_mib']:,.0f} MiB); each review during it took "
                f"{_ratio(slowdown)} its idle time; {len(r.rebuild['after'])} "
                "reviews after the new index landed"
            )
        lines.append(line)
    return "\n".join(lines)


def figures(results: Sequence[SizeResult]) -> list[Figure]:
    """The figures with targets, for bench/run.py's table."""
    out = []
    for r in results:
        n = f"library {r.records:,}"
        loaded, reviewed = r.memory["loaded"], r.memory["reviewed"]
        out.append(
            Figure(
                f"{n}: index build in a child process",
                r.build_s,
                "s",
                reference=f"peak {r.build_peak_mib:,.0f} MiB",
            )
        )
        out.append(
            Figure(
                f"{n}: private memory per worker after reviews",
                reviewed["rss_anon"],
                "MiB",
                reference=f"after load {loaded['rss_anon']:,.0f} MiB"
                + (f"; Pss {reviewed['pss']:,.0f} MiB" if "pss" in reviewed else ""),
                target=f"≤ {MEMORY_TARGET_MIB} MiB",
                passed=reviewed["rss_anon"] <= MEMORY_TARGET_MIB,
            )
        )
        out.append(Figure(f"{n}: search k=100, median", r.search_ms, "ms"))
        for preference in PREFERENCES:
            times = r.review_times(preference)
            failed = sum(1 for row in r.failures if row["preference"] == preference)
            out.append(
                Figure(
                    f"{n}: {preference} review, slowest of {len(times)}",
                    max(times),
                    "s",
                    reference=f"median {_ms_or_s(statistics.median(times))}"
                    + (f"; {failed} failed" if failed else ""),
                    target=f"≤ {REVIEW_TARGET_S:g} s",
                    passed=max(times) <= REVIEW_TARGET_S and not failed,
                )
            )
        verdict = rebuild_verdict(r)
        if verdict and r.rebuild:
            times = [row["seconds"] for row in r.rebuild["reviews"]] or [0.0]
            idle_max = max(row["seconds"] for row in r.reviews)
            out.append(
                Figure(
                    f"{n}: review during a rebuild, slowest",
                    max(times),
                    "s",
                    reference=f"{verdict[1]}; idle slowest {_ms_or_s(idle_max)}",
                    target=f"no failure, ≤ {STALL_FACTOR:g} × idle slowest",
                    passed=verdict[0],
                )
            )
        out.append(
            Figure(
                f"{n}: {r.references:,} new references searchable after",
                r.references_s,
                "s",
                reference="" if r.references_found else "none of them found",
                target=f"≤ {REFERENCES_TARGET_S:g} s",
                passed=r.references_s <= REFERENCES_TARGET_S and r.references_found > 0,
            )
        )
    return out


def to_json(results: Sequence[SizeResult]) -> str:
    return json.dumps([dataclasses.asdict(r) for r in results])


def from_json(text: str) -> list[SizeResult]:
    return [SizeResult(**row) for row in json.loads(text)]


# -- the command ----------------------------------------------------------------------------


def parse_sizes(text: str) -> list[int]:
    return [int(part.replace("_", "")) for part in text.split(",") if part.strip()]


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        type=parse_sizes,
        default=list(DEFAULT_SIZES),
        help="library sizes, comma-separated (default 50000,200000,1000000)",
    )
    parser.add_argument(
        "--rebuild-at",
        type=parse_sizes,
        default=None,
        help="sizes at which to review during a rebuild, comma-separated (default the "
        "largest; 0: none)",
    )
    parser.add_argument("--workdir", type=Path, help="where the files go (default a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the SQLite files and indexes")
    parser.add_argument("--json", type=Path, help="also write the results here, as JSON")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    missing = [str(p) for p in BASELINE_FILES if not p.exists()]
    if missing:
        say(f"missing baseline files: {', '.join(missing)} (make data)")
        return 2
    rebuild_at = [max(args.sizes)] if args.rebuild_at is None else args.rebuild_at
    began = time.perf_counter()
    say(f"reading the real records of {', '.join(p.name for p in BASELINE_FILES)}")
    base = read_base(BASELINE_FILES)
    say(f"{len(base):,} real records")
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="library-scale-"))
    workdir.mkdir(parents=True, exist_ok=True)
    results = []
    try:
        for size in args.sizes:
            results.append(
                measure_size(size, base, workdir, rebuild=size in rebuild_at, keep=args.keep)
            )
    finally:
        if not args.keep and args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    say("\n" + table(results) + "\n\n" + details(results))
    say(f"\n{time.perf_counter() - began:.0f} s")
    if args.json:
        args.json.write_text(to_json(results))
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        print(json.dumps(CHILDREN[sys.argv[2]](**json.loads(sys.argv[3]))))
        sys.exit(0)
    sys.exit(main())
