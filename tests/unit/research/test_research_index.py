"""The BM25 index: build, search, ties, filters, save and load."""

import json

import numpy as np
import pytest

from research import CombinedLibrary, InMemoryLibrary, SearchIndex
from research.version import INDEX_FORMAT
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


@pytest.mark.parametrize("mmap", [False, True])
def test_empty_index_round_trips(tmp_path, mmap):
    SearchIndex.build([]).save(tmp_path / "index")
    loaded = SearchIndex.load(tmp_path / "index", mmap=mmap)
    assert len(loaded) == 0 and list(loaded.pmids) == []
    assert loaded.search("anything") == [] and "1" not in loaded
    assert not loaded.has_pmcid("1")


QUERIES = ["remdesivir", "remdesivir COVID-19", "asthmatic exacerbation", "sepsis", "relapse"]


def tied_records():
    """Papers with the same text under PMIDs whose text order is not their numeric order."""
    return [
        make_record(pmid=p, title="Identical title about sepsis and relapse.")
        for p in ("900", "85", "1000", "9", "10000", "899")
    ]


def test_a_memory_mapped_index_searches_as_the_built_one(sample_records, tmp_path):
    built = SearchIndex.build(sample_records + tied_records(), fingerprint="abc")
    built.save(tmp_path / "index")
    mapped = SearchIndex.load(tmp_path / "index", mmap=True)
    in_memory = SearchIndex.load(tmp_path / "index")
    assert isinstance(mapped.pmids, np.memmap) and not isinstance(in_memory.pmids, np.memmap)
    assert mapped.fingerprint == "abc" and len(mapped) == len(built) == 12
    for query in QUERIES:
        expected = built.search(query)
        assert expected, query
        assert mapped.search(query) == in_memory.search(query) == expected
        assert mapped.search(query, k=2, allowed=mapped.has_pmcid) == built.search(
            query, k=2, allowed=built.has_pmcid
        )
    ties = [p for p, _ in mapped.search("sepsis")]
    assert ties == ["9", "85", "899", "900", "1000", "10000"]
    assert all(type(p) is str for p in ties)


@pytest.mark.parametrize("mmap", [False, True])
def test_membership_and_full_text_on_a_loaded_index(sample_records, tmp_path, mmap):
    SearchIndex.build(sample_records + tied_records()).save(tmp_path / "index")
    loaded = SearchIndex.load(tmp_path / "index", mmap=mmap)
    assert "90000001" in loaded and "85" in loaded and "10000" in loaded
    for absent in ("8", "86", "90000000", "900000010", "", 85, None):
        assert absent not in loaded
    assert loaded.has_pmcid("90000001") and loaded.has_pmcid("90000005")
    assert not loaded.has_pmcid("90000002") and not loaded.has_pmcid("85")
    assert not loaded.has_pmcid("12345")
    assert set(loaded.pmids) == {r.pmid for r in sample_records + tied_records()}


def test_version_names_the_saved_directory(sample_records, tmp_path):
    directory = tmp_path / "index"
    assert SearchIndex.current_version(directory) is None
    index = SearchIndex.build(sample_records)
    assert index.version == ""
    index.save(directory)
    assert index.version.startswith(f"v{INDEX_FORMAT}-") and (directory / index.version).is_dir()
    assert SearchIndex.current_version(directory) == index.version
    assert SearchIndex.load(directory, mmap=True).version == index.version
    newer = SearchIndex.build(sample_records[:2])
    newer.save(directory)
    assert newer.version not in {"", index.version}
    assert SearchIndex.current_version(directory) == newer.version
    assert SearchIndex.load(directory).version == newer.version


@pytest.mark.parametrize("mmap", [False, True])
def test_an_index_in_the_older_format_is_refused(sample_records, tmp_path, mmap):
    directory = tmp_path / "index"
    old = directory / "v1-0123456789abcdef"
    old.mkdir(parents=True)
    (old / "meta.json").write_text(json.dumps({"format": 1, "fingerprint": "abc"}))
    (old / "pmids.json").write_text(json.dumps([r.pmid for r in sample_records]))
    np.save(old / "has_pmcid.npy", np.zeros(len(sample_records), dtype=bool))
    (directory / "CURRENT").write_text(old.name)
    assert SearchIndex.current_version(directory) == old.name
    with pytest.raises(FileNotFoundError):
        SearchIndex.load(directory, mmap=mmap)
    SearchIndex.build(sample_records).save(directory)
    assert not old.exists()
    assert len(SearchIndex.load(directory, mmap=mmap)) == len(sample_records)


def test_a_combined_search_keeps_a_small_librarys_hits_beside_a_large_ones():
    large = InMemoryLibrary(
        make_record(pmid=str(1000 + i), title=f"Relapse rates in cohort {i} of a relapse study")
        for i in range(30)
    )
    small = InMemoryLibrary([make_record(pmid="title:0123456789ab", title="Zyxomycin and relapse")])
    found = dict(CombinedLibrary(large, small).search("zyxomycin relapse", 10))
    assert "title:0123456789ab" in found  # its own index's score is not comparable, yet kept
    assert len(found) == 11
