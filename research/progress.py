"""The progress callback the engine reports to, and a stage clock for its diagnostics."""

from __future__ import annotations

import time
from collections.abc import Callable

# progress(stage, percent): percent rises from 0 to 100 and the last call is ("done", 100).
# The callback may raise to cancel or time out a job, so the engine never catches what it raises.
ProgressCallback = Callable[[str, int], None]


def ignore_progress(stage: str, percent: int) -> None:
    """A callback for callers that do not follow progress."""


class StageClock:
    """Reports each stage to progress and records how long each took, in milliseconds."""

    def __init__(self, progress: ProgressCallback) -> None:
        self._progress = progress
        self._stage = ""
        self._started = 0.0
        self._percent = 0
        self.timings_ms: dict[str, float] = {}

    def start(self, stage: str, percent: int) -> None:
        """Close the running stage and start the next one at percent."""
        self._close()
        self._stage = stage
        self._started = time.perf_counter()
        self.report(percent)

    def report(self, percent: int) -> None:
        """Report progress within the running stage; percent never goes backwards."""
        self._percent = max(self._percent, min(100, int(percent)))
        self._progress(self._stage, self._percent)

    def finish(self) -> None:
        """Close the last stage and report ("done", 100)."""
        self._close()
        self._stage = "done"
        self._percent = 100
        self._progress("done", 100)

    def _close(self) -> None:
        """Record the running stage's duration (stages repeated add up)."""
        if self._stage:
            elapsed = (time.perf_counter() - self._started) * 1000
            self.timings_ms[self._stage] = round(self.timings_ms.get(self._stage, 0.0) + elapsed, 1)
