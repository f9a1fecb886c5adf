"""How good the research is: reviews, key findings and deep dives measured against NLM's own
indexing and labels on the shipped baseline files, each figure beside its target (issue 12).

(a) review relevance: P@8 of precision reviews and P@13 of recall reviews on pubmed20n0014 with
    MeSH and the chemical list stripped, against MeSH ground truth, beside bm25s defaults on
    the same stripped library, with a paired bootstrap interval of the difference;
(b) key findings' roles on pubmed21n1298: the share of executive-summary findings whose true
    NLM section label is RESULTS or CONCLUSIONS, on the library as it is (b1) and with every
    structured abstract's labels removed (b2); and the share of quotes verbatim in their paper;
(c) the share of key findings that name the objective's core concept;
(d) deep dives: design against the withheld publication type on 200 seeded records; on 200
    seeded structured abstracts of pubmed21n1298, the share of methods quotes from METHODS and of
    key results from RESULTS/CONCLUSIONS, and stated LIMITATIONS sections recalled.

Only the engine's public API is called, so this measures whatever the engine does.
Run: .venv/bin/python bench/eval.py [--parts abcd] [--no-write] [--key NAME] [--choose-descriptors]
[--development]
(make eval). Each --key has its own section of bench/RESULTS.md ("current" by default).
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import hashlib
import json
import os
import random
import re
import shlex
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
# EVAL_ENGINE=DIR measures the research/ package in DIR instead (e.g. an earlier commit's, from
# `git archive <commit> research | tar -x -C DIR`), to put the previous engine's figures beside.
ENGINE_DIR = os.environ.get("EVAL_ENGINE", "")
if ENGINE_DIR:
    sys.path.insert(0, ENGINE_DIR)

from bench.eval_queries import FINDING_OBJECTIVES, REVIEW_QUERIES  # noqa: E402
from bench.report import (  # noqa: E402
    RESULTS,
    Figure,
    table_markdown,
    table_text,
    write_section,
)
from research import (  # noqa: E402
    DeepDiveRequest,
    InMemoryLibrary,
    ReviewRequest,
    ReviewResult,
    deep_dive,
    generate_review,
    ignore_progress,
    read_pubmed,
)
from research.records import AbstractSection, PaperRecord  # noqa: E402

DATA_DIR = Path(os.environ.get("PUBMED_BASELINE_DIR") or REPO / "var" / "pubmed")
CACHE_DIR = REPO / "var" / "eval"
BASELINE_1977 = "pubmed20n0014.xml.gz"
DEMO_2021 = "pubmed21n1298.xml.gz"
SEED = 12
RESAMPLES = 2000
# MeSH check tags and other descriptors that say who or what was studied, not the topic.
CHECK_TAGS = frozenset(
    {
        "Humans", "Male", "Female", "Adult", "Animals", "Middle Aged", "Aged",
        "Aged, 80 and over", "Child", "Child, Preschool", "Adolescent", "Infant",
        "Infant, Newborn", "Pregnancy", "Rats", "Mice", "Dogs", "Cats", "Rabbits", "Cattle",
        "Guinea Pigs", "Swine", "Sheep", "Horses", "Cricetinae", "Chickens", "Haplorhini",
        "Macaca mulatta", "In Vitro Techniques", "Time Factors", "Comparative Study",
        "History of Medicine", "Young Adult",
    }
)  # fmt: skip
RESULT_ROLES = frozenset({"RESULTS", "CONCLUSIONS"})
KNOWN_ROLES = frozenset({"BACKGROUND", "OBJECTIVE", "METHODS", "RESULTS", "CONCLUSIONS"})
# Withheld publication type → the engine's study designs that agree with it. A record's truth is
# its first type in this order (a randomised trial is also a "Clinical Trial").
DESIGN_TRUTH: tuple[tuple[str, frozenset[str]], ...] = (
    ("Meta-Analysis", frozenset({"meta-analysis"})),
    ("Randomized Controlled Trial", frozenset({"randomised controlled trial"})),
    (
        "Controlled Clinical Trial",
        frozenset({"randomised controlled trial", "non-randomised clinical trial"}),
    ),
    ("Clinical Trial", frozenset({"randomised controlled trial", "non-randomised clinical trial"})),
    ("Review", frozenset({"narrative review", "systematic review", "meta-analysis"})),
    ("Case Reports", frozenset({"case report"})),
    (
        # A comparison of groups or conditions: any primary study (clinical, animal or
        # laboratory), not a review, a case report or "not determined"; "primary study" is
        # original research of no more specific design.
        "Comparative Study",
        frozenset(
            {
                "comparative study", "primary study",
                "randomised controlled trial", "non-randomised clinical trial",
                "case-control study", "cohort study", "prospective cohort study",
                "retrospective cohort study", "cross-sectional study", "qualitative study",
                "in silico study", "animal study", "in vitro study",
            }
        ),
    ),
)  # fmt: skip
DESIGN_SAMPLE = 200


# --- Metrics (tested in tests/unit/research/test_eval.py) -------------------------------------


def precision_at_k(ranked: Sequence[str], relevant: Iterable[str], k: int) -> float:
    """The share of the first k ranked ids that are relevant; missing places count as misses."""
    wanted = set(relevant)
    return sum(1 for pmid in ranked[:k] if pmid in wanted) / k


def paired_bootstrap(
    a: Sequence[float], b: Sequence[float], *, resamples: int = RESAMPLES, seed: int = SEED
) -> tuple[float, float, float]:
    """Mean of a − b over paired items and its 95 % percentile interval from seeded resamples."""
    if len(a) != len(b) or not a:
        raise ValueError("paired_bootstrap needs two non-empty sequences of the same length")
    diffs = [x - y for x, y in zip(a, b, strict=True)]
    rng = random.Random(seed)
    n = len(diffs)
    means = sorted(sum(diffs[rng.randrange(n)] for _ in range(n)) / n for _ in range(resamples))
    low = means[int(0.025 * resamples)]
    high = means[min(int(0.975 * resamples), resamples - 1)]
    return sum(diffs) / n, low, high


def without_indexing(record: PaperRecord) -> PaperRecord:
    """The record with its MeSH headings and chemical list removed."""
    return dataclasses.replace(record, mesh=(), chemicals=())


def without_labels(record: PaperRecord) -> PaperRecord:
    """The record with a structured abstract merged into one unlabelled section."""
    if all(s.category == "UNASSIGNED" and not s.label for s in record.abstract):
        return record
    text = " ".join(s.text for s in record.abstract if s.text)
    return dataclasses.replace(record, abstract=(AbstractSection("UNASSIGNED", "", text),))


def without_publication_types(record: PaperRecord) -> PaperRecord:
    """The record with its publication types (and MeSH, which can name a design) withheld."""
    return dataclasses.replace(record, publication_types=(), mesh=(), chemicals=())


def located_section(quote: str, record: PaperRecord) -> AbstractSection | None:
    """The abstract section holding the quote verbatim, if one does."""
    return next((section for section in record.abstract if quote in section.text), None)


def true_role(quote: str, record: PaperRecord) -> str:
    """NLM's label of the section holding the quote: TITLE, a category, UNLABELLED or MISSING."""
    section = located_section(quote, record)
    if section is not None:
        return section.category if section.category in KNOWN_ROLES else "UNLABELLED"
    return "TITLE" if quote in record.title else "MISSING"


def is_limitations(section: AbstractSection | None) -> bool:
    """Whether the section is the abstract's stated limitations (by its label)."""
    return section is not None and "LIMITATION" in section.label.upper()


def names_concept(text: str, terms: Iterable[str]) -> bool:
    """Whether the text contains one of the terms as whole words (case-insensitive, plural s)."""
    return any(
        re.search(rf"(?<![\w-]){re.escape(term)}(?:s|es)?(?![\w-])", text, re.I) for term in terms
    )


def choose_descriptors(
    counts: Counter[str], *, n: int = 48, low: int = 25, high: int = 300, seed: int = SEED
) -> list[str]:
    """n descriptors indexed on low–high records, check tags excluded, drawn with the seed."""
    band = sorted(d for d, c in counts.items() if low <= c <= high and d not in CHECK_TAGS)
    return sorted(random.Random(seed).sample(band, n))


# --- Data --------------------------------------------------------------------------------------


def load_records(name: str) -> list[PaperRecord]:
    """The file's records, parsed once and cached as JSON in var/eval/, keyed by the file's size
    and time and by the parser's source, so a changed file or parser is parsed afresh."""
    source = DATA_DIR / name
    stat = source.stat()
    parser = hashlib.sha256()
    for module in (read_pubmed.__module__, PaperRecord.__module__):
        parser.update(Path(sys.modules[module].__file__ or "").read_bytes())
    key = f"{stat.st_size}.{int(stat.st_mtime)}.{parser.hexdigest()[:12]}"
    cache = CACHE_DIR / f"{name}.{key}.json.gz"
    if cache.exists():
        with gzip.open(cache, "rt") as handle:
            return [PaperRecord.from_dict(item) for item in json.load(handle)]
    records = list(read_pubmed(source))
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    partial = cache.with_suffix(".part")
    with gzip.open(partial, "wt", compresslevel=1) as handle:
        json.dump([r.to_dict() for r in records], handle)
    partial.replace(cache)
    return records


def mean(values: Sequence[float]) -> float:
    return statistics.fmean(values) if values else 0.0


# --- (a) Review relevance ---------------------------------------------------------------------


def bm25s_rankings(
    records: Sequence[PaperRecord], objectives: Sequence[str], k: int
) -> list[list[str]]:
    """bm25s with default settings over title + abstract: each objective's k best PMIDs."""
    import bm25s

    corpus = [f"{r.title} {r.abstract_text()}" for r in records]
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(corpus, show_progress=False), show_progress=False)
    rankings = []
    for objective in objectives:
        tokens = [
            t
            for t in bm25s.tokenize([objective], return_ids=False, show_progress=False)[0]
            if t in retriever.vocab_dict
        ]
        if not tokens:
            rankings.append([])
            continue
        docs, scores = retriever.retrieve([tokens], k=k, show_progress=False)
        rankings.append(
            [records[int(i)].pmid for i, s in zip(docs[0], scores[0], strict=True) if s > 0]
        )
    return rankings


def development_queries(
    counts: Counter[str], *, n: int = 60, seed: int = 99
) -> list[tuple[str, str]]:
    """Another seeded draw of descriptors (none of the committed ones), each with its own words
    as the objective ("Infant, Premature" → "premature infant"): the set the engine's settings
    are tried on, so that the committed queries stay unseen."""
    committed = {descriptor for descriptor, _ in REVIEW_QUERIES}
    band = sorted(
        d for d, c in counts.items() if 25 <= c <= 300 and d not in CHECK_TAGS | committed
    )
    chosen = sorted(random.Random(seed).sample(band, n))
    return [(d, " ".join(reversed(d.split(", "))).lower()) for d in chosen]


def suggested_library(records: Sequence[PaperRecord], stripped: Sequence[PaperRecord]):
    """The stripped records as a library whose unindexed papers carry MeSH headings suggested
    from the other records' headings (research.indexing; a paper is never its own neighbour),
    as a library of new, unindexed papers would; None for an engine that suggests none."""
    try:
        from research.indexing import suggest_headings
    except ImportError:
        return None
    return InMemoryLibrary(stripped, suggestions=suggest_headings(records, records))


def review_precisions(library, objective: str, truth: set[str]) -> tuple[float, float]:
    """P@8 of the precision review and P@13 of the recall review of the objective."""
    precise = generate_review(ReviewRequest(objective), library, ignore_progress)
    broad = generate_review(ReviewRequest(objective, preference="recall"), library, ignore_progress)
    return (
        precision_at_k([p.pmid for p in precise.papers], truth, 8),
        precision_at_k([p.pmid for p in broad.papers], truth, 13),
    )


def review_relevance(
    figures: list[Figure], log: Callable[[str], None], *, development: bool = False
) -> None:
    """(a): engine P@8 (precision) and P@13 (recall) against bm25s defaults, MeSH stripped."""
    records = load_records(BASELINE_1977)
    queries = list(REVIEW_QUERIES)
    if development:
        queries = development_queries(Counter(m.descriptor for r in records for m in r.mesh))
    relevant: dict[str, set[str]] = {d: set() for d, _ in queries}
    for record in records:
        for term in record.mesh:
            if term.descriptor in relevant:
                relevant[term.descriptor].add(record.pmid)
    stripped = [without_indexing(r) for r in records]
    words_only = InMemoryLibrary(stripped)
    library = suggested_library(records, stripped) or words_only
    objectives = [objective for _, objective in queries]
    baseline = bm25s_rankings(stripped, objectives, 13)
    rows = []
    plain = []
    for (descriptor, objective), bm25_ranked in zip(queries, baseline, strict=True):
        truth = relevant[descriptor]
        rows.append(
            review_precisions(library, objective, truth)
            + (precision_at_k(bm25_ranked, truth, 8), precision_at_k(bm25_ranked, truth, 13))
        )
        if library is not words_only:
            plain.append(review_precisions(words_only, objective, truth))
        log(
            f"  {descriptor:<32} n={len(truth):<4} P@8 {rows[-1][0]:.3f} (bm25s {rows[-1][2]:.3f})"
            f"  P@13 {rows[-1][1]:.3f} (bm25s {rows[-1][3]:.3f})"
        )
    p8, p13, b8, b13 = (list(column) for column in zip(*rows, strict=True))
    d8, lo8, hi8 = paired_bootstrap(p8, b8)
    d13, lo13, hi13 = paired_bootstrap(p13, b13)
    n = len(rows)
    figures += [
        Figure(
            f"review P@8, precision ({n} MeSH queries)",
            mean(p8),
            "",
            "≥ 0.86",
            mean(p8) >= 0.86,
            f"bm25s {mean(b8):.3f}",
        ),
        Figure(
            "P@8 engine − bm25s, paired 95 % interval",
            d8,
            "",
            "low end > 0",
            lo8 > 0,
            f"[{lo8:+.3f}, {hi8:+.3f}]",
        ),
        Figure(
            f"review P@13, recall ({n} MeSH queries)",
            mean(p13),
            "",
            "≥ 0.84",
            mean(p13) >= 0.84,
            f"bm25s {mean(b13):.3f}",
        ),
        Figure(
            "P@13 engine − bm25s, paired 95 % interval",
            d13,
            "",
            "",
            None,
            f"[{lo13:+.3f}, {hi13:+.3f}]",
        ),
    ]
    if plain:
        w8, w13 = (list(column) for column in zip(*plain, strict=True))
        figures.append(
            Figure(
                "  P@8 / P@13 without suggested headings (words only)",
                mean(w8),
                "",
                "",
                None,
                f"P@13 {mean(w13):.3f}",
            )
        )


# --- (b), (c) Key findings ---------------------------------------------------------------------


def finding_roles(
    review: ReviewResult, library_records: dict[str, PaperRecord], originals: dict[str, PaperRecord]
) -> tuple[list[str], int]:
    """Each key finding's true role (from the original record) and how many are not verbatim
    in the cited paper as the engine saw it (or cite a paper outside the review)."""
    in_review = {p.pmid for p in review.papers}
    roles, broken = [], 0
    for anchor in review.executive_summary_anchors:
        seen = library_records.get(anchor.pmid)
        if (
            seen is None
            or anchor.pmid not in in_review
            or (anchor.quote not in seen.title and anchor.quote not in seen.abstract_text())
        ):
            broken += 1
        roles.append(
            true_role(anchor.quote, originals[anchor.pmid])
            if anchor.pmid in originals
            else "MISSING"
        )
    return roles, broken


def key_findings(figures: list[Figure], log: Callable[[str], None]) -> None:
    """(b) and (c) on the demo library as it is and with structured labels removed."""
    originals = {r.pmid: r for r in load_records(DEMO_2021)}
    variants = {
        "as is": originals,
        "labels removed": {pmid: without_labels(r) for pmid, r in originals.items()},
    }
    for name, records in variants.items():
        library = InMemoryLibrary(records.values())
        roles: list[str] = []
        concept: list[bool] = []
        broken = total = 0
        for objective, terms in FINDING_OBJECTIVES:
            review = generate_review(ReviewRequest(objective), library, ignore_progress)
            found, bad = finding_roles(review, records, originals)
            roles += found
            broken += bad
            total += len(found)
            named = [names_concept(a.quote, terms) for a in review.executive_summary_anchors]
            concept += named
            if name == "as is":
                log(
                    f"  {objective:<62} findings {len(found)}  roles {','.join(found)}"
                    f"  concept {sum(named)}/{len(named)}"
                )
        # Only a finding quoted from a structured abstract (or the title) has a true label;
        # "of all" counts the rest as misses, a lower bound.
        labelled = [role for role in roles if role not in {"UNLABELLED", "MISSING"}]
        share = mean([role in RESULT_ROLES for role in labelled])
        of_all = mean([role in RESULT_ROLES for role in roles])
        mix = ", ".join(f"{role} {count}" for role, count in Counter(roles).most_common())
        log(f"  [{name}] {total} findings: {mix}")
        target = 0.85 if name == "as is" else 0.75
        figures.append(
            Figure(
                f"key findings RESULTS/CONCLUSIONS, {name}",
                share,
                "",
                f"≥ {target}",
                share >= target,
                f"{len(labelled)} of {total} have a label",
            )
        )
        figures.append(
            Figure(
                f"  of all findings, unlabelled as misses, {name}",
                of_all,
                "",
                "",
                None,
                f"{sum(r in RESULT_ROLES for r in roles)} of {total}",
            )
        )
        if name == "as is":
            figures.append(
                Figure(
                    "key findings naming the core concept",
                    mean(concept),
                    "",
                    "≥ 0.85",
                    mean(concept) >= 0.85,
                    f"{sum(concept)} of {len(concept)}",
                )
            )
        verbatim = 1 - broken / total if total else 0.0
        figures.append(
            Figure(
                f"key-finding quotes verbatim and cited, {name}",
                verbatim,
                "",
                "= 1",
                broken == 0,
                f"{total - broken} of {total}",
            )
        )


# --- (d) Deep-dive design ----------------------------------------------------------------------


def design_truth(record: PaperRecord) -> tuple[str, frozenset[str]] | None:
    """The record's first design-bearing publication type and the designs that agree with it."""
    types = set(record.publication_types)
    return next(((t, ok) for t, ok in DESIGN_TRUTH if t in types), None)


def deep_dive_design(figures: list[Figure], log: Callable[[str], None]) -> None:
    """(d): the deep dive's design against the withheld publication type, 200 seeded records
    from those the design model held out of its training (the checkout's split, so that an
    earlier engine measured with EVAL_ENGINE is read on the same records)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "design_split", REPO / "research" / "design_model.py"
    )
    assert spec is not None and spec.loader is not None
    split = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = split  # a dataclass needs its module registered
    spec.loader.exec_module(split)
    held_out: Callable[[str], bool] = split.held_out
    records = [
        r
        for r in load_records(BASELINE_1977)
        if r.abstract and design_truth(r) and held_out(r.pmid)
    ]
    sample = random.Random(SEED).sample(records, min(DESIGN_SAMPLE, len(records)))
    by_type: dict[str, list[bool]] = {}
    told: list[bool] = []
    designs: Counter[str] = Counter()
    for record in sample:
        truth = design_truth(record)
        assert truth is not None
        result = deep_dive(
            DeepDiveRequest(record=without_publication_types(record)), ignore_progress
        )
        design = result.scientific_model.study_design
        designs[design] += 1
        by_type.setdefault(truth[0], []).append(design in truth[1])
        with_types = deep_dive(DeepDiveRequest(record=record), ignore_progress)
        told.append(with_types.scientific_model.study_design in truth[1])
    agree = [ok for oks in by_type.values() for ok in oks]
    for name, oks in sorted(by_type.items()):
        log(f"  {name:<28} {sum(oks)}/{len(oks)}")
    log("  designs read: " + ", ".join(f"{d} {n}" for d, n in designs.most_common()))
    figures.append(
        Figure(
            "deep-dive design = withheld publication type",
            mean(agree),
            "",
            "≥ 0.8",
            mean(agree) >= 0.8,
            f"{sum(agree)} of {len(agree)}; {mean(told):.2f} with types shown",
        )
    )


METHOD_FIELDS = frozenset(
    {"study_design", "population", "sample_size", "arms", "randomisation", "blinding",
     "control_type"}
)  # fmt: skip
SECTION_SAMPLE = 200


def deep_dive_sections(figures: list[Figure], log: Callable[[str], None]) -> None:
    """(d) on pubmed21n1298's structured abstracts: which section each deep-dive quote is from,
    read on the record as it is and with its labels removed (truth from the original)."""
    records = load_records(DEMO_2021)
    structured = [r for r in records if sum(s.category in KNOWN_ROLES for s in r.abstract) >= 3]
    sample = random.Random(SEED).sample(structured, min(SECTION_SAMPLE, len(structured)))
    stated = [r for r in records if any(is_limitations(s) for s in r.abstract)]
    for name, variant in (("as is", lambda r: r), ("labels removed", without_labels)):
        methods: list[bool] = []
        results: list[bool] = []
        for record in sample:
            result = deep_dive(DeepDiveRequest(record=variant(record)), ignore_progress)
            quotes = [a.quote for a in result.scientific_model.anchors if a.field in METHOD_FIELDS]
            quotes += [m.quote for m in result.experimental_methods]
            methods += [true_role(q, record) in {"METHODS", "TITLE"} for q in quotes if q]
            results += [
                true_role(k.quote, record) in RESULT_ROLES
                for k in result.results_interpretation.key_results
                if k.quote
            ]
        recalled: list[bool] = []
        introduction = 0
        limitation_quotes = 0
        for record in stated:
            notes = deep_dive(
                DeepDiveRequest(record=variant(record)), ignore_progress
            ).results_interpretation.limitations_biases
            recalled.append(any(is_limitations(located_section(n.quote, record)) for n in notes))
            limitation_quotes += len(notes)
            introduction += sum(
                true_role(n.quote, record) in {"BACKGROUND", "OBJECTIVE"} for n in notes
            )
        log(
            f"  [{name}] {len(methods)} methods quotes, {len(results)} key results over "
            f"{len(sample)} structured abstracts; {len(stated)} with stated limitations"
        )
        n = len(sample)
        figures += [
            Figure(f"deep-dive methods quotes from Methods, {name}", mean(methods), "", "≥ 0.85",
                   mean(methods) >= 0.85, f"{sum(methods)} of {len(methods)}, {n} papers"),
            Figure(f"deep-dive key results from Results/Concl., {name}", mean(results), "",
                   "≥ 0.90", mean(results) >= 0.90, f"{sum(results)} of {len(results)}"),
            Figure(f"stated limitations recalled, {name}", mean(recalled), "", "≥ 0.7",
                   mean(recalled) >= 0.7, f"{sum(recalled)} of {len(recalled)} papers"),
            Figure(f"limitation quotes from Background/Objective, {name}", introduction, "",
                   "= 0", introduction == 0, f"of {limitation_quotes} limitation quotes"),
        ]  # fmt: skip


# --- Report ------------------------------------------------------------------------------------


EVAL_INTRO = """## Research quality (issue 12 evaluation)

`make eval` (bench/eval.py) measures the engine through its public API against NLM's own
indexing and labels, on queries committed in bench/eval_queries.py that the engine was not tuned
on. (a) 48 MeSH descriptors of pubmed20n0014 with 25–300 indexed records each (seeded draw,
check tags excluded); a paper is relevant iff indexed with the descriptor; MeSH and chemicals are
stripped from every record first; bm25s is `bm25s.BM25()` with its default tokenizer (English
stopwords) over title + abstract of the same stripped records; the interval is a paired
bootstrap (2,000 seeded resamples) over queries. (b) 30 COVID-era objectives on pubmed21n1298:
each executive-summary key finding is located verbatim in the original record and takes its
section's NlmCategory; only findings quoted from structured abstracts have a true label, so the
headline share is over those, and the "of all" row counts the rest as misses (a lower bound).
"labels removed" runs the same reviews on a copy whose structured abstracts are merged into one
unlabelled section (truth from the original). (c) a finding names the core concept when it holds
one of the objective's listed words (whole word, any case, plural s). (d) 200 seeded
pubmed20n0014 records with an abstract and a design-bearing publication type, drawn from those
the design model (research/design_model.py) held out of its training, deep-dived with
publication types and MeSH withheld; truth is the first of Meta-Analysis, Randomized Controlled
Trial, Controlled Clinical Trial, Clinical Trial, Review, Case Reports, Comparative Study, and
the designs that agree with each are listed in bench/eval.py (DESIGN_TRUTH); and on 200 seeded
structured abstracts of pubmed21n1298, the section each deep-dive quote comes from. A run with
EVAL_ENGINE=DIR measures the research/ package in DIR instead of the checkout's (made with
`git archive <commit> research | tar -x -C DIR`): that is how the previous engine's figures
stand beside the current ones."""


def write_eval_section(key: str, body: str, path: Path = RESULTS) -> None:
    """The evaluation's introduction and this key's figures, each a section of RESULTS.md
    (added before "## Findings", replaced in place after that); the rest of the file is kept."""
    write_section("eval", EVAL_INTRO, path)
    write_section(f"eval-{key}", body, path)


def commit() -> str:
    """The checkout's commit, marked when its research/ has uncommitted changes."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO,
            text=True,
            capture_output=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "research"],
            cwd=REPO,
            text=True,
            capture_output=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head} with uncommitted changes to research/" if dirty else head


def deep_dives(figures: list[Figure], log: Callable[[str], None]) -> None:
    """(d): deep-dive design against withheld publication types, and the sections quoted."""
    deep_dive_design(figures, log)
    deep_dive_sections(figures, log)


PARTS = {"a": review_relevance, "b": key_findings, "d": deep_dives}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", default="abd", help="which parts to run (c runs with b)")
    parser.add_argument("--no-write", action="store_true", help="leave bench/RESULTS.md alone")
    parser.add_argument("--quiet", action="store_true", help="no per-query lines")
    parser.add_argument(
        "--development",
        action="store_true",
        help="(a) on the development queries, where settings are tried; writes nothing",
    )
    parser.add_argument("--key", default="current", help="this run's part of the eval section")
    parser.add_argument("--engine-label", default="", help="which engine, for the heading")
    parser.add_argument(
        "--choose-descriptors",
        action="store_true",
        help="print the seeded descriptor sample that bench/eval_queries.py was built from",
    )
    args = parser.parse_args(argv)
    if args.choose_descriptors:
        counts = Counter(
            d for r in load_records(BASELINE_1977) for d in {m.descriptor for m in r.mesh}
        )
        for descriptor in choose_descriptors(counts):
            print(f"{descriptor!r} {counts[descriptor]}")
        return 0

    def log(line: str) -> None:
        if not args.quiet:
            print(line, flush=True)

    print(f"engine: {Path(sys.modules[DeepDiveRequest.__module__].__file__ or '?').parent}")
    figures: list[Figure] = []
    began = time.perf_counter()
    if args.development:
        review_relevance(figures, log, development=True)
        print(table_text(figures))
        return 0
    for part in "abd":
        if part in args.parts or (part == "b" and "c" in args.parts):
            print(f"({part}) {PARTS[part].__doc__}", flush=True)
            PARTS[part](figures, log)
    seconds = time.perf_counter() - began
    print()
    print(table_text(figures))
    print(f"\n{len(figures)} figures in {seconds:.0f} s")
    if not args.no_write:
        when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        command = shlex.join([".venv/bin/python", "bench/eval.py", *(argv or ())])
        if ENGINE_DIR:
            command = f"EVAL_ENGINE={shlex.quote(ENGINE_DIR)} {command}"
        engine = args.engine_label or f"engine of the checkout at {commit()}"
        write_eval_section(
            args.key,
            f"### {args.key}: {engine} — {when}\n\n`{command}`, {seconds:.0f} s.\n\n"
            + table_markdown(figures),
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
