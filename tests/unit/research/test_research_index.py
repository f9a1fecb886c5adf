"""The BM25 index: build, search, ties, filters, save and load."""

import pytest

from research import CombinedLibrary, InMemoryLibrary, SearchIndex
from tests.unit.research.conftest import make_record


def test_search_finds_stemmed_terms_in_title_abstract_and_mesh(sample_records):
    index = SearchIndex.build(sample_records)
    assert len(index) == 6
    assert index.search("remdesivir")[0][0] in {"90000001", "90000003", "90000005", "90000006"}
    assert index.search("asthmatic exacerbation")[0][0] == "90000002"
    assert index.search("Antiviral Agents")[0][0] in {"90000001", "90000006"}
    assert index.search("quantum chromodynamics") == []
    assert index.search("") == []


def test_ties_break_by_pmid_in_numeric_order():
    records = [
        make_record(pmid=p, title="Identical title about sepsis.") for p in ("900", "85", "1000")
    ]
    index = SearchIndex.build(records)
    assert [p for p, _ in index.search("sepsis")] == ["85", "900", "1000"]


def test_search_is_deterministic_and_limited_to_k(sample_records):
    index = SearchIndex.build(sample_records)
    first = index.search("remdesivir COVID-19", k=3)
    assert len(first) == 3
    assert first == index.search("remdesivir COVID-19", k=3)
    assert [s for _, s in first] == sorted((s for _, s in first), reverse=True)


def test_allowed_filters_results(sample_records):
    index = SearchIndex.build(sample_records)
    found = index.search("remdesivir", allowed=index.has_pmcid)
    assert {p for p, _ in found} == {"90000001", "90000005"}


def test_duplicate_pmid_keeps_the_last_record():
    index = SearchIndex.build(
        [make_record(pmid="1", title="Old title on gout."), make_record(pmid="1", title="Lupus.")]
    )
    assert len(index) == 1
    assert index.search("gout") == []
    assert index.search("lupus")[0][0] == "1"


def test_save_and_load_round_trip(sample_records, tmp_path):
    index = SearchIndex.build(sample_records, fingerprint="abc")
    index.save(tmp_path / "index")
    loaded = SearchIndex.load(tmp_path / "index")
    assert loaded.fingerprint == "abc"
    assert len(loaded) == len(index)
    assert loaded.search("remdesivir COVID-19") == index.search("remdesivir COVID-19")
    assert loaded.has_pmcid("90000001") and not loaded.has_pmcid("90000002")


def test_saving_again_replaces_the_index_and_cleans_up(sample_records, tmp_path):
    directory = tmp_path / "index"
    SearchIndex.build(sample_records[:2], fingerprint="one").save(directory)
    SearchIndex.build(sample_records, fingerprint="two").save(directory)
    assert SearchIndex.load(directory).fingerprint == "two"
    versions = [p for p in directory.iterdir() if p.is_dir()]
    assert len(versions) == 1


def test_load_missing_index_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        SearchIndex.load(tmp_path / "nowhere")


def test_empty_index_builds_saves_and_searches(tmp_path):
    index = SearchIndex.build([])
    assert len(index) == 0 and index.search("anything") == []
    index.save(tmp_path / "index")
    assert len(SearchIndex.load(tmp_path / "index")) == 0


def test_a_combined_search_keeps_a_small_librarys_hits_beside_a_large_ones():
    large = InMemoryLibrary(
        make_record(pmid=str(1000 + i), title=f"Relapse rates in cohort {i} of a relapse study")
        for i in range(30)
    )
    small = InMemoryLibrary([make_record(pmid="title:0123456789ab", title="Zyxomycin and relapse")])
    found = dict(CombinedLibrary(large, small).search("zyxomycin relapse", 10))
    assert "title:0123456789ab" in found  # its own index's score is not comparable, yet kept
    assert len(found) == 11
