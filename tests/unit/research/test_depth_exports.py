"""Take-away reports: Markdown, JSON, BibTeX and RIS, read back with the parsers people use."""

import json
import re

import bibtexparser
import pytest
import rispy
from bibtexparser.bparser import BibTexParser

from research import ReviewRequest, generate_review, load_result
from research.exports import to_bibtex, to_json, to_markdown, to_ris

AWKWARD_TITLE = (
    "Effects of {IL-6} & TNF-α on 50% of *cells*_x [in vitro] <script>alert(1)</script> #1 ~$5^2\\n"
)


@pytest.fixture
def review(sample_library):
    request = ReviewRequest("remdesivir treatment outcomes COVID-19", molecule="remdesivir")
    data = generate_review(request, sample_library, lambda stage, percent: None).to_dict()
    awkward = dict(data["papers"][0])
    awkward.update(
        pmid="70000999",
        rank=len(data["papers"]) + 1,
        title=AWKWARD_TITLE,
        authors=["Müller J", "van der Berg JA", "RECOVERY Collaborative Group"],
        journal="Journal of Cells & Things",
        doi="10.1000/abc_def%2",
        pmcid="PMC1234567",
        url="https://pubmed.ncbi.nlm.nih.gov/70000999/",
    )
    data["papers"].append(awkward)
    return data


def typed(data):
    """The review JSON as the exports take it."""
    return load_result("review", data)


def read_bibtex(text):
    parser = BibTexParser(common_strings=True, ignore_nonstandard_types=False)
    return bibtexparser.loads(text, parser=parser).entries


LATEX_ESCAPES = re.compile(
    r"\\textbackslash\{\}|\\textasciitilde\{\}|\\textasciicircum\{\}|\\[{}&%$#_]"
)
UNESCAPED = {r"\textbackslash{}": "\\", r"\textasciitilde{}": "~", r"\textasciicircum{}": "^"}


def plain(value):
    """A field as the text it stands for: protective outer braces off, escapes undone."""
    if value.startswith("{") and value.endswith("}"):
        value = value[1:-1]
    return LATEX_ESCAPES.sub(lambda m: UNESCAPED.get(m.group(0), m.group(0)[1:]), value)


def test_bibtex_round_trips(review):
    entries = read_bibtex(to_bibtex(typed(review)))
    assert len(entries) == len(review["papers"])
    assert len({e["ID"] for e in entries}) == len(entries)
    by_pmid = {e.get("pmid"): e for e in entries}
    for paper in review["papers"]:
        entry = by_pmid[paper["pmid"]]
        assert entry["ENTRYTYPE"] == "article"
        assert entry["eprinttype"] == "pubmed" and entry["eprint"] == paper["pmid"]
        assert plain(entry["title"]) == " ".join(paper["title"].split())
        if paper["year"]:
            assert entry["year"] == str(paper["year"])
    awkward = by_pmid["70000999"]
    assert awkward["ID"] == "Muller" + str(review["papers"][0]["year"]) + "_70000999"
    assert plain(awkward["journal"]) == "Journal of Cells & Things"
    assert plain(awkward["doi"]) == "10.1000/abc_def%2"
    assert awkward["author"] == (
        "Müller, J. and van der Berg, J. A. and {RECOVERY Collaborative Group}"
    )
    assert r"\&" in awkward["journal"] and r"\{IL-6\}" in awkward["title"]


def test_ris_round_trips(review):
    entries = rispy.loads(to_ris(typed(review)))
    assert len(entries) == len(review["papers"])
    for entry, paper in zip(entries, review["papers"], strict=True):
        assert entry["type_of_reference"] == "JOUR"
        assert entry["title"] == " ".join(paper["title"].split())
        assert entry["accession_number"] == paper["pmid"]
        assert entry["urls"] == [paper["url"]]
        assert entry.get("doi", "") == paper["doi"]
        assert entry.get("journal_name", "") == paper["journal"]
    assert entries[-1]["authors"] == [
        "Müller, J.",
        "van der Berg, J. A.",
        "RECOVERY Collaborative Group",
    ]
    assert entries[-1]["custom2"] == "PMC1234567"


def test_markdown_escapes_and_covers_the_review(review):
    text = to_markdown(typed(review))
    assert text.startswith("# Literature review: remdesivir treatment outcomes COVID-19\n")
    assert "## Executive summary" in text and "## Papers" in text and "## Searches" in text
    for paper in review["papers"][:-1]:
        assert f"[PMID {paper['pmid']}]({paper['url']})" in text
        for anchor in paper["fact_anchors"]:
            assert anchor["section"] in text
    assert "<script>" not in text
    assert r"\<script\>" in text and r"\*cells\*\_x \[in vitro\]" in text
    assert "*Journal of Cells & Things*" in text
    assert "**Molecule:** remdesivir" in text


def test_json_round_trips_to_a_review_result(review):
    text = to_json(typed(review))
    assert json.loads(text) == review
    assert "α" in text  # UTF-8, not \u escapes
    load_result("review", json.loads(text))  # reads back as a review


def test_an_empty_review_exports_cleanly(sample_library):
    data = generate_review(
        ReviewRequest("zebra migration acoustics"), sample_library, lambda s, p: None
    ).to_dict()
    assert data["papers"] == []
    assert to_bibtex(typed(data)) == "" and to_ris(typed(data)) == ""
    assert "No papers" in to_markdown(typed(data))
