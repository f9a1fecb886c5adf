"""Deep dives read each field from the right section: how the study was done from Methods,
limitations from where authors state them, numbers as papers write them, negation in scope."""

import pytest

from research import AbstractSection, DeepDiveRequest, deep_dive, ignore_progress, load_result
from tests.unit.research.conftest import make_record


def dive(text, **kwargs):
    return deep_dive(DeepDiveRequest(text=text, **kwargs), ignore_progress)


def dive_record(*parts, title="A study of outcomes in adults.", publication_types=()):
    record = make_record(
        title=title,
        abstract=tuple(AbstractSection(category, label, text) for category, label, text in parts),
        publication_types=publication_types,
        mesh=(),
    )
    return record, deep_dive(DeepDiveRequest(record=record), ignore_progress)


def anchors(result, field):
    return [a for a in result.scientific_model.anchors if a.field == field]


# --- How the study was done: Methods, not the Introduction or future work ----------------------


def test_an_introduction_citing_a_meta_analysis_does_not_make_the_study_one():
    _, result = dive_record(
        ("BACKGROUND", "BACKGROUND", "A recent meta-analysis of 14 trials found lower mortality."),
        ("METHODS", "METHODS", "We reviewed the charts of 212 patients treated at our clinic."),
        ("RESULTS", "RESULTS", "Mortality was 12% (p = 0.04)."),
    )
    assert result.scientific_model.study_design != "meta-analysis"
    for anchor in result.scientific_model.anchors:
        assert "meta-analysis" not in anchor.quote


RUNNING_TEXT = (
    "Statins may lower mortality in sepsis. A recent meta-analysis of 14 trials (Lee et al., "
    "2019) found lower mortality with statins. We reviewed the charts of 212 patients with sepsis "
    "treated at our clinic. Mortality was 12% with statins and 19% without (p = 0.04). Statins "
    "were associated with lower mortality."
)


@pytest.mark.parametrize("where", ["pasted", "library"])
def test_a_sentence_citing_a_meta_analysis_in_running_text_does_not_make_the_study_one(where):
    if where == "pasted":
        result = dive(RUNNING_TEXT)
    else:
        record = make_record(abstract=(AbstractSection("UNASSIGNED", "", RUNNING_TEXT),), mesh=())
        result = deep_dive(DeepDiveRequest(record=record), ignore_progress)
    model = result.scientific_model
    assert model.study_design != "meta-analysis"
    assert not any("meta-analysis" in a.quote for a in model.anchors)
    assert model.sample_size == 212  # still read, from the study's own sentence


def test_a_future_work_line_does_not_make_a_retrospective_cohort_a_trial():
    _, result = dive_record(
        ("METHODS", "METHODS", "This retrospective cohort study included 450 adults with sepsis."),
        ("RESULTS", "RESULTS", "Early antibiotics were associated with survival (p < 0.01)."),
        (
            "CONCLUSIONS",
            "CONCLUSIONS",
            "Future randomized controlled trials in which patients are randomly assigned to "
            "early or delayed antibiotics are needed.",
        ),
    )
    model = result.scientific_model
    assert model.study_design == "retrospective cohort study"
    assert model.randomisation == "not reported"
    assert [a.section for a in anchors(result, "study_design")] == ["Methods"]


def test_methods_fields_are_quoted_from_methods_and_say_so():
    record, result = dive_record(
        ("BACKGROUND", "BACKGROUND", "Placebo-controlled trials of 5,000 patients were reported."),
        ("METHODS", "METHODS", "We randomly assigned 240 adults with asthma to drug or placebo."),
        ("RESULTS", "RESULTS", "In the drug group of 120 patients, attacks fell by 30%."),
    )
    model = result.scientific_model
    assert model.sample_size == 240 and model.control_type == "placebo"
    methods_text = record.abstract[1].text
    for anchor in model.anchors:
        if anchor.field in ("study_design", "population", "sample_size", "control_type"):
            assert anchor.section == "Methods" and anchor.quote == methods_text


def test_techniques_come_from_methods_only():
    _, result = dive_record(
        ("BACKGROUND", "BACKGROUND", "MRI is widely used to stage tumours."),
        ("METHODS", "METHODS", "Tumour size was measured with CT scans in 80 patients."),
        ("RESULTS", "RESULTS", "Western blot showed higher expression."),
    )
    assert [(m.technique, m.section) for m in result.experimental_methods] == [
        ("Computed tomography", "Methods")
    ]


def test_new_haven_ct_is_a_place_not_ct_scanning():
    result = dive("Methods\nWe enrolled 120 adults at Yale University, New Haven, CT, USA.\n")
    assert "Computed tomography" not in {m.technique for m in result.experimental_methods}
    scanned = dive("Methods\nAll 120 adults had a CT of the chest.\n")
    assert "Computed tomography" in {m.technique for m in scanned.experimental_methods}


def test_acronyms_are_case_sensitive_and_whole_words():
    result = dive("Methods\nPet owners and their dogs completed a diary; mgmt was by ward staff.\n")
    techniques = {m.technique for m in result.experimental_methods}
    assert "PET imaging" not in techniques
    assert "Questionnaire / survey" not in techniques


# --- Negation in scope --------------------------------------------------------------------------


def test_not_placebo_controlled_is_not_placebo_controlled():
    result = dive("Methods\nThis study of 60 adults was not placebo controlled or blinded.\n")
    model = result.scientific_model
    assert model.control_type != "placebo"
    assert "Placebo-controlled" not in model.strengths
    assert model.blinding == "not reported"


def test_no_control_group_is_reported_as_such():
    result = dive("Methods\nThere was no control group; 40 adults received the drug.\n")
    assert result.scientific_model.control_type == "no control group"


def test_negation_reaches_only_its_own_phrase():
    result = dive("Methods\nPatients without diabetes were randomly assigned to two doses.\n")
    assert result.scientific_model.randomisation == "randomised"
    refused = dive("Methods\nPatients were not randomly assigned to the two doses.\n")
    assert refused.scientific_model.randomisation == "not randomised"


def test_a_sentence_denying_a_trial_does_not_make_one():
    result = dive(
        "Methods\nThis was a registry analysis rather than a randomized controlled trial."
    )
    assert result.scientific_model.study_design != "randomised controlled trial"


# --- Numbers as papers write them --------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "value"),
    [("337 802", 337802), ("337\u2009802", 337802), ("337,802", 337802), ("1 062", 1062)],
)
def test_thousands_are_read_whole(written, value):
    result = dive(f"Methods\nWe followed {written} women in a national registry.\n")
    assert result.scientific_model.sample_size == value


def test_total_n_not_an_arms_n():
    result = dive(
        "Methods\nA total of 412 patients were enrolled: 206 patients received the drug and 206 "
        "patients received placebo (n = 206 per arm).\n"
    )
    assert result.scientific_model.sample_size == 412


def test_mid_dot_and_comma_decimals_are_kept_whole():
    result = dive("Results\nMortality was 53·3% vs 41,2% (p<0·0001; HR 0·81, 95% CI 0·72–0·91).\n")
    values = {(r.kind, r.value): r.direction for r in result.results_interpretation.key_results}
    assert values[("p_value", "p<0·0001")] == "significant"
    assert ("percentage", "53.3%") in values and ("percentage", "41.2%") in values
    assert ("percentage", "3%") not in values
    assert values[("hazard_ratio", "0.81")] == "decrease"
    assert values[("confidence_interval", "95% CI 0.72 to 0.91")].startswith("excludes")


def test_a_comma_decimal_p_value_is_read():
    result = dive("Results\nPain fell more with the drug (p = 0,03).\n")
    values = {(r.kind, r.value): r.direction for r in result.results_interpretation.key_results}
    assert values[("p_value", "p = 0,03")] == "significant"


@pytest.mark.parametrize(
    "text",
    [
        "Methods\nWe studied 300 women aged 75 years or older.\n",
        "Methods\nA 75-year-old man and 200 patients aged 18-65 years were studied.\n",
        "Methods\nThe mean age of the 150 patients was 68 years.\n",
        "Methods\nFollow-up of 200 patients aged 70 years and older was complete.\n",
    ],
)
def test_an_age_is_never_a_follow_up(text):
    strengths = dive(text).scientific_model.strengths
    assert not any(s.startswith("Long follow-up") for s in strengths), strengths


def test_a_follow_up_is_read_with_its_decimal():
    result = dive("Methods\nThe 400 patients were followed up for a median of 4·5 years.\n")
    assert "Long follow-up (4.5 years)" in result.scientific_model.strengths


# --- Limitations: where authors state them -----------------------------------------------------


@pytest.mark.parametrize(("category", "label"), [("UNASSIGNED", "LIMITATIONS"),
                                                 ("CONCLUSIONS", "LIMITATIONS")])  # fmt: skip
def test_a_limitations_section_is_quoted_as_a_limitation(category, label):
    record, result = dive_record(
        ("METHODS", "METHODS", "We surveyed 84 undergraduate women online."),
        ("RESULTS", "RESULTS", "Approach was faster for overweight bodies (p = 0.02)."),
        (category, label, "The current sample was restricted to undergraduate women."),
        ("CONCLUSIONS", "CONCLUSIONS", "The task measures approach tendencies."),
    )
    notes = result.results_interpretation.limitations_biases
    stated = [n for n in notes if n.section == "Limitations"]
    assert [n.quote for n in stated] == [record.abstract[2].text]
    assert "Limitations" in result.diagnostics.sections_detected


def test_adjusting_for_confounders_in_methods_is_not_a_limitation():
    _, result = dive_record(
        ("METHODS", "METHODS", "Models were adjusted for confounders such as age and sex."),
        ("RESULTS", "RESULTS", "Risk was higher in smokers (OR 1.8, 95% CI 1.2 to 2.6)."),
    )
    assert all(
        "confounders" not in n.quote for n in result.results_interpretation.limitations_biases
    )


def test_a_discussion_paragraph_on_limitations_is_quoted_sentence_by_sentence():
    text = (
        "Methods\nWe enrolled 500 adults.\n\n"
        "Discussion\nThe drug worked. Our study has several limitations. First, smoking was "
        "recorded by the nurses. Second, all patients came from one region. Nevertheless, the "
        "effect was large.\n\nIn conclusion, the drug should be used.\n"
    )
    notes = dive(text).results_interpretation.limitations_biases
    quotes = [n.quote for n in notes if n.section == "Discussion"]
    assert quotes == [
        "Our study has several limitations.",
        "First, smoking was recorded by the nurses.",
        "Second, all patients came from one region.",
    ]


@pytest.mark.parametrize(
    "sentence",
    [
        "No publication bias was detected.",
        "Exercise limitation was measured by treadmill testing.",
        "Muscle weakness improved in the drug group.",
    ],
)
def test_sentences_without_a_stated_limitation_give_none(sentence):
    text = f"Methods\nWe enrolled 500 adults.\n\nResults\n{sentence}\n"
    assert not [
        n for n in dive(text).results_interpretation.limitations_biases if n.section == "Results"
    ]


def test_unlabelled_limitations_are_found_by_their_language():
    record = make_record(
        abstract=(
            AbstractSection(
                "UNASSIGNED",
                "",
                "Rumination may maintain grandiose ideas. We asked 109 students to ruminate or "
                "distract themselves after an induction task. Rumination maintained grandiose "
                "ideas (p = 0.01). The sample was relatively small and limited to students, which "
                "limits the generalizability of the findings. Rumination may be a target.",
            ),
        ),
        mesh=(),
    )
    notes = deep_dive(DeepDiveRequest(record=record), ignore_progress)
    quotes = [n.quote for n in notes.results_interpretation.limitations_biases]
    assert any(q.startswith("The sample was relatively small") for q in quotes)


# --- Provenance --------------------------------------------------------------------------------


def test_every_quote_names_a_section_that_holds_it():
    text = (
        "Introduction\nA prior trial (Smith et al., 2019) used PCR.\n\n"
        "Methods\nIn this double-blind trial, 300 adults were randomly assigned to drug or "
        "placebo (placebo group). Viral load was measured by RT-PCR.\n\n"
        "Results\nRecovery was faster (HR 1.3, 95% CI 1.1 to 1.6; p = 0.002).\n\n"
        "Discussion\nA limitation is the short follow-up.\n"
    )
    result = dive(text)
    data = result.to_dict()
    quoted = [*data["scientific_model"]["anchors"], *data["experimental_methods"]]
    quoted += data["results_interpretation"]["key_results"]
    quoted += data["results_interpretation"]["limitations_biases"]
    assert quoted
    for item in quoted:
        heading = f"{item['section']}\n"
        assert item["section"] and heading in text
        body = text.split(heading, 1)[1].split("\n\n", 1)[0]
        assert item["quote"] in body, item
    assert load_result("deep_dive", data).to_dict() == data
