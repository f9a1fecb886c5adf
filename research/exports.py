"""Take-away reports of a review: Markdown, JSON, and BibTeX or RIS of its papers."""

from __future__ import annotations

import json
import re
import unicodedata

import rispy

from research.schema import ReviewedPaper, ReviewResult

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


def to_markdown(result: ReviewResult) -> str:
    """A readable report: the objective, executive summary, each paper with its quotes, searches."""
    lines = [f"# Literature review: {_md(result.objective)}", ""]
    facts = []
    if result.molecule:
        facts.append(f"**Molecule:** {_md(result.molecule)}")
    facts.append(f"**Preference:** {_md(result.preference)}")
    if result.full_text_only:
        facts.append("**Only papers with free full text**")
    diagnostics = result.diagnostics
    facts.append(
        f"**Analysed:** {diagnostics.analysed} of {diagnostics.pool_size:,} candidates in a "
        f"library of {diagnostics.library_size:,} papers"
    )
    if result.synthesis is not None and result.synthesis.note:
        facts.append(f"**Synthesis:** {_md(result.synthesis.note)}")
    lines += [f"- {fact}" for fact in facts]
    lines += ["", "## Executive summary", "", _md(result.executive_summary), ""]
    if result.papers:
        lines += ["## Papers", ""]
    for paper in result.papers:
        year = f" ({paper.year})" if paper.year else ""
        lines += [f"### {paper.rank}. {_md(paper.title)}{year}", ""]
        byline = []
        if paper.authors:
            shown = ", ".join(paper.authors[:6]) + (" et al." if len(paper.authors) > 6 else "")
            byline.append(_md(shown))
        if paper.journal:
            byline.append(f"*{_md(paper.journal)}*")
        if byline:
            lines += [". ".join(byline), ""]
        links = [f"[PMID {_md(paper.pmid)}]({_url(paper.url)})"]
        if paper.doi:
            links.append(f"[doi:{_md(paper.doi)}]({_url('https://doi.org/' + paper.doi)})")
        if paper.pmcid:
            links.append(_md(paper.pmcid))
        lines += [" · ".join(links), ""]
        evidence = _md(paper.evidence_label)
        lines += [f"**Evidence:** {evidence} · **Score:** {paper.scores.overall:.2f}", ""]
        lines += [_md(paper.summary), ""]
        if paper.fact_anchors:
            lines += ["Quotes:", ""]
            lines += [f"> {_md(a.quote)} — *{_md(a.section)}*" for a in paper.fact_anchors]
            lines += [""]
        if paper.relevance:
            lines += [f"**Why it is here:** {_md(paper.relevance)}", ""]
    if result.queries:
        lines += ["## Searches", "", "| Search | Purpose | Hits |", "| --- | --- | --- |"]
        lines += [f"| {_md(q.query)} | {_md(q.purpose)} | {q.hits} |" for q in result.queries]
        lines += [""]
    if diagnostics.engine_version:
        # Mid-line, so only inline characters are escaped ("1.0.0" is no list marker here).
        version = MD_SPECIAL_RE.sub(r"\\\1", _line(diagnostics.engine_version))
        lines += [f"*Engine version {version}.*", ""]
    return "\n".join(lines).rstrip() + "\n"


def to_json(result: ReviewResult) -> str:
    """The result's stored JSON form (with its schema version), indented UTF-8."""
    return json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n"


def to_bibtex(result: ReviewResult) -> str:
    """A BibTeX file of the review's papers, special characters escaped."""
    entries = []
    used: set[str] = set()
    for paper in result.papers:
        key = _citation_key(paper, used)
        fields = [("title", "{" + _bibtex(paper.title) + "}")]
        authors = [_bibtex_author(a) for a in paper.authors if a.strip()]
        if authors:
            fields.append(("author", " and ".join(authors)))
        for name, value in (
            ("journal", paper.journal),
            ("year", paper.year),
            ("doi", paper.doi),
            ("pmcid", paper.pmcid),
        ):
            if value:
                fields.append((name, _bibtex(str(value))))
        if paper.pmid.isdigit():
            fields += [("pmid", paper.pmid), ("eprint", paper.pmid), ("eprinttype", "pubmed")]
        if paper.url:
            fields.append(("url", _bibtex(paper.url)))
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
        entries.append(f"@article{{{key},\n{body}\n}}\n")
    return "\n".join(entries)


def to_ris(result: ReviewResult) -> str:
    """A RIS file of the review's papers (journal articles)."""
    entries = []
    for paper in result.papers:
        entry: dict[str, str | list[str]] = {
            "type_of_reference": "JOUR",
            "title": _line(paper.title),
        }
        authors = [_ris_author(a) for a in paper.authors if a.strip()]
        if authors:
            entry["authors"] = authors
        if paper.year:
            entry["year"] = str(paper.year)
        if paper.journal:
            entry["journal_name"] = _line(paper.journal)
        if paper.doi:
            entry["doi"] = _line(paper.doi)
        if paper.pmid.isdigit():
            entry["accession_number"] = paper.pmid
            entry["name_of_database"] = "PubMed"
        if paper.pmcid:
            entry["custom2"] = _line(paper.pmcid)
        if paper.url:
            entry["urls"] = [_line(paper.url)]
        entries.append(entry)
    return rispy.dumps(entries) if entries else ""


def _md(text: object) -> str:
    """Text on one line with Markdown's special characters escaped."""
    text = MD_SPECIAL_RE.sub(r"\\\1", _line(text))
    return MD_LINE_START_RE.sub(r"\\\1", text)


def _url(url: str) -> str:
    """A URL safe inside Markdown's (…) link target."""
    return _line(url).replace(" ", "%20").replace("(", "%28").replace(")", "%29")


def _line(text: object) -> str:
    """Any value as one line of text."""
    return " ".join(str(text or "").split())


def _bibtex(text: object) -> str:
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


def _citation_key(paper: ReviewedPaper, used: set[str]) -> str:
    """A unique ASCII key: first author's surname, year and PMID (Beasley2018_29768149)."""
    surname = _split_author(paper.authors[0])[0].split()[-1] if paper.authors else "anon"
    ascii_name = unicodedata.normalize("NFKD", surname).encode("ascii", "ignore").decode()
    ident = KEY_UNSAFE_RE.sub("", paper.pmid)[-12:]
    base = KEY_UNSAFE_RE.sub("", ascii_name) or "anon"
    key = f"{base}{paper.year or ''}_{ident}".strip("_")
    candidate, n = key, 1
    while candidate in used:
        n += 1
        candidate = f"{key}_{n}"
    used.add(candidate)
    return candidate
