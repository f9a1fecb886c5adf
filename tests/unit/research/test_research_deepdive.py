"""Deep dives on a library abstract and on pasted full text."""

import json
import re

import pytest

from research import DeepDiveRequest, deep_dive
from research.deepdive_rules import AUTHOR_STATED, LIMITATION_CUES, LIMITATION_LANGUAGE_RE
from research.errors import UserFacingError
from research.schema import load_result

PASTED = """Remdesivir versus placebo in adults hospitalised with COVID-19

Abstract
We report a randomised, double-blind, placebo-controlled trial.

1. Introduction
Earlier work by Wang et al. suggested antiviral effects in vitro (Fig. 1). Remdesivir inhibits
viral RNA polymerase, i.e. it blocks replication.

2. Methods
This multicentre trial enrolled a total of 1,062 patients with COVID-19 pneumonia at 60 sites.
Patients were randomly assigned in a 1:1 ratio to remdesivir (remdesivir group) or placebo
(placebo group). Viral load was measured by RT-PCR. Time to recovery was analysed with
Kaplan-Meier curves and a Cox proportional hazards model on an intention-to-treat basis.
The trial was registered with ClinicalTrials.gov (NCT04280705).

3. Results
The median time to recovery was 10 days in the remdesivir group vs. 15 days in the placebo
group (rate ratio 1.29; 95% CI, 1.12 to 1.49; P<0.001). Mortality by day 29 was 11.4% and
15.2% (hazard ratio 0.73; 95% CI 0.52-1.03; p = 0.07). Patients on oxygen benefited most
(odds ratio, 1.45; n = 435). The standardised mean difference in symptom score was -0.31.

4. Discussion
Our findings support remdesivir in hospitalised adults. A limitation is that follow-up was
limited to 29 days, and selection bias cannot be excluded.

References
1. Someone A. A cited paper with P<0.0001 and OR 9.9. J Cit. 2019.
"""


def quotes(data):
    """Every quote in a deep dive's output."""
    model = data["scientific_model"]
    found = [a["quote"] for a in model["anchors"]]
    found += [m["quote"] for m in data["experimental_methods"]]
    found += [r["quote"] for r in data["results_interpretation"]["key_results"]]
    found += [n["quote"] for n in data["results_interpretation"]["limitations_biases"]]
    return found


def ignore(stage, percent):
    pass


def test_pasted_full_text(tmp_path):
    result = deep_dive(DeepDiveRequest(objective="remdesivir recovery", text=PASTED), ignore)
    data = result.to_dict()
    json.dumps(data)
    model = data["scientific_model"]
    assert model["study_design"] == "randomised controlled trial"
    assert model["blinding"] == "double-blind"
    assert model["randomisation"].startswith("randomised") and "1:1" in model["randomisation"]
    assert model["control_type"] == "placebo"
    assert model["sample_size"] == 1062
    assert model["arms"] == ["remdesivir", "placebo"]
    assert model["model_type"].startswith("human")
    assert any("Multicentre" in s for s in model["strengths"])
    assert any("NCT04280705" in s for s in model["strengths"])
    diagnostics = data["diagnostics"]
    assert diagnostics["source"] == "pasted_text"
    assert diagnostics["sections_detected"] == [
        "Abstract", "Introduction", "Methods", "Results", "Discussion", "References",
    ]  # fmt: skip

    techniques = {m["technique"] for m in data["experimental_methods"]}
    assert {"RT-PCR / qPCR", "Kaplan-Meier analysis", "Cox proportional hazards regression",
            "Intention-to-treat analysis"} <= techniques  # fmt: skip

    results = data["results_interpretation"]["key_results"]
    kinds = {(r["kind"], r["value"]) for r in results}
    assert ("p_value", "P<0.001") in kinds
    assert ("p_value", "p = 0.07") in kinds
    assert ("confidence_interval", "95% CI 1.12 to 1.49") in kinds
    assert ("confidence_interval", "95% CI 0.52 to 1.03") in kinds
    assert ("risk_ratio", "1.29") in kinds
    assert ("hazard_ratio", "0.73") in kinds
    assert ("odds_ratio", "1.45") in kinds
    assert ("sample_size", "435") in kinds
    assert ("effect_size", "-0.31") in kinds
    assert ("percentage", "11.4%") in kinds
    directions = {(r["kind"], r["value"]): r["direction"] for r in results}
    assert directions[("p_value", "p = 0.07")] == "not significant"
    assert directions[("confidence_interval", "95% CI 0.52 to 1.03")].startswith("includes")
    assert directions[("hazard_ratio", "0.73")] == "decrease"
    assert not any(r["value"] == "9.9" for r in results)  # the reference list is skipped

    notes = {n["text"] for n in data["results_interpretation"]["limitations_biases"]}
    assert {"Author-stated limitation", "Selection bias"} <= notes
    assert "remdesivir" in data["results_interpretation"]["relevance_to_objective"]

    for quote in quotes(data):
        assert quote in PASTED
    assert load_result("deep_dive", json.loads(json.dumps(data))).to_dict() == data


def test_library_abstract(sample_records):
    record = next(r for r in sample_records if r.pmid == "90000001")
    recorder = []
    data = deep_dive(
        DeepDiveRequest(objective="COVID-19 recovery", record=record),
        lambda stage, percent: recorder.append((stage, percent)),
    ).to_dict()
    assert data["pmid"] == "90000001" and data["title"] == record.title
    model = data["scientific_model"]
    assert model["study_design"] == "randomised controlled trial"
    assert model["sample_size"] == 412
    assert model["population"].startswith("412 hospitalised adults with COVID-19 pneumonia")
    assert data["diagnostics"]["source"] == "library_abstract"
    assert data["diagnostics"]["sections_detected"] == [
        "Introduction",
        "Methods",
        "Results",
        "Conclusions",
    ]
    source = f"{record.title} {record.abstract_text()}"
    for quote in quotes(data):
        assert quote in source
    percents = [p for _, p in recorder]
    assert percents == sorted(percents) and recorder[-1] == ("done", 100)


@pytest.mark.parametrize(
    ("pmid", "design", "model_type"),
    [
        ("90000002", "retrospective cohort study", "human"),
        ("90000005", "in vitro study", "human and in vitro"),
        ("90000006", "meta-analysis", "human"),
        ("90000007", "narrative review", "human"),
    ],
)
def test_study_design_detection(sample_records, pmid, design, model_type):
    record = next(r for r in sample_records if r.pmid == pmid)
    model = deep_dive(DeepDiveRequest(record=record), ignore).to_dict()["scientific_model"]
    assert model["study_design"] == design
    assert model["model_type"] == model_type


def test_in_vitro_methods_are_found(sample_records):
    record = next(r for r in sample_records if r.pmid == "90000005")
    data = deep_dive(DeepDiveRequest(record=record), ignore).to_dict()
    techniques = [m["technique"] for m in data["experimental_methods"]]
    assert techniques[:3] == ["Cell culture", "Flow cytometry", "RT-PCR / qPCR"] or {
        "Cell culture", "Flow cytometry", "ELISA", "RT-PCR / qPCR"} <= set(techniques)  # fmt: skip
    assert any("Preclinical" in x for x in data["scientific_model"]["limitations"]) is False


@pytest.mark.parametrize("text", ["", "   \n\t "])
def test_empty_text_is_a_readable_error(text):
    with pytest.raises(UserFacingError, match="paste"):
        deep_dive(DeepDiveRequest(text=text), ignore)


def test_record_without_abstract_is_a_readable_error(sample_records):
    record = next(r for r in sample_records if r.pmid == "90000003")
    with pytest.raises(UserFacingError, match="no abstract"):
        deep_dive(DeepDiveRequest(record=record), ignore)


def test_an_exception_from_progress_propagates():
    class Cancelled(Exception):
        pass

    def cancel(stage, percent):
        if stage == "results":
            raise Cancelled

    with pytest.raises(Cancelled):
        deep_dive(DeepDiveRequest(text=PASTED), cancel)


def test_same_input_same_output():
    first = deep_dive(DeepDiveRequest(objective="x", text=PASTED), ignore).to_dict()
    second = deep_dive(DeepDiveRequest(objective="x", text=PASTED), ignore).to_dict()
    first["diagnostics"].pop("timings_ms")
    second["diagnostics"].pop("timings_ms")
    assert first == second


def test_unstructured_text_still_yields_sentences():
    text = "Mice were treated with drug X. Tumour volume fell by 40% (p < 0.01)."
    data = deep_dive(DeepDiveRequest(text=text), ignore).to_dict()
    assert data["diagnostics"]["sections_detected"] == []
    assert data["scientific_model"]["study_design"] == "animal study"
    assert re.search("40%", json.dumps(data))


NON_BLINDED_SINGLE_CENTRE = (
    "Methods. This was a non-blinded study of 40 adults with asthma. It was conducted at a "
    "single-centre hospital in Leeds. Results. Symptoms improved in 30 patients (p = 0.01)."
)
# What each limitation the deep dive can name is read from: its quote must show one of these.
DESIGN_LIMITATION_CUES = {
    "Retrospective": re.compile(r"retrospective", re.I),
    "Open-label": re.compile(r"open[- ]label|unblinded|non-blinded", re.I),
    "Single centre": re.compile(r"single[- ]cent(?:re|er)|single institution", re.I),
}
PAIRING_TEXTS = [
    PASTED,
    NON_BLINDED_SINGLE_CENTRE,
    "This open label study enrolled 25 children at a single center. We retrospectively "
    "reviewed their charts. Cough fell by 20% (p = 0.03). Confounding cannot be excluded.",
    "A retrospective review of 80 patients. Patients were unblinded to the allocation. "
    "Treatment took place at a single institution. The small sample is a limitation.",
    "Participants (n = 12) received the drug in a single-center, open-label trial. "
    "Data were collected retrospectively. Heterogeneity between sites was high.",
]


def assert_each_limitation_has_its_own_quote(data, source):
    notes = data["results_interpretation"]["limitations_biases"]
    model = data["scientific_model"]
    stated = dict(LIMITATION_CUES)
    for note in notes:
        text, quote = note["text"], note["quote"]
        assert quote and quote in source, note
        if text == AUTHOR_STATED:  # named as such, or in the words of a limitation
            assert note["section"] == "Limitations" or LIMITATION_LANGUAGE_RE.search(quote), note
        elif text in stated:
            assert stated[text].search(quote), note
        elif text.startswith("Small sample"):
            assert str(model["sample_size"]) in quote.replace(",", ""), note
        else:
            cue = next(c for prefix, c in DESIGN_LIMITATION_CUES.items() if text.startswith(prefix))
            assert cue.search(quote), note
    named = {note["text"] for note in notes}
    for limitation in model["limitations"]:
        if limitation.startswith(("Small sample", *DESIGN_LIMITATION_CUES)):
            assert limitation in named, f"{limitation!r} has no quote"


def test_each_limitation_is_quoted_with_its_own_sentence():
    data = deep_dive(DeepDiveRequest(text=NON_BLINDED_SINGLE_CENTRE), ignore).to_dict()
    notes = {n["text"]: n["quote"] for n in data["results_interpretation"]["limitations_biases"]}
    open_label = next(q for t, q in notes.items() if t.startswith("Open-label"))
    assert open_label == "This was a non-blinded study of 40 adults with asthma."
    single = next(q for t, q in notes.items() if t.startswith("Single centre"))
    assert single == "It was conducted at a single-centre hospital in Leeds."
    assert_each_limitation_has_its_own_quote(data, NON_BLINDED_SINGLE_CENTRE)


@pytest.mark.parametrize("text", PAIRING_TEXTS)
def test_every_limitation_quote_shows_a_cue_of_that_limitation(text):
    data = deep_dive(DeepDiveRequest(text=text), ignore).to_dict()
    assert_each_limitation_has_its_own_quote(data, text)


def test_library_limitations_are_quoted_with_their_own_sentences(sample_records):
    for record in sample_records:
        if not record.abstract:
            continue
        data = deep_dive(DeepDiveRequest(record=record), ignore).to_dict()
        assert_each_limitation_has_its_own_quote(data, f"{record.title} {record.abstract_text()}")
