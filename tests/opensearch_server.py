"""A small stand-in for an OpenSearch node on loopback, for tests: the REST calls the app makes
(create, exists, delete an index; _bulk; _refresh; _search with a match query and a sort; _count),
answered in OpenSearch's own reply format, scoring with Lucene's BM25 over whitespace tokens."""

from __future__ import annotations

import json
import math
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Node:
    """The indexes' state: documents by id, their tokens, and the BM25 settings."""

    def __init__(self) -> None:
        self.indexes: dict[str, dict] = {}
        self.lock = threading.Lock()
        self.requests: list[tuple[str, str]] = []

    def search(self, name: str, body: dict) -> dict:
        index = self.indexes[name]
        similarity = index["settings"]["settings"]["index"]["similarity"]["engine_bm25"]
        k1, b = similarity["k1"], similarity["b"]
        docs = index["visible"]
        terms = body["query"]["match"]["stems"]["query"].split()
        n = len(docs)
        average = sum(len(d["stems"].split()) for d in docs.values()) / n if n else 0
        tokens_of = {doc_id: doc["stems"].split() for doc_id, doc in docs.items()}
        terms = list(dict.fromkeys(terms))
        df = {t: sum(t in tokens for tokens in tokens_of.values()) for t in terms}
        hits = []
        for doc_id, doc in docs.items():
            tokens = tokens_of[doc_id]
            score = 0.0
            for term in terms:
                tf = tokens.count(term)
                if not tf:
                    continue
                idf = math.log(1 + (n - df[term] + 0.5) / (df[term] + 0.5))
                score += idf * tf / (tf + k1 * (1 - b + b * len(tokens) / average))
            if score > 0:
                hits.append((doc_id, score, doc))
        hits.sort(key=lambda h: (-h[1], h[2]["pmid_length"], h[2]["pmid"]))
        return {
            "took": 1,
            "timed_out": False,
            "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
            "hits": {
                "max_score": hits[0][1] if hits else None,
                "hits": [
                    {
                        "_index": name,
                        "_id": doc_id,
                        "_score": score,
                        "sort": [score, doc["pmid_length"], doc["pmid"]],
                    }
                    for doc_id, score, doc in hits[: body.get("size", 10)]
                ],
            },
        }


class Handler(BaseHTTPRequestHandler):
    node: Node

    def log_message(self, *args) -> None:  # quiet
        pass

    def _reply(self, status: int, body: dict | None = None) -> None:
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _missing(self, name: str) -> None:
        self._reply(
            404,
            {
                "error": {"type": "index_not_found_exception", "reason": f"no such index [{name}]"},
                "status": 404,
            },
        )

    def handle_one(self) -> None:
        node = self.node
        path = self.path.split("?", 1)[0].strip("/")
        parts = path.split("/")
        with node.lock:
            node.requests.append((self.command, "/" + path))
            if self.command == "POST" and path == "_bulk":
                return self._bulk(self._body())
            name = parts[0]
            if len(parts) == 1:
                if self.command == "HEAD":
                    return self._reply(200 if name in node.indexes else 404)
                if self.command == "PUT":
                    settings = json.loads(self._body())
                    if name in node.indexes:
                        return self._reply(
                            400,
                            {"error": {"type": "resource_already_exists_exception"}, "status": 400},
                        )
                    node.indexes[name] = {"settings": settings, "docs": {}, "visible": {}}
                    return self._reply(200, {"acknowledged": True, "index": name})
                if self.command == "DELETE":
                    if node.indexes.pop(name, None) is None:
                        return self._missing(name)
                    return self._reply(200, {"acknowledged": True})
            if name not in node.indexes:
                return self._missing(name)
            index = node.indexes[name]
            action = parts[1] if len(parts) > 1 else ""
            if action == "_refresh":
                index["visible"] = dict(index["docs"])
                return self._reply(200, {"_shards": {"total": 1, "successful": 1, "failed": 0}})
            if action == "_count":
                return self._reply(200, {"count": len(index["visible"])})
            if action == "_search":
                return self._reply(200, node.search(name, json.loads(self._body())))
        self._reply(400, {"error": {"type": "illegal_argument_exception"}, "status": 400})

    def _bulk(self, body: bytes) -> None:
        lines = [json.loads(line) for line in body.decode().splitlines() if line.strip()]
        items, errors, at = [], False, 0
        while at < len(lines):
            (verb, meta), at = next(iter(lines[at].items())), at + 1
            index = self.node.indexes.get(meta["_index"])
            if index is None:
                items.append({verb: {"_id": meta["_id"], "status": 404}})
                errors = True
                at += verb == "index"
                continue
            if verb == "index":
                document = lines[at]
                at += 1
                created = meta["_id"] not in index["docs"]
                index["docs"][meta["_id"]] = document
                items.append({verb: {"_id": meta["_id"], "status": 201 if created else 200}})
            else:
                found = index["docs"].pop(meta["_id"], None) is not None
                items.append({verb: {"_id": meta["_id"], "status": 200 if found else 404}})
                errors = errors or not found
        self._reply(200, {"took": 1, "errors": errors, "items": items})

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = handle_one


class OpenSearchNode:
    """Start with `with OpenSearchNode() as node:`; node.url is its address."""

    def __enter__(self) -> OpenSearchNode:
        self.node = Node()
        handler = type("BoundHandler", (Handler,), {"node": self.node})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
