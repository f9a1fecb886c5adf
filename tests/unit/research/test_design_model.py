"""The study-design model: labels from publication types, the held-out split, training, and
the shipped model's file and predictions."""

import gzip
import json
import time

import pytest

from research.design import assess_evidence, classify_design
from research.design_model import (
    CLASSES,
    HELD_OUT_PERCENT,
    MODEL_PATH,
    NOT_A_STUDY_CLASS,
    OTHER_CLASS,
    DesignModel,
    DesignModelMissingError,
    Example,
    design_features,
    design_label,
    evaluate,
    held_out,
    load_model,
    save_model,
    shipped_model,
    split_examples,
    train,
)
from research.records import AbstractSection
from research.text import split_sentences
from tests.unit.research.conftest import make_record

# A case report that names itself nowhere: no "case report", "a case of" or "year-old".
PLAIN_CASE_REPORT = (
    "Hepatic abscess due to Yersinia enterocolitica in a diabetic woman.",
    "A woman with long-standing diabetes mellitus was admitted with fever, right upper quadrant "
    "pain and jaundice. Ultrasonography showed a solitary abscess in the right lobe of the liver. "
    "Yersinia enterocolitica was isolated from the pus and from blood cultures. She recovered "
    "after surgical drainage and six weeks of antibiotic treatment. The literature on hepatic "
    "involvement in yersiniosis is discussed.",
)


@pytest.mark.parametrize(
    ("types", "label"),
    [
        (["Journal Article", "Clinical Trial", "Randomized Controlled Trial"],
         "randomised controlled trial"),
        (["Clinical Trial", "Controlled Clinical Trial"], "non-randomised clinical trial"),
        (["Review", "Case Reports"], "narrative review"),
        (["Case Reports", "Comparative Study"], "case report"),
        (["Comparative Study", "Journal Article"], "comparative study"),
        (["Historical Article", "Journal Article"], NOT_A_STUDY_CLASS),
        (["Journal Article", "Research Support, U.S. Gov't, P.H.S."], OTHER_CLASS),
    ],
)  # fmt: skip
def test_a_record_is_labelled_by_its_strongest_design_type(types, label):
    assert design_label(types) == label


def test_held_out_split_is_seeded_and_about_the_set_share():
    pmids = [str(n) for n in range(100_000, 110_000)]
    chosen = [p for p in pmids if held_out(p)]
    assert chosen == [p for p in pmids if held_out(p)]  # the same every time
    assert abs(len(chosen) / len(pmids) - HELD_OUT_PERCENT / 100) < 0.01
    assert chosen != [p for p in pmids if held_out(p, seed=13)]  # the seed changes it


def test_split_keeps_typed_records_with_text_and_holds_out_by_pmid():
    text = "Patients were studied and compared with controls over several weeks " * 4
    records = [
        make_record(pmid=str(n), abstract=(AbstractSection("UNASSIGNED", "", text),))
        for n in range(200, 260)
    ]
    records.append(make_record(pmid="999", publication_types=()))  # untyped: teaches nothing
    records.append(make_record(pmid="998", abstract=()))  # no text: teaches nothing
    training, testing = split_examples(records)
    assert len(training) + len(testing) == 60
    assert all(held_out(e.pmid) for e in testing)
    assert not any(held_out(e.pmid) for e in training)


def test_features_are_title_words_text_words_and_word_pairs():
    features = design_features("A case of gout.", "He was 62 years old.")
    assert {"t:case", "w:case", "w:old", "b:was_<num>", "b:gout_he"} <= features
    assert "t:old" not in features


def _examples(count, label, words):
    return [
        Example(f"{label}{i}", f"{words} {i}", f"{words} seen in patient number {i}.", label)
        for i in range(count)
    ]


def test_training_learns_its_labels_and_is_reproducible(tmp_path):
    examples = _examples(30, "case report", "unusual presentation man admitted") + _examples(
        30, OTHER_CLASS, "enzyme kinetics measured in purified fractions"
    )
    model = train(examples, max_features=200)
    assert model.classes == ("case report", OTHER_CLASS)
    assert 0 < len(model.weights) <= 200
    assert evaluate(model, examples).accuracy == 1.0
    first, second = tmp_path / "a.json.gz", tmp_path / "b.json.gz"
    save_model(model, first)
    save_model(train(examples, max_features=200), second)
    assert first.read_bytes() == second.read_bytes()
    assert load_model(first) == model


def test_training_refuses_a_single_design():
    with pytest.raises(ValueError, match="at least two designs"):
        train(_examples(40, OTHER_CLASS, "enzyme kinetics"))


def test_loading_refuses_what_is_not_a_model(tmp_path):
    with pytest.raises(DesignModelMissingError, match="train-design"):
        load_model(tmp_path / "absent.json.gz")
    for bad in (
        [],
        {"classes": ["case report", "other"], "bias": [0, 0], "weights": {"w:x": [1]}},
        {"classes": ["case report", "other"], "bias": [0, "nan"], "weights": {}},
        {"classes": ["astrology", "other"], "bias": [0, 0], "weights": {}},
    ):
        path = tmp_path / "bad.json.gz"
        path.write_bytes(gzip.compress(json.dumps(bad).encode()))
        with pytest.raises(ValueError):
            load_model(path)


def test_the_shipped_model_is_small_plain_json_of_known_designs():
    assert MODEL_PATH.stat().st_size < 300_000
    data = json.loads(gzip.decompress(MODEL_PATH.read_bytes()))
    assert set(data) == {"classes", "bias", "weights"}
    model = shipped_model()
    assert isinstance(model, DesignModel)
    assert {"case report", "narrative review", "comparative study", OTHER_CLASS} <= set(
        model.classes
    )
    assert set(model.classes) <= set(CLASSES)


def test_the_shipped_model_reads_a_plain_case_report_as_one():
    title, text = PLAIN_CASE_REPORT
    assert shipped_model().predict(title, text) == "case report"
    found = classify_design(title=title, sentences=split_sentences(text), text_source="abstract")
    assert (found.design.name, found.source) == ("case report", "abstract")


def test_a_title_alone_is_not_read_by_the_model():
    found = classify_design(title=PLAIN_CASE_REPORT[0], sentences=split_sentences("Fever."))
    assert found.design.name == "not determined"


def test_a_trusted_publication_type_wins_over_the_model():
    title, text = PLAIN_CASE_REPORT
    record = make_record(
        title=title,
        abstract=(AbstractSection("UNASSIGNED", "", text),),
        publication_types=("Journal Article", "Review"),
    )
    found = assess_evidence(record)
    assert (found.design.name, found.source) == ("narrative review", "publication type")


def test_assessing_a_record_is_cheap():
    title, text = PLAIN_CASE_REPORT
    record = make_record(
        title=title, abstract=(AbstractSection("UNASSIGNED", "", text),), publication_types=()
    )
    assess_evidence(record)  # the model is read once
    started = time.perf_counter()
    for _ in range(200):
        assess_evidence(record)
    # Well under a millisecond on a quiet machine; the bound leaves room for a busy one.
    assert (time.perf_counter() - started) / 200 < 0.005
