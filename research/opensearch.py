"""BM25 search in an OpenSearch (or Elasticsearch) cluster, for libraries that outgrow one host.

The cluster never analyses text itself: each paper is sent as the engine's own stems
(research.text.content_stems of research.index.document_text) into a whitespace-analysed
field, and queries are stemmed the same way, so stemming and stopwords are exactly the embedded
index's. BM25 uses the embedded index's parameters (k1 1.5, b 0.75), and ties break by PMID in
numeric order, as there; a review over either backend reads the same papers."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import httpx

from research.index import document_text
from research.records import PaperRecord
from research.text import content_stems

DEFAULT_INDEX = "reviewsite-papers"
BATCH = 500
TIMEOUT_SECONDS = 10.0
# bm25s's defaults, which the embedded index uses.
K1, B = 1.5, 0.75

SETTINGS: dict[str, Any] = {
    "settings": {
        "index": {"similarity": {"engine_bm25": {"type": "BM25", "k1": K1, "b": B}}},
    },
    "mappings": {
        "dynamic": "strict",
        "properties": {
            "stems": {"type": "text", "analyzer": "whitespace", "similarity": "engine_bm25"},
            "pmid": {"type": "keyword"},
            "pmid_length": {"type": "short"},
        },
    },
}


class SearchUnavailable(Exception):
    """The search cluster could not be reached or refused a request."""


class OpenSearchIndex:
    """A paper index in an OpenSearch cluster: search, add and delete papers by PMID."""

    def __init__(
        self,
        base_url: str,
        index: str = DEFAULT_INDEX,
        *,
        client: httpx.Client | None = None,
    ) -> None:
        self.index = index
        self._created = False
        self._client = client or httpx.Client(
            base_url=base_url.rstrip("/"), timeout=TIMEOUT_SECONDS
        )

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise SearchUnavailable(f"the search cluster could not be reached: {exc}") from exc
        if response.status_code >= 400 and not (method == "HEAD" and response.status_code == 404):
            raise SearchUnavailable(
                f"the search cluster answered {response.status_code} to {method} {path}: "
                f"{response.text[:200]}"
            )
        return response

    def create(self) -> bool:
        """Create the index with its analysis settings unless it exists; whether it did."""
        self._created = True
        if self._call("HEAD", f"/{self.index}").status_code == 200:
            return False
        self._call("PUT", f"/{self.index}", json=SETTINGS)
        return True

    def drop(self) -> None:
        """Delete the index and every paper in it."""
        self._created = False
        if self._call("HEAD", f"/{self.index}").status_code == 200:
            self._call("DELETE", f"/{self.index}")

    def add(self, records: Iterable[PaperRecord]) -> int:
        """Index or replace papers by PMID, in bulk requests; how many were sent. The index
        is created first if need be: left to itself, the cluster would create one that
        analyses text its own way."""
        if not self._created:
            self.create()
        sent = 0
        batch: list[str] = []
        for record in records:
            stems = " ".join(content_stems(document_text(record)))
            batch.append(json.dumps({"index": {"_index": self.index, "_id": record.pmid}}))
            document = {"stems": stems, "pmid": record.pmid, "pmid_length": len(record.pmid)}
            batch.append(json.dumps(document))
            if len(batch) >= 2 * BATCH:
                sent += self._bulk(batch)
                batch = []
        if batch:
            sent += self._bulk(batch)
        return sent

    def delete(self, pmids: Iterable[str]) -> int:
        """Remove papers by PMID (absent ones are ignored); how many were asked."""
        lines = [json.dumps({"delete": {"_index": self.index, "_id": pmid}}) for pmid in pmids]
        asked = 0
        for start in range(0, len(lines), BATCH):
            asked += self._bulk(lines[start : start + BATCH])
        return asked

    def _bulk(self, lines: list[str]) -> int:
        body = ("\n".join(lines) + "\n").encode()
        response = self._call(
            "POST", "/_bulk", content=body, headers={"Content-Type": "application/x-ndjson"}
        )
        answer = response.json()
        if answer.get("errors"):
            failed = [
                item
                for item in answer.get("items", [])
                for action in item.values()
                if action.get("status", 200) >= 400 and action.get("status") != 404
            ]
            if failed:
                raise SearchUnavailable(f"the search cluster refused {len(failed)} papers")
        return len(answer.get("items", []))

    def refresh(self) -> None:
        """Make everything sent so far searchable now, not at the next scheduled refresh."""
        self._call("POST", f"/{self.index}/_refresh")

    def search(self, query: str, k: int = 50) -> list[tuple[str, float]]:
        """The k best (pmid, score) pairs for the query, best first, ties by PMID."""
        stems = list(dict.fromkeys(content_stems(query)))
        if not stems or k <= 0:
            return []
        body = {
            "size": k,
            "_source": False,
            "query": {"match": {"stems": {"query": " ".join(stems), "operator": "or"}}},
            "sort": [
                {"_score": {"order": "desc"}},
                {"pmid_length": {"order": "asc"}},
                {"pmid": {"order": "asc"}},
            ],
            "track_scores": True,
            "track_total_hits": False,
        }
        answer = self._call("POST", f"/{self.index}/_search", json=body).json()
        return [(hit["_id"], round(float(hit["_score"]), 6)) for hit in answer["hits"]["hits"]]

    def __len__(self) -> int:
        return int(self._call("GET", f"/{self.index}/_count").json()["count"])

    def close(self) -> None:
        self._client.close()
