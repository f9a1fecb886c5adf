"""Uploaded files are read in a fenced process: a fresh interpreter that caps its own memory, CPU
and output before it reads a byte of the upload, and that the caller kills, with its process
group, when the job's budget runs out or the job is cancelled.

Third-party parsers catch exceptions broadly (pypdf's text extraction, pyparsing under
bibtexparser), so an alarm or a cancel raised inside them in the worker may never arrive, and a
small hostile file can keep them busy for minutes or fill the memory. A process boundary holds
whatever the library catches. The caller waits in a loop and calls progress(stage, percent)
several times a second, so the job's own budget and cancel checks keep running meanwhile.

The child is ``python -m research.untrusted TASK INPUT OUTPUT NAME LIMITS PARENT``; it
writes its outcome as JSON to OUTPUT. It gets no secrets: its environment is built from scratch.
If its parent dies (a worker killed mid-job), the kernel kills it too (Linux).
"""

from __future__ import annotations

import ctypes
import errno
import json
import logging
import math
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from contextlib import suppress
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from research.errors import UserFacingError
from research.formats import (
    MAX_EXPANDED_BYTES,
    MAX_FIELD_CHARACTERS,
    MAX_REFERENCE_BYTES,
    MAX_REFERENCES,
    Bounds,
    ReferenceFormatError,
    ReferenceReport,
    SkippedReference,
    read_references,
)
from research.fulltext import (
    MAX_PDF_PAGES,
    FullText,
    FullTextError,
    text_from_jats,
    text_from_pdf,
)
from research.progress import ProgressCallback
from research.pubmed_xml import PubMedXMLError
from research.records import PaperRecord

log = logging.getLogger(__name__)

# How often the caller looks at the child and reports progress (which checks budget and cancel).
POLL_SECONDS = 0.25
MAX_MEMORY_MB = 1024
# The child's exit status when its outcome is larger than the output limit.
EXIT_OUTPUT_TOO_LARGE = 3
PR_SET_PDEATHSIG = 1  # linux/prctl.h
CHILD_MODULE = "research.untrusted"
PROJECT_ROOT = Path(__file__).resolve().parents[1]
# Without these, OpenBLAS (imported with numpy by the engine) reserves memory per core, which
# an address-space cap can refuse.
CHILD_THREADS = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
REFUSED = (FullTextError, ReferenceFormatError, PubMedXMLError)


class ReaderCrashed(RuntimeError):
    """The fenced reader failed in a way that is no fault of the file: a bug, for staff."""


@dataclass(frozen=True)
class Limits:
    """What one read of an uploaded file may use; seconds is wall clock, and CPU, for the
    child (what is left of the job's budget), budget_seconds the job's whole budget, which the
    message names."""

    seconds: float
    budget_seconds: int
    memory_mb: int = MAX_MEMORY_MB
    max_bytes: int = MAX_REFERENCE_BYTES
    expanded_bytes: int = MAX_EXPANDED_BYTES
    references: int = MAX_REFERENCES
    field_characters: int = MAX_FIELD_CHARACTERS
    pdf_max_pages: int = MAX_PDF_PAGES

    @property
    def output_bytes(self) -> int:
        """The most the child may write: its outcome, as JSON."""
        return 2 * self.expanded_bytes + (1 << 20)

    def bounds(self) -> Bounds:
        """The reference readers' own bounds."""
        return Bounds(self.expanded_bytes, self.references, self.field_characters)

    def time_message(self) -> str:
        return f"Reading this file ran past the job's time budget of {self.budget_seconds} seconds."

    def memory_message(self) -> str:
        return f"Reading this file needed more than {self.memory_mb} MB of memory."

    def output_message(self) -> str:
        mb = self.output_bytes / 1_048_576
        return f"What this file holds comes to more than {mb:,.0f} MB once read."


# The caller's side.


def read_full_text(
    data: bytes, *, limits: Limits, progress: ProgressCallback, stage: str, percent: int
) -> FullText:
    """The full text of an uploaded PDF or JATS XML file, read in a fenced process; a file that
    cannot be read, or that breaks a limit, raises FullTextError with the reason."""
    result = _run("full_text", data, "", limits, progress, stage, percent, FullTextError)
    return FullText(
        title=result["title"],
        text=result["text"],
        sections=tuple(result["sections"]),
        pages=result["pages"],
        source=result["source"],
    )


def read_reference_file(
    data: bytes,
    name: str,
    *,
    limits: Limits,
    progress: ProgressCallback,
    stage: str,
    percent: int,
) -> ReferenceReport:
    """An uploaded reference file read in a fenced process; a file that cannot be read, or
    that breaks a limit, raises ReferenceFormatError with the reason."""
    result = _run("references", data, name, limits, progress, stage, percent, ReferenceFormatError)
    return ReferenceReport(
        format=result["format"],
        records=[PaperRecord.from_dict(r) for r in result["records"]],
        entries=result["entries"],
        duplicates_merged=result["duplicates_merged"],
        skipped=[SkippedReference(**s) for s in result["skipped"]],
    )


def _run(
    task: str,
    data: bytes,
    name: str,
    limits: Limits,
    progress: ProgressCallback,
    stage: str,
    percent: int,
    refused: type[UserFacingError],
) -> Any:
    """Run task on data in a child process and return its result; progress is called while
    it runs, and whatever it raises (budget, cancel) stops the child at once."""
    deadline = time.monotonic() + limits.seconds
    with tempfile.TemporaryDirectory(prefix="reviewsite-upload-") as workdir:
        work = Path(workdir)
        (work / "upload").write_bytes(data)
        output = work / "outcome.json"
        command = [
            sys.executable,
            "-m",
            CHILD_MODULE,
            task,
            str(work / "upload"),
            str(output),
            name,
            json.dumps(asdict(limits)),
            str(os.getpid()),
        ]
        with open(work / "stderr", "wb") as stderr:
            child = subprocess.Popen(
                command,
                cwd=work,
                env=_child_environment(work),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                start_new_session=True,  # its own process group, killed as a whole
            )
        log.info("reading an uploaded file in process %d (%s)", child.pid, task)
        try:
            while not _exited(child, POLL_SECONDS):
                if time.monotonic() >= deadline:
                    raise refused(limits.time_message())
                progress(stage, percent)
        finally:
            _kill(child)
        return _outcome(child, output, work / "stderr", limits, refused)


def _child_environment(work: Path) -> dict[str, str]:
    """A minimal environment: the engine importable, no settings or secrets of the worker."""
    inherited = {k: os.environ[k] for k in ("PATH", "LANG", "LC_ALL") if k in os.environ}
    return {**inherited, **CHILD_THREADS, "PYTHONPATH": str(PROJECT_ROOT), "TMPDIR": str(work)}


def _exited(child: subprocess.Popen[bytes], timeout: float) -> bool:
    try:
        child.wait(timeout)
    except subprocess.TimeoutExpired:
        return False
    return True


def _kill(child: subprocess.Popen[bytes]) -> None:
    """Kill the child's whole process group, unless it has already ended and been reaped."""
    if child.returncode is None:
        with suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)
        child.wait()


def _outcome(
    child: subprocess.Popen[bytes],
    output: Path,
    stderr: Path,
    limits: Limits,
    refused: type[UserFacingError],
) -> Any:
    """The child's result, or the exception that says why there is none."""
    if child.returncode == EXIT_OUTPUT_TOO_LARGE:
        raise refused(limits.output_message())
    if child.returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        raise refused(limits.time_message())  # the CPU limit: soft, then hard
    errors = stderr.read_bytes()[-4000:].decode(errors="replace")
    if child.returncode != 0 or not output.exists():
        if "MemoryError" in errors or "bad_alloc" in errors:
            raise refused(limits.memory_message())
        raise ReaderCrashed(f"The file reader ended with status {child.returncode}:\n{errors}")
    outcome = json.loads(output.read_bytes())
    error = outcome.get("error")
    if error is None:
        return outcome["result"]
    if error["kind"] == "refused":
        raise refused(error["message"])
    if error["kind"] == "memory":
        raise refused(limits.memory_message())
    raise ReaderCrashed(f"{error['message']}\n{error['detail']}")


# The child's side.


def _die_with(parent: int) -> None:
    """Have the kernel kill this process when its parent dies, since nobody else would; exit
    at once if the parent is already gone."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)


def _limit_self(limits: Limits) -> None:
    """Cap this process before it reads the upload: address space, CPU seconds (SIGXCPU, then
    SIGKILL), the size of what it writes, and no core dumps."""
    memory = limits.memory_mb << 20
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    cpu = max(1, math.ceil(limits.seconds))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 2))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits.output_bytes, limits.output_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _full_text(data: bytes, name: str, limits: Limits) -> dict[str, Any]:
    if data.startswith(b"%PDF"):
        full = text_from_pdf(data, max_pages=limits.pdf_max_pages)
    else:
        full = text_from_jats(data)
    return full.to_dict()


def _references(data: bytes, name: str, limits: Limits) -> dict[str, Any]:
    report = read_references(data, name, max_bytes=limits.max_bytes, bounds=limits.bounds())
    return {**report.to_dict(), "records": [r.to_dict() for r in report.records]}


TASKS: dict[str, Callable[[bytes, str, Limits], dict[str, Any]]] = {
    "full_text": _full_text,
    "references": _references,
}


def main(argv: list[str]) -> int:
    """Read one uploaded file under limits and write the outcome as JSON."""
    task, source, output, name, limits_json, parent = argv
    _die_with(int(parent))
    limits = Limits(**json.loads(limits_json))
    _limit_self(limits)
    logging.disable(logging.WARNING)  # pypdf's warnings about a damaged file are no news here
    try:
        outcome: dict[str, Any] = {"result": TASKS[task](Path(source).read_bytes(), name, limits)}
    except REFUSED as exc:
        outcome = {"error": {"kind": "refused", "message": str(exc)}}
    except MemoryError:
        outcome = {"error": {"kind": "memory"}}
    except Exception as exc:
        message = f"{type(exc).__name__}: {exc}"
        outcome = {"error": {"kind": "unexpected", "message": message}}
        outcome["error"]["detail"] = traceback.format_exc()
    try:
        with open(output, "w", encoding="utf-8") as handle:
            json.dump(outcome, handle)
    except OSError as exc:
        if exc.errno != errno.EFBIG:
            raise
        return EXIT_OUTPUT_TOO_LARGE
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
