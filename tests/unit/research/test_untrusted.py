"""Uploaded files are read in a fenced child process: same results as reading them in-process,
and a hostile file is stopped by the time limit, the memory cap or the caller's progress
callback (budget, cancel), with its process gone."""

import logging
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from research.formats import ReferenceFormatError, read_references
from research.fulltext import FullTextError, text_from_pdf
from research.untrusted import Limits, read_full_text, read_reference_file
from tests.conftest import wait_for
from tests.hostile import bibtex_macro_bomb, nested_xobject_pdf
from tests.pdfs import PAGES, make_pdf

REPO = Path(__file__).resolve().parents[3]
REFERENCES = REPO / "tests" / "fixtures" / "depth" / "references"


class Calls:
    """A progress callback that remembers when it was called."""

    def __init__(self) -> None:
        self.times: list[float] = []

    def __call__(self, stage: str, percent: int) -> None:
        self.times.append(time.monotonic())


def reader_pid(caplog) -> int:
    """The pid of the child the last read started, from its log line."""
    lines = [r.getMessage() for r in caplog.records if r.name == "research.untrusted"]
    return int(re.search(r"in process (\d+)", lines[-1]).group(1))


def gone(pid: int) -> bool:
    """No such process, or only its exit status is left (a zombie nobody has reaped yet)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat[stat.rindex(")") + 2] == "Z"


def readers_started_by(parent: int) -> list[int]:
    """Fenced reader processes whose parent is this process."""
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except FileNotFoundError:
            continue
        if (
            b"research.untrusted" in cmdline
            and int(stat[stat.rindex(")") + 2 :].split()[1]) == parent
        ):
            found.append(int(entry.name))
    return found


def test_results_are_those_of_the_readers_in_process():
    limits = Limits(seconds=60, budget_seconds=60)
    pdf = make_pdf(PAGES)
    assert read_full_text(pdf, limits=limits, progress=Calls(), stage="s", percent=1) == (
        text_from_pdf(pdf)
    )
    for name in ("asthma.bib", "asthma.nbib", "pubmed_export.csv"):
        data = (REFERENCES / name).read_bytes()
        fenced = read_reference_file(
            data, name, limits=limits, progress=Calls(), stage="s", percent=1
        )
        assert fenced == read_references(data, name)


def test_a_refused_file_says_why():
    limits = Limits(seconds=60, budget_seconds=60)
    with pytest.raises(FullTextError, match="encrypted"):
        read_full_text(
            make_pdf(PAGES, password="s3cret"),
            limits=limits,
            progress=Calls(),
            stage="s",
            percent=1,
        )
    with pytest.raises(ReferenceFormatError, match="longer than 100,000 characters"):
        read_reference_file(
            bibtex_macro_bomb(13), "bomb.bib", limits=limits, progress=Calls(), stage="s", percent=1
        )


def test_a_pdf_that_keeps_pypdf_busy_is_stopped_at_the_time_limit(caplog):
    caplog.set_level(logging.INFO, logger="research.untrusted")
    calls = Calls()
    started = time.monotonic()
    with pytest.raises(
        FullTextError, match=r"^Reading this file ran past the job's time budget of 20 seconds\.$"
    ):
        read_full_text(
            nested_xobject_pdf(),
            limits=Limits(seconds=3, budget_seconds=20),
            progress=calls,
            stage="Reading",
            percent=1,
        )
    assert 3 <= time.monotonic() - started < 6
    assert gone(reader_pid(caplog))
    # The caller's checks (budget, cancel) kept running: progress at least once a second.
    beats = [started, *calls.times]
    assert max(b - a for a, b in zip(beats, beats[1:], strict=False)) < 1


def test_what_progress_raises_stops_the_child_at_once(caplog):
    caplog.set_level(logging.INFO, logger="research.untrusted")

    class Cancelled(Exception):
        """Like the worker's JobInterrupted."""

    started = time.monotonic()

    def cancel_after_a_second(stage: str, percent: int) -> None:
        if time.monotonic() - started > 1:
            raise Cancelled

    with pytest.raises(Cancelled):
        read_full_text(
            nested_xobject_pdf(),
            limits=Limits(seconds=60, budget_seconds=60),
            progress=cancel_after_a_second,
            stage="Reading",
            percent=1,
        )
    assert time.monotonic() - started < 2
    assert gone(reader_pid(caplog))


def test_memory_is_capped_whatever_the_reader_does():
    # With the reader's own bounds lifted, the macro bomb expands until the cap stops it.
    limits = Limits(
        seconds=60,
        budget_seconds=60,
        memory_mb=400,
        expanded_bytes=10**12,
        field_characters=10**12,
    )
    with pytest.raises(
        ReferenceFormatError, match=r"^Reading this file needed more than 400 MB of memory\.$"
    ):
        read_reference_file(
            bibtex_macro_bomb(13), "bomb.bib", limits=limits, progress=Calls(), stage="s", percent=1
        )


def test_what_the_child_hands_back_is_capped():
    rows = "".join(f"Title of paper number {i} on asthma,2020\n" for i in range(30_000))
    data = ("Title,Year\n" + rows).encode()
    limits = Limits(seconds=60, budget_seconds=60, expanded_bytes=1 << 20)
    with pytest.raises(ReferenceFormatError, match=r"comes to more than 3 MB once read\.$"):
        read_reference_file(data, "many.csv", limits=limits, progress=Calls(), stage="s", percent=1)


def test_the_reader_dies_with_its_parent(tmp_path):
    # A worker killed mid-job cannot kill its reader; the kernel does.
    script = (
        "from research.untrusted import Limits, read_full_text\n"
        "from tests.hostile import nested_xobject_pdf\n"
        "read_full_text(nested_xobject_pdf(), limits=Limits(seconds=60, budget_seconds=60),"
        " progress=lambda stage, percent: None, stage='s', percent=1)\n"
    )
    environment = {**os.environ, "TMPDIR": str(tmp_path)}  # what the killed parent leaves
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=REPO, env=environment)
    try:
        reading = wait_for(lambda: readers_started_by(parent.pid), timeout=30)
    finally:
        parent.kill()
        parent.wait()
    wait_for(lambda: all(gone(pid) for pid in reading), timeout=5, message="the reader lived on")
