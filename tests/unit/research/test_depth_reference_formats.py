"""Reference files of every supported format: records, merged duplicates, skips and ids."""

import gzip
import hashlib
from pathlib import Path

import pytest

from research import (
    ReferenceFormatError,
    detect_format,
    is_synthetic_id,
    read_references,
    synthetic_id,
)

DEPTH = Path(__file__).resolve().parents[2] / "fixtures" / "depth"
REFERENCES = DEPTH / "references"
EFETCH = DEPTH / "efetch_29768149.xml"


def by_id(report):
    return {r.pmid: r for r in report.records}


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        (REFERENCES / "asthma.nbib", "medline"),
        (REFERENCES / "asthma.ris", "ris"),
        (REFERENCES / "asthma.bib", "bibtex"),
        (REFERENCES / "pubmed_export.csv", "csv"),
        (REFERENCES / "lenient.csv", "csv"),
        (EFETCH, "pubmed_xml"),
    ],
)
def test_detect_format_reads_the_content_not_just_the_name(path, kind):
    head = path.read_bytes()[:4096]
    assert detect_format(path.name, head) == kind
    if kind != "csv":  # a CSV is only told apart by its name or a title column
        assert detect_format("upload.txt", head) == kind


def test_detect_format_of_gzip_and_unknown_files():
    assert detect_format("baseline.xml.gz", gzip.compress(EFETCH.read_bytes())[:64]) == "pubmed_xml"
    assert detect_format("export.tsv", b"Title\tYear\nA paper\t2020\n") == "csv"
    with pytest.raises(ReferenceFormatError, match="not a reference file"):
        detect_format("notes.docx", b"PK\x03\x04\x14\x00\x06\x00")


def test_medline_nbib():
    report = read_references(REFERENCES / "asthma.nbib")
    assert report.format == "medline"
    assert report.entries == 4
    assert report.duplicates_merged == 1
    assert [(s.entry, s.reason) for s in report.skipped] == [(4, "no title")]
    assert "PMID 31112386" in report.skipped[0].label
    records = by_id(report)
    assert list(records) == ["29768149", "29768147"]
    paper = records["29768149"]
    assert paper.title == "Inhaled Combined Budesonide-Formoterol as Needed in Mild Asthma."
    assert paper.doi == "10.1056/NEJMoa1715274"
    assert paper.authors == ("O'Byrne PM", "FitzGerald JM", "Bateman ED")
    assert paper.year == 2018
    assert paper.journal == "The New England journal of medicine"
    assert [s.category for s in paper.abstract] == [
        "BACKGROUND",
        "METHODS",
        "RESULTS",
        "CONCLUSIONS",
    ]
    assert paper.abstract[2].text == "A total of 3849 patients underwent randomization."
    asthma = next(m for m in paper.mesh if m.descriptor == "Asthma")
    assert asthma.major and asthma.qualifiers == ("drug therapy", "physiopathology")
    assert not next(m for m in paper.mesh if m.descriptor == "Humans").major
    assert paper.chemicals == ("Bronchodilator Agents", "Budesonide")
    assert "Randomized Controlled Trial" in paper.publication_types
    second = records["29768147"]
    assert (
        second.title
        == "As-Needed Budesonide-Formoterol versus Maintenance Budesonide in Mild Asthma."
    )
    assert second.pmcid == "PMC6076011"
    assert second.keywords == ("budesonide-formoterol", "reliever therapy")


def test_ris():
    report = read_references(REFERENCES / "asthma.ris")
    assert (report.format, report.entries, report.duplicates_merged) == ("ris", 5, 1)
    assert [(s.entry, s.reason) for s in report.skipped] == [(4, "no title")]
    assert "10.1000/no-title-here" in report.skipped[0].label
    records = by_id(report)
    assert list(records) == [
        "29768149",
        "doi:10.1056/nejmoa1901963",
        synthetic_id("", "Global Strategy for Asthma Management and Prevention"),
    ]
    paper = records["29768149"]
    assert paper.authors == ("O'Byrne PM", "FitzGerald JM", "Bateman ED")
    assert paper.year == 2018 and paper.doi == "10.1056/NEJMoa1715274"
    assert paper.keywords == ("Asthma", "Budesonide")
    assert [s.category for s in paper.abstract] == ["BACKGROUND", "RESULTS"]
    # The DOI-only record and its title-only copy are one paper; the copy lends its abstract.
    merged = records["doi:10.1056/nejmoa1901963"]
    assert merged.title == "Controlled Trial of Budesonide-Formoterol as Needed for Mild Asthma"
    assert merged.doi == "10.1056/NEJMoa1901963"
    assert merged.year == 2019 and merged.authors == ("Beasley R", "Holliday M")
    assert "open-label trial" in merged.abstract_text()
    report_record = records[
        synthetic_id("", "Global Strategy for Asthma Management and Prevention")
    ]
    assert report_record.authors == ("Global Initiative for Asthma",)


def test_bibtex():
    report = read_references(REFERENCES / "asthma.bib")
    assert (report.format, report.entries, report.duplicates_merged) == ("bibtex", 5, 1)
    assert [(s.entry, s.reason) for s in report.skipped] == [(4, "no title")]
    records = by_id(report)
    assert list(records) == ["29768149", "doi:10.1002/ppul.99999", "31112386"]
    paper = records["29768149"]
    assert paper.title == "Inhaled Combined Budesonide-Formoterol as Needed in Mild Asthma"
    assert paper.journal == "The New England Journal of Medicine"  # from the @string macro
    assert paper.authors == ("O'Byrne PM", "FitzGerald JM", "Bateman ED")
    assert paper.doi == "10.1056/NEJMoa1715274"
    swiss = records["doi:10.1002/ppul.99999"]
    assert swiss.title == "Asthma Control in Children Treated in Zürich & Basel"
    assert swiss.authors == (
        "Müller J",
        "García-López A",
        "Swiss Paediatric Respiratory Research Group",
    )
    assert swiss.year == 2021
    assert swiss.keywords == ("asthma", "children", "inhaled corticosteroids")
    eprint = records["31112386"]  # eprint with eprinttype = pubmed
    assert eprint.year == 2019 and eprint.journal == "N Engl J Med"


def test_bibtex_entry_the_parser_drops_is_reported():
    data = (REFERENCES / "asthma.bib").read_bytes() + b"\n@article{broken, title = {Unclosed"
    report = read_references(data, "library.bib")
    assert any("could not be parsed" in s.reason for s in report.skipped)
    assert len(report.records) == 3


def test_pubmed_csv_export():
    report = read_references(REFERENCES / "pubmed_export.csv")
    assert (report.format, report.entries, report.duplicates_merged) == ("csv", 4, 1)
    assert [s.reason for s in report.skipped] == ["no title"]
    records = by_id(report)
    assert list(records) == ["29768149", "29768147"]
    assert records["29768149"].authors == ("O'Byrne PM", "FitzGerald JM", "Bateman ED", "Barnes PJ")
    assert records["29768147"].pmcid == "PMC6076011"
    assert records["29768147"].year == 2018


def test_lenient_csv_headers_and_semicolons():
    report = read_references((REFERENCES / "lenient.csv").read_bytes(), "from-wos.csv")
    assert report.duplicates_merged == 1
    assert [s.reason for s in report.skipped] == ["no title"]
    first, second = report.records
    assert first.pmid == "doi:10.1056/nejmoa2007764"
    assert first.authors == ("Beigel JH", "Tomashek KM")
    assert first.journal == "New England Journal of Medicine"
    assert "time to recovery" in first.abstract_text()
    assert second.pmid == synthetic_id("", second.title)
    assert second.authors == ("Gottlieb RL",)


def test_pubmed_xml_through_the_existing_reader():
    report = read_references(EFETCH)
    assert report.format == "pubmed_xml"
    assert [r.pmid for r in report.records] == ["29768149"]
    assert report.duplicates_merged == 0 and report.skipped == []


def test_the_same_paper_in_two_formats_merges_within_one_file_only():
    nbib = by_id(read_references(REFERENCES / "asthma.nbib"))
    ris = by_id(read_references(REFERENCES / "asthma.ris"))
    assert nbib["29768149"].doi == ris["29768149"].doi  # the Django side matches across files


def test_synthetic_ids_are_stable():
    title = "Early Remdesivir to Prevent Progression to Severe Covid-19 in Outpatients"
    expected = hashlib.sha1(
        b"early remdesivir to prevent progression to severe covid 19 in outpatients"
    ).hexdigest()[:12]
    assert synthetic_id("", title) == f"title:{expected}"
    assert (
        synthetic_id(
            "", "  early remdesivir: to prevent progression to SEVERE COVID-19 in outpatients."
        )
        == f"title:{expected}"
    )
    assert (
        synthetic_id("https://doi.org/10.1056/NEJMoa2116846", title) == "doi:10.1056/nejmoa2116846"
    )
    assert is_synthetic_id("doi:10.1/x") and is_synthetic_id(f"title:{expected}")
    assert not is_synthetic_id("29768149")
    with pytest.raises(ValueError):
        synthetic_id("", "  ")


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "empty.ris", "empty"),
        (b"\x00\x01\x02binary", "data.bin", "not a reference file"),
        (b"<html><body>Login</body></html>", "export.xml", "not PubMed XML"),
        (b"<PubmedArticleSet><PubmedArticle>", "cut.xml", "malformed or truncated"),
        (b"Name,Year\nA,2020\n", "people.csv", "no title column"),
        (b"TY  - JOUR\nER  - \n", "empty.ris", "no title"),
    ],
)
def test_unreadable_files_are_clear_errors(data, name, message):
    if message == "no title":
        report = read_references(data, name)
        assert report.records == [] and report.skipped[0].reason == "no title"
        return
    with pytest.raises(ReferenceFormatError, match=message):
        read_references(data, name)


def test_oversized_file_is_refused(tmp_path):
    path = tmp_path / "big.ris"
    path.write_bytes(b"TY  - JOUR\nTI  - x\nER  - \n" * 100)
    with pytest.raises(ReferenceFormatError, match="limit"):
        read_references(path, max_bytes=1000)


def test_report_serialises():
    data = read_references(REFERENCES / "asthma.ris").to_dict()
    assert data == {
        "format": "ris",
        "entries": 5,
        "records": 3,
        "duplicates_merged": 1,
        "skipped": [
            {"entry": 4, "reason": "no title", "label": "DOI 10.1000/no-title-here, Nobody N, 2020"}
        ],
    }
