"""Full text from PDFs (made here with pypdf) and PMC JATS XML, and deep dives on it."""

import io
import json
from pathlib import Path

import pytest
from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

from jobs.research import (
    DeepDiveRequest,
    DeepDiveResult,
    FullTextError,
    deep_dive,
    detect_sections,
    text_from_jats,
    text_from_pdf,
)
from tests.unit.research.conftest import make_record

DEPTH = Path(__file__).resolve().parents[2] / "fixtures" / "depth"

PAGES = [
    [
        "As-needed budesonide-formoterol in adults with mild asthma",
        "1. Introduction",
        "Asthma affects more than 300 million people. Many adults with mild asthma rely on",
        "a short-acting reliever alone, which leaves airway inflammation untreated.",
        "2. Methods",
        "We conducted a multicentre, open-label trial in which a total of 675 adults with",
        "mild asthma were randomly assigned in a 1:1 ratio to as-needed budesonide-formo-",
        "terol or as-needed albuterol. Analyses were by intention to treat.",
    ],
    [
        "3. Results",
        "The annualised rate of severe exacerbations was 0.07 with budesonide-formoterol and",
        "0.15 with albuterol (relative risk 0.49; 95% CI 0.33 to 0.72; P<0.001).",
        "4. Discussion",
        "A limitation of this study is its open-label design, which may have introduced",
        "reporting bias. Our findings support anti-inflammatory reliever therapy.",
        "References",
        "1. Someone A. A cited paper with P<0.0001. J Cit. 2019.",
    ],
]


def make_pdf(pages, *, title="", password=""):
    """A PDF whose pages show the given lines in Helvetica (an empty list is a blank page)."""
    writer = PdfWriter()
    for lines in pages:
        page = writer.add_blank_page(612, 792)
        if lines:
            font = DictionaryObject(
                {
                    NameObject("/Type"): NameObject("/Font"),
                    NameObject("/Subtype"): NameObject("/Type1"),
                    NameObject("/BaseFont"): NameObject("/Helvetica"),
                }
            )
            page[NameObject("/Resources")] = DictionaryObject(
                {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
            )
            ops = ["BT", "/F1 10 Tf", "14 TL", "50 750 Td"]
            for line in lines:
                escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
                ops.append(f"({escaped}) Tj T*")
            ops.append("ET")
            stream = DecodedStreamObject()
            stream.set_data("\n".join(ops).encode("latin-1"))
            page.replace_contents(stream)
    if title:
        writer.add_metadata({"/Title": title})
    if password:
        writer.encrypt(password, algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


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
    result = deep_dive(full.to_request("asthma exacerbations", record=record), ignore)
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
    assert DeepDiveResult.from_dict(json.loads(json.dumps(data))).to_dict() == data


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
    data = deep_dive(full.to_request("asthma"), ignore).to_dict()
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
    with pytest.raises(ValueError, match="full text is empty"):
        source(record=record, full_text_source="pdf")
    with pytest.raises(ValueError, match="Unknown full text source"):
        source(text=text, full_text_source="docx")


def test_detect_sections_matches_the_deep_dive():
    text = "Background: Why.\n\nMaterials and Methods\nHow.\n\n3. Results\nWhat.\n"
    assert detect_sections(text) == ("Introduction", "Methods", "Results")
