"""The database library: upserts, fingerprint, one-query fetches, and the on-disk index built
once, in the background, while the last complete one answers."""

import os
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils.timezone import now

from jobs import library
from jobs.library import (
    DjangoLibrary,
    build_shared_index,
    get_library,
    import_records,
    library_fingerprint,
    rebuild_index,
)
from jobs.models import IndexBuild, Paper
from research import (
    MeshTerm,
    PaperRecord,
    ParseReport,
    ReviewRequest,
    SearchIndex,
    generate_review,
    indexing,
    read_pubmed,
)
from tests.conftest import wait_for
from tests.unit.research.conftest import make_record

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


ZEBRAFISH = PaperRecord(pmid="70001234", title="Zebrafish models of heart regeneration.")


def test_a_changed_library_answers_from_the_last_index_until_one_build_lands(
    data_dir, settings, django_capture_on_commit_callbacks
):
    settings.INDEX_REBUILD_AFTER_PAPERS = 1
    import_records(sample())
    first = get_library()
    with django_capture_on_commit_callbacks() as rung:
        import_records([ZEBRAFISH])
    assert len(rung) == 1  # the import asked for one background build
    stale = get_library()
    # The last index answers, and the new paper is searchable at once, from memory.
    assert stale.index is first.index and stale.version == first.version
    assert stale.search("zebrafish", 5)[0][0] == "70001234" and len(stale) == 7
    assert build_shared_index() is True  # the background task's work
    fresh = get_library()
    assert fresh.recent is None and fresh.search("zebrafish", 5)[0][0] == "70001234"
    assert fresh.version != first.version
    assert fresh.version == SearchIndex.current_version(data_dir / "index")
    build = IndexBuild.objects.get()
    assert (build.builds, build.holder, build.built_fingerprint) == (2, "", library_fingerprint())
    assert build_shared_index() is False  # up to date: nothing to build


def test_a_build_is_single_flight_and_a_silent_holder_loses_the_lock(data_dir, settings):
    import_records(sample())
    key = library._directory_key()
    IndexBuild.objects.create(directory=key, holder="elsewhere:1:a", heartbeat_at=now())
    assert build_shared_index() is False  # another process is building
    assert SearchIndex.current_version(data_dir / "index") is None
    silent = now() - timedelta(seconds=settings.INDEX_BUILD_STALE_SECONDS + 1)
    IndexBuild.objects.filter(pk=key).update(heartbeat_at=silent)
    assert build_shared_index() is True
    assert IndexBuild.objects.get().holder == ""
    assert len(get_library()) == 6


def test_papers_changed_during_a_build_get_one_more_build(data_dir, monkeypatch):
    import_records(sample())
    real = library.rebuild_index
    builds = []

    def rebuild():
        builds.append(library_fingerprint())
        index = real()
        if len(builds) == 1:
            import_records([ZEBRAFISH])  # lands while the first build is being saved
        return index

    monkeypatch.setattr(library, "rebuild_index", rebuild)
    assert build_shared_index() is True
    assert len(builds) == 2 and builds[0] != builds[1]
    assert get_library().search("zebrafish", 5)[0][0] == "70001234"
    assert IndexBuild.objects.get().builds == 2


def test_a_process_that_finds_its_index_stale_rings_at_most_every_half_minute(
    data_dir, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.INDEX_REBUILD_AFTER_PAPERS = 1
    import_records(sample())
    get_library()
    monkeypatch.setattr(library, "_rung_at", None)
    # A change that did not ring, as if its ring were lost.
    Paper.objects.filter(pmid="90000002").update(title="Zebrafish", updated_at=now())
    with django_capture_on_commit_callbacks() as rung:
        for _ in range(3):
            assert len(get_library()) == 6  # the last index answers meanwhile
    assert len(rung) == 1


def test_a_few_new_papers_are_searched_from_memory_until_a_build_is_due(
    data_dir, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.INDEX_REBUILD_AFTER_PAPERS = 3
    import_records(sample())
    built = get_library()
    monkeypatch.setattr(library, "_rung_at", None)
    with django_capture_on_commit_callbacks() as rung:
        import_records([ZEBRAFISH])  # one paper: no build yet
        assert get_library().search("zebrafish", 1)[0][0] == "70001234"
    assert rung == []
    hours_ago = time.time() - 2 * 3600  # an index older than INDEX_REBUILD_AFTER_SECONDS
    os.utime(data_dir / "index" / built.version, (hours_ago, hours_ago))
    with django_capture_on_commit_callbacks() as rung:
        get_library()
    assert len(rung) == 1
    os.utime(data_dir / "index" / built.version)
    monkeypatch.setattr(library, "_rung_at", None)
    more = [PaperRecord(pmid=f"7000124{i}", title="Medaka fins.") for i in range(2)]
    with django_capture_on_commit_callbacks() as rung:
        import_records(more)  # two more: three changed since the build, so one is due
        get_library()
    assert len(rung) == 1


def test_a_host_without_an_index_builds_one_before_answering(data_dir):
    import_records(sample())
    assert SearchIndex.current_version(data_dir / "index") is None
    assert len(get_library()) == 6
    assert IndexBuild.objects.get().builds == 1


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


@pytest.mark.django_db(transaction=True)
def test_a_builder_proves_it_is_alive_while_it_builds(settings):
    settings.INDEX_BUILD_HEARTBEAT_SECONDS = 0.05
    key = library._directory_key()
    long_ago = now() - timedelta(hours=1)
    IndexBuild.objects.create(directory=key, holder="me", heartbeat_at=long_ago)
    with library._Heartbeat(key, "me"):
        wait_for(
            lambda: IndexBuild.objects.get().heartbeat_at > long_ago,
            timeout=10,
            message="no heartbeat",
        )
    beaten = IndexBuild.objects.get().heartbeat_at
    time.sleep(0.2)
    assert IndexBuild.objects.get().heartbeat_at == beaten  # stopped with the build


def test_the_built_index_suggests_headings_for_papers_nlm_has_not_indexed(data_dir, monkeypatch):
    monkeypatch.setattr(indexing, "MIN_TRAINING", 2)
    topics = {
        "Pancreas": ["Insulin secretion by pancreatic islets.", "Islet insulin of the pancreas."],
        "Kidney": ["Glomerular filtration in the kidney.", "Renal tubular sodium in the kidney."],
    }
    indexed = [
        make_record(title=title, abstract=(), mesh=(MeshTerm(heading, False),))
        for heading, titles in topics.items()
        for title in titles
    ]
    new = make_record(
        title="Insulin from islets of the pancreas in diabetes.", abstract=(), mesh=()
    )
    import_records([*indexed, new])

    found = get_library().suggested_headings([new.pmid, indexed[0].pmid])

    assert set(found) == {new.pmid}  # NLM's own headings are not second-guessed
    assert max(found[new.pmid], key=found[new.pmid].get) == "Pancreas"
