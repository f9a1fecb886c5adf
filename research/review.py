"""Literature review: plan searches, retrieve, de-duplicate, rank, analyse and synthesise.

Relevance comes first. Scores are in [0, 1]; overall is a weighted sum whose weights depend on
the preference, and evidence level and recency weigh so little that they only order papers of
about equal relevance, never lift an off-topic paper above an on-topic one:

* precision: objective similarity 0.76, molecule match 0.16, evidence level 0.05, recency 0.03;
* recall: objective similarity 0.79, molecule match 0.16, recency 0.03, evidence level 0.02.

Without a molecule its weight is shared out among the others in proportion. Objective similarity
is 0.4 × BM25 normalised by the search's best hit, 0.3 × the share of a concept's words the paper
holds (each weighted by its rarity in the library; plurals folded, other endings kept, so
"methylation" is not "methyl"), 0.2 × the same share in its title and 0.1 when a concept appears
as a phrase. The concepts are the objective and each synonym given in brackets ("ovum (oocytes,
eggs)"). Recency is absolute: 1 for a paper of 2026 or later, 0.04 less a year before.

Key findings are results or conclusions, never background, objective or methods: a structured
abstract's NLM labels say which sentences they are, the sentence-role model (research.roles)
says it for the others. A finding must name the objective's subject: at least half the
rarity-weighted core words (the objective's words, less those that frame any question such as
"effects" or "outcomes"; a word every paper found holds, like "COVID-19" in a library about it,
counts less). It is scored by that share times its result-role probability, with a bonus for
figures and direction words; a paper's summary and first quotes are its best findings. The
executive summary says what the findings show (the direction each reports and the sizes they
state), then the caveats, then quotes up to five findings, one per paper, chosen by maximal
marginal relevance so they do not repeat each other. A paper reporting no finding on the
objective adds none, so there may be fewer findings than papers.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from research.design import (
    CASE_REPORT,
    CLINICAL_TRIAL,
    META_ANALYSIS,
    OBSERVATIONAL,
    OTHER,
    RCT,
    REVIEW,
    SYSTEMATIC_REVIEW,
    DesignAssessment,
    assess_evidence,
)
from research.errors import UserFacingError
from research.library import Library, suggested_headings
from research.progress import ProgressCallback, StageClock
from research.records import AbstractSection, PaperRecord
from research.roles import ROLES, shipped_model
from research.schema import (
    FactAnchor,
    PaperGroup,
    Preference,
    QueryRun,
    ReviewDiagnostics,
    ReviewedPaper,
    ReviewResult,
    ScoreBreakdown,
)
from research.sections import label_kind, section_kind
from research.text import (
    STOPWORDS,
    Sentence,
    abstract_sentences,
    content_forms,
    content_stems,
    split_sentences,
    stem,
    us_spelling,
    us_spelling_forms,
    word_form,
)
from research.textrank import textrank, top_sentences
from research.tokens import words

WEIGHTS: dict[str, dict[str, float]] = {
    "precision": {
        "objective_similarity": 0.76,
        "evidence_level": 0.05,
        "molecule_match": 0.16,
        "recency": 0.03,
    },
    "recall": {
        "objective_similarity": 0.79,
        "evidence_level": 0.02,
        "molecule_match": 0.16,
        "recency": 0.03,
    },
}
ANALYSED = {"precision": 8, "recall": 13}
SHORTLIST = {"precision": 30, "recall": 60}
RETRIEVE_K = {"precision": 100, "recall": 200}
# Only about a third of PubMed has free full text, so fetch more when filtering for it.
FULL_TEXT_OVERFETCH = 4
EXPANSIONS = 3
RARITY_CAP = 2000
EXPANSION_SEED_PAPERS = 20
# Recency is absolute: 1 for papers of RECENCY_NEWEST or later, less by the decay a year before.
RECENCY_NEWEST = 2026
RECENCY_DECAY_PER_YEAR = 0.04
# Objective similarity: normalised BM25, the share of a concept's words the paper holds (rarity
# weighted), the same share in its title, and whether a concept appears as a phrase.
SIMILARITY_BM25 = 0.4
SIMILARITY_COVERAGE = 0.3
SIMILARITY_TITLE = 0.2
SIMILARITY_PHRASE = 0.1
# When a MeSH heading says what the objective says, that similarity counts for this share and
# the words for the rest: NLM's indexers read the whole paper, so a heading they gave (or, for a
# paper they have not indexed yet, one suggested from the papers most like it, in proportion to
# its score) tells "about the pancreas" from "mentions the pancreas" better than word counts.
SIMILARITY_HEADING = 0.67
HEADING_MIN_SHARE = 0.5
SUGGESTED_EXPANSION_SCORE = 0.3
HEADING_CONNECTORS = frozenset({"of", "and", "the", "in", "for", "with", "to", "on", "by"})
MAX_ANCHORS = 4
SUMMARY_FINDINGS = 5
# A finding's score: (floor + relevance) × result-role probability × (1 + bonuses).
RELEVANCE_FLOOR = 0.1
FIGURE_BONUS = 0.2
DIRECTION_BONUS = 0.2
FIGURE_RE = re.compile(r"(?<![\w-])\d")  # a number, not the digits of a name like COVID-19
DIRECTION_WORDS = frozenset(
    {
        "improved", "improves", "reduced", "reduces", "increased", "increases", "decreased",
        "decreases", "lower", "higher", "associated", "significant", "significantly", "effective",
        "efficacy", "benefit", "shorter", "longer", "faster", "worse", "better", "no",
    }
)  # fmt: skip
# Words that frame a question rather than name its subject, as stems.
FRAMING_STEMS = frozenset(
    stem(w)
    for w in (
        "effect", "effects", "outcome", "outcomes", "treatment", "therapy", "patient", "patients",
        "role", "impact", "use", "association", "associated", "risk", "factor", "severity",
        "severe", "efficacy", "safety", "study", "studies", "evidence", "review", "during",
        "among", "people", "adults", "management",
    )
)  # fmt: skip
# A key finding holds at least this rarity-weighted share of the objective's core words.
FINDING_MIN_COVERAGE = 0.5
# Maximal marginal relevance: the share of a finding's score against its likeness to those chosen.
MMR_LAMBDA = 0.7
MAX_SIZES = 1
_NEGATED = (
    r"\b(?:no|not|nor|without|neither)\b(?:\s+\w+){0,3}?\s+"
    r"(?:significant|significantly|statistically|difference|differences|different|differ|"
    r"change|changes|effect|effects|association|associated|benefit|improvement|improve|"
    r"improved|reduce|reduced|reduction|increase|increased|correlation|correlated)\b"
    r"|\b(?:did|does|do|was|were|is|are)\s+not\s+(?:\w+\s+){0,2}?"
    r"(?:reduce|improve|differ|increase|affect|change|associated|significant)"
    r"|\bsimilar\b|\bcomparable\b"
)
DIRECTION_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("no clear difference", re.compile(_NEGATED, re.I)),
    (
        "a decrease",
        re.compile(
            r"\b(?:reduc\w*|decreas\w*|lower\w*|declin\w*|fewer|shorter|fell|drop\w*|less)\b",
            re.I,
        ),
    ),
    (
        "an increase",
        re.compile(
            r"\b(?:increas\w*|higher|elevat\w*|rose|rise|rising|greater|more|longer)\b", re.I
        ),
    ),
    (
        "a benefit",
        re.compile(r"\b(?:improv\w*|benefi\w*|effective|efficac\w*|recover\w*|safe)\b", re.I),
    ),
    (
        "an association",
        re.compile(r"\b(?:associat\w*|correlat\w*|linked|predict\w*)\b", re.I),
    ),
)
EFFECT_SIZE_RE = re.compile(
    r"\b(?:a?OR|a?HR|a?RR|a?PR|IRR|RRR|ARR|NNT|SMD|WMD|MD)\b\s*[=:]?\s*[<>≤≥]?\s*\d+(?:[.·]\d+)?"
    r"(?:\s*[,;(]?\s*95\s*%\s*(?:CI|confidence interval)\]?[,:]?\s*[^;)]*)?"
    r"|\b\d+(?:[.·]\d+)?\s?%(?!\s*(?:CI\b|confidence))"
    r"(?:\s*(?:vs\.?|versus)\s*\d+(?:[.·]\d+)?\s?%)?"
    r"|\b[Pp]\s*[<=≤]\s*0?[.·]\d+"
)
PUBMED_URL = "https://pubmed.ncbi.nlm.nih.gov/{pmid}/"


def plural(count: int, one: str, many: str) -> str:
    """'1 search', '3 searches'."""
    return f"{count:,} {one if count == 1 else many}"


def pmid_order(pmid: str) -> tuple[bool, int, str]:
    """Sort key: real PMIDs numerically, then imported references' synthetic ids by name."""
    return (not pmid.isdigit(), int(pmid) if pmid.isdigit() else 0, pmid)


def paper_url(record: PaperRecord) -> str:
    """Where a reader finds the paper: PubMed for a PMID, else its DOI, else nothing."""
    if record.pmid.isdigit():
        return PUBMED_URL.format(pmid=record.pmid)
    return f"https://doi.org/{record.doi}" if record.doi else ""


SUMMARY_KINDS = ("RESULTS", "CONCLUSIONS")
# Check tags and study-design headings describe nearly every paper, so they expand nothing.
UNINFORMATIVE_MESH = frozenset(
    {
        "humans", "animals", "male", "female", "adult", "aged", "aged, 80 and over",
        "middle aged", "young adult", "adolescent", "child", "child, preschool", "infant",
        "infant, newborn", "mice", "rats", "pregnancy", "retrospective studies",
        "prospective studies", "cohort studies", "treatment outcome", "risk factors",
        "time factors", "cross-sectional studies", "surveys and questionnaires",
        "follow-up studies", "case-control studies", "incidence", "prevalence",
    }
)  # fmt: skip
LEVEL_PLURALS = {
    META_ANALYSIS.key: ("meta-analysis", "meta-analyses"),
    SYSTEMATIC_REVIEW.key: ("systematic review", "systematic reviews"),
    RCT.key: ("randomised controlled trial", "randomised controlled trials"),
    CLINICAL_TRIAL.key: ("other clinical trial", "other clinical trials"),
    OBSERVATIONAL.key: ("cohort or observational study", "cohort or observational studies"),
    REVIEW.key: ("review", "reviews"),
    CASE_REPORT.key: ("case report", "case reports"),
    OTHER.key: ("other study", "other studies"),
}
LEVEL_ORDER = [
    META_ANALYSIS,
    SYSTEMATIC_REVIEW,
    RCT,
    CLINICAL_TRIAL,
    OBSERVATIONAL,
    REVIEW,
    CASE_REPORT,
    OTHER,
]


@dataclass(frozen=True)
class ReviewRequest:
    """What the researcher asked for."""

    objective: str
    molecule: str = ""
    preference: Preference = "precision"
    full_text_only: bool = False


@dataclass(frozen=True)
class _PlannedQuery:
    """A search to run, how much its hits count, and why it was planned."""

    query: str
    purpose: str
    weight: float


@dataclass
class _Candidate:
    """A retrieved paper while it is ranked."""

    record: PaperRecord
    query_scores: dict[int, float] = field(default_factory=dict)  # query index → normalised
    evidence: DesignAssessment | None = None
    stems: frozenset[str] = frozenset()
    title_stems: str = ""
    abstract_stems: str = ""
    keyword_stems: str = ""
    indexing_stems: str = ""
    forms: frozenset[str] = frozenset()
    title_forms: frozenset[str] = frozenset()
    form_text: str = ""
    text_stems: frozenset[str] = frozenset()  # title and abstract only
    scores: ScoreBreakdown | None = None
    molecule_where: str = ""
    headings: dict[str, float] = field(default_factory=dict)  # NLM's (1.0) or suggested
    suggested_heading: tuple[str, float] | None = None  # the objective's, if only suggested


@dataclass(frozen=True)
class _Terms:
    """The objective's and molecule's terms, as stems and as the words the researcher typed,
    and its concepts: each a phrasing of what the review is about, as word forms."""

    objective: tuple[str, ...]
    molecule: tuple[str, ...]
    surface: dict[str, str]
    rarity: dict[str, float]  # stem → BM25 inverse document frequency in the library
    concepts: tuple[tuple[str, ...], ...] = ()  # the objective, then each synonym given
    form_rarity: dict[str, float] = field(default_factory=dict)  # word form → rarity
    # The objective's subject words, each as the stems of one typed word ("SARS-CoV-2" is one)
    # with its rarity; framing words and the library's common topic are left out.
    core: tuple[tuple[frozenset[str], float], ...] = ()
    text: str = ""  # the objective as typed

    def core_weight(self, stems: frozenset[str] | set[str]) -> float:
        """The rarity-weighted share of the core words among stems, in [0, 1]."""
        total = sum(weight for _, weight in self.core)
        if total <= 0:
            return 0.0
        return sum(weight for word, weight in self.core if word <= stems) / total

    def within(self, papers: Sequence[frozenset[str]]) -> _Terms:
        """These terms with each core word's weight also scaled by its rarity among the papers
        found: a word nearly all of them hold (such as "COVID-19" in a library about it) is
        their shared context and tells findings apart less than the subject does."""
        if not papers:
            return self
        n = len(papers)
        core = tuple(
            (word, weight * math.log(1 + (n + 1) / (sum(word <= p for p in papers) + 1)))
            for word, weight in self.core
        )
        return replace(self, core=core)

    def weight(self, stems: frozenset[str] | set[str]) -> float:
        """Sum of the rarity of the objective and molecule stems among stems."""
        return sum(self.rarity.get(s, 0.0) for s in self.all.intersection(stems))

    @property
    def all(self) -> frozenset[str]:
        """Every stem of objective and molecule."""
        return frozenset(self.objective) | frozenset(self.molecule)

    def coverage(self, forms: frozenset[str]) -> float:
        """The largest rarity-weighted share of one concept's words found among forms."""
        best = 0.0
        for concept in self.concepts:
            total = sum(self.form_rarity.get(f, 0.0) for f in concept)
            if total > 0:
                found = sum(self.form_rarity.get(f, 0.0) for f in concept if f in forms)
                best = max(best, found / total)
        return best

    def phrase_in(self, form_text: str) -> bool:
        """Whether a concept of two or more words appears as a phrase (words in order, only
        stopwords between) in the text's forms, given as " form form … "."""
        return any(
            len(concept) > 1 and f" {' '.join(concept)} " in form_text for concept in self.concepts
        )


def phrasings(objective: str) -> list[str]:
    """The text outside brackets, then each synonym given in brackets."""
    bracketed = re.findall(r"\(([^()]*)\)", objective)
    outside = re.sub(r"\([^()]*\)", " ", objective)
    return [outside] + [part for inside in bracketed for part in re.split(r"[,;/]|\bor\b", inside)]


def concepts(objective: str) -> tuple[tuple[str, ...], ...]:
    """The objective's phrasings as word forms: the text outside brackets, then each synonym
    given in brackets ("ovum (oocytes, eggs)" → ovum; oocyte; egg)."""
    found = []
    for phrasing in phrasings(objective):
        forms = tuple(dict.fromkeys(content_forms(phrasing)))
        if forms and forms not in found:
            found.append(forms)
    return tuple(found)


def generate_review(
    request: ReviewRequest, library: Library, progress: ProgressCallback
) -> ReviewResult:
    """Run a review over the library, reporting each stage to progress."""
    preference = _validated(request)
    clock = StageClock(progress)
    clock.start("plan", 0)
    terms = _terms(request, library)
    planned = _plan_queries(request)

    clock.start("retrieve", 5)
    k = RETRIEVE_K[preference] * (FULL_TEXT_OVERFETCH if request.full_text_only else 1)
    hits: list[list[tuple[str, float]]] = []
    for i, query in enumerate(planned):
        hits.append(library.search(query.query, k))
        clock.report(5 + 10 * (i + 1) // len(planned))
    candidates = _fetch(library, planned, hits, {}, request)

    if preference == "recall":
        clock.start("expand", 15)
        expansions = _expansion_queries(request, terms, candidates, len(planned))
        for i, query in enumerate(expansions):
            hits.append(library.search(query.query, k))
            clock.report(15 + 10 * (i + 1) // max(len(expansions), 1))
        first_new = len(planned)
        planned.extend(expansions)
        candidates = _fetch(library, planned, hits, candidates, request, start=first_new)

    clock.start("deduplicate", 28)
    query_runs = _query_runs(planned, hits, candidates)
    pool, duplicates = _deduplicate(candidates)

    clock.start("rank", 32)
    weights = _weights(preference, has_molecule=bool(terms.molecule))
    ranked = _rank(pool, planned, terms, weights)
    shortlist = ranked[: SHORTLIST[preference]]
    chosen = shortlist[: ANALYSED[preference]]

    clock.start("analyse", 40)
    terms = terms.within([c.text_stems for c in pool])
    papers = []
    best: dict[str, tuple[float, FactAnchor]] = {}
    for rank, candidate in enumerate(chosen, start=1):
        paper, finding = _analyse(rank, candidate, planned, terms, request)
        papers.append(paper)
        if finding is not None:
            best[paper.pmid] = finding
        clock.report(40 + 50 * rank // len(chosen))

    clock.start("synthesise", 92)
    groups = _groups(planned, papers)
    summary, summary_anchors = _executive_summary(
        request, papers, best, len(library), len(pool), len(planned)
    )
    years = Counter(str(c.record.year) for c in shortlist if c.record.year is not None)
    clock.finish()
    return ReviewResult(
        objective=request.objective,
        molecule=request.molecule,
        preference=preference,
        full_text_only=request.full_text_only,
        queries=tuple(query_runs),
        papers=tuple(papers),
        groups=groups,
        executive_summary=summary,
        executive_summary_anchors=summary_anchors,
        year_distribution=dict(sorted(years.items())),
        diagnostics=ReviewDiagnostics(
            library_size=len(library),
            pool_size=len(pool),
            shortlist_size=len(shortlist),
            analysed=len(papers),
            duplicates_removed=duplicates,
            weights=weights,
            timings_ms=clock.timings_ms,
        ),
    )


def _validated(request: ReviewRequest) -> Preference:
    """The request's preference, after checking the request makes sense."""
    if not request.objective.strip():
        raise UserFacingError(
            "Describe the objective of the review: it is what the search looks for."
        )
    if request.preference not in WEIGHTS:
        raise UserFacingError(
            f"Preference must be precision or recall, not {request.preference!r}."
        )
    return request.preference


def _terms(request: ReviewRequest, library: Library) -> _Terms:
    """Stems of the objective and molecule, a readable word and a rarity for each, and the
    objective's concepts with a rarity for each of their word forms."""
    surface: dict[str, str] = {}
    for word in words(f"{request.objective} {request.molecule}"):
        if word not in STOPWORDS and (len(word) > 1 or word.isdigit()):
            surface.setdefault(stem(word), word)
    size = len(library)
    frequency: dict[str, int] = {}

    def rarity_of(word: str) -> float:
        # The Library interface has no document frequencies, but a one-word search counts them
        # (capped: anything that common is simply "common").
        if word not in frequency:
            frequency[word] = len(library.search(word, RARITY_CAP))
        return math.log(1 + (size - frequency[word] + 0.5) / (frequency[word] + 0.5))

    rarity = {term_stem: rarity_of(word) for term_stem, word in surface.items()}
    phrasings = concepts(request.objective)
    form_rarity = {form: rarity_of(form) for concept in phrasings for form in concept}
    # The core: what the review is about. Words that frame any question ("effects", "outcomes")
    # are not core; those shared by every paper found count less (_Terms.within).
    core: list[tuple[frozenset[str], float]] = []
    for typed in f"{request.objective} {request.molecule}".split():
        stems = frozenset(s for s in content_stems(typed) if not s.isdigit())
        weight = max((rarity.get(s, 0.0) for s in stems), default=0.0)
        known = any(stems == word for word, _ in core)
        if stems and not known and not stems <= FRAMING_STEMS:
            core.append((stems, weight))
    if not core:  # an objective of framing words alone: all of it is the subject
        core = [(frozenset([s]), rarity.get(s, 0.0)) for s in dict.fromkeys(rarity)]
    return _Terms(
        objective=tuple(dict.fromkeys(content_stems(request.objective))),
        molecule=tuple(content_stems(request.molecule)),
        surface=surface,
        rarity=rarity,
        concepts=phrasings,
        form_rarity=form_rarity,
        core=tuple(core),
        text=request.objective,
    )


def _plan_queries(request: ReviewRequest) -> list[_PlannedQuery]:
    """The objective, then objective plus molecule, then (for recall) the molecule alone."""
    objective = " ".join(request.objective.split())
    molecule = " ".join(request.molecule.split())
    planned = [_PlannedQuery(objective, "objective", 1.0)]
    if molecule:
        planned.append(_PlannedQuery(f"{objective} {molecule}", "objective + molecule", 1.0))
        if request.preference == "recall":
            planned.append(_PlannedQuery(molecule, "molecule", 0.8))
    return planned


def _fetch(
    library: Library,
    planned: Sequence[_PlannedQuery],
    hits: Sequence[Sequence[tuple[str, float]]],
    candidates: dict[str, _Candidate],
    request: ReviewRequest,
    *,
    start: int = 0,
) -> dict[str, _Candidate]:
    """Add the records behind hits[start:] to the candidates, with normalised scores and
    their MeSH headings: NLM's (each 1.0) or, for a paper NLM has not indexed, those suggested."""
    wanted = sorted({pmid for found in hits[start:] for pmid, _ in found} - set(candidates))
    records = library.get_many(wanted) if wanted else {}
    suggested = suggested_headings(library, [p for p, r in records.items() if not r.mesh])
    for pmid in wanted:
        record = records.get(pmid)
        if record is None or (request.full_text_only and not record.pmcid):
            continue
        headings = {m.descriptor: 1.0 for m in record.mesh} or suggested.get(pmid, {})
        candidates[pmid] = _Candidate(record=record, headings=headings)
    for index in range(start, len(planned)):
        found = [(p, s) for p, s in hits[index] if p in candidates]
        best = found[0][1] if found else 0.0
        for pmid, score in found:
            candidates[pmid].query_scores[index] = score / best if best > 0 else 0.0
    return candidates


def _expansion_queries(
    request: ReviewRequest, terms: _Terms, candidates: dict[str, _Candidate], offset: int
) -> list[_PlannedQuery]:
    """Searches for MeSH terms and keywords that recur among the best papers found so far."""
    seeds = sorted(
        candidates.values(),
        key=lambda c: (-max(c.query_scores.values(), default=0.0), pmid_order(c.record.pmid)),
    )[:EXPANSION_SEED_PAPERS]
    counts: Counter[str] = Counter()
    shown: dict[str, str] = {}
    for candidate in seeds:
        seen: set[str] = set()
        headings = [h for h, s in candidate.headings.items() if s >= SUGGESTED_EXPANSION_SCORE]
        for term in headings + list(candidate.record.keywords):
            key = term.lower()
            if key in UNINFORMATIVE_MESH or key in seen:
                continue
            term_stems = set(content_stems(term))
            if not term_stems or term_stems <= terms.all:
                continue
            seen.add(key)
            counts[key] += 1
            shown.setdefault(key, term)
    best = sorted((k for k, n in counts.items() if n >= 2), key=lambda k: (-counts[k], k))
    objective = " ".join(request.objective.split())
    return [
        _PlannedQuery(
            f"{objective} {shown[key]}",
            f"expansion: “{shown[key]}” recurs in {counts[key]} of the top {len(seeds)} papers",
            0.6,
        )
        for key in best[:EXPANSIONS]
    ]


def _query_runs(
    planned: Sequence[_PlannedQuery],
    hits: Sequence[Sequence[tuple[str, float]]],
    candidates: dict[str, _Candidate],
) -> list[QueryRun]:
    """What each search found among the papers the review may use."""
    runs = []
    for query, found in zip(planned, hits, strict=True):
        usable = [pmid for pmid, _ in found if pmid in candidates]
        runs.append(QueryRun(query.query, query.purpose, len(usable), usable[0] if usable else ""))
    return runs


def _deduplicate(candidates: dict[str, _Candidate]) -> tuple[list[_Candidate], int]:
    """Drop second copies of a paper (same DOI or same title), keeping the fuller record."""
    order = sorted(
        candidates.values(),
        key=lambda c: (
            not c.record.abstract,
            -max(c.query_scores.values(), default=0.0),
            pmid_order(c.record.pmid),
        ),
    )
    seen: set[str] = set()
    kept = []
    for candidate in order:
        keys = {f"title:{' '.join(words(candidate.record.title))}"}
        if candidate.record.doi:
            keys.add(f"doi:{candidate.record.doi.lower()}")
        if len(keys) == 1 and len(words(candidate.record.title)) < 4:
            keys = set()  # short titles ("Editorial.") are not evidence of duplication
        if keys & seen:
            continue
        seen |= keys
        kept.append(candidate)
    return sorted(kept, key=lambda c: pmid_order(c.record.pmid)), len(candidates) - len(kept)


def _weights(preference: str, *, has_molecule: bool) -> dict[str, float]:
    """The preference's weights; without a molecule its share goes to the others."""
    weights = dict(WEIGHTS[preference])
    if not has_molecule:
        share = weights.pop("molecule_match")
        rest = sum(weights.values())
        weights = {k: round(v + share * v / rest, 4) for k, v in weights.items()}
        weights["molecule_match"] = 0.0
    return weights


def _rank(
    pool: list[_Candidate],
    planned: Sequence[_PlannedQuery],
    terms: _Terms,
    weights: dict[str, float],
) -> list[_Candidate]:
    """Score every candidate and sort best first (ties by PMID).

    Relevance comes first: objective similarity is BM25, concept coverage, title and phrase
    matches; evidence level and recency weigh little enough to order only papers about equally
    relevant."""
    molecule = " ".join(terms.molecule)
    wanted = _objective_headings(terms, {h for c in pool for h in c.headings})
    for candidate in pool:
        _prepare(candidate)
        record = candidate.record
        bm25 = max((planned[i].weight * s for i, s in candidate.query_scores.items()), default=0.0)
        similarity = (
            SIMILARITY_BM25 * bm25
            + SIMILARITY_COVERAGE * terms.coverage(candidate.forms)
            + SIMILARITY_TITLE * terms.coverage(candidate.title_forms)
            + SIMILARITY_PHRASE * float(terms.phrase_in(candidate.form_text))
        )
        if wanted and candidate.headings:  # a paper with no headings is judged by its words
            named = max(wanted, key=lambda h: (candidate.headings.get(h, 0.0) * wanted[h], h))
            heading = candidate.headings.get(named, 0.0) * wanted[named]
            if not record.mesh and heading > 0:
                candidate.suggested_heading = (named, candidate.headings[named])
            similarity = (1 - SIMILARITY_HEADING) * similarity + SIMILARITY_HEADING * heading
        recency = _recency(record.year)
        molecule_score, candidate.molecule_where = _molecule_match(candidate, molecule)
        evidence = candidate.evidence.level.score if candidate.evidence else 0.0
        parts = {
            "objective_similarity": similarity,
            "recency": recency,
            "evidence_level": evidence,
            "molecule_match": molecule_score,
        }
        overall = sum(weights[name] * value for name, value in parts.items())
        candidate.scores = ScoreBreakdown(
            objective_similarity=round(similarity, 4),
            recency=round(recency, 4),
            evidence_level=round(evidence, 4),
            molecule_match=round(molecule_score, 4),
            overall=round(overall, 4),
        )
    return sorted(pool, key=lambda c: (-c.scores.overall, pmid_order(c.record.pmid)))  # type: ignore[union-attr]


def _heading_words(text: str) -> list[str]:
    """Every word but the connectors, plural-folded and in American spelling: unlike content
    forms, one-letter words stay ("Immunoglobulin A" is not "Immunoglobulin D")."""
    return [us_spelling(word_form(w)) for w in words(text) if w not in HEADING_CONNECTORS]


def _names(heading: str, wanted: list[str], phrasing: list[str]) -> bool:
    """Whether the phrasing names the heading, both as _heading_words: the heading's words in
    order ("Nursing Homes", not "Home Nursing"), or, for an inverted heading ("Infant,
    Premature"), all its words in any order."""
    if not wanted:
        return False
    if "," in heading:
        return set(wanted) <= set(phrasing)
    n = len(wanted)
    return any(phrasing[i : i + n] == wanted for i in range(len(phrasing) - n + 1))


def _objective_headings(terms: _Terms, headings: set[str]) -> dict[str, float]:
    """The MeSH headings that name one of the objective's concepts, each with the share of the
    concept (by rarity) it names: for each concept, the headings all of whose words it holds
    and that name the most of it ("smoking prevention" is Smoking Prevention, not Smoking), if
    that is at least HEADING_MIN_SHARE (a heading naming only the setting, such as COVID-19 in
    "remdesivir treatment outcomes in COVID-19", says little about the subject)."""
    wanted: dict[str, float] = {}
    forms_of = {heading: us_spelling_forms(heading) for heading in headings}
    words_of = {heading: _heading_words(heading) for heading in headings}
    for phrasing in phrasings(terms.text):
        concept = dict.fromkeys(content_forms(phrasing))
        concept_forms = {us_spelling(f): terms.form_rarity.get(f, 0.0) for f in concept}
        total = sum(concept_forms.values())
        if total <= 0:
            continue
        said = _heading_words(phrasing)
        shares = {
            heading: sum(concept_forms.get(f, 0.0) for f in forms) / total
            for heading, forms in forms_of.items()
            if forms and forms <= concept_forms.keys() and _names(heading, words_of[heading], said)
        }
        # The most of the concept, then the most of what was typed ("immunoglobulin A" is
        # Immunoglobulin A, not Immunoglobulins).
        rank = {h: (round(share, 6), len(words_of[h])) for h, share in shares.items()}
        best = max(rank.values(), default=(0.0, 0))
        for heading, share in shares.items():
            if share >= HEADING_MIN_SHARE and rank[heading] == best:
                wanted[heading] = max(share, wanted.get(heading, 0.0))
    return wanted


def _recency(year: int | None) -> float:
    """1 for a paper of RECENCY_NEWEST or later, falling by RECENCY_DECAY_PER_YEAR a year before
    it: absolute, so a paper's recency does not depend on the other candidates."""
    if year is None:
        return 0.0
    return max(0.0, 1.0 - RECENCY_DECAY_PER_YEAR * max(0, RECENCY_NEWEST - year))


def _prepare(candidate: _Candidate) -> None:
    """Compute the stems and evidence level a candidate is scored on."""
    record = candidate.record
    title = content_stems(record.title)
    abstract = content_stems(record.abstract_text())
    keywords = content_stems(" ; ".join(record.keywords))
    indexing = content_stems(
        " ; ".join([m.descriptor for m in record.mesh] + list(record.chemicals))
    )
    candidate.title_stems = f" {' '.join(title)} "
    candidate.abstract_stems = f" {' '.join(abstract)} "
    candidate.keyword_stems = f" {' '.join(keywords)} "
    candidate.indexing_stems = f" {' '.join(indexing)} "
    candidate.stems = (
        frozenset(title) | frozenset(abstract) | frozenset(keywords) | frozenset(indexing)
    )
    title_forms = content_forms(record.title)
    other_forms = content_forms(
        " ; ".join([record.abstract_text(), *record.keywords])
        + " ; ".join([m.descriptor for m in record.mesh] + list(record.chemicals))
    )
    candidate.text_stems = frozenset(title) | frozenset(abstract)
    candidate.title_forms = frozenset(title_forms)
    candidate.forms = candidate.title_forms | frozenset(other_forms)
    candidate.form_text = f" {' '.join(title_forms)} | {' '.join(other_forms)} "
    candidate.evidence = assess_evidence(record)


def _molecule_match(candidate: _Candidate, molecule: str) -> tuple[float, str]:
    """How prominently the molecule appears: indexing terms > title > keywords > abstract."""
    if not molecule:
        return 0.0, ""
    needle = f" {molecule} "
    for score, where, haystack in (
        (1.0, "MeSH or chemical list", candidate.indexing_stems),
        (0.9, "title", candidate.title_stems),
        (0.8, "keywords", candidate.keyword_stems),
        (0.7, "abstract", candidate.abstract_stems),
    ):
        if needle in haystack:
            return score, where
    return 0.0, ""


def _analyse(
    rank: int,
    candidate: _Candidate,
    planned: Sequence[_PlannedQuery],
    terms: _Terms,
    request: ReviewRequest,
) -> tuple[ReviewedPaper, tuple[float, FactAnchor] | None]:
    """Summarise one paper, quote its key sentences and say why it is relevant; with it, the
    paper's best finding on the objective (score and quote), if it reports one."""
    record = candidate.record
    sentences = abstract_sentences(record.abstract)
    roles = _sentence_roles(record.abstract, sentences)
    findings = _findings(sentences, roles, terms)
    summary_sentences = _key_sentences(sentences, findings, terms)
    best = None
    if findings and findings[0][0] > 0:
        score, sentence = findings[0]
        best = (score, FactAnchor(record.pmid, sentence.section or "ABSTRACT", sentence.text))
    anchors = [FactAnchor(record.pmid, s.section or "ABSTRACT", s.text) for s in summary_sentences]
    for sentence in _result_sentences(sentences, roles, terms):
        if len(anchors) >= MAX_ANCHORS:
            break
        if all(a.quote != sentence.text for a in anchors):
            anchors.append(FactAnchor(record.pmid, sentence.section or "ABSTRACT", sentence.text))
    if not anchors and record.title:
        anchors.append(FactAnchor(record.pmid, "TITLE", record.title))
    in_order = sorted(summary_sentences, key=sentences.index)  # reading order
    summary = " ".join(s.text for s in in_order) or "No abstract is available."
    matched = tuple(
        planned[i].query for i in sorted(candidate.query_scores) if candidate.query_scores[i] > 0
    )
    assert candidate.scores is not None and candidate.evidence is not None
    paper = ReviewedPaper(
        rank=rank,
        pmid=record.pmid,
        title=record.title,
        journal=record.journal,
        year=record.year,
        authors=record.authors,
        doi=record.doi,
        pmcid=record.pmcid,
        url=paper_url(record),
        publication_types=record.publication_types,
        summary=summary,
        fact_anchors=tuple(anchors),
        relevance=_relevance(candidate, terms, request, len(matched), len(planned)),
        scores=candidate.scores,
        evidence_label=candidate.evidence.level.label,
        matched_queries=matched,
    )
    return paper, best


def _sentence_roles(
    parts: tuple[AbstractSection, ...], sentences: list[Sentence]
) -> list[dict[str, float]]:
    """Each abstract sentence's role probabilities: a structured abstract's NLM category (or
    its label's) is the truth, the role model estimates the rest (all of an unstructured one)."""
    known = [section_kind(part) for part in parts for _ in split_sentences(part.text)]
    if len(known) != len(sentences):  # cannot happen: both split the same parts the same way
        known = [label_kind(s.section) for s in sentences]
    estimated: list[dict[str, float]] = []
    if any(kind not in ROLES for kind in known):
        estimated = shipped_model().probabilities([s.text for s in sentences])
    return [
        {role: float(role == kind) for role in ROLES} if kind in ROLES else estimated[i]
        for i, kind in enumerate(known)
    ]


def _role(probabilities: dict[str, float]) -> str:
    """The most likely role (ties go to the earlier role)."""
    return max(ROLES, key=lambda role: probabilities[role])


def _findings(
    sentences: list[Sentence], roles: list[dict[str, float]], terms: _Terms
) -> list[tuple[float, Sentence]]:
    """(score, sentence) for the sentences that report a finding, best first.

    A finding is a sentence whose role is RESULTS or CONCLUSIONS, never background, objective or
    methods. Its score is its relevance to the objective (the rarity-weighted objective and
    molecule terms it contains, plus a little so an off-term result still ranks) times its
    result-role probability, times a bonus for figures and for words that give a direction.
    """
    scored = []
    for position, (sentence, role) in enumerate(zip(sentences, roles, strict=True)):
        if _role(role) not in SUMMARY_KINDS:
            continue
        tokens = words(sentence.text)
        relevance = terms.core_weight(set(content_stems(sentence.text)))
        if relevance < FINDING_MIN_COVERAGE:
            relevance = 0.0
        role_score = role["RESULTS"] + role["CONCLUSIONS"]
        cues = 1.0
        if FIGURE_RE.search(sentence.text):
            cues += FIGURE_BONUS
        if DIRECTION_WORDS.intersection(tokens):
            cues += DIRECTION_BONUS
        score = (RELEVANCE_FLOOR + relevance) * role_score * cues
        scored.append((-score, position, relevance, sentence))
    scored.sort(key=lambda item: item[:2])
    return [(-negative if relevance > 0 else 0.0, s) for negative, _, relevance, s in scored]


def _key_sentences(
    sentences: list[Sentence], findings: list[tuple[float, Sentence]], terms: _Terms
) -> list[Sentence]:
    """A paper's best findings (most on-objective result or conclusion first); without any,
    its most central sentences by TextRank, leaning towards the objective's terms."""
    if findings:
        limit = 3 if len(sentences) >= 6 else 2
        return [s for _, s in findings[:limit]]
    if not sentences:
        return []
    stems = [content_stems(s.text) for s in sentences]
    bias = [1.0 + terms.weight(set(s)) for s in stems]
    limit = 3 if len(sentences) >= 6 else 2
    return [sentences[i] for i in top_sentences(textrank(stems, bias), limit)]


def _result_sentences(
    sentences: list[Sentence], roles: list[dict[str, float]], terms: _Terms
) -> list[Sentence]:
    """Sentences reporting numbers on the objective's terms, most on-topic first (never
    background or objective sentences)."""
    scored = []
    for position, sentence in enumerate(sentences):
        if not any(ch.isdigit() for ch in sentence.text):
            continue
        if _role(roles[position]) in ("BACKGROUND", "OBJECTIVE"):
            continue
        overlap = terms.weight(set(content_stems(sentence.text)))
        if overlap > 0:
            scored.append((-overlap, position, sentence))
    return [s for _, _, s in sorted(scored, key=lambda item: item[:2])]


def _relevance(
    candidate: _Candidate, terms: _Terms, request: ReviewRequest, matched: int, searches: int
) -> str:
    """Why the paper is on the list, in words."""
    record = candidate.record
    present = [terms.surface.get(s, s) for s in terms.objective if s in candidate.stems]
    parts = []
    if terms.objective:
        if present:
            parts.append(
                f"Matches {len(present)} of {len(terms.objective)} objective terms "
                f"({', '.join(present)})"
            )
        else:
            parts.append("Matches none of the objective terms directly")
    mesh = [
        f"{m.descriptor} (major topic)" if m.major else m.descriptor
        for m in record.mesh
        if terms.all.intersection(content_stems(m.descriptor))
    ]
    if mesh:
        parts.append(f"MeSH: {', '.join(mesh)}")
    if candidate.suggested_heading:
        heading, score = candidate.suggested_heading
        parts.append(
            f"not yet indexed by NLM; MeSH heading {heading} suggested from similar papers "
            f"({score:.0%} of their weight)"
        )
    if request.molecule.strip():
        if candidate.molecule_where:
            parts.append(f"“{request.molecule.strip()}” appears in the {candidate.molecule_where}")
        else:
            parts.append(f"“{request.molecule.strip()}” is not named in the record")
    assert candidate.evidence is not None
    evidence = f"evidence: {candidate.evidence.level.label.lower()}"
    if candidate.evidence.source and candidate.evidence.level is not OTHER:
        evidence += f" (from the {candidate.evidence.source})"
    parts.append(evidence)
    if record.year is not None:
        parts.append(f"published {record.year}")
    parts.append(f"found by {matched} of {plural(searches, 'search', 'searches')}")
    text = "; ".join(parts)
    return text[:1].upper() + text[1:] + "."


def _groups(
    planned: Sequence[_PlannedQuery], papers: list[ReviewedPaper]
) -> tuple[PaperGroup, ...]:
    """The analysed papers each search found, for searches that found any."""
    groups = []
    for query in planned:
        pmids = tuple(p.pmid for p in papers if query.query in p.matched_queries)
        if pmids:
            groups.append(PaperGroup(query.query, pmids[0], pmids))
    return tuple(groups)


def _executive_summary(
    request: ReviewRequest,
    papers: list[ReviewedPaper],
    best: dict[str, tuple[float, FactAnchor]],
    library_size: int,
    pool_size: int,
    searches: int,
) -> tuple[str, tuple[FactAnchor, ...]]:
    """A short extractive synthesis citing PMIDs, and the quotes it rests on."""
    objective = " ".join(request.objective.split())
    if not papers:
        scope = " with free full text in PubMed Central" if request.full_text_only else ""
        molecule = (
            f" and the molecule “{request.molecule.strip()}”" if request.molecule.strip() else ""
        )
        return (
            f"No papers{scope} in the library ({library_size:,} papers) matched the objective "
            f"“{objective}”{molecule}. Try broader or different terms, or the recall preference.",
            (),
        )
    lines = [
        f"{plural(len(papers), 'paper was', 'papers were')} analysed out of "
        f"{plural(pool_size, 'candidate', 'candidates')} found by "
        f"{plural(searches, 'search', 'searches')} of the library ({library_size:,} papers) "
        f"for “{objective}”."
    ]
    levels = Counter(p.evidence_label for p in papers)
    breakdown = []
    for level in LEVEL_ORDER:
        count = levels.get(level.label, 0)
        if count:
            singular, plural_form = LEVEL_PLURALS[level.key]
            breakdown.append(f"{count} {singular if count == 1 else plural_form}")
    lines.append(f"The evidence comprises {_join(breakdown)}.")
    years = sorted(p.year for p in papers if p.year is not None)
    if years:
        span = str(years[0]) if years[0] == years[-1] else f"{years[0]}–{years[-1]}"
        lines.append(f"They were published in {span}.")
    if request.molecule.strip():
        named = sum(1 for p in papers if p.scores.molecule_match > 0)
        lines.append(f"“{request.molecule.strip()}” is named in {named} of them.")
    anchors = _diverse_findings(papers, best)
    if anchors:
        lines.append(_what_it_shows(anchors))
    lines.append(_caveats(papers, best))
    if anchors:
        lines.append("Key findings: " + " ".join(f"{a.quote} [PMID {a.pmid}]" for a in anchors))
    return " ".join(lines), tuple(anchors)


def _diverse_findings(
    papers: list[ReviewedPaper], best: dict[str, tuple[float, FactAnchor]]
) -> list[FactAnchor]:
    """Up to SUMMARY_FINDINGS of the papers' best findings, chosen by maximal marginal
    relevance: each next one is the strongest once its likeness to those already chosen (word
    overlap) is discounted, so the summary does not repeat itself."""
    ranks = {p.pmid: p.rank for p in papers}
    pool = sorted(best.items(), key=lambda item: (-item[1][0], ranks[item[0]]))
    if not pool:
        return []
    top = pool[0][1][0] or 1.0
    stems = {pmid: frozenset(content_stems(anchor.quote)) for pmid, (_, anchor) in pool}
    chosen: list[str] = []
    while pool and len(chosen) < SUMMARY_FINDINGS:

        def marginal(item: tuple[str, tuple[float, FactAnchor]]) -> float:
            pmid, (score, _) = item
            likeness = max(
                (len(stems[pmid] & stems[c]) / max(len(stems[pmid] | stems[c]), 1) for c in chosen),
                default=0.0,
            )
            return MMR_LAMBDA * score / top - (1 - MMR_LAMBDA) * likeness

        pick = max(pool, key=lambda item: (marginal(item), -ranks[item[0]]))
        pool.remove(pick)
        chosen.append(pick[0])
    return [best[pmid][1] for pmid in chosen]


def finding_direction(sentence: str) -> str:
    """What a finding says happened: "no clear difference", "a decrease", "an increase", "a
    benefit", "an association", "mixed results" (no difference in one respect, a change in
    another) or "" when it gives no direction. A negated effect is no clear difference:
    "did not reduce" is not a decrease."""
    (_, negated), *others = DIRECTION_PATTERNS
    rest = negated.sub(" ", sentence)
    found = next((direction for direction, pattern in others if pattern.search(rest)), "")
    if rest != sentence:
        return "mixed results" if found else "no clear difference"
    return found


def effect_sizes(sentence: str) -> list[str]:
    """The effect sizes a finding states, verbatim: ratios with their value, percentages,
    differences with units, confidence intervals and p-values."""
    return [m.group(0).strip() for m in EFFECT_SIZE_RE.finditer(sentence)][:MAX_SIZES]


def _what_it_shows(anchors: list[FactAnchor]) -> str:
    """Which way the key findings point, each with its PMID, and the sizes they report."""
    by_direction: dict[str, list[str]] = {}
    sizes: list[str] = []
    for anchor in anchors:
        direction = finding_direction(anchor.quote)
        by_direction.setdefault(direction, []).append(anchor.pmid)
        found = effect_sizes(anchor.quote)
        if found:
            sizes.append(f"{', '.join(found)} [PMID {anchor.pmid}]")
    parts = [
        f"{len(pmids)} {'report' if len(pmids) > 1 else 'reports'} {direction or 'no direction'}"
        f" ({', '.join(f'PMID {p}' for p in pmids)})"
        for direction, pmids in sorted(by_direction.items(), key=lambda item: -len(item[1]))
    ]
    text = (
        f"What the evidence shows for the objective: of {len(anchors)} key "
        f"{'finding' if len(anchors) == 1 else 'findings'}, {_join(parts)}."
    )
    if sizes:
        text += f" Sizes as reported: {'; '.join(sizes)}."
    return text


def _caveats(papers: list[ReviewedPaper], best: dict[str, tuple[float, FactAnchor]]) -> str:
    """What to keep in mind when reading the findings."""
    notes = ["Findings are read from titles and abstracts, not full texts"]
    silent = len(papers) - len(best)
    if silent:
        notes.append(
            f"{silent} of the {len(papers)} papers report no finding on the objective in their "
            "abstract"
        )
    strong = {META_ANALYSIS.label, SYSTEMATIC_REVIEW.label, RCT.label}
    if not any(p.evidence_label in strong for p in papers):
        notes.append("none of the papers is a randomised trial, systematic review or meta-analysis")
    weak = sum(p.evidence_label in {CASE_REPORT.label, OTHER.label} for p in papers)
    if weak * 2 > len(papers):
        notes.append(f"{weak} of the {len(papers)} are case reports or other studies")
    return "Caveats: " + "; ".join(notes) + "."


def _join(items: list[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
