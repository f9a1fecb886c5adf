"""The engine on NLM's real files (slow; skipped when the files are not there)."""

import re
import time

import pytest

from research import (
    DeepDiveRequest,
    InMemoryLibrary,
    ParseReport,
    ReviewRequest,
    deep_dive,
    generate_review,
    read_pubmed,
)
from tests.unit.research.conftest import baseline_file

pytestmark = pytest.mark.slow
BASELINE = "pubmed21n1298.xml.gz"
COVID_RE = re.compile(r"remdesivir|covid|sars-cov-2", re.IGNORECASE)


@pytest.fixture(scope="module")
def baseline():
    """The 2021 update file's records and the report of reading them."""
    report = ParseReport()
    records = list(read_pubmed(baseline_file(BASELINE), report))
    return records, report


def test_baseline_file_parses_completely(baseline):
    records, report = baseline
    assert (report.parsed, report.bad, report.errors) == (20_788, 0, [])
    assert len(records) == 20_788
    # One DeleteCitation element, listing 20 PMIDs.
    assert len(report.deleted) == 20 and report.deleted[0] == "31688362"
    assert all(r.pmid.isdigit() for r in records)
    # NLM lists a few PMIDs more than once (revised versions) and leaves one title empty.
    assert len({r.pmid for r in records}) == 20_783
    assert sum(1 for r in records if not r.title) < 10
    assert sum(1 for r in records if r.abstract) > 17_000


def test_efetch_reply_parses():
    (record,) = read_pubmed(baseline_file("pubmed-29768149.xml"))
    assert record.pmid == "29768149"
    assert record.title == "Inhaled Combined Budesonide-Formoterol as Needed in Mild Asthma."
    assert "fast-acting β2-agonist" in record.abstract[0].text
    assert record.doi == "10.1056/NEJMoa1715274"
    assert "Randomized Controlled Trial" in record.publication_types


def test_remdesivir_review_over_the_baseline(baseline):
    records, _ = baseline
    library = InMemoryLibrary(records)
    started = time.perf_counter()
    result = generate_review(
        ReviewRequest("remdesivir treatment outcomes COVID-19"), library, lambda s, p: None
    )
    elapsed = time.perf_counter() - started
    data = result.to_dict()
    assert elapsed < 3.0
    assert len(data["papers"]) == 8
    found = library.get_many([p["pmid"] for p in data["papers"]])
    for paper in data["papers"][:5]:
        record = found[paper["pmid"]]
        assert COVID_RE.search(f"{record.title} {record.abstract_text()}"), record.title
    for paper in data["papers"]:
        record = found[paper["pmid"]]
        for anchor in paper["fact_anchors"]:
            assert anchor["quote"] in record.abstract_text() or anchor["quote"] == record.title
    assert any("remdesivir" in found[p["pmid"]].abstract_text().lower() for p in data["papers"])


def test_deep_dive_of_ten_thousand_words_is_fast(baseline):
    records, _ = baseline
    parts, count = [], 0
    for record in records:
        if count >= 10_000:
            break
        text = record.abstract_text()
        parts.append(text)
        count += len(text.split())
    text = "\n\n".join(parts)
    started = time.perf_counter()
    data = deep_dive(DeepDiveRequest(objective="asthma", text=text), lambda s, p: None).to_dict()
    assert time.perf_counter() - started < 2.0
    assert data["diagnostics"]["sentences"] > 300
    for result in data["results_interpretation"]["key_results"]:
        assert result["quote"] in text
