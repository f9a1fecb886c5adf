"""Speed and memory of the research engine on NLM's real files, each figure beside its target.

Run: .venv/bin/python bench/bench_engine.py [--baseline PATH] [--large PATH]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from research import (  # noqa: E402
    DeepDiveRequest,
    InMemoryLibrary,
    ReviewRequest,
    deep_dive,
    generate_review,
    read_pubmed,
)

DEFAULT_DIR = Path(os.environ.get("PUBMED_BASELINE_DIR") or REPO / "var" / "pubmed")
PRECISION_QUERIES = (
    ReviewRequest("remdesivir treatment outcomes COVID-19"),
    ReviewRequest("inhaled corticosteroids asthma exacerbations"),
    ReviewRequest("deep learning diagnosis from medical images"),
    ReviewRequest("statin therapy cardiovascular events", full_text_only=True),
    ReviewRequest("treatment outcomes in COVID-19", molecule="remdesivir"),
)


def ignore(stage: str, percent: int) -> None:
    """Progress is not followed in a benchmark."""


def line(name: str, value: float, unit: str, target: float | None) -> None:
    """Print one figure with its target and verdict."""
    verdict = "" if target is None else ("PASS" if value <= target else "FAIL")
    goal = "" if target is None else f"(target ≤ {target:g} {unit})"
    print(f"{name:<52} {value:>9.2f} {unit:<3} {goal:<18} {verdict}")


def peak_rss_of_parse(path: Path) -> tuple[float, int]:
    """Peak resident memory (MiB) of a fresh process that only streams the file."""
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across fork and exec.
    code = (
        "import re, sys; from research import read_pubmed;"
        "n = sum(1 for _ in read_pubmed(sys.argv[1]));"
        "hwm = re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1);"
        "print(int(hwm) / 1024, n)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    rss, count = result.stdout.split()
    return float(rss), int(count)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, default=DEFAULT_DIR / "pubmed21n1298.xml.gz")
    parser.add_argument("--large", type=Path, default=DEFAULT_DIR / "pubmed20n0014.xml.gz")
    parser.add_argument("--runs", type=int, default=5, help="precision reviews to time")
    args = parser.parse_args()
    if not args.baseline.exists():
        print(f"{args.baseline} is missing: pass --baseline or set PUBMED_BASELINE_DIR")
        return 2

    started = time.perf_counter()
    records = list(read_pubmed(args.baseline))
    parsed = time.perf_counter() - started
    library = InMemoryLibrary(records)
    loaded = time.perf_counter() - started
    print(f"{args.baseline.name}: {len(records):,} records, {len(library):,} unique PMIDs")
    line("parse", parsed, "s", None)
    line("parse + index build (import, engine only)", loaded, "s", 30)

    timings = []
    for i in range(args.runs):
        request = PRECISION_QUERIES[i % len(PRECISION_QUERIES)]
        started = time.perf_counter()
        generate_review(request, library, ignore)
        timings.append(time.perf_counter() - started)
    line(f"precision review, mean of {args.runs}", statistics.mean(timings), "s", 3)
    line(f"precision review, median of {args.runs}", statistics.median(timings), "s", 3)
    line("precision review, slowest", max(timings), "s", 3)

    started = time.perf_counter()
    generate_review(
        ReviewRequest("treatment outcomes in COVID-19", molecule="remdesivir", preference="recall"),
        library,
        ignore,
    )
    line("recall review", time.perf_counter() - started, "s", None)

    parts, words = [], 0
    for record in records:
        if words >= 10_000:
            break
        text = record.abstract_text()
        parts.append(text)
        words += len(text.split())
    text = "\n\n".join(parts)
    started = time.perf_counter()
    deep_dive(DeepDiveRequest(objective="asthma treatment", text=text), ignore)
    line(f"deep dive of {words:,} words of real abstracts", time.perf_counter() - started, "s", 2)

    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    line("peak RSS of this process (library in memory)", own, "MiB", None)
    for path in (args.baseline, args.large):
        if path.exists():
            rss, count = peak_rss_of_parse(path)
            size = path.stat().st_size / 2**20
            line(
                f"peak RSS streaming {path.name} ({count:,} rec, {size:.0f} MiB)", rss, "MiB", None
            )
        else:
            print(f"{path} is missing: memory comparison skipped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
