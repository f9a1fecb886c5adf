"""The shared search index with real worker processes: an import while reviews run is built
once, by one process, in the background, and running reviews keep answering from the last
complete index until the new one lands."""

from pathlib import Path

import pytest
from django.core.management import call_command
from django_q.models import Task

from jobs import lifecycle
from jobs.library import get_library, import_records, index_directory
from jobs.models import ApiToken, IndexBuild, Job
from research import PaperRecord, SearchIndex
from research.records import AbstractSection
from tests.conftest import make_project, make_user, wait_for
from tests.integration.test_worker import ApiClient, finished

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

LIBRARY = Path(__file__).parent.parent / "fixtures" / "pubmed" / "sample_baseline.xml"
OBJECTIVES = [
    "remdesivir treatment outcomes COVID-19",
    "inhaled corticosteroids asthma exacerbations",
    "remdesivir recovery time",
    "asthma in children",
]


def references(n: int) -> list[PaperRecord]:
    """n new papers on a subject the library did not hold."""
    return [
        PaperRecord(
            pmid=str(71000000 + i),
            title=f"Zebrafish fin regeneration after injury, cohort {i}",
            abstract=(AbstractSection("RESULTS", "", f"Fins regrew in {i % 30 + 5} days."),),
            year=2024,
        )
        for i in range(n)
    ]


@pytest.fixture
def api(live_server, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.JOB_MAX_ACTIVE_PER_USER = 4
    settings.INDEX_REBUILD_AFTER_PAPERS = 1000  # the import below is due a build
    call_command("import_pubmed", str(LIBRARY))  # builds the first index
    user = make_user()
    client = ApiClient(live_server.url, user)
    client.project = make_project(user)
    return client


def test_an_import_during_running_reviews_is_built_once_while_reviews_use_the_last_index(
    api, start_worker
):
    first = SearchIndex.current_version(index_directory())
    assert first and IndexBuild.objects.get().builds == 1
    # Two clusters of two worker processes each, every step of a review slowed down.
    for _ in range(2):
        start_worker(Q_WORKERS="2", JOB_STAGE_DELAY_SECONDS="0.4")
    running = [api.review(objective) for objective in OBJECTIVES[:3]]
    wait_for(
        lambda: Job.objects.filter(pk__in=running, progress__gte=40).count() == 3,
        timeout=60,
        message="the reviews did not get past their search",
    )

    import_records(references(1000))  # rings for a build once written
    for _ in range(3):  # as other importers and stale workers would
        lifecycle.index_build_ring()
    landed = wait_for(
        lambda: (version := SearchIndex.current_version(index_directory())) != first and version,
        timeout=60,
        message="no new index landed",
    )
    assert Job.objects.filter(pk__in=running, status="processing").exists()  # still running
    after = api.review("zebrafish fin regeneration")

    bodies = [finished(api, job_id) for job_id in [*running, after]]
    assert [body["status"] for body in bodies] == ["completed"] * 4, bodies
    used = [body["result"]["diagnostics"]["library_version"] for body in bodies]
    assert used == [first, first, first, landed]
    assert "zebrafish" in bodies[-1]["result"]["papers"][0]["title"].lower()

    # Four rings (the import's and three more), one build.
    builds = Task.objects.filter(func="jobs.tasks.build_index")
    wait_for(lambda: builds.count() == 4, timeout=30, message="not every ring was answered")
    assert sorted(task.result for task in builds) == ["built"] + ["nothing to build"] * 3
    assert IndexBuild.objects.get().builds == 2
    assert get_library().version == landed
    assert ApiToken.objects.count() == 1  # one client throughout
