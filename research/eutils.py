"""A PubMed E-utilities client (esearch, efetch) over httpx, rate limited, retrying politely."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

import httpx

from research.errors import UserFacingError
from research.pubmed_xml import ParseReport, PubMedXMLError, read_pubmed
from research.records import PaperRecord

DEFAULT_BASE_URL = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"
# PubMed's esearch returns at most the first 10,000 PMIDs of a search.
MAX_RETMAX = 10_000
CONNECT_TIMEOUT = 5.0
BACKOFF_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 30.0
MAX_RETRY_AFTER_SECONDS = 60.0
RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_ERROR_TEXT = 200


class SourceError(UserFacingError):
    """A literature source answered with something unusable; the message is for the user."""


class SourceUnavailable(SourceError):
    """A literature source could not be reached, or kept refusing after every retry."""


class RateLimiter(Protocol):
    """Paces requests to a source; shared implementations may pace several processes at once."""

    def acquire(self) -> None:
        """Block until one more request may be sent (may raise to give up)."""
        ...


class LocalRateLimiter:
    """A thread-safe token bucket for one process: rate_per_second, bursts of up to burst."""

    def __init__(
        self,
        rate_per_second: float,
        *,
        burst: int = 1,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate_per_second <= 0:
            raise ValueError("rate_per_second must be positive")
        if burst < 1:
            raise ValueError("burst must be at least 1")
        self._interval = 1.0 / rate_per_second
        self._slack = (burst - 1) * self._interval
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next_free = 0.0  # when the bucket is full again (virtual scheduling)

    def acquire(self) -> None:
        """Take one token, sleeping (outside the lock) until it is there."""
        with self._lock:
            now = self._clock()
            start = max(self._next_free, now)
            wait = max(0.0, start - now - self._slack)
            self._next_free = start + self._interval
        if wait > 0:
            self._sleep(wait)


class EutilsClient:
    """esearch and efetch against PubMed; every request passes the rate limiter first."""

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        api_key: str = "",
        email: str = "",
        tool: str = "reviewsite",
        *,
        rate_limiter: RateLimiter,
        timeout: float = 20,
        max_retries: int = 4,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._base_url = base_url if base_url.endswith("/") else base_url + "/"
        self._identity = {
            k: v for k, v in (("api_key", api_key), ("email", email), ("tool", tool)) if v
        }
        self._rate_limiter = rate_limiter
        self._max_retries = max_retries
        self._sleep = sleep
        self._http = httpx.Client(
            timeout=httpx.Timeout(timeout, connect=min(timeout, CONNECT_TIMEOUT)),
            headers={"User-Agent": f"{tool or 'reviewsite'} (PubMed E-utilities client)"},
            follow_redirects=True,
        )

    def __enter__(self) -> EutilsClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def search(self, term: str, retmax: int = 100) -> list[str]:
        """The PMIDs of PubMed's best matches for term, at most retmax (capped at 10,000)."""
        if not term.strip():
            raise UserFacingError("The search term is empty.")
        params = {
            "db": "pubmed",
            "term": term,
            "retmax": str(max(0, min(int(retmax), MAX_RETMAX))),
            "retmode": "json",
        }
        response = self._request("GET", "esearch.fcgi", params=params)
        try:
            data = response.json()
        except ValueError:
            raise SourceError(
                f"PubMed's search sent a reply that is not JSON ({_preview(response)})."
            ) from None
        result = data.get("esearchresult") if isinstance(data, dict) else None
        if not isinstance(result, dict):
            raise SourceError(
                f"PubMed's search reply has no search result ({_ncbi_error(data) or 'no details'})."
            )
        if "ERROR" in result:
            raise SourceError(f"PubMed refused the search: {str(result['ERROR'])[:MAX_ERROR_TEXT]}")
        ids = result.get("idlist")
        if not isinstance(ids, list) or not all(isinstance(i, str) and i.isdigit() for i in ids):
            raise SourceError("PubMed's search reply has no valid list of PMIDs.")
        return list(ids)

    def fetch(
        self, pmids: Iterable[str], batch_size: int = 200, report: ParseReport | None = None
    ) -> Iterator[PaperRecord]:
        """The records for pmids, fetched batch_size at a time; broken records go to report."""
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        wanted = list(dict.fromkeys(str(p).strip() for p in pmids))
        bad = [p for p in wanted if not p.isdigit()]
        if bad:
            raise UserFacingError(f"Not a PMID: {bad[0]!r}")
        report = report if report is not None else ParseReport()
        for start in range(0, len(wanted), batch_size):
            batch = wanted[start : start + batch_size]
            # POST, as NCBI asks for long id lists; the parameters are the same as for GET.
            response = self._request(
                "POST",
                "efetch.fcgi",
                data={"db": "pubmed", "id": ",".join(batch), "retmode": "xml"},
            )
            try:
                records = list(read_pubmed(io.BytesIO(response.content), report))
            except PubMedXMLError as exc:
                raise SourceError(f"PubMed sent a reply that is not PubMed XML: {exc}") from None
            yield from records

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        data: dict[str, str] | None = None,
    ) -> httpx.Response:
        """Send one request, retrying 429 and 5xx with backoff; transport errors end at once."""
        url = self._base_url + path
        if params is not None:
            params = {**params, **self._identity}
        if data is not None:
            data = {**data, **self._identity}
        attempt = 0
        while True:
            self._rate_limiter.acquire()
            try:
                response = self._http.request(method, url, params=params, data=data)
            except httpx.TimeoutException:
                raise SourceUnavailable(
                    "PubMed could not be reached: it did not answer in time."
                ) from None
            except httpx.TransportError as exc:
                raise SourceUnavailable(f"PubMed could not be reached: {_reason(exc)}.") from None
            except httpx.RequestError as exc:  # undecodable body, redirect loop
                raise SourceError(f"PubMed's reply could not be read ({_reason(exc)}).") from None
            if response.status_code not in RETRIED_STATUSES:
                break
            if attempt >= self._max_retries:
                what = (
                    "is limiting the request rate (429)"
                    if response.status_code == 429
                    else f"answered with an error ({response.status_code})"
                )
                raise SourceUnavailable(
                    f"PubMed {what} on {attempt + 1} attempts; try again in a few minutes."
                )
            self._sleep(_delay(response, attempt))
            attempt += 1
        if response.status_code >= 400:
            detail = _ncbi_error(_json_or_none(response)) or _preview(response)
            raise SourceError(f"PubMed refused the request ({response.status_code}): {detail}")
        return response


def _delay(response: httpx.Response, attempt: int) -> float:
    """Seconds to wait before the next attempt: Retry-After when given, else exponential."""
    backoff = min(MAX_BACKOFF_SECONDS, BACKOFF_SECONDS * 2.0**attempt)
    header = response.headers.get("Retry-After", "").strip()
    if not header:
        return backoff
    if header.isdigit():
        return min(float(header), MAX_RETRY_AFTER_SECONDS)
    try:
        when = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return backoff
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    seconds = (when - datetime.now(UTC)).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_SECONDS)


def _json_or_none(response: httpx.Response) -> Any:
    """The reply's JSON, or None when it is not JSON."""
    try:
        return response.json()
    except ValueError:
        return None


def _ncbi_error(data: Any) -> str:
    """The error message NCBI puts in a JSON reply ({"error": ...}), or ""."""
    error = data.get("error") if isinstance(data, dict) else None
    return error[:MAX_ERROR_TEXT] if isinstance(error, str) else ""


def _preview(response: httpx.Response) -> str:
    """The start of a reply's body, on one line, for error messages."""
    text = " ".join(response.content[:MAX_ERROR_TEXT].decode("utf-8", "replace").split())
    return f"it starts “{text}”" if text else "it is empty"


def _reason(exc: httpx.RequestError) -> str:
    """A short reason for a transport failure (refused, name not found, …)."""
    text = str(exc) or type(exc).__name__
    lowered = text.lower()
    if "refused" in lowered:
        return "the connection was refused"
    if "name or service" in lowered or "nodename" in lowered or "getaddrinfo" in lowered:
        return "its host name could not be resolved (no network?)"
    return text[:MAX_ERROR_TEXT]
