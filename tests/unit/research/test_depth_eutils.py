"""PubMed E-utilities client against a local server speaking NCBI's reply formats."""

import json
import re
import socket
import threading
import time
from pathlib import Path

import pytest
from werkzeug import Response

from research import (
    EutilsClient,
    LocalRateLimiter,
    ParseReport,
    SourceError,
    SourceUnavailable,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "depth"
EFETCH = (FIXTURES / "efetch_29768149.xml").read_bytes()
ESEARCH = json.loads((FIXTURES / "esearch_asthma.json").read_text())
ARTICLE = re.search(rb"<PubmedArticle>.*</PubmedArticle>", EFETCH, re.DOTALL).group(0)


class CountingLimiter:
    """A rate limiter that lets every request through and counts them."""

    def __init__(self):
        self.calls = 0

    def acquire(self):
        self.calls += 1


def efetch_reply(pmids):
    """An efetch reply holding the recorded article once per PMID, renumbered."""
    articles = b"".join(ARTICLE.replace(b"29768149", p.encode()) for p in pmids)
    return (
        b'<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, '
        b'1st January 2019//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_190101.dtd">\n'
        b"<PubmedArticleSet>" + articles + b"</PubmedArticleSet>"
    )


def client_for(httpserver, limiter=None, sleeps=None, **kwargs):
    return EutilsClient(
        httpserver.url_for("/entrez/eutils/"),
        api_key=kwargs.pop("api_key", "k3y"),
        email=kwargs.pop("email", "team@example.org"),
        rate_limiter=limiter or CountingLimiter(),
        sleep=(sleeps.append if sleeps is not None else lambda seconds: None),
        **kwargs,
    )


def test_search_returns_the_idlist_and_sends_identity(httpserver):
    httpserver.expect_request("/entrez/eutils/esearch.fcgi", method="GET").respond_with_json(
        ESEARCH
    )
    limiter = CountingLimiter()
    with client_for(httpserver, limiter) as client:
        ids = client.search("budesonide formoterol asthma", retmax=3)
    assert ids == ["31112386", "29768149", "29768147"]
    request, _ = httpserver.log[0]
    assert request.args["db"] == "pubmed"
    assert request.args["term"] == "budesonide formoterol asthma"
    assert request.args["retmax"] == "3"
    assert request.args["retmode"] == "json"
    assert request.args["api_key"] == "k3y"
    assert request.args["email"] == "team@example.org"
    assert request.args["tool"] == "reviewsite"
    assert limiter.calls == 1


def test_search_without_key_sends_no_empty_key(httpserver):
    httpserver.expect_request("/entrez/eutils/esearch.fcgi").respond_with_json(ESEARCH)
    with client_for(httpserver, api_key="", email="") as client:
        client.search("asthma", retmax=20_000)
    request, _ = httpserver.log[0]
    assert "api_key" not in request.args and "email" not in request.args
    assert request.args["retmax"] == "10000"  # PubMed's ceiling


def test_fetch_parses_the_recorded_efetch_reply(httpserver):
    httpserver.expect_request("/entrez/eutils/efetch.fcgi", method="POST").respond_with_data(
        EFETCH, content_type="text/xml"
    )
    with client_for(httpserver) as client:
        records = list(client.fetch(["29768149"]))
    assert [r.pmid for r in records] == ["29768149"]
    assert records[0].title == "Inhaled Combined Budesonide-Formoterol as Needed in Mild Asthma."
    assert records[0].doi == "10.1056/NEJMoa1715274"
    form = httpserver.log[0][0].form
    assert form["db"] == "pubmed" and form["retmode"] == "xml" and form["id"] == "29768149"
    assert (form["api_key"], form["email"], form["tool"]) == (
        "k3y",
        "team@example.org",
        "reviewsite",
    )


def test_fetch_batches_and_rate_limits_every_request(httpserver):
    batches = []

    def handler(request):
        ids = request.form["id"].split(",")
        batches.append(len(ids))
        return Response(efetch_reply(ids), content_type="text/xml")

    httpserver.expect_request("/entrez/eutils/efetch.fcgi").respond_with_handler(handler)
    pmids = [str(10_000_000 + i) for i in range(450)]
    limiter = CountingLimiter()
    with client_for(httpserver, limiter) as client:
        records = list(client.fetch(pmids + pmids[:5]))  # repeats are fetched once
    assert batches == [200, 200, 50]
    assert [r.pmid for r in records] == pmids
    assert limiter.calls == 3


def test_429_is_retried_after_the_time_the_server_asks(httpserver):
    httpserver.expect_oneshot_request("/entrez/eutils/esearch.fcgi").respond_with_json(
        {"error": "API rate limit exceeded", "count": "11"},
        status=429,
        headers={"Retry-After": "7"},
    )
    httpserver.expect_request("/entrez/eutils/esearch.fcgi").respond_with_json(ESEARCH)
    sleeps, limiter = [], CountingLimiter()
    with client_for(httpserver, limiter, sleeps) as client:
        assert client.search("asthma", 3) == ["31112386", "29768149", "29768147"]
    assert sleeps == [7.0]
    assert limiter.calls == 2  # a retry is a request too


def test_500_is_retried_with_backoff(httpserver):
    httpserver.expect_oneshot_request("/entrez/eutils/efetch.fcgi").respond_with_data(
        "<html><body>Internal Server Error</body></html>", status=500, content_type="text/html"
    )
    httpserver.expect_request("/entrez/eutils/efetch.fcgi").respond_with_data(
        EFETCH, content_type="text/xml"
    )
    sleeps = []
    with client_for(httpserver, sleeps=sleeps) as client:
        assert [r.pmid for r in client.fetch(["29768149"])] == ["29768149"]
    assert sleeps == [1.0]


def test_persistent_503_gives_up_after_the_retries(httpserver):
    httpserver.expect_request("/entrez/eutils/esearch.fcgi").respond_with_data("busy", status=503)
    sleeps = []
    with (
        client_for(httpserver, sleeps=sleeps, max_retries=4) as client,
        pytest.raises(SourceUnavailable, match=r"error \(503\) on 5 attempts"),
    ):
        client.search("asthma")
    assert sleeps == [1.0, 2.0, 4.0, 8.0]
    assert len(httpserver.log) == 5


def test_html_instead_of_json_is_a_source_error(httpserver):
    httpserver.expect_request("/entrez/eutils/esearch.fcgi").respond_with_data(
        "<html><title>Service maintenance</title></html>", content_type="text/html"
    )
    with client_for(httpserver) as client, pytest.raises(SourceError, match="not JSON") as caught:
        client.search("asthma")
    assert not isinstance(caught.value, SourceUnavailable)
    assert "Service maintenance" in str(caught.value)


def test_esearch_error_field_is_reported(httpserver):
    httpserver.expect_request("/entrez/eutils/esearch.fcgi").respond_with_json(
        {"esearchresult": {"ERROR": "Invalid query syntax"}}
    )
    with client_for(httpserver) as client, pytest.raises(SourceError, match="Invalid query"):
        client.search("asthma[[")


@pytest.mark.parametrize(
    "body",
    [
        b'<?xml version="1.0"?>\n<eFetchResult><ERROR>Empty id list</ERROR></eFetchResult>',
        EFETCH[: len(EFETCH) // 2],
        b"Temporarily unavailable",
    ],
    ids=["efetch-error", "truncated", "text"],
)
def test_malformed_efetch_reply_is_a_source_error(httpserver, body):
    httpserver.expect_request("/entrez/eutils/efetch.fcgi").respond_with_data(body)
    with client_for(httpserver) as client, pytest.raises(SourceError, match="not PubMed XML"):
        list(client.fetch(["29768149"]))


def test_bad_records_go_to_the_report(httpserver):
    broken = EFETCH.replace(b'<PMID Version="1">29768149</PMID>', b"<PMID>abc</PMID>", 1)
    httpserver.expect_request("/entrez/eutils/efetch.fcgi").respond_with_data(broken)
    report = ParseReport()
    with client_for(httpserver) as client:
        assert list(client.fetch(["29768149"], report=report)) == []
    assert report.bad == 1


def test_client_error_is_reported_with_ncbi_message(httpserver):
    httpserver.expect_request("/entrez/eutils/esearch.fcgi").respond_with_json(
        {"error": "API key invalid"}, status=400
    )
    with client_for(httpserver) as client, pytest.raises(SourceError, match="API key invalid"):
        client.search("asthma")


def test_connection_refused_is_unavailable_at_once():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = EutilsClient(
        f"http://127.0.0.1:{port}/entrez/eutils/", rate_limiter=CountingLimiter(), timeout=20
    )
    started = time.monotonic()
    with pytest.raises(SourceUnavailable, match="PubMed could not be reached: .*refused"):
        client.search("asthma")
    assert time.monotonic() - started < 2


def test_silent_server_times_out():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)  # accepts the connection, never answers
        port = listener.getsockname()[1]
        client = EutilsClient(
            f"http://127.0.0.1:{port}/", rate_limiter=CountingLimiter(), timeout=0.3
        )
        started = time.monotonic()
        with pytest.raises(SourceUnavailable, match="did not answer in time"):
            client.search("asthma")
        assert time.monotonic() - started < 2


def test_local_rate_limiter_spaces_requests():
    now = [100.0]
    waits = []

    def sleep(seconds):
        waits.append(round(seconds, 3))
        now[0] += seconds

    limiter = LocalRateLimiter(3, clock=lambda: now[0], sleep=sleep)
    for _ in range(4):
        limiter.acquire()
    assert waits == [0.333, 0.333, 0.333]
    now[0] += 5  # idle: the next request goes at once
    limiter.acquire()
    assert len(waits) == 3


def test_local_rate_limiter_allows_a_burst():
    now = [0.0]
    waits = []
    limiter = LocalRateLimiter(
        10,
        burst=3,
        clock=lambda: now[0],
        sleep=lambda s: (waits.append(s), now.__setitem__(0, now[0] + s)),
    )
    for _ in range(4):
        limiter.acquire()
    assert len(waits) == 1 and waits[0] == pytest.approx(0.1)


def test_local_rate_limiter_is_thread_safe():
    limiter = LocalRateLimiter(200)
    started = time.monotonic()
    threads = [threading.Thread(target=limiter.acquire) for _ in range(21)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert time.monotonic() - started >= 20 / 200 * 0.9


def test_undecodable_reply_is_a_source_error(httpserver):
    httpserver.expect_request("/entrez/eutils/esearch.fcgi").respond_with_data(
        b"not gzip at all", headers={"Content-Encoding": "gzip"}
    )
    with client_for(httpserver) as client, pytest.raises(SourceError, match="could not be read"):
        client.search("asthma")
