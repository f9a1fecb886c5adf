"""Full text from PDFs (made here with pypdf) and PMC JATS XML, and deep dives on it."""

import json
from pathlib import Path

import pytest

from research import (
    DeepDiveRequest,
    FullTextError,
    deep_dive,
    text_from_jats,
    text_from_pdf,
)
from research.errors import UserFacingError
from research.schema import load_result
from research.sections import detect_sections
from tests.pdfs import PAGES, make_pdf
from tests.unit.research.conftest import make_record

DEPTH = Path(__file__).resolve().parents[2] / "fixtures" / "depth"


def ignore(stage, percent):
    pass


def test_pdf_text_sections_and_title():
    full = text_from_pdf(make_pdf(PAGES))
    assert full.source == "pdf" and full.pages == 2
    assert full.title == "As-needed budesonide-formoterol in adults with mild asthma"
    assert full.sections == ("Introduction", "Methods", "Results", "Discussion", "References")
    assert "budesonide-formoterol or as-needed albuterol" in full.text  # hyphenation rejoined
    assert json.loads(json.dumps(full.to_dict()))["sections"][0] == "Introduction"


def test_pdf_metadata_title_wins_when_it_is_a_real_title():
    title = "As-Needed Budesonide-Formoterol in Mild Asthma: A Randomised Trial"
    assert text_from_pdf(make_pdf(PAGES, title=title)).title == title
    fallback = text_from_pdf(make_pdf(PAGES, title="Microsoft Word - draft3.docx"))
    assert fallback.title == PAGES[0][0]


def test_deep_dive_on_a_pdf_says_it_read_full_text():
    record = make_record(pmid="70009901", title="As-needed budesonide-formoterol in mild asthma")
    full = text_from_pdf(make_pdf(PAGES))
    result = deep_dive(
        DeepDiveRequest.from_full_text(full, "asthma exacerbations", record=record), ignore
    )
    data = result.to_dict()
    assert data["pmid"] == "70009901" and data["title"] == record.title
    assert data["diagnostics"]["source"] == "pdf_full_text"
    assert data["diagnostics"]["sections_detected"] == list(full.sections)
    model = data["scientific_model"]
    assert model["sample_size"] == 675
    assert model["blinding"] == "open-label (not blinded)"
    values = {(r["kind"], r["value"]) for r in data["results_interpretation"]["key_results"]}
    assert ("confidence_interval", "95% CI 0.33 to 0.72") in values
    assert ("p_value", "P<0.0001") not in values  # the reference list is skipped
    assert load_result("deep_dive", json.loads(json.dumps(data))).to_dict() == data


def test_encrypted_pdf_is_refused():
    with pytest.raises(FullTextError, match="encrypted"):
        text_from_pdf(make_pdf(PAGES, password="s3cret"))


def test_pdf_without_a_text_layer_is_refused():
    with pytest.raises(FullTextError, match=r"no text layer \(scanned images\?\)"):
        text_from_pdf(make_pdf([[], []]))


def test_too_many_pages_or_bytes_is_refused():
    data = make_pdf(PAGES + [["Supplementary appendix page."]])
    with pytest.raises(FullTextError, match="3 pages; the limit is 2"):
        text_from_pdf(data, max_pages=2)
    with pytest.raises(FullTextError, match="the limit is"):
        text_from_pdf(data, max_bytes=len(data) - 1)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"Dear editor, please find attached", "not a PDF"),
        (b"%PDF-1.7\n1 0 obj << /Type /Catalog", "damaged"),
    ],
)
def test_not_a_pdf_or_damaged(data, message):
    with pytest.raises(FullTextError, match=message):
        text_from_pdf(data)


def test_jats_article():
    full = text_from_jats((DEPTH / "jats_article.xml").read_bytes())
    assert full.source == "jats" and full.pages is None
    assert full.title == (
        "As-needed budesonide\u2013formoterol in adults with mild asthma: a randomised trial"
    )
    assert full.sections == ("Abstract", "Introduction", "Methods", "Results", "Discussion")
    assert "short-acting \u03b22-agonist" in full.text
    assert "Study population and design" in full.text  # a sec-type named the Methods heading
    for left_out in ("Baseline characteristics", "Kaplan", "P<0.0001", "Global strategy"):
        assert left_out not in full.text  # tables, figures and references
    data = deep_dive(DeepDiveRequest.from_full_text(full, "asthma"), ignore).to_dict()
    assert data["diagnostics"]["source"] == "jats_full_text"
    assert data["scientific_model"]["sample_size"] == 675
    assert data["title"] == full.title


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ((DEPTH / "jats_entities.xml").read_bytes(), "declares entities"),
        ((DEPTH / "efetch_29768149.xml").read_bytes(), "not a JATS article"),
        (b"%PDF-1.7", "not readable XML"),
        (b"<article><body><sec><title>Introduction</title></sec></body></article>", "no abstract"),
    ],
)
def test_jats_errors(data, message):
    with pytest.raises(FullTextError, match=message):
        text_from_jats(data)


def test_deep_dive_sources_name_full_text_or_abstract():
    record = make_record()
    text = "Methods\nAdults were randomly assigned.\n\nResults\nRecovery was faster (P=0.01)."

    def source(**kwargs):
        return deep_dive(DeepDiveRequest(**kwargs), ignore).diagnostics.source

    assert source(record=record) == "library_abstract"
    assert source(record=record, full_text_source="abstract") == "library_abstract"
    assert source(text=text) == "pasted_text"
    assert source(text=text, full_text_source="abstract") == "pasted_abstract"
    assert source(text=text, full_text_source="pasted") == "pasted_full_text"
    assert source(record=record, text=text, full_text_source="pasted") == "pasted_full_text"
    with pytest.raises(UserFacingError, match="full text is empty"):
        source(record=record, full_text_source="pdf")
    with pytest.raises(ValueError, match="Unknown full text source"):
        source(text=text, full_text_source="docx")


def test_detect_sections_matches_the_deep_dive():
    text = "Background: Why.\n\nMaterials and Methods\nHow.\n\n3. Results\nWhat.\n"
    assert detect_sections(text) == ("Introduction", "Methods", "Results")


def test_full_text_fields_say_which_section_they_were_read_from():
    full = text_from_jats((DEPTH / "jats_article.xml").read_bytes())
    result = deep_dive(DeepDiveRequest.from_full_text(full, "asthma"), ignore)
    sections = {a.field: a.section for a in result.scientific_model.anchors}
    assert sections["sample_size"] == sections["blinding"] == "Methods"
    source = f"{full.title} {full.text}"
    for anchor in result.scientific_model.anchors:
        assert anchor.section in ("Title", "Methods") and anchor.quote in source
    stated = [
        n for n in result.results_interpretation.limitations_biases if n.section == "Discussion"
    ]
    assert stated and all("limitation" in n.quote for n in stated)
    assert {k.section for k in result.results_interpretation.key_results} <= {"Abstract", "Results"}
