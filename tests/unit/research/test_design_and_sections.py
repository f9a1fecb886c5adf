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


def test_without_a_design_type_the_strongest_design_any_cue_shows_wins():
    found = classify_design(
        publication_types=["Journal Article"],
        title="Drug X for asthma: a review of two cases",
        sentences=split_sentences("Adults were randomly assigned to drug X or placebo."),
    )
    assert (found.design.name, found.level, found.source) == (
        "randomised controlled trial",
        RCT,
        "text",
    )
    assert found.quote == "Adults were randomly assigned to drug X or placebo."


def test_a_design_bearing_publication_type_is_trusted_over_the_wording():
    sentences = split_sentences("Adults were randomly assigned to drug X or placebo in vitro.")
    found = classify_design(publication_types=["Review"], sentences=sentences)
    assert (found.design.name, found.source, found.quote) == (
        "narrative review", "publication type", "",
    )  # fmt: skip
    found = classify_design(publication_types=["Case Reports"], sentences=sentences)
    assert found.design.name == "case report"


def test_a_typed_primary_study_is_made_more_specific_by_the_text():
    rats = split_sentences("Rats were given the drug for ten days. Blood pressure fell.")
    found = classify_design(publication_types=["Comparative Study"], sentences=rats)
    assert (found.design.name, found.source, found.quote) == (
        "animal study", "text", "Rats were given the drug for ten days.",
    )  # fmt: skip
    plain = split_sentences("Two assays of serum iron were compared.")
    found = classify_design(publication_types=["Comparative Study"], sentences=plain)
    assert (found.design.name, found.source) == ("comparative study", "publication type")
    trial = split_sentences("Patients were randomly allocated to two doses.")
    found = classify_design(publication_types=["Clinical Trial"], sentences=trial)
    assert found.design.name == "randomised controlled trial"


def test_a_publication_that_reports_no_study_is_not_given_a_design():
    found = classify_design(
        publication_types=["Editorial"],
        sentences=split_sentences("Patients were randomly assigned in the trial we discuss."),
    )
    assert (found.design.name, found.source) == ("not determined", "publication type")


@pytest.mark.parametrize(
    ("text", "design"),
    [
        ("Prismatic lenses were fitted to every patient.", "not determined"),
        ("We followed the PRISMA statement.", "systematic review"),
        ("The metaanalysis pooled nine trials.", "meta-analysis"),
        ("Findings were reproduced in a case-control study of 80 women.", "case-control study"),
        ("Cases of gout were reviewed by two readers.", "not determined"),
    ],
)
def test_cues_match_whole_words_only(text, design):
    assert classify_design(sentences=split_sentences(text)).design.name == design


@pytest.mark.parametrize(
    "text",
    [
        "Patients were not randomised to the two wards.",
        "In this non-randomized comparison, both wards were followed.",
        "This was an open study with no placebo-controlled arm.",
        "We present the protocol for a systematic review and meta-analysis of statins.",
        "A future meta-analysis should pool these cohorts.",
        "A randomised controlled trial is needed to confirm this.",
        "Further randomized trials are warranted.",
    ],
)
def test_negated_or_planned_designs_are_not_read_as_the_papers_own(text):
    found = classify_design(sentences=split_sentences(text))
    assert found.level.key not in ("meta_analysis", "systematic_review", "rct"), found


def test_a_trial_of_animals_is_not_a_randomised_trial_of_people():
    text = "Broiler chickens were randomly allocated to four diets in a feeding trial."
    found = classify_design(sentences=split_sentences(text))
    assert found.level is not RCT
    rats = "Forty rats were randomly assigned to the drug or saline."
    assert classify_design(sentences=split_sentences(rats)).design.name == "animal study"
    people = "Forty adults were randomly assigned to the drug or saline."
    assert classify_design(sentences=split_sentences(people)).level is RCT
    fish_oil = "Forty adults were randomly assigned to fish oil or olive oil capsules."
    assert classify_design(sentences=split_sentences(fish_oil)).level is RCT


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


def test_context_informs_the_model_but_cues_come_only_from_the_sentences_given():
    context = split_sentences(
        "A 45-year-old man presented with fever and a painful swelling of the left knee. "
        "Aspiration yielded pus, and Salmonella enteritidis was cultured. He recovered after six "
        "weeks of antibiotics and drainage. The patient had no history of trauma."
    )
    methods = split_sentences("He recovered after six weeks of antibiotics and drainage.")
    found = classify_design(sentences=methods, context=context)
    assert (found.design.name, found.quote) == ("case report", "")  # the model read it all
    assert classify_design(sentences=methods).design.name == "not determined"
    background = split_sentences(
        "A recent meta-analysis of 14 trials found lower mortality. We reviewed the charts of "
        "212 patients treated at our clinic. Mortality was 12 percent among those patients."
    )
    charts = split_sentences("We reviewed the charts of 212 patients treated at our clinic.")
    assert classify_design(sentences=charts, context=background).design.name != "meta-analysis"


@pytest.mark.parametrize(
    ("title", "design"),
    [
        ("Hepatic abscess: report of a case and review of the literature.", "case report"),
        ("A retrospective chart review of 300 burns.", "not determined"),
        ("Gout: a review.", "narrative review"),
    ],
)
def test_a_case_report_reviewing_the_literature_is_not_a_review(title, design):
    assert classify_design(title=title).design.name == design
