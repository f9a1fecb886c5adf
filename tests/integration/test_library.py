"""The database library: upserts, fingerprint, on-disk index kept in step, one-query fetches."""

from pathlib import Path

import pytest

from jobs.library import (
    DjangoLibrary,
    get_library,
    import_records,
    library_fingerprint,
    rebuild_index,
)
from jobs.models import Paper
from research import (
    PaperRecord,
    ParseReport,
    ReviewRequest,
    SearchIndex,
    generate_review,
    read_pubmed,
)

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "pubmed" / "sample_baseline.xml"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


def sample():
    return list(read_pubmed(SAMPLE))


def test_import_records_counts_created_and_updated():
    assert import_records(sample()) == (6, 0)
    assert import_records(sample(), batch_size=2) == (0, 6)
    stored = PaperRecord.from_dict(Paper.objects.get(pmid="90000005").record)
    assert stored == next(r for r in sample() if r.pmid == "90000005")


def test_import_records_deletes_what_the_report_lists():
    Paper.objects.create(pmid="80000002", title="Withdrawn", record={"pmid": "80000002"})
    report = ParseReport()
    import_records(read_pubmed(SAMPLE, report), report=report)
    assert not Paper.objects.filter(pmid="80000002").exists()
    assert Paper.objects.count() == 6


def test_fingerprint_changes_with_the_library_in_one_query(django_assert_num_queries):
    empty = library_fingerprint()
    import_records(sample())
    with django_assert_num_queries(1):
        filled = library_fingerprint()
    assert filled != empty
    import_records(sample()[:1])
    assert library_fingerprint() != filled
    updated = library_fingerprint()
    Paper.objects.filter(pmid="90000002").delete()
    assert library_fingerprint() != updated


def test_get_library_builds_the_index_then_reuses_it(data_dir, django_assert_num_queries):
    import_records(sample())
    library = get_library()
    assert isinstance(library, DjangoLibrary) and len(library) == 6
    saved = SearchIndex.load(data_dir / "index")
    assert saved.fingerprint == library_fingerprint()
    with django_assert_num_queries(1):  # only the fingerprint
        again = get_library()
    assert again.index is library.index


def test_get_library_rebuilds_when_papers_change():
    import_records(sample())
    assert get_library().search("zebrafish", 5) == []
    zebrafish = PaperRecord(pmid="70001234", title="Zebrafish models of heart regeneration.")
    import_records([zebrafish])
    assert get_library().search("zebrafish", 5)[0][0] == "70001234"


def test_get_library_reloads_an_index_another_process_saved(data_dir):
    import_records(sample())
    built = rebuild_index()
    on_disk = SearchIndex.load(data_dir / "index")
    assert on_disk.fingerprint == built.fingerprint
    assert get_library().search("asthma", 3) == on_disk.search("asthma", 3)


def test_get_many_is_one_query(django_assert_num_queries):
    import_records(sample())
    library = get_library()
    with django_assert_num_queries(1):
        found = library.get_many(["90000001", "90000006", "99999999"])
    assert set(found) == {"90000001", "90000006"}
    assert found["90000001"].pmcid == "PMC9000001"
    with django_assert_num_queries(0):
        assert library.get_many([]) == {}


def test_review_over_the_database_library():
    import_records(sample())
    data = generate_review(
        ReviewRequest("remdesivir COVID-19 recovery"), get_library(), lambda s, p: None
    ).to_dict()
    assert data["papers"][0]["pmid"] in {"90000001", "90000006"}
    assert data["diagnostics"]["library_size"] == 6
