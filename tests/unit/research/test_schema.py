"""The result schema: what the engine returns is what is stored, read back and upgraded."""

import json
from dataclasses import replace

import pytest

from research import (
    SCHEMA_VERSION,
    DeepDiveRequest,
    DeepDiveResult,
    ImportResult,
    ReviewRequest,
    ReviewResult,
    deep_dive,
    generate_review,
    ignore_progress,
    load_result,
)
from research.llm import extractive
from research.schema import FactAnchor, ResultSchemaError, Synthesis, json_schema

COVID = ReviewRequest("remdesivir treatment outcomes COVID-19", molecule="remdesivir")


@pytest.fixture
def review(sample_library) -> ReviewResult:
    return generate_review(COVID, sample_library, ignore_progress)


@pytest.fixture
def dive(sample_library) -> DeepDiveResult:
    record = sample_library.get_many(["90000001"])["90000001"]
    return deep_dive(DeepDiveRequest(objective="recovery", record=record), ignore_progress)


def stored(result) -> dict:
    """The result as it comes back from a JSON column."""
    return json.loads(json.dumps(result.to_dict()))


def version_1(data: dict) -> dict:
    """A review as the worker stored it before schema versions: no version, and source,
    synthesis and from_project added to the engine's dict as keys after serialising."""
    data = json.loads(json.dumps(data))
    del data["schema_version"]
    return data


def test_results_carry_their_schema_version(review, dive):
    assert SCHEMA_VERSION == 2
    assert stored(review)["schema_version"] == 2 and stored(dive)["schema_version"] == 2


def test_review_round_trips_through_json(review):
    web = replace(extractive(review, "No language model is configured."), source="both")
    loaded = load_result("review", stored(web))
    assert loaded == web
    assert loaded.to_dict() == web.to_dict()
    assert loaded.synthesis == Synthesis(used="extractive", note="No language model is configured.")


def test_deep_dive_round_trips_through_json(dive):
    assert load_result("deep_dive", stored(dive)) == dive


def without_sections(data: dict) -> dict:
    """A deep dive as stored before its quotes named the section they were read from."""
    data = json.loads(json.dumps(data))
    quoted = [*data["scientific_model"]["anchors"], *data["experimental_methods"]]
    quoted += data["results_interpretation"]["key_results"]
    quoted += data["results_interpretation"]["limitations_biases"]
    for item in quoted:
        del item["section"]
    return data


def test_deep_dive_quotes_name_their_section(dive):
    anchors = dive.scientific_model.anchors
    assert anchors and all(anchor.section for anchor in anchors)
    assert {a.section for a in anchors if a.field == "sample_size"} == {"Methods"}


@pytest.mark.parametrize("version", [1, 2])
def test_deep_dive_stored_before_quotes_named_their_section_loads(dive, version):
    data = without_sections(dive.to_dict())
    if version == 1:
        data = version_1(data)
    loaded = load_result("deep_dive", data)
    assert loaded.schema_version == SCHEMA_VERSION
    assert [a.quote for a in loaded.scientific_model.anchors] == [
        a.quote for a in dive.scientific_model.anchors
    ]
    assert all(a.section == "" for a in loaded.scientific_model.anchors)
    assert all(k.section == "" for k in loaded.results_interpretation.key_results)


def test_the_stored_json_keeps_its_shape(review):
    data = stored(extractive(review, "No language model is configured."))
    assert set(data) == {
        "objective", "molecule", "preference", "full_text_only", "queries", "papers", "groups",
        "executive_summary", "executive_summary_anchors", "year_distribution", "diagnostics",
        "source", "synthesis", "schema_version",
    }  # fmt: skip
    assert data["source"] == "library"
    assert all(paper["from_project"] is False for paper in data["papers"])
    # Without a language model the synthesis record is what the worker always stored.
    assert data["synthesis"] == {"used": "extractive", "note": "No language model is configured."}


def test_a_language_model_synthesis_records_its_model_and_parts(review):
    synthesis = Synthesis(
        used="llm", note="Checked.", model="m", parts={"executive_summary": "llm"}
    )
    data = stored(replace(review, synthesis=synthesis))
    assert data["synthesis"] == {
        "used": "llm",
        "model": "m",
        "note": "Checked.",
        "parts": {"executive_summary": "llm"},
    }


def test_version_1_review_is_upgraded(review):
    data = version_1(review.to_dict())
    for key in ("source", "synthesis"):
        data.pop(key)
    for paper in data["papers"]:
        paper.pop("from_project")
    for key in ("duplicates_removed", "weights", "timings_ms", "engine_version"):
        data["diagnostics"].pop(key)
    loaded = load_result("review", data)
    assert loaded.schema_version == SCHEMA_VERSION
    assert loaded.source == "library" and loaded.synthesis is None
    assert not any(paper.from_project for paper in loaded.papers)
    assert loaded.papers == tuple(replace(p, from_project=False) for p in review.papers)
    assert loaded.diagnostics.duplicates_removed == 0 and loaded.diagnostics.engine_version == ""


def test_version_1_review_as_the_worker_stored_it_keeps_what_it_had(review):
    data = version_1(review.to_dict())
    data["source"] = "pubmed"
    data["synthesis"] = {"used": "extractive", "note": "No language model is configured."}
    data["papers"][0]["from_project"] = True
    loaded = load_result("review", data)
    assert loaded.source == "pubmed" and loaded.papers[0].from_project
    assert loaded.synthesis == Synthesis(used="extractive", note="No language model is configured.")


def test_version_1_deep_dive_and_import_are_upgraded(dive):
    data = version_1(dive.to_dict())
    data["diagnostics"].pop("timings_ms")
    assert load_result("deep_dive", data).scientific_model == dive.scientific_model
    imported = load_result(
        "import",
        {
            "filename": "refs.ris",
            "format": "ris",
            "entries": 3,
            "duplicates_merged": 1,
            "skipped": [{"entry": 3, "label": "", "reason": "no title"}],
            "added": 1,
            "updated": 0,
            "already_present": 1,
        },
    )
    assert isinstance(imported, ImportResult)
    assert imported.skipped[0].reason == "no title" and imported.already_present == 1


def test_unknown_key_is_refused_by_name(review):
    data = stored(review)
    data["papers"][0]["score"] = 1
    with pytest.raises(ResultSchemaError, match=r"papers\.0\.score"):
        load_result("review", data)


def test_wrong_type_is_refused_by_field(review):
    data = stored(review)
    data["papers"][0]["rank"] = "first"
    with pytest.raises(ResultSchemaError, match=r"papers\.0\.rank"):
        load_result("review", data)


def test_missing_field_is_refused(dive):
    data = stored(dive)
    del data["scientific_model"]
    with pytest.raises(ResultSchemaError, match="scientific_model"):
        load_result("deep_dive", data)


def test_a_newer_version_is_refused_not_guessed(review):
    data = dict(stored(review), schema_version=SCHEMA_VERSION + 1)
    with pytest.raises(ResultSchemaError, match="schema version 3"):
        load_result("review", data)


def test_kinds_are_not_mixed_up(review, dive):
    assert load_result("review", review) is review
    with pytest.raises(ResultSchemaError, match="not a deep_dive result"):
        load_result("deep_dive", review)
    with pytest.raises(ResultSchemaError, match="No result schema"):
        load_result("paper", stored(dive))


def test_the_engine_cannot_build_a_result_of_the_wrong_shape():
    with pytest.raises(ValueError, match="FactAnchor"):
        FactAnchor("90000001", "RESULTS", None)


def test_json_schema_describes_the_stored_keys(review):
    schema = json_schema("review")
    assert set(schema["properties"]) == set(stored(review))
    assert schema["additionalProperties"] is False
    assert schema["properties"]["schema_version"]["default"] == SCHEMA_VERSION
    assert {"filename", "added", "skipped"} <= set(json_schema("import")["properties"])
