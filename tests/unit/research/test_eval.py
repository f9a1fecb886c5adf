"""The evaluation's metrics (bench/eval.py) on tiny inputs whose answers are known."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from bench import eval as bench_eval  # noqa: E402
from research.records import AbstractSection, MeshTerm, PaperRecord  # noqa: E402


def make_record(**overrides: object) -> PaperRecord:
    fields: dict[str, object] = {
        "pmid": "1",
        "title": "Remdesivir in hospitalised adults.",
        "abstract": (
            AbstractSection("BACKGROUND", "BACKGROUND", "COVID-19 continues to spread."),
            AbstractSection("RESULTS", "FINDINGS", "Remdesivir shortened recovery by 5 days."),
        ),
        "mesh": (MeshTerm("Humans", False), MeshTerm("Antiviral Agents", True)),
        "chemicals": ("remdesivir",),
        "publication_types": ("Journal Article", "Randomized Controlled Trial"),
    }
    fields.update(overrides)
    return PaperRecord(**fields)  # type: ignore[arg-type]


def test_precision_at_k_counts_hits_in_the_first_k_and_missing_places_as_misses() -> None:
    assert bench_eval.precision_at_k(["a", "b", "c", "d"], {"a", "c", "z"}, 2) == 0.5
    assert bench_eval.precision_at_k(["a", "b", "c", "d"], {"a", "c", "z"}, 4) == 0.5
    assert bench_eval.precision_at_k(["a"], {"a"}, 4) == 0.25
    assert bench_eval.precision_at_k([], {"a"}, 8) == 0.0


def test_paired_bootstrap_gives_the_mean_difference_inside_its_interval() -> None:
    engine = [1.0, 0.9, 0.8, 1.0, 0.7, 0.9, 1.0, 0.8]
    baseline = [0.5, 0.6, 0.4, 0.5, 0.6, 0.5, 0.4, 0.6]
    diff, low, high = bench_eval.paired_bootstrap(engine, baseline, resamples=500)
    assert diff == pytest.approx(0.375)
    assert 0 < low <= diff <= high
    assert bench_eval.paired_bootstrap(engine, baseline, resamples=500) == (diff, low, high)


def test_paired_bootstrap_interval_spans_zero_when_differences_cancel() -> None:
    diff, low, high = bench_eval.paired_bootstrap([1, 0, 1, 0, 1, 0], [0, 1, 0, 1, 0, 1])
    assert diff == 0
    assert low < 0 < high


def test_paired_bootstrap_refuses_unpaired_input() -> None:
    with pytest.raises(ValueError):
        bench_eval.paired_bootstrap([1.0, 0.0], [1.0])


def test_without_indexing_strips_mesh_and_chemicals_only() -> None:
    record = make_record()
    stripped = bench_eval.without_indexing(record)
    assert stripped.mesh == () and stripped.chemicals == ()
    assert stripped.abstract == record.abstract
    assert stripped.publication_types == record.publication_types
    assert record.mesh  # the original is left as it was


def test_without_labels_merges_a_structured_abstract_into_one_unlabelled_section() -> None:
    merged = bench_eval.without_labels(make_record())
    assert merged.abstract == (
        AbstractSection(
            "UNASSIGNED",
            "",
            "COVID-19 continues to spread. Remdesivir shortened recovery by 5 days.",
        ),
    )
    plain = make_record(abstract=(AbstractSection("UNASSIGNED", "", "One text."),))
    assert bench_eval.without_labels(plain) is plain


def test_without_publication_types_withholds_the_design_signals() -> None:
    record = bench_eval.without_publication_types(make_record())
    assert record.publication_types == () and record.mesh == ()


def test_true_role_reads_the_label_of_the_section_holding_the_quote() -> None:
    record = make_record()
    assert bench_eval.true_role("shortened recovery by 5 days", record) == "RESULTS"
    assert bench_eval.true_role("continues to spread", record) == "BACKGROUND"
    assert bench_eval.true_role("hospitalised adults", record) == "TITLE"
    assert bench_eval.true_role("not in the paper", record) == "MISSING"
    plain = make_record(abstract=(AbstractSection("UNASSIGNED", "", "One text."),))
    assert bench_eval.true_role("One text.", plain) == "UNLABELLED"


def test_names_concept_matches_whole_words_case_insensitively() -> None:
    assert bench_eval.names_concept("REMDESIVIR was given", ("remdesivir",))
    assert bench_eval.names_concept("two steroids", ("steroid",))
    assert bench_eval.names_concept("chest CT showed", ("CT",))
    assert not bench_eval.names_concept("the ACT trial", ("CT",))
    assert not bench_eval.names_concept("anti-remdesivir-like", ("remdesivir",))
    assert not bench_eval.names_concept("hydroxychloroquine", ("chloroquine",))


def test_design_truth_takes_the_strongest_design_bearing_type() -> None:
    types = ("Clinical Trial", "Randomized Controlled Trial")
    truth = bench_eval.design_truth(make_record(publication_types=types))
    assert truth is not None and truth[0] == "Randomized Controlled Trial"
    assert bench_eval.design_truth(make_record(publication_types=("Journal Article",))) is None


def test_choose_descriptors_is_seeded_and_keeps_to_the_band_without_check_tags() -> None:
    counts = Counter({f"D{i}": 20 + i for i in range(100)} | {"Humans": 50, "Male": 60})
    chosen = bench_eval.choose_descriptors(counts, n=10, low=25, high=60)
    assert chosen == bench_eval.choose_descriptors(counts, n=10, low=25, high=60)
    assert len(chosen) == 10
    assert all(25 <= counts[d] <= 60 and d not in {"Humans", "Male"} for d in chosen)


def test_committed_query_sets_have_the_promised_size() -> None:
    from bench.eval_queries import FINDING_OBJECTIVES, REVIEW_QUERIES

    assert len(REVIEW_QUERIES) >= 40
    assert len({d for d, _ in REVIEW_QUERIES}) == len(REVIEW_QUERIES)
    assert len(FINDING_OBJECTIVES) == 30
    assert any(o == "remdesivir treatment outcomes in COVID-19" for o, _ in FINDING_OBJECTIVES)
    assert all(terms for _, terms in FINDING_OBJECTIVES)


def test_write_eval_section_keeps_the_rest_of_the_file_and_each_keys_part(tmp_path: Path) -> None:
    results = tmp_path / "RESULTS.md"
    results.write_text("# Benchmark results\n\n## SQLite\nfigures\n\n## Findings\nprose\n")
    bench_eval.write_eval_section("previous", "### previous\nold table", results)
    bench_eval.write_eval_section("current", "### current\nfirst-run-table", results)
    bench_eval.write_eval_section("current", "### current\nsecond", results)
    text = results.read_text()
    assert text.startswith("# Benchmark results\n\n## SQLite\nfigures\n\n<!-- bench:eval:start -->")
    assert text.endswith("<!-- bench:eval-current:end -->\n\n## Findings\nprose\n")
    assert text.count(bench_eval.EVAL_INTRO) == 1
    assert "old table" in text and "second" in text and "first-run-table" not in text
    assert text.index("old table") < text.index("second")


def test_located_section_and_is_limitations_read_the_section_label() -> None:
    record = make_record(
        abstract=(
            AbstractSection("RESULTS", "RESULTS", "Mortality fell."),
            AbstractSection("CONCLUSIONS", "LIMITATIONS", "The sample was small."),
        )
    )
    section = bench_eval.located_section("sample was small", record)
    assert section is not None and bench_eval.is_limitations(section)
    assert not bench_eval.is_limitations(bench_eval.located_section("Mortality fell", record))
    assert not bench_eval.is_limitations(bench_eval.located_section("absent", record))
