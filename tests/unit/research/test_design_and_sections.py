"""One study-design classifier and one section vocabulary, shared by reviews and deep dives."""

import pytest

from research import DeepDiveRequest, deep_dive, ignore_progress
from research.design import OBSERVATIONAL, OTHER, RCT, assess_evidence, classify_design
from research.records import AbstractSection
from research.sections import detect_sections, heading_section, label_kind
from research.text import split_sentences
from tests.unit.research.conftest import make_record


def folded(design):
    """A deep dive's design name with the cohort's direction folded away."""
    return "cohort study" if design.endswith("cohort study") else design


def test_a_review_and_a_deep_dive_classify_a_record_alike(sample_records):
    compared = 0
    for record in sample_records:
        if not record.abstract:
            continue
        dive = deep_dive(DeepDiveRequest(record=record), ignore_progress)
        assert folded(dive.scientific_model.study_design) == assess_evidence(record).design.name
        compared += 1
    assert compared >= 5


def test_the_strongest_design_wins_whatever_signal_shows_it():
    found = classify_design(
        publication_types=["Review"],
        title="Drug X for asthma",
        sentences=split_sentences("Adults were randomly assigned to drug X or placebo."),
    )
    assert (found.design.name, found.level, found.source) == (
        "randomised controlled trial",
        RCT,
        "text",
    )
    assert found.quote == "Adults were randomly assigned to drug X or placebo."


def test_at_equal_strength_indexing_outranks_wording():
    found = classify_design(
        mesh=["Cross-Sectional Studies"],
        sentences=split_sentences("A cohort of 300 nurses answered."),
    )
    assert (found.design.name, found.level, found.source) == (
        "cross-sectional study", OBSERVATIONAL, "MeSH",
    )  # fmt: skip


def test_mendelian_randomisation_is_not_a_randomised_trial():
    text = "We performed a two-sample Mendelian randomization study; participants were randomized."
    found = classify_design(sentences=split_sentences(text))
    assert found.design.name == "not determined" and found.level is OTHER
    record = make_record(abstract=(AbstractSection("UNASSIGNED", "", text),), publication_types=())
    assert assess_evidence(record).level is OTHER


@pytest.mark.parametrize(
    ("heading", "section", "category"),
    [
        ("Materials and Methods", "Methods", "METHODS"),
        ("Background", "Introduction", "BACKGROUND"),
        ("Aims", "Introduction", "OBJECTIVE"),
        ("Results and discussion", "Results", "RESULTS"),
        ("Discussion", "Discussion", "CONCLUSIONS"),
        ("Summary", "Abstract", "CONCLUSIONS"),
        ("EXPERIMENTAL APPROACH", "Methods", "METHODS"),
        ("Acknowledgements", "Acknowledgements", "UNASSIGNED"),
        ("Case presentation", "Case Presentation", "UNASSIGNED"),
    ],
)
def test_one_vocabulary_maps_a_heading_to_its_section_and_category(heading, section, category):
    assert heading_section(heading) == section
    assert label_kind(heading) == category


def test_a_structured_abstract_and_the_same_text_pasted_name_the_same_sections():
    parts = [
        ("BACKGROUND", "Background", "Asthma is common."),
        ("METHODS", "Methods", "We enrolled 40 adults."),
        ("RESULTS", "Results", "Symptoms improved (p = 0.01)."),
        ("CONCLUSIONS", "Conclusions", "Drug X helps."),
    ]
    record = make_record(abstract=tuple(AbstractSection(*part) for part in parts))
    pasted = "\n".join(f"{label}: {text}" for _, label, text in parts)
    from_record = deep_dive(DeepDiveRequest(record=record), ignore_progress)
    from_text = deep_dive(DeepDiveRequest(text=pasted), ignore_progress)
    expected = ("Introduction", "Methods", "Results", "Conclusions")
    assert from_record.diagnostics.sections_detected == expected
    assert tuple(from_text.diagnostics.sections_detected) == expected == detect_sections(pasted)
