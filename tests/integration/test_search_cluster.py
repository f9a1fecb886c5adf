"""SEARCH_BACKEND=opensearch: the shared library is searched in the cluster (a node on
loopback answering in OpenSearch's format), imports and deletions reach it as they are
written, nothing is built on this host, and a review reads the same as with the embedded
index."""

from dataclasses import replace
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from jobs.library import ClusterLibrary, delete_papers, get_library, import_records
from jobs.models import IndexBuild
from research import (
    PaperRecord,
    ReviewRequest,
    SearchIndex,
    generate_review,
    ignore_progress,
    read_pubmed,
)
from tests.opensearch_server import OpenSearchNode

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "pubmed" / "sample_baseline.xml"

pytestmark = pytest.mark.django_db


@pytest.fixture
def node(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    with OpenSearchNode() as node:
        settings.SEARCH_BACKEND = "opensearch"
        settings.OPENSEARCH_URL = node.url
        settings.OPENSEARCH_INDEX = "papers"
        yield node


def test_imports_are_searchable_in_the_cluster_at_once_and_nothing_is_built_here(node, tmp_path):
    import_records(read_pubmed(SAMPLE))
    library = get_library()
    assert isinstance(library, ClusterLibrary) and len(library) == 6
    assert library.search("remdesivir", 3)[0][0] in {"90000001", "90000006"}
    delete_papers(["90000001"])
    import_records([PaperRecord(pmid="70001234", title="Zebrafish fin regeneration.")])
    assert library.search("zebrafish", 3)[0][0] == "70001234"
    assert "90000001" not in dict(library.search("remdesivir", 10)) and len(library) == 6
    assert SearchIndex.current_version(tmp_path / "index") is None
    assert not IndexBuild.objects.exists()
    assert ("PUT", "/papers") in node.node.requests  # created with the engine's analysis


def test_importing_a_file_builds_nothing_on_this_host(node, tmp_path):
    out = StringIO()
    call_command("import_pubmed", str(SAMPLE), stdout=out)
    assert "Search index" not in out.getvalue()
    assert SearchIndex.current_version(tmp_path / "index") is None
    assert not IndexBuild.objects.exists()
    assert get_library().search("remdesivir", 3)[0][0] in {"90000001", "90000006"}


def test_a_review_reads_the_same_as_with_the_embedded_index(node, settings):
    settings.SEARCH_BACKEND = "embedded"
    import_records(read_pubmed(SAMPLE))
    request = ReviewRequest("remdesivir COVID-19 recovery")
    embedded = generate_review(request, get_library(), ignore_progress)
    settings.SEARCH_BACKEND = "opensearch"
    out = StringIO()
    call_command("search_index", "--recreate", stdout=out)  # switching over
    assert "6 papers sent" in out.getvalue() and "now 6 papers" in out.getvalue()
    cluster = generate_review(request, get_library(), ignore_progress)
    same = replace(cluster.diagnostics, timings_ms=embedded.diagnostics.timings_ms)
    assert replace(cluster, diagnostics=same) == embedded and embedded.papers


def test_an_unreachable_cluster_stops_the_command_with_a_plain_message(settings):
    with OpenSearchNode() as gone:
        url = gone.url
    settings.SEARCH_BACKEND, settings.OPENSEARCH_URL = "opensearch", url
    with pytest.raises(CommandError, match="could not be reached"):
        call_command("search_index", stdout=StringIO())


def test_the_embedded_backend_builds_this_hosts_index_once(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    import_records(read_pubmed(SAMPLE))
    out = StringIO()
    call_command("search_index", stdout=out)
    call_command("search_index", stdout=out)
    assert "Search index built: 6 papers" in out.getvalue()
    assert "Search index up to date: 6 papers" in out.getvalue()
    assert IndexBuild.objects.get().builds == 1
