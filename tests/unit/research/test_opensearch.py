"""The OpenSearch backend against a node on loopback that answers in OpenSearch's format: the
same analysis and BM25 as the embedded index, so the same searches and the same reviews."""

import itertools
from dataclasses import replace

import pytest

from research import (
    InMemoryLibrary,
    ReviewRequest,
    generate_review,
    ignore_progress,
    read_pubmed,
)
from research.opensearch import OpenSearchIndex, SearchUnavailable
from tests.opensearch_server import OpenSearchNode
from tests.unit.research.conftest import baseline_file

QUERIES = [
    "remdesivir COVID-19 recovery",
    "inhaled corticosteroids asthma",
    "statins cardiovascular events older adults",
    "vitamin D bone",
    "zebrafish",
]


class ClusterLibrary:
    """A library searched in the cluster, its records held here."""

    def __init__(self, index: OpenSearchIndex, records) -> None:
        self.index, self.records = index, {r.pmid: r for r in records}

    def search(self, query, k):
        return self.index.search(query, k)

    def get_many(self, pmids):
        return {p: self.records[p] for p in pmids if p in self.records}

    def __len__(self):
        return len(self.index)


@pytest.fixture
def node():
    with OpenSearchNode() as node:
        yield node


def cluster_index(node, records) -> OpenSearchIndex:
    index = OpenSearchIndex(node.url, "papers-test")
    assert index.create() is True and index.create() is False
    assert index.add(records) == len(records)
    index.refresh()
    return index


def test_searches_match_the_embedded_index(node, sample_library):
    records = list(sample_library.get_many(sample_library.index.pmids).values())
    cluster = cluster_index(node, records)
    assert len(cluster) == len(records)
    for query in QUERIES:
        expected = sample_library.search(query, 10)
        found = cluster.search(query, 10)
        assert [pmid for pmid, _ in found] == [pmid for pmid, _ in expected], query
        assert [s for _, s in found] == pytest.approx([s for _, s in expected], rel=1e-4)


def test_a_review_reads_the_same_over_either_backend_on_real_records(node):
    records = list(itertools.islice(read_pubmed(baseline_file("pubmed20n0014.xml.gz")), 1500))
    embedded = InMemoryLibrary(records)
    cluster = ClusterLibrary(cluster_index(node, records), records)
    for objective in ("cromolyn sodium asthma", "renal transplantation rejection"):
        request = ReviewRequest(objective)
        one = generate_review(request, embedded, ignore_progress)
        other = generate_review(request, cluster, ignore_progress)
        same = replace(other.diagnostics, timings_ms=one.diagnostics.timings_ms)
        assert replace(other, diagnostics=same) == one, objective
        assert one.papers


def test_replacing_and_deleting_papers(node, sample_library):
    records = list(sample_library.get_many(sample_library.index.pmids).values())
    cluster = cluster_index(node, records)
    statins = cluster.search("statins", 5)[0][0]
    cluster.add([replace(sample_library.get_many([statins])[statins], title="Zebrafish fins.")])
    assert cluster.delete(["70000903", "99999999"]) == 2
    cluster.refresh()
    assert cluster.search("statins", 5) == [] and cluster.search("zebrafish", 5)[0][0] == statins
    assert len(cluster) == len(records) - 1
    assert cluster.search("", 5) == [] and cluster.search("the of and", 5) == []


def test_an_unreachable_cluster_is_a_plain_error():
    with OpenSearchNode() as gone:
        url = gone.url
    with pytest.raises(SearchUnavailable, match="could not be reached"):
        OpenSearchIndex(url).search("asthma", 5)


def test_a_refusal_says_what_was_refused(node):
    with pytest.raises(SearchUnavailable, match="404"):
        OpenSearchIndex(node.url, "no-such-index").search("asthma", 5)
