"""Take-away reports of a review result dict: Markdown, JSON, and BibTeX or RIS of its papers."""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

import rispy

MD_SPECIAL_RE = re.compile(r"([\\`*_\[\]<>|~])")
MD_LINE_START_RE = re.compile(r"^(#|[-+>]|\d+[.)])")
BIBTEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
BIBTEX_SPECIAL_RE = re.compile("|".join(re.escape(c) for c in BIBTEX_SPECIAL))
INITIALS_RE = re.compile(r"^[A-Z]{1,4}$")
KEY_UNSAFE_RE = re.compile(r"[^A-Za-z0-9]+")


def to_markdown(result: dict[str, Any]) -> str:
    """A readable report: the objective, executive summary, each paper with its quotes, searches."""
    lines = [f"# Literature review: {_md(result.get('objective', ''))}", ""]
    facts = []
    if result.get("molecule"):
        facts.append(f"**Molecule:** {_md(result['molecule'])}")
    facts.append(f"**Preference:** {_md(result.get('preference', ''))}")
    if result.get("full_text_only"):
        facts.append("**Only papers with free full text**")
    diagnostics = result.get("diagnostics") or {}
    if diagnostics:
        facts.append(
            f"**Analysed:** {diagnostics.get('analysed', 0)} of "
            f"{diagnostics.get('pool_size', 0):,} candidates in a library of "
            f"{diagnostics.get('library_size', 0):,} papers"
        )
    synthesis = result.get("synthesis") or {}
    if synthesis.get("note"):
        facts.append(f"**Synthesis:** {_md(synthesis['note'])}")
    lines += [f"- {fact}" for fact in facts]
    lines += ["", "## Executive summary", "", _md(result.get("executive_summary", "")), ""]
    papers = result.get("papers") or []
    if papers:
        lines += ["## Papers", ""]
    for paper in papers:
        year = f" ({paper['year']})" if paper.get("year") else ""
        lines += [f"### {paper.get('rank', '')}. {_md(paper.get('title', ''))}{year}", ""]
        byline = []
        if paper.get("authors"):
            authors = list(paper["authors"])
            shown = ", ".join(authors[:6]) + (" et al." if len(authors) > 6 else "")
            byline.append(_md(shown))
        if paper.get("journal"):
            byline.append(f"*{_md(paper['journal'])}*")
        if byline:
            lines += [". ".join(byline), ""]
        links = [f"[PMID {_md(paper['pmid'])}]({_url(paper.get('url', ''))})"]
        if paper.get("doi"):
            links.append(f"[doi:{_md(paper['doi'])}]({_url('https://doi.org/' + paper['doi'])})")
        if paper.get("pmcid"):
            links.append(_md(paper["pmcid"]))
        lines += [" · ".join(links), ""]
        scores = paper.get("scores") or {}
        evidence = _md(paper.get("evidence_label", ""))
        lines += [f"**Evidence:** {evidence} · **Score:** {scores.get('overall', 0):.2f}", ""]
        lines += [_md(paper.get("summary", "")), ""]
        anchors = paper.get("fact_anchors") or []
        if anchors:
            lines += ["Quotes:", ""]
            lines += [f"> {_md(a['quote'])} — *{_md(a['section'])}*" for a in anchors]
            lines += [""]
        if paper.get("relevance"):
            lines += [f"**Why it is here:** {_md(paper['relevance'])}", ""]
    queries = result.get("queries") or []
    if queries:
        lines += ["## Searches", "", "| Search | Purpose | Hits |", "| --- | --- | --- |"]
        lines += [
            f"| {_md(q['query'])} | {_md(q['purpose'])} | {q.get('hits', 0)} |" for q in queries
        ]
        lines += [""]
    if diagnostics.get("engine_version"):
        lines += [f"*Engine version {_md(diagnostics['engine_version'])}.*", ""]
    return "\n".join(lines).rstrip() + "\n"


def to_json(result: dict[str, Any]) -> str:
    """The result as indented UTF-8 JSON."""
    return json.dumps(result, ensure_ascii=False, indent=2) + "\n"


def to_bibtex(result: dict[str, Any]) -> str:
    """A BibTeX file of the review's papers, special characters escaped."""
    entries = []
    used: set[str] = set()
    for paper in result.get("papers") or []:
        key = _citation_key(paper, used)
        fields = [("title", "{" + _bibtex(paper.get("title", "")) + "}")]
        authors = [_bibtex_author(a) for a in paper.get("authors") or [] if str(a).strip()]
        if authors:
            fields.append(("author", " and ".join(authors)))
        for name in ("journal", "year", "doi", "pmcid"):
            if paper.get(name):
                fields.append((name, _bibtex(str(paper[name]))))
        pmid = str(paper.get("pmid", ""))
        if pmid.isdigit():
            fields += [("pmid", pmid), ("eprint", pmid), ("eprinttype", "pubmed")]
        if paper.get("url"):
            fields.append(("url", _bibtex(paper["url"])))
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
        entries.append(f"@article{{{key},\n{body}\n}}\n")
    return "\n".join(entries)


def to_ris(result: dict[str, Any]) -> str:
    """A RIS file of the review's papers (journal articles)."""
    entries = []
    for paper in result.get("papers") or []:
        entry: dict[str, Any] = {
            "type_of_reference": "JOUR",
            "title": _line(paper.get("title", "")),
        }
        authors = [_ris_author(a) for a in paper.get("authors") or [] if str(a).strip()]
        if authors:
            entry["authors"] = authors
        if paper.get("year"):
            entry["year"] = str(paper["year"])
        if paper.get("journal"):
            entry["journal_name"] = _line(paper["journal"])
        if paper.get("doi"):
            entry["doi"] = _line(paper["doi"])
        pmid = str(paper.get("pmid", ""))
        if pmid.isdigit():
            entry["accession_number"] = pmid
            entry["name_of_database"] = "PubMed"
        if paper.get("pmcid"):
            entry["custom2"] = _line(paper["pmcid"])
        if paper.get("url"):
            entry["urls"] = [_line(paper["url"])]
        entries.append(entry)
    return rispy.dumps(entries) if entries else ""


def _md(text: Any) -> str:
    """Text on one line with Markdown's special characters escaped."""
    text = MD_SPECIAL_RE.sub(r"\\\1", _line(text))
    return MD_LINE_START_RE.sub(r"\\\1", text)


def _url(url: str) -> str:
    """A URL safe inside Markdown's (…) link target."""
    return _line(url).replace(" ", "%20").replace("(", "%28").replace(")", "%29")


def _line(text: Any) -> str:
    """Any value as one line of text."""
    return " ".join(str(text or "").split())


def _bibtex(text: Any) -> str:
    """Text with BibTeX/LaTeX special characters escaped."""
    return BIBTEX_SPECIAL_RE.sub(lambda m: BIBTEX_SPECIAL[m.group(0)], _line(text))


def _split_author(name: str) -> tuple[str, str]:
    """ "Beasley R" as ("Beasley", "R."); a collective name as (name, "")."""
    parts = _line(name).split()
    if len(parts) >= 2 and INITIALS_RE.match(parts[-1]):
        return " ".join(parts[:-1]), " ".join(f"{c}." for c in parts[-1])
    return _line(name), ""


def _bibtex_author(name: str) -> str:
    """An author for BibTeX: "Beasley, R." or {Collective Group Name}."""
    last, first = _split_author(name)
    return f"{_bibtex(last)}, {_bibtex(first)}" if first else "{" + _bibtex(last) + "}"


def _ris_author(name: str) -> str:
    """An author for RIS: "Beasley, R." or the group's name."""
    last, first = _split_author(name)
    return f"{last}, {first}" if first else last


def _citation_key(paper: dict[str, Any], used: set[str]) -> str:
    """A unique ASCII key: first author's surname, year and PMID (Beasley2018_29768149)."""
    authors = paper.get("authors") or []
    surname = _split_author(authors[0])[0].split()[-1] if authors else "anon"
    ascii_name = unicodedata.normalize("NFKD", surname).encode("ascii", "ignore").decode()
    ident = KEY_UNSAFE_RE.sub("", str(paper.get("pmid", "")))[-12:]
    base = KEY_UNSAFE_RE.sub("", ascii_name) or "anon"
    key = f"{base}{paper.get('year') or ''}_{ident}".strip("_")
    candidate, n = key, 1
    while candidate in used:
        n += 1
        candidate = f"{key}_{n}"
    used.add(candidate)
    return candidate
