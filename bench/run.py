"""The benchmark suite: the engine bench, then the real deployment (gunicorn with 2 workers, a
qcluster, a temporary DATA_DIR and database) driven over loopback, each figure beside its
reference from the same run, its target and PASS/FAIL. Results go to bench/RESULTS.md.

Run: .venv/bin/python bench/run.py [--rounds 3] [--growth-jobs 1000000] [...]
SQLite and the database broker by default; DATABASE_URL=postgres://... and/or
REDIS_URL=redis://... run the same suite on PostgreSQL and/or the Redis broker (a fresh
database is created in that server and dropped afterwards).
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench import library_scale, load, recovery  # noqa: E402
from bench.harness import Site  # noqa: E402
from bench.report import RESULTS, Figure, table_markdown, table_text, write_section  # noqa: E402

ENGINE_LINE = re.compile(
    r"^(?P<name>.+?)\s+(?P<value>[\d.]+) (?P<unit>\S+)\s+\(target ≤ (?P<target>[\d.]+) \S+\)"
    r"\s+(?P<verdict>PASS|FAIL)\s*$"
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="runs per figure (medians)")
    parser.add_argument("--seconds", type=float, default=5, help="length of one load run")
    parser.add_argument("--connections", type=int, default=4, help="wrk connections")
    parser.add_argument("--pickup-jobs", type=int, default=50, help="jobs for enqueue→running")
    parser.add_argument("--throughput-jobs", type=int, default=200, help="jobs per round")
    parser.add_argument(
        "--growth-jobs",
        type=int,
        default=1_000_000,
        help="jobs in the tables for the large growth figure (small is 1,000)",
    )
    parser.add_argument("--heavy-jobs", type=int, default=100_000, help="one user's jobs")
    parser.add_argument("--skip-engine", action="store_true", help="leave out bench_engine.py")
    parser.add_argument("--skip-growth", action="store_true", help="leave out the large tables")
    parser.add_argument(
        "--skip-library-scale",
        action="store_true",
        help="leave out the library at scale (bench/library_scale.py)",
    )
    parser.add_argument(
        "--library-sizes",
        default=",".join(str(n) for n in library_scale.DEFAULT_SIZES),
        help="library sizes for bench/library_scale.py, comma-separated",
    )
    parser.add_argument(
        "--skip-recovery", action="store_true", help="leave out the crash-recovery figures"
    )
    parser.add_argument("--profile", action="store_true", help="print cProfile of the partial")
    parser.add_argument("--keep", action="store_true", help="keep the temporary DATA_DIR")
    parser.add_argument("--no-write", action="store_true", help="do not touch RESULTS.md")
    return parser.parse_args()


def say(message: str) -> None:
    print(message, flush=True)


def engine_bench() -> tuple[str, list[Figure]]:
    """bench/bench_engine.py as it is, its output kept and its verdicts taken over."""
    say("== research engine (bench/bench_engine.py) ==")
    result = subprocess.run(
        [sys.executable, str(REPO / "bench" / "bench_engine.py")],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    output = (result.stdout + result.stderr).rstrip()
    say(output)
    figures = []
    for line in result.stdout.splitlines():
        match = ENGINE_LINE.match(line)
        if match:
            value, target = float(match["value"]), float(match["target"])
            figures.append(
                Figure(
                    f"engine: {match['name']}",
                    value,
                    match["unit"],
                    target=f"≤ {target:g} {match['unit']}",
                    passed=match["verdict"] == "PASS",
                )
            )
    if result.returncode != 0:
        figures.append(Figure("engine bench did not run (see its output)", 0, "", passed=False))
    return output, figures


def library_scale_bench(sizes: str) -> tuple[str, list[Figure]]:
    """bench/library_scale.py in a process of its own, its table kept and its figures taken."""
    say(f"\n== the library at scale, {sizes} records (bench/library_scale.py) ==")
    with tempfile.TemporaryDirectory(prefix="library-scale-") as directory:
        answer = Path(directory) / "results.json"
        result = subprocess.run(
            [sys.executable, str(REPO / "bench" / "library_scale.py"), "--sizes", sizes]
            + ["--json", str(answer)],
            cwd=REPO,
        )
        if result.returncode != 0 or not answer.exists():
            return "(did not run)", [
                Figure("library at scale did not run (see its output)", 0, "", passed=False)
            ]
        results = library_scale.from_json(answer.read_text())
    output = library_scale.table(results) + "\n\n" + library_scale.details(results)
    return output, library_scale.figures(results)


def main() -> int:
    args = parse_args()
    began = time.monotonic()
    given = {k: v for k in ("DATABASE_URL", "REDIS_URL") if (v := os.environ.get(k))}
    engine_output, engine_figures = ("(skipped)", []) if args.skip_engine else engine_bench()
    # Before the site starts: the largest library takes several GB and both cores for minutes.
    scale_output, scale_figures = (
        ("(skipped)", []) if args.skip_library_scale else library_scale_bench(args.library_sizes)
    )

    site = Site(
        database_url=given.get("DATABASE_URL", ""),
        redis_url=given.get("REDIS_URL", ""),
        keep=args.keep,
    )
    say(f"\n== deployment: {site.label}, DATA_DIR {site.data_dir} ==")
    if load.TOOL != "wrk":
        say(
            "!! wrk is not installed (apt-get install -y wrk): HTTP figures come from the small "
            "Python load generator instead and are labelled 'python-loadgen'."
        )
    try:
        site.prepare()
        site.use_in_this_process()
        machine = site.describe()
        figures, details = measure(site, args)
        if not args.skip_recovery:
            say("\n== recovery after a crash, idle and busy (takes four to six minutes) ==")
            figures += recovery.measure(site)
    finally:
        site.cleanup()

    figures += engine_figures + scale_figures
    say("\n" + table_text(figures))
    elapsed = time.monotonic() - began
    say(
        f"\n{sum(f.passed is False for f in figures)} FAIL, "
        f"{sum(f.passed is True for f in figures)} PASS, {elapsed:.0f} s"
    )
    if not args.no_write:
        command = " ".join(
            [f"{k}={v}" for k, v in given.items()]
            + [".venv/bin/python bench/run.py"]
            + [shlex.quote(a) for a in sys.argv[1:]]
        )
        write_section(
            site.label,
            section(site, machine, command, figures, details, engine_output, scale_output, elapsed),
        )
        say(f"written to {RESULTS.relative_to(REPO)}")
    # The verdicts are in the table; the exit status says only whether the suite ran.
    return 0


def measure(site: Site, args) -> tuple[list[Figure], dict]:
    from bench import figures as fig
    from bench import seed
    from jobs.models import ApiToken

    median = fig.median
    out: list[Figure] = []
    details: dict = {}
    tool = "" if load.TOOL == "wrk" else " [python-loadgen]"

    say("seeding users, projects, tokens and a running job")
    poll_user = seed.make_user("poll-user", password=seed.PASSWORD)
    poll_project = seed.make_project(poll_user, "Poll project")
    job = seed.running_job(
        project=poll_project, creator=poll_user, objective="remdesivir treatment outcomes"
    )
    _, poll_token = ApiToken.issue(user=poll_user, name="bench")
    [(pickup_token, pickup_project)] = seed.api_clients(1, prefix="pickup")
    heavy = seed.make_user("heavy-user", password=seed.PASSWORD)
    heavy_owners = [(heavy.pk, seed.make_project(heavy, f"Heavy project {i}").pk) for i in range(4)]
    clients = seed.api_clients(max(1, args.throughput_jobs // 2), prefix="client")
    filler = seed.filler_accounts(100, prefix="filler")
    seed.insert_finished_jobs(heavy_owners, 100, tag="heavy0")
    seed.insert_finished_jobs(filler, 1000 - seed.job_count(), tag="filler0")
    small_jobs = seed.job_count()

    say("starting gunicorn (2 workers) and a qcluster")
    site.start()
    poll = fig.Poll(site, str(job.pk), site.login("poll-user", seed.PASSWORD))
    heavy_session = site.login("heavy-user", seed.PASSWORD)

    code, body = poll.fetch(poll.partial_path, htmx=True)
    assert code == 200 and b'data-status="processing"' in body, (code, body[:300])
    code, status_body = poll.fetch(poll.status_path, htmx=False)
    assert code == 200 and b'"processing"' in status_body, (code, status_body[:300])
    details["partial"] = body.decode()

    say("counting queries per poll (in-process, CaptureQueriesContext)")
    counts = fig.poll_queries(poll, token=poll_token, user=poll_user)
    details["queries"] = counts
    for name in ("partial", "status (session)", "status (token)"):
        out.append(
            Figure(
                f"queries per poll: {name}",
                counts[name].count,
                "queries",
                target="≤ 2",
                passed=counts[name].count <= 2,
                reference=f"healthz {counts['healthz'].count}; first poll in a process "
                f"{counts['partial (cold)'].count}"
                if name == "partial"
                else "",
            )
        )
    out.append(
        Figure(
            "partial response size",
            len(body),
            "bytes",
            target="< 2048 bytes",
            passed=len(body) < 2048,
            reference=f"JSON status {len(status_body)} bytes",
        )
    )
    if args.profile:
        say(fig.profile_view(poll.partial_path, session=poll.session, calls=300, hx_request="true"))

    say(f"poll throughput: {args.rounds} rounds × healthz/partial/status, {args.seconds:g} s each")
    rounds = fig.throughput_rounds(
        poll, rounds=args.rounds, seconds=args.seconds, connections=args.connections
    )
    details["throughput"] = rounds
    health = median([r.rps for r in rounds["healthz"]])
    for name, label, floor in (("partial", "HTMX partial", 0.6), ("status", "JSON status", 0.7)):
        rps = median([r.rps for r in rounds[name]])
        ratios = [p.rps / h.rps for p, h in zip(rounds[name], rounds["healthz"], strict=True)]
        bad = sum(r.bad for r in rounds[name])
        out.append(
            Figure(
                f"status poll throughput, {label}{tool}",
                rps,
                "req/s",
                reference=f"/healthz {health:,.0f} req/s",
                ratio=rps / health,
                target=f"≥ {floor} × /healthz",
                passed=rps / health >= floor and bad == 0,
                runs="ratios "
                + ", ".join(f"{r:.2f}" for r in ratios)
                + (f"; {bad} errors" if bad else ""),
            )
        )

    say(f"growth, small: poll latency with {small_jobs:,} jobs in the tables")
    small = fig.latency_rounds(poll, ("partial", "status"), rounds=args.rounds, seconds=4)
    small_page = fig.server_time("/jobs/", session=heavy_session)

    say(f"enqueue → running: {args.pickup_jobs} precision reviews, one at a time")
    pickup = fig.enqueue_to_running(site, pickup_token, pickup_project, jobs=args.pickup_jobs)
    details["pickup"] = pickup
    limit = 50 if site.broker == "redis" else 300
    p95 = fig.percentile(pickup.latencies_ms, 0.95)
    out.append(
        Figure(
            f"enqueue → running p95 ({site.broker} broker)",
            p95,
            "ms",
            reference=f"p50 {median(pickup.latencies_ms):.0f} ms",
            target=f"≤ {limit} ms",
            passed=p95 <= limit and pickup.statuses.get("completed", 0) == args.pickup_jobs,
            runs=f"{args.pickup_jobs} jobs, max {max(pickup.latencies_ms):.0f} ms, "
            f"{pickup.statuses}",
        )
    )

    say(f"worker throughput: {args.rounds} rounds × {args.throughput_jobs} short deep dives")
    runs = [
        fig.worker_throughput(site, clients, jobs=args.throughput_jobs, tag=f"r{i}")
        for i in range(args.rounds)
    ]
    details["worker"] = runs
    rate = median([r.rate for r in runs])
    out.append(
        Figure(
            f"worker throughput, short deep dives ({site.broker} broker, 2 workers)",
            rate,
            "jobs/s",
            reference=f"HTTP submission alone {median([r.submit_rate for r in runs]):.0f} jobs/s",
            target="≥ 50 jobs/s",
            passed=rate >= 50 and all(r.completed == r.jobs for r in runs),
            runs=", ".join(f"{r.rate:.1f}" for r in runs),
        )
    )

    if args.skip_growth:
        return out, details
    heavy_target = min(args.heavy_jobs, args.growth_jobs // 2)
    say(f"growth, large: inserting up to {args.growth_jobs:,} jobs ({heavy_target:,} one user's)")
    inserted = time.monotonic()
    seed.insert_finished_jobs(heavy_owners, heavy_target - 100, tag="heavy1")
    filler = seed.filler_accounts(10_000, prefix="filler")
    seed.insert_finished_jobs(filler, args.growth_jobs - seed.job_count(), tag="filler1")
    large_jobs = seed.job_count()
    details["insert_seconds"] = time.monotonic() - inserted
    say(f"  {large_jobs:,} jobs in {details['insert_seconds']:.0f} s")
    large = fig.latency_rounds(poll, ("partial", "status"), rounds=args.rounds, seconds=4)
    details["latency"] = {"small": small, "large": large}
    for name, label in (("partial", "HTMX partial"), ("status", "JSON status")):
        before = median([r.p50_ms for r in small[name]])
        after = median([r.p50_ms for r in large[name]])
        out.append(
            Figure(
                f"poll latency p50 with {large_jobs:,} jobs, {label}{tool}",
                after,
                "ms",
                reference=f"{before:.2f} ms with {small_jobs:,} jobs",
                ratio=after / before,
                target="≤ 1.2 ×",
                passed=after / before <= 1.2,
                runs=", ".join(f"{r.p50_ms:.2f}" for r in large[name]),
            )
        )
    large_counts = fig.poll_queries(poll, token=poll_token, user=poll_user)
    page_ms, page_queries, slowest = fig.server_time("/jobs/", session=heavy_session)
    details["jobs_page"] = {"small": small_page, "large": (page_ms, page_queries, slowest)}
    out.append(
        Figure(
            f"jobs page server time, user with {heavy_target:,} jobs",
            page_ms,
            "ms",
            reference=f"{small_page[0]:.0f} ms with 100 jobs; slowest query {slowest:.0f} ms",
            ratio=page_ms / small_page[0],
            target="≤ 100 ms",
            passed=page_ms <= 100,
        )
    )
    out.append(
        Figure(
            f"jobs page queries, user with {heavy_target:,} jobs",
            page_queries.count,
            "queries",
            reference=f"{small_page[1].count} with 100 jobs",
            target="fixed (same as with 100)",
            passed=page_queries.count == small_page[1].count,
        )
    )
    out.append(
        Figure(
            f"queries per poll with {large_jobs:,} jobs: partial",
            large_counts["partial"].count,
            "queries",
            reference=f"{counts['partial'].count} with {small_jobs:,} jobs",
            target="≤ 2",
            passed=large_counts["partial"].count <= 2,
        )
    )
    return out, details


def section(site, machine, command, figures, details, engine_output, scale_output, elapsed) -> str:
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"## {machine['database'].split(' (')[0]} + {site.broker} broker — {stamp}",
        "",
        f"- Command: `{command}` ({elapsed / 60:.1f} min), product at {machine['commit']}",
        f"- Machine: {machine['nproc']} CPUs, {machine['cpu']}; load average at start "
        f"{machine['load']}; shared with other work, so figures are medians of runs and "
        "every ratio is taken within one run",
        f"- Stack: Python {machine['python']}; {machine['database']}; broker "
        f"{machine['broker']}; {machine['web']}; one qcluster with Q_WORKERS=2",
        f"- Load: {load.TOOL} on loopback from a separate process"
        + ("" if load.TOOL == "wrk" else " (wrk was not installed)"),
        "",
        table_markdown(figures),
        "",
    ]
    with_runs = [f for f in figures if f.runs]
    if with_runs:
        lines += ["Individual runs:", ""]
        lines += [f"- {f.name}: {f.runs}" for f in with_runs]
        lines.append("")
    queries = details.get("queries")
    if queries:
        lines += ["<details><summary>SQL of one poll (in-process, warm)</summary>", ""]
        for name in (
            "partial",
            "status (session)",
            "status (token)",
            "partial, signed-cookie session",
        ):
            lines.append(f"**{name}** — {queries[name].count} queries")
            lines += ["", "```sql", *queries[name].sql, "```", ""]
        lines.append("</details>\n")
    page = details.get("jobs_page")
    if page:
        lines += ["<details><summary>SQL of the jobs page, 100,000 jobs</summary>", ""]
        lines += ["```sql", *page["large"][1].sql, "```", "</details>", ""]
    if "insert_seconds" in details:
        lines.append(f"Bulk insert of the large tables: {details['insert_seconds']:.0f} s.\n")
    lines += ["<details><summary>bench/bench_engine.py output</summary>", "", "```"]
    lines += [engine_output, "```", "</details>", ""]
    lines += ["<details><summary>bench/library_scale.py: the library at scale</summary>", ""]
    lines += [scale_output, "", "</details>"]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
