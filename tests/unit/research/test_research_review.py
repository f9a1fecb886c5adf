"""Reviews: shape, determinism, verbatim quotes, progress, cancellation and filters."""

import json

import pytest

from research import InMemoryLibrary, ReviewRequest, generate_review
from research.errors import UserFacingError
from research.records import AbstractSection
from research.review import concepts, effect_sizes, finding_direction
from research.schema import load_result
from research.text import content_forms, word_form
from tests.unit.research.conftest import make_record

COVID = ReviewRequest("remdesivir treatment outcomes COVID-19")


class Recorder:
    """A progress callback that remembers what it was told."""

    def __init__(self):
        self.calls = []

    def __call__(self, stage, percent):
        self.calls.append((stage, percent))


def without_timings(data):
    data = json.loads(json.dumps(data))
    data["diagnostics"].pop("timings_ms")
    return data


def test_result_has_the_documented_shape(sample_library):
    data = generate_review(COVID, sample_library, Recorder()).to_dict()
    json.dumps(data)  # JSON-serialisable
    assert {
        "objective", "molecule", "preference", "full_text_only", "queries", "papers", "groups",
        "executive_summary", "executive_summary_anchors", "year_distribution", "diagnostics",
    } <= data.keys()  # fmt: skip
    assert set(data["queries"][0]) == {"query", "purpose", "hits", "top_pmid"}
    paper = data["papers"][0]
    assert {
        "rank", "pmid", "title", "journal", "year", "authors", "doi", "pmcid", "url",
        "publication_types", "summary", "fact_anchors", "relevance", "scores", "evidence_label",
        "matched_queries",
    } <= paper.keys()  # fmt: skip
    assert set(paper["scores"]) == {
        "objective_similarity", "recency", "evidence_level", "molecule_match", "overall",
    }  # fmt: skip
    assert all(0 <= v <= 1 for v in paper["scores"].values())
    assert paper["url"] == f"https://pubmed.ncbi.nlm.nih.gov/{paper['pmid']}/"
    assert {"library_size", "pool_size", "shortlist_size", "analysed", "timings_ms",
            "engine_version"} <= data["diagnostics"].keys()  # fmt: skip
    assert data["diagnostics"]["library_size"] == 9


def test_relevant_papers_rank_first_and_evidence_is_labelled(sample_library):
    data = generate_review(COVID, sample_library, Recorder()).to_dict()
    pmids = [p["pmid"] for p in data["papers"]]
    assert set(pmids[:2]) == {"90000001", "90000006"}
    labels = {p["pmid"]: p["evidence_label"] for p in data["papers"]}
    assert labels["90000006"] == "Meta-analysis"
    assert labels["90000001"] == "Randomised controlled trial"
    assert [p["rank"] for p in data["papers"]] == list(range(1, len(pmids) + 1))
    assert "70000901" not in pmids  # statins share no term with the objective


def test_same_request_gives_identical_output_apart_from_timings(sample_library, sample_records):
    first = generate_review(COVID, sample_library, Recorder()).to_dict()
    rebuilt = InMemoryLibrary(
        list(reversed(sample_library.get_many(sample_library.index.pmids).values()))
    )
    second = generate_review(COVID, rebuilt, Recorder()).to_dict()
    assert without_timings(first) == without_timings(second)


def test_round_trip_through_load_result(sample_library):
    data = generate_review(COVID, sample_library, Recorder()).to_dict()
    assert load_result("review", json.loads(json.dumps(data))).to_dict() == data


def test_fact_anchors_are_verbatim_quotes(sample_library):
    request = ReviewRequest(
        "antiviral COVID-19 mortality", molecule="remdesivir", preference="recall"
    )
    data = generate_review(request, sample_library, Recorder()).to_dict()
    records = sample_library.get_many([p["pmid"] for p in data["papers"]])
    anchors = [a for p in data["papers"] for a in p["fact_anchors"]]
    anchors += data["executive_summary_anchors"]
    assert anchors
    for anchor in anchors:
        record = records[anchor["pmid"]]
        assert anchor["quote"] in record.abstract_text() or anchor["quote"] == record.title
    for anchor in data["executive_summary_anchors"]:
        assert f"[PMID {anchor['pmid']}]" in data["executive_summary"]


def test_summary_comes_from_results_and_conclusions(sample_library):
    data = generate_review(COVID, sample_library, Recorder()).to_dict()
    trial = next(p for p in data["papers"] if p["pmid"] == "90000001")
    record = sample_library.get_many(["90000001"])["90000001"]
    late = " ".join(s.text for s in record.abstract if s.category in ("RESULTS", "CONCLUSIONS"))
    assert trial["summary"] and trial["summary"].split(". ")[0] in late
    assert trial["fact_anchors"][0]["section"] in ("RESULTS", "CONCLUSIONS")


def test_progress_is_monotonic_and_ends_with_done(sample_library):
    recorder = Recorder()
    generate_review(COVID, sample_library, recorder)
    percents = [p for _, p in recorder.calls]
    assert percents == sorted(percents)
    assert recorder.calls[0] == ("plan", 0)
    assert recorder.calls[-1] == ("done", 100)
    stages = [s for s, _ in recorder.calls]
    for stage in ("retrieve", "deduplicate", "rank", "analyse", "synthesise"):
        assert stage in stages
    assert stages.count("analyse") > 2  # reported per analysed paper


class Cancelled(Exception):
    pass


@pytest.mark.parametrize("stage", ["plan", "retrieve", "analyse", "done"])
def test_an_exception_from_progress_propagates(sample_library, stage):
    def cancel(current, percent):
        if current == stage:
            raise Cancelled(stage)

    with pytest.raises(Cancelled):
        generate_review(COVID, sample_library, cancel)


def test_full_text_only_keeps_papers_with_a_pmcid(sample_library):
    request = ReviewRequest("remdesivir", full_text_only=True)
    data = generate_review(request, sample_library, Recorder()).to_dict()
    assert {p["pmid"] for p in data["papers"]} == {"90000001", "90000005"}
    assert all(p["pmcid"] for p in data["papers"])


def test_molecule_match_and_recall_expansions(sample_library):
    request = ReviewRequest("COVID-19 recovery", molecule="remdesivir", preference="recall")
    data = generate_review(request, sample_library, Recorder()).to_dict()
    purposes = [q["purpose"] for q in data["queries"]]
    assert purposes[:3] == ["objective", "objective + molecule", "molecule"]
    scores = {p["pmid"]: p["scores"]["molecule_match"] for p in data["papers"]}
    assert scores["90000001"] == 1.0  # in the chemical list
    assert scores["90000003"] == 0.9  # in the title only
    assert "remdesivir" in data["executive_summary"]


def test_no_match_gives_a_valid_empty_result(sample_library):
    request = ReviewRequest("quantum chromodynamics of gluons")
    recorder = Recorder()
    data = generate_review(request, sample_library, recorder).to_dict()
    assert data["papers"] == [] and data["groups"] == []
    assert "No papers" in data["executive_summary"]
    assert data["year_distribution"] == {}
    assert recorder.calls[-1] == ("done", 100)


def test_empty_library_gives_a_valid_empty_result():
    data = generate_review(COVID, InMemoryLibrary([]), Recorder()).to_dict()
    assert data["papers"] == [] and data["diagnostics"]["library_size"] == 0


def test_blank_objective_is_refused(sample_library):
    with pytest.raises(UserFacingError, match="objective"):
        generate_review(ReviewRequest("   "), sample_library, Recorder())


def test_duplicates_by_doi_are_removed():
    twin = {"title": "Zinc for the common cold.", "doi": "10.1/zinc"}
    library = InMemoryLibrary([make_record(pmid="11", **twin), make_record(pmid="12", **twin)])
    data = generate_review(ReviewRequest("zinc common cold"), library, Recorder()).to_dict()
    assert [p["pmid"] for p in data["papers"]] == ["11"]
    assert data["diagnostics"]["duplicates_removed"] == 1


def abstract(*parts):
    """Structured abstract sections from (label, text) pairs."""
    return tuple(AbstractSection(label, label, text) for label, text in parts)


def filler(n, topic="hand hygiene in schools"):
    """n papers on another topic, so that the library has a vocabulary to weigh words by."""
    return [
        make_record(
            pmid=str(800 + i),
            title=f"Study {i} of {topic}.",
            abstract=abstract(("RESULTS", f"Outcome {i} of {topic} was measured.")),
            mesh=(),
        )
        for i in range(n)
    ]


def test_word_forms_fold_plurals_but_keep_derivations_apart():
    assert [word_form(w) for w in ("cells", "studies", "masks", "boxes", "virus", "analysis")] == [
        "cell", "study", "mask", "box", "virus", "analysis",
    ]  # fmt: skip
    assert word_form("methylation") != word_form("methyl")
    assert content_forms("Differentiation of cells") == ["differentiation", "cell"]


def test_concepts_read_synonyms_in_brackets():
    assert concepts("ovum (oocytes, eggs)") == (("ovum",), ("oocyte",), ("egg",))
    assert concepts("cromolyn sodium (sodium cromoglycate)") == (
        ("cromolyn", "sodium"),
        ("sodium", "cromoglycate"),
    )


def test_a_synonym_in_brackets_finds_papers_using_only_the_synonym():
    synonym = make_record(
        pmid="501",
        title="Sodium cromoglycate in asthma.",
        abstract=abstract(("RESULTS", "Sodium cromoglycate reduced attacks.")),
        mesh=(),
    )
    library = InMemoryLibrary([synonym, *filler(20)])
    request = ReviewRequest("cromolyn sodium (sodium cromoglycate)")
    data = generate_review(request, library, Recorder()).to_dict()
    assert data["papers"][0]["pmid"] == "501"
    assert data["papers"][0]["scores"]["objective_similarity"] > 0.5


def test_evidence_level_does_not_lift_an_off_topic_trial_above_an_on_topic_paper():
    on_topic = make_record(
        pmid="601",
        title="Zinc lozenges and the duration of the common cold.",
        abstract=abstract(("RESULTS", "Colds lasted two days less with zinc lozenges.")),
        publication_types=("Journal Article",),
        year=1978,
        mesh=(),
    )
    off_topic = make_record(
        pmid="602",
        title="A randomised controlled trial of vitamin C in athletes.",
        abstract=abstract(("RESULTS", "Zinc levels did not change in athletes.")),
        publication_types=("Randomized Controlled Trial",),
        year=2024,
        mesh=(),
    )
    library = InMemoryLibrary([on_topic, off_topic, *filler(20)])
    data = generate_review(ReviewRequest("zinc lozenges common cold"), library, Recorder())
    assert [p.pmid for p in data.papers][:2] == ["601", "602"]


def test_recency_is_absolute_by_year():
    from research.review import RECENCY_NEWEST, _recency

    assert _recency(RECENCY_NEWEST) == 1.0 and _recency(RECENCY_NEWEST + 3) == 1.0
    assert _recency(RECENCY_NEWEST - 5) == pytest.approx(0.8)
    assert _recency(None) == 0.0


def test_key_findings_name_the_subject_not_only_the_shared_context():
    papers = [
        make_record(
            pmid=str(700 + i),
            title=f"Remdesivir in COVID-19: cohort {i}.",
            abstract=abstract(
                ("RESULTS", f"COVID-19 cases rose {i + 2}-fold during the study period."),
                ("CONCLUSIONS", f"Remdesivir shortened recovery by {i + 1} days."),
            ),
            mesh=(),
        )
        for i in range(4)
    ]
    # The library is about COVID-19: the word names the context, remdesivir the subject.
    library = InMemoryLibrary([*papers, *filler(20, "COVID-19 and hand hygiene in schools")])
    review = generate_review(COVID, library, Recorder())
    quotes = [a.quote for a in review.executive_summary_anchors]
    assert quotes and all(q.startswith("Remdesivir shortened") for q in quotes)


@pytest.mark.parametrize(
    ("sentence", "direction"),
    [
        ("Remdesivir did not reduce mortality.", "no clear difference"),
        ("There was no significant difference in length of stay.", "no clear difference"),
        ("Mortality was lower with dexamethasone (22.9% vs 25.7%).", "a decrease"),
        ("Antibody titres increased after the second dose.", "an increase"),
        ("Smoking was associated with severe disease.", "an association"),
        ("It sped recovery without a clear effect on survival.", "mixed results"),
        ("The sample included 40 patients.", ""),
    ],
)
def test_finding_direction(sentence, direction):
    assert finding_direction(sentence) == direction


def test_effect_sizes_are_quoted_whole():
    assert effect_sizes("Death fell (HR 0.91, 95% CI 0.79-1.05).") == ["HR 0.91, 95% CI 0.79-1.05"]
    assert effect_sizes("Mortality was 22.9% vs 25.7% (p<0.001).") == ["22.9% vs 25.7%"]
    assert effect_sizes("Seen in 95% CI terms only.") == []


def test_summary_says_what_the_evidence_shows_then_caveats_then_quotes(sample_library):
    summary = generate_review(COVID, sample_library, Recorder()).executive_summary
    shows = summary.index("What the evidence shows for the objective")
    caveats = summary.index("Caveats:")
    quotes = summary.index("Key findings:")
    assert shows < caveats < quotes
