"""HTTP load from a separate process on loopback: wrk when it is installed, otherwise a small
Python load generator (whose figures are labelled as such: it is slower than wrk, so its
absolute numbers are lower, but both sides of a ratio are measured with it)."""

from __future__ import annotations

import http.client
import multiprocessing
import os
import re
import shutil
import statistics
import subprocess
import threading
import time
import urllib.parse
from dataclasses import dataclass

# BENCH_LOADGEN=python forces the fallback, to check it where wrk is installed.
WRK = None if os.environ.get("BENCH_LOADGEN") == "python" else shutil.which("wrk")
TOOL = "wrk" if WRK else "python-loadgen"
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass
class Load:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    bad: int  # non-2xx answers and socket errors
    tool: str


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * UNITS[unit]


def run(
    url: str, *, headers: dict[str, str], seconds: float, connections: int, threads: int = 1
) -> Load:
    """Hammer one URL for a while; requests per second and latency percentiles."""
    if WRK:
        return _wrk(url, headers=headers, seconds=seconds, connections=connections, threads=threads)
    return _python(url, headers=headers, seconds=seconds, connections=connections)


def _wrk(url, *, headers, seconds, connections, threads) -> Load:
    argv = [WRK, "--latency", f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s"]
    for name, value in headers.items():
        argv += ["-H", f"{name}: {value}"]
    out = subprocess.run(argv + [url], capture_output=True, text=True, check=True).stdout
    done = re.search(r"(\d+) requests in ([\d.]+)(\w+)", out)
    bad = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if errors:
        bad += sum(int(n) for n in errors.groups())
    return Load(
        requests=int(done.group(1)),
        seconds=_ms(done.group(2) + done.group(3)) / 1000,
        rps=float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        p50_ms=_ms(re.search(r"50%\s+([\d.]+\w+)", out).group(1)),
        p99_ms=_ms(re.search(r"99%\s+([\d.]+\w+)", out).group(1)),
        bad=bad,
        tool="wrk",
    )


def _worker(url: str, headers: dict, seconds: float, threads: int, out) -> None:
    parts = urllib.parse.urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    latencies: list[float] = []
    bad = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def loop() -> None:
        mine, errors = [], 0
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                conn.close()
                if response.status >= 400:
                    errors += 1
            except OSError:
                errors += 1
            mine.append((time.perf_counter() - started) * 1000)
        with lock:
            latencies.extend(mine)
            bad[0] += errors

    workers = [threading.Thread(target=loop) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    out.put((latencies, bad[0]))


def _python(url, *, headers, seconds, connections) -> Load:
    processes = min(2, connections)
    queue: multiprocessing.Queue = multiprocessing.Queue()
    started = time.perf_counter()
    workers = [
        multiprocessing.Process(
            target=_worker, args=(url, headers, seconds, max(1, connections // processes), queue)
        )
        for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    results = [queue.get() for _ in workers]
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    latencies = sorted(x for lat, _ in results for x in lat)
    return Load(
        requests=len(latencies),
        seconds=elapsed,
        rps=len(latencies) / seconds,
        p50_ms=statistics.median(latencies) if latencies else 0.0,
        p99_ms=latencies[int(0.99 * (len(latencies) - 1))] if latencies else 0.0,
        bad=sum(bad for _, bad in results),
        tool="python-loadgen",
    )
