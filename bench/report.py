"""Figures beside their targets: printed as a table, and written into bench/RESULTS.md, where
each configuration (database + broker) has its own section between markers and everything
else in the file (the findings) is left as it is."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    target: str = ""
    passed: bool | None = None
    reference: str = ""
    ratio: float | None = None
    runs: str = ""

    @property
    def verdict(self) -> str:
        return "" if self.passed is None else ("PASS" if self.passed else "FAIL")

    def cells(self) -> list[str]:
        value = f"{self.value:,.0f}" if abs(self.value) >= 100 else f"{self.value:.3g}"
        ratio = "" if self.ratio is None else f"{self.ratio:.2f}"
        return [
            self.name,
            f"{value} {self.unit}".strip(),
            self.reference,
            ratio,
            self.target,
            self.verdict,
        ]


HEADERS = ["figure", "value", "reference (same run)", "ratio", "target", "verdict"]


def table_text(figures: list[Figure]) -> str:
    rows = [HEADERS] + [f.cells() for f in figures]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADERS))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def table_markdown(figures: list[Figure]) -> str:
    lines = ["| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    for figure in figures:
        cells = [c.replace("|", "\\|") for c in figure.cells()]
        if figure.verdict:
            cells[-1] = f"**{figure.verdict}**"
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_section(key: str, body: str, path: Path = RESULTS) -> None:
    """Replace (or add) the section for this configuration; keep the rest of the file."""
    start, end = f"<!-- bench:{key}:start -->", f"<!-- bench:{key}:end -->"
    section = f"{start}\n{body.strip()}\n{end}"
    text = path.read_text() if path.exists() else "# Benchmark results\n\n"
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: section, text)
    elif "\n## Findings" in text:
        head, tail = text.split("\n## Findings", 1)
        text = f"{head.rstrip()}\n\n{section}\n\n## Findings{tail}"
    else:
        text = f"{text.rstrip()}\n\n{section}\n"
    path.write_text(text)
