"""The reference readers bound what a file may expand to: gzip, entries, fields, BibTeX macros;
and they let a budget signal raised inside a parser through."""

import gc
import gzip
import signal
import time
from pathlib import Path

import pytest

from research.formats import Bounds, ReferenceFormatError, read_references
from tests.hostile import bibtex_macro_bomb, gzip_of_duplicate_records, large_bibtex

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
REFERENCES = FIXTURES / "depth" / "references"
BASELINE = FIXTURES / "pubmed" / "sample_baseline.xml"


@pytest.mark.parametrize("levels", [10, 13])
def test_a_bibtex_macro_bomb_is_refused_before_it_is_expanded(levels):
    data = bibtex_macro_bomb(levels)
    assert len(data) < 600
    started = time.monotonic()
    with pytest.raises(
        ReferenceFormatError, match=r"^A field in this file is longer than 100,000 characters\.$"
    ):
        read_references(data, "bomb.bib")
    assert time.monotonic() - started < 2


def test_bibtex_macros_are_bounded_in_total_too():
    bounds = Bounds(expanded_bytes=2 * 1024 * 1024, field_characters=10**8)
    with pytest.raises(ReferenceFormatError, match="expands beyond 2 MB when its @string macros"):
        read_references(bibtex_macro_bomb(8), "bomb.bib", bounds=bounds)


def test_honest_macros_still_expand():
    data = b'@string{nejm = "N Engl J Med"}\n@article{a, title = {Asthma trial}, journal = nejm}'
    (record,) = read_references(data, "ok.bib", bounds=Bounds(field_characters=20)).records
    assert record.journal == "N Engl J Med"


def test_a_gzip_bomb_is_refused_by_its_decompressed_size_quickly():
    started = time.monotonic()
    with pytest.raises(
        ReferenceFormatError, match=r"^This file expands beyond 100 MB when decompressed\.$"
    ):
        read_references(gzip_of_duplicate_records(), "pubmed.xml.gz")
    assert time.monotonic() - started < 10


def test_a_gzip_file_within_the_bound_is_read():
    packed = gzip.compress(BASELINE.read_bytes())
    assert len(read_references(packed, "baseline.xml.gz").records) == 6
    with pytest.raises(ReferenceFormatError, match="expands beyond"):
        read_references(packed, "baseline.xml.gz", bounds=Bounds(expanded_bytes=1000))
    with pytest.raises(ReferenceFormatError, match="damaged or truncated"):
        read_references(packed[: len(packed) // 2], "baseline.xml.gz")


@pytest.mark.parametrize(
    "path",
    [
        BASELINE,
        REFERENCES / "asthma.ris",
        REFERENCES / "asthma.nbib",
        REFERENCES / "asthma.bib",
        REFERENCES / "pubmed_export.csv",
    ],
)
def test_every_format_is_refused_past_the_number_of_entries(path):
    assert read_references(path, bounds=Bounds(references=10)).records
    with pytest.raises(ReferenceFormatError, match=r"^This file has more than 2 references\.$"):
        read_references(path, bounds=Bounds(references=2))


def test_duplicates_count_as_entries():
    data = b"TY  - JOUR\nTI  - The same paper on mild asthma\nER  - \n" * 3
    assert len(read_references(data, "dups.ris", bounds=Bounds(references=3)).records) == 1
    with pytest.raises(ReferenceFormatError, match="more than 2 references"):
        read_references(data, "dups.ris", bounds=Bounds(references=2))


@pytest.mark.parametrize(
    ("name", "template"),
    [
        ("long.ris", "TY  - JOUR\nTI  - {}\nER  - \n"),
        ("long.bib", "@article{{a, title = {{{}}}}}"),
        ("long.csv", "Title,Year\n{},2020\n"),
        ("long.xml", "<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID><Article>"
         "<ArticleTitle>{}</ArticleTitle></Article></MedlineCitation></PubmedArticle>"
         "</PubmedArticleSet>"),
    ],
)  # fmt: skip
def test_every_format_is_refused_past_the_length_of_a_field(name, template):
    data = template.format("Asthma " * 20).encode()
    assert read_references(data, name, bounds=Bounds(field_characters=200)).records
    with pytest.raises(ReferenceFormatError, match=r"longer than 100 characters\.$"):
        read_references(data, name, bounds=Bounds(field_characters=100))


def test_a_budget_alarm_inside_the_bibtex_parser_is_not_swallowed():
    class BudgetSignal(Exception):
        """Like the worker's JobTimedOut: an Exception raised from a SIGALRM handler."""

    def expire(signum, frame):
        raise BudgetSignal

    data = large_bibtex(3000)  # a few seconds of parsing
    # An exception raised while a finaliser runs is lost whoever catches what, so no garbage
    # collection may run one while the alarm is due.
    gc.collect()
    gc.disable()
    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, 0.2)
    try:
        with pytest.raises(BudgetSignal):
            read_references(data, "many.bib")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        gc.enable()
