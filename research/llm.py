"""Optional LLM synthesis of a finished review, checked against the extractive results it rests on.

The model sees only what the extractive review produced (titles, summaries and verbatim quotes).
Its text is kept only where it cites papers of the review and quotes them word for word; any part
that does not pass falls back to the extractive text, and any failure to get an answer falls back
entirely.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

import httpx

from research.schema import ReviewedPaper, ReviewResult, Synthesis, SynthesisUsed
from research.text import split_sentences

CONNECT_TIMEOUT = 10.0
MAX_REPLY_BYTES = 2 * 1024 * 1024
MAX_REASON_CHARS = 200
# An id as the review writes them: a PMID, or a synthetic doi:… / title:… id.
CITED_ID = r"(?:\d+|doi:[^\s,;\])]+|title:[0-9a-f]{12})"
# "[PMID 1]", "(PMID: 1, 2)", "PMIDs 1 and 2": every id after PMID counts, bracketed or not.
CITATION_RE = re.compile(
    rf"\bPMIDs?:?\s*({CITED_ID}(?:\s*(?:,|;|\band\b)\s*(?:PMIDs?:?\s*)?{CITED_ID})*)",
    re.IGNORECASE,
)
QUOTE_RE = re.compile(r"“([^”]+)”|\"([^\"]+)\"")
FENCE_RE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL)
SYSTEM_PROMPT = (
    "You write syntheses of biomedical literature reviews. Use only the papers, summaries and "
    "quotes you are given: add no facts, numbers or papers of your own. Cite papers as "
    "[PMID <id>] with the ids given. Put any quotation in double quotes and copy it word for "
    "word from the quotes given. Answer with one JSON object only."
)


class LlmError(Exception):
    """The LLM service could not give a usable answer; the message says why."""


class LlmClient:
    """A client for an OpenAI-compatible chat completions endpoint."""

    def __init__(self, base_url: str, api_key: str, model: str, timeout: float = 60) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self._api_key = api_key
        self._timeout = httpx.Timeout(timeout, connect=min(timeout, CONNECT_TIMEOUT))

    def complete(self, system: str, user: str) -> str:
        """The model's reply to one system and one user message, asking for a JSON object."""
        headers = {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}
        body = {
            "model": self.model,
            "temperature": 0,
            "response_format": {"type": "json_object"},
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": user},
            ],
        }
        try:
            with httpx.Client(timeout=self._timeout) as http:
                response = http.post(
                    f"{self.base_url}/chat/completions", json=body, headers=headers
                )
        except httpx.TimeoutException:
            raise LlmError("the LLM service did not answer in time") from None
        except httpx.TransportError as exc:
            raise LlmError(f"the LLM service could not be reached ({_short(exc)})") from None
        if response.status_code != 200:
            raise LlmError(f"the LLM service answered HTTP {response.status_code}")
        if len(response.content) > MAX_REPLY_BYTES:
            raise LlmError("the LLM service's reply was too large")
        try:
            content = response.json()["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError):
            raise LlmError("the LLM service's reply was not a chat completion") from None
        if not isinstance(content, str) or not content.strip():
            raise LlmError("the LLM service's reply was empty")
        return content


def synthesise(review: ReviewResult, client: LlmClient) -> ReviewResult:
    """The review with LLM-written summaries where they check out; its `synthesis` says which
    text was used and why."""
    if not review.papers:
        note = "There are no papers to synthesise; the extractive text is shown."
        return _marked(review, "extractive", note, client, {})
    try:
        reply = _parse_reply(client.complete(SYSTEM_PROMPT, _prompt(review)))
    except LlmError as exc:
        note = f"The LLM synthesis could not be used ({exc}); the extractive text is shown."
        return _marked(review, "extractive", note, client, {})

    sources = {paper.pmid: _source_text(paper) for paper in review.papers}
    problems: list[str] = []
    sources_used: dict[str, SynthesisUsed] = {}

    executive_summary = review.executive_summary
    summary = reply.get("executive_summary")
    reason = _check(summary, sources, own=None)
    if reason:
        problems.append(f"executive summary kept extractive: {reason}")
        sources_used["executive_summary"] = "extractive"
    else:
        executive_summary = " ".join(str(summary).split())
        sources_used["executive_summary"] = "llm"

    written = _paper_summaries(reply.get("papers"))
    papers = []
    for paper in review.papers:
        text = written.get(paper.pmid)
        reason = "no summary given" if text is None else _check(text, sources, own=paper.pmid)
        if reason:
            if text is not None:
                problems.append(f"summary of PMID {paper.pmid} kept extractive: {reason}")
            sources_used[paper.pmid] = "extractive"
            papers.append(paper)
        else:
            papers.append(replace(paper, summary=" ".join(str(text).split())))
            sources_used[paper.pmid] = "llm"
    unknown = sorted(set(written) - set(sources))
    if unknown:
        problems.append(f"ignored summaries of papers not in the review ({', '.join(unknown)})")

    llm_parts = sum(1 for v in sources_used.values() if v == "llm")
    if not llm_parts:
        note = (
            "The LLM synthesis did not pass the checks ("
            + "; ".join(problems or ["nothing usable"])
            + "); the extractive text is shown."
        )
        return _marked(review, "extractive", note, client, sources_used)
    note = f"Written by {client.model} from the extractive results"
    note += f"; {'; '.join(problems)}." if problems else "; every citation and quote checked."
    rewritten = replace(review, executive_summary=executive_summary, papers=tuple(papers))
    return _marked(rewritten, "llm", note, client, sources_used)


def extractive(review: ReviewResult, note: str) -> ReviewResult:
    """The review as the engine wrote it, recording why no language model rewrote it."""
    return replace(review, synthesis=Synthesis(used="extractive", note=note))


def _marked(
    review: ReviewResult,
    used: SynthesisUsed,
    note: str,
    client: LlmClient,
    parts: dict[str, SynthesisUsed],
) -> ReviewResult:
    """The review with a record of how it was synthesised."""
    synthesis = Synthesis(used=used, note=note, model=client.model, parts=parts)
    return replace(review, synthesis=synthesis)


def _prompt(review: ReviewResult) -> str:
    """The request to the model: the objective and each paper's extractive results."""
    papers = [
        {
            "pmid": p.pmid,
            "title": p.title,
            "year": p.year,
            "evidence": p.evidence_label,
            "extractive_summary": p.summary,
            "quotes": [a.quote for a in p.fact_anchors],
        }
        for p in review.papers
    ]
    task = {
        "objective": review.objective,
        "molecule": review.molecule,
        "extractive_executive_summary": review.executive_summary,
        "papers": papers,
        "answer_format": {
            "executive_summary": "one paragraph of 4-8 sentences synthesising the papers, "
            "citing each claim as [PMID <id>]",
            "papers": [{"pmid": "<id>", "summary": "2-3 sentences on that paper alone"}],
        },
    }
    return json.dumps(task, ensure_ascii=False, indent=1)


def _parse_reply(content: str) -> dict[str, Any]:
    """The JSON object in the model's reply (a ```json fence is tolerated)."""
    fenced = FENCE_RE.match(content)
    try:
        data = json.loads(fenced.group(1) if fenced else content)
    except ValueError:
        raise LlmError("the LLM's answer was not valid JSON") from None
    if not isinstance(data, dict):
        raise LlmError("the LLM's answer was not a JSON object")
    return data


def _paper_summaries(value: Any) -> dict[str, Any]:
    """pmid → summary from the reply's papers list (entries without a pmid are dropped)."""
    found: dict[str, Any] = {}
    if isinstance(value, list):
        for item in value:
            if isinstance(item, dict) and item.get("pmid") is not None:
                found.setdefault(str(item["pmid"]).strip(), item.get("summary"))
    return found


def _source_text(paper: ReviewedPaper) -> str:
    """What a paper's quotes may come from: its title, summary and anchors, spaces collapsed."""
    parts = [paper.title, paper.summary, *(a.quote for a in paper.fact_anchors)]
    return " ".join(" ".join(p.split()) for p in parts if p)


def _check(text: Any, sources: dict[str, str], *, own: str | None) -> str:
    """Why text may not be used ("" when it may): unknown citations or quotes not verbatim."""
    if not isinstance(text, str) or not text.strip():
        return "it was empty"
    text = " ".join(text.split())
    unknown = [c for c in _citations(text) if c not in sources]
    if unknown:
        return f"it cites PMID {unknown[0]}, which is not among the review's papers"
    sentences = split_sentences(text)
    for match in QUOTE_RE.finditer(text):
        quote = " ".join((match.group(1) or match.group(2)).split())
        if not quote:
            continue
        # The quote belongs to the papers cited in the sentences it spans.
        around = " ".join(
            s.text for s in sentences if s.start < match.end() and s.end > match.start()
        )
        allowed = _citations(around)
        if own is not None:
            allowed.append(own)
        elif not allowed:
            allowed = list(sources)
        if not any(quote in sources[pmid] for pmid in allowed):
            shown = quote if len(quote) <= 80 else quote[:77] + "…"
            return f"the quote “{shown}” is not word for word in the paper it is attributed to"
    return ""


def _citations(text: str) -> list[str]:
    """The ids cited after "PMID", e.g. [PMID 123] or (PMIDs 123 and 456)."""
    ids = []
    for match in CITATION_RE.finditer(text):
        ids += re.findall(CITED_ID, re.sub(r"(?i)\bPMIDs?:?", " ", match.group(1)))
    return ids


def _short(exc: Exception) -> str:
    """An exception as a short reason."""
    return (str(exc) or type(exc).__name__)[:MAX_REASON_CHARS]
