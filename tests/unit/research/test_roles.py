"""The sentence-role model: training, the shipped model's file and predictions, and its use in
reviews (key findings are results or conclusions, never background)."""

import gzip
import json

import pytest

from research import AbstractSection, InMemoryLibrary, read_pubmed
from research.cli import main
from research.deepdive import DeepDiveRequest, deep_dive
from research.review import ReviewRequest, generate_review
from research.roles import (
    MODEL_PATH,
    ROLES,
    RoleModel,
    RoleModelMissingError,
    abstract_features,
    evaluate,
    held_out,
    labelled_abstract,
    load_model,
    save_model,
    shipped_model,
    split_abstracts,
    train,
)
from research.sections import label_kind
from research.text import abstract_sentences
from tests.unit.research.conftest import FIXTURES, make_record

SAMPLE = FIXTURES / "sample_baseline.xml"


def sample_abstracts():
    training, testing = split_abstracts(read_pubmed(SAMPLE))
    return training + testing


def test_structured_abstracts_become_labelled_sentences():
    abstracts = sample_abstracts()
    assert len(abstracts) == 3
    trial = abstracts[0]
    assert trial[0] == (
        "Remdesivir inhibits the RNA polymerase of SARS-CoV-2 in vitro.",
        "BACKGROUND",
    )
    assert {role for _, role in trial} == {"BACKGROUND", "METHODS", "RESULTS", "CONCLUSIONS"}
    # An unstructured abstract teaches nothing.
    assert (
        labelled_abstract(make_record(abstract=(AbstractSection("UNASSIGNED", "", "A."),))) is None
    )


def test_training_on_the_fixture_learns_its_labels_and_is_reproducible(tmp_path):
    abstracts = sample_abstracts()
    model = train(abstracts, max_features=500)
    assert model.roles == ROLES
    assert 0 < len(model.weights) <= 500
    assert evaluate(model, abstracts).accuracy >= 0.9  # it fits what it was trained on
    first, second = tmp_path / "a.json.gz", tmp_path / "b.json.gz"
    save_model(model, first)
    save_model(train(abstracts, max_features=500), second)
    assert first.read_bytes() == second.read_bytes()
    assert load_model(first) == model


def test_training_refuses_a_single_role():
    with pytest.raises(ValueError, match="two roles"):
        train([[("One result.", "RESULTS"), ("Another result.", "RESULTS")]])


def test_held_out_split_is_seeded_and_about_a_tenth():
    pmids = [str(n) for n in range(10000, 12000)]
    share = sum(held_out(p) for p in pmids) / len(pmids)
    assert 0.07 < share < 0.13
    assert [held_out(p) for p in pmids] == [held_out(p) for p in pmids]
    assert [held_out(p, 1) for p in pmids] != [held_out(p) for p in pmids]


def test_features_hold_position_and_neighbours():
    first, last = abstract_features(["Asthma is common.", "We found 12% fewer attacks."])
    assert "w:asthma" in first and "p:first" in first and "nw:found" in first
    assert "pw:asthma" in last and "p:last" in last and "w:<num>" in last and "c:percent" in last


def test_loading_refuses_what_is_not_a_model(tmp_path):
    with pytest.raises(RoleModelMissingError, match="train-roles"):
        load_model(tmp_path / "absent.json.gz")
    for bad in (
        [],
        {"roles": ["A", "B"], "bias": [0, 0], "weights": {"w:x": [1]}},
        {"roles": ["A", "B"], "bias": [0, "nan"], "weights": {}},
    ):
        path = tmp_path / "bad.json.gz"
        path.write_bytes(gzip.compress(json.dumps(bad).encode()))
        with pytest.raises(ValueError):
            load_model(path)


def test_the_shipped_model_is_small_and_labels_plain_sentences():
    assert MODEL_PATH.stat().st_size < 1_000_000
    model = shipped_model()
    assert isinstance(model, RoleModel) and model.roles == ROLES
    abstract = [
        "Type 2 diabetes is a leading cause of morbidity and mortality worldwide.",
        "The aim of this study was to evaluate the effect of metformin on weight loss.",
        "We enrolled 240 adults in a randomized, double-blind, placebo-controlled trial.",
        "Weight fell by 4.2 kg with metformin and 0.8 kg with placebo (p < 0.001).",
        "These findings suggest that metformin should be considered for weight management.",
    ]
    assert model.predict(abstract) == list(ROLES)
    probabilities = model.probabilities(abstract)
    assert all(abs(sum(p.values()) - 1) < 1e-9 for p in probabilities)


UNSTRUCTURED = make_record(
    pmid="80000001",
    title="Remdesivir and recovery in hospitalised COVID-19 patients.",
    abstract=(
        AbstractSection(
            "UNASSIGNED",
            "",
            "COVID-19 continues to spread globally and remdesivir treatment of COVID-19 is widely "
            "discussed. The aim of this study was to assess remdesivir in COVID-19. We reviewed "
            "the records of 310 hospitalised patients. Patients given remdesivir recovered 3 days "
            "sooner than those who were not (p = 0.004). Remdesivir treatment may shorten "
            "recovery from COVID-19.",
        ),
    ),
)


def finding_roles(data, library):
    """The role of each executive-summary finding: its label if labelled, else the model's."""
    roles = []
    for anchor in data["executive_summary_anchors"]:
        kind = label_kind(anchor["section"])
        if kind in ROLES:
            roles.append(kind)
            continue
        record = library.get_many([anchor["pmid"]])[anchor["pmid"]]
        texts = [s.text for s in abstract_sentences(record.abstract)]
        roles.append(shipped_model().predict(texts)[texts.index(anchor["quote"])])
    return roles


def test_key_findings_are_results_not_background():
    library = InMemoryLibrary([UNSTRUCTURED])
    data = generate_review(ReviewRequest("remdesivir COVID-19"), library, lambda *_: None).to_dict()
    quotes = [a["quote"] for a in data["executive_summary_anchors"]]
    # The background sentence names remdesivir and COVID-19 twice and comes first; the finding
    # is a later result or conclusion.
    assert quotes and quotes[0] in UNSTRUCTURED.abstract_text()
    assert quotes[0].startswith(("Patients given remdesivir", "Remdesivir treatment may"))
    assert not any("continues to spread" in q or "The aim" in q for q in quotes)
    paper = data["papers"][0]
    assert "continues to spread" not in paper["summary"]
    assert paper["fact_anchors"][0]["quote"] == quotes[0]  # the paper's best, not its first
    assert set(finding_roles(data, library)) <= {"RESULTS", "CONCLUSIONS"}


def test_a_paper_of_background_alone_gives_no_finding():
    record = make_record(
        title="Remdesivir in COVID-19.",
        abstract=(
            AbstractSection("BACKGROUND", "BACKGROUND", "Remdesivir is used in COVID-19."),
            AbstractSection("OBJECTIVE", "OBJECTIVE", "We review remdesivir in COVID-19."),
        ),
    )
    data = generate_review(
        ReviewRequest("remdesivir COVID-19"), InMemoryLibrary([record]), lambda *_: None
    ).to_dict()
    assert data["papers"] and data["executive_summary_anchors"] == []
    assert "Key findings" not in data["executive_summary"]


def test_sample_review_findings_are_results_or_conclusions(sample_library):
    request = ReviewRequest("antiviral COVID-19 mortality", molecule="remdesivir")
    data = generate_review(request, sample_library, lambda *_: None).to_dict()
    assert data["executive_summary_anchors"]
    assert set(finding_roles(data, sample_library)) <= {"RESULTS", "CONCLUSIONS"}


def test_deep_dive_reads_an_unstructured_abstract_by_role():
    text = (
        "A previous meta-analysis suggested that statins lower the risk of sepsis. "
        "We conducted a retrospective cohort study of 5,000 adults admitted to two hospitals. "
        "Sepsis occurred in 4.1% of statin users and 6.3% of non-users (adjusted odds ratio "
        "0.71, 95% CI 0.60-0.84). Statin use was associated with a lower risk of sepsis."
    )
    record = make_record(
        title="Statins and sepsis in hospitalised adults.",
        abstract=(AbstractSection("UNASSIGNED", "", text),),
        publication_types=(),
    )
    dive = deep_dive(DeepDiveRequest(objective="statins sepsis", record=record), lambda *_: None)
    # The Introduction's meta-analysis is someone else's study: the design comes from Methods.
    assert dive.scientific_model.study_design == "retrospective cohort study"
    assert dive.diagnostics.sections_detected == (
        "Introduction",
        "Methods",
        "Results",
        "Conclusions",
    )
    assert all(a.quote in text for a in dive.scientific_model.anchors)


def test_nlm_categories_are_the_truth_whatever_the_labels_say():
    record = make_record(
        title="Remdesivir in COVID-19.",
        abstract=(
            AbstractSection(
                "BACKGROUND",
                "WHAT IS KNOWN",
                "Remdesivir lowered COVID-19 mortality by 30% (p = 0.01) in earlier trials.",
            ),
            AbstractSection("METHODS", "STUDY", "We followed 80 adults given remdesivir."),
            AbstractSection(
                "CONCLUSIONS", "SIGNIFICANCE", "Remdesivir was well tolerated in COVID-19."
            ),
        ),
    )
    data = generate_review(
        ReviewRequest("remdesivir COVID-19 mortality"), InMemoryLibrary([record]), lambda *_: None
    ).to_dict()
    assert [a["quote"] for a in data["executive_summary_anchors"]] == [
        "Remdesivir was well tolerated in COVID-19."
    ]
    assert "earlier trials" not in data["papers"][0]["summary"]


def test_the_train_roles_command_writes_a_model_it_can_load(tmp_path, capsys):
    out = tmp_path / "roles.json.gz"
    assert main(["train-roles", "--library", str(SAMPLE), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "trained on" in printed and f"wrote {out}" in printed
    assert load_model(out).roles == ROLES
    assert main(["train-roles", "--library", str(tmp_path / "absent.xml")]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["train-roles", "--library", str(FIXTURES / "not_pubmed.xml")]) == 2
    assert "not_pubmed.xml" in capsys.readouterr().err
