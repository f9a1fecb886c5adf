"""Suggested MeSH headings for unindexed papers, and how a review weighs headings."""

import pytest

from research import (
    InMemoryLibrary,
    MeshTerm,
    ReviewRequest,
    SearchIndex,
    generate_review,
    ignore_progress,
    indexing,
)
from research.indexing import Suggestions, suggest_headings
from research.review import _objective_headings, _terms
from research.text import us_spelling, us_spelling_forms
from tests.unit.research.conftest import make_record

PANCREAS = [
    "Insulin secretion by pancreatic islets after glucose infusion.",
    "Islet beta cells of the pancreas and insulin release in the rat.",
    "Exocrine pancreas secretion of amylase and islet insulin.",
    "Pancreatic acinar cells and islet insulin content in fasting.",
]
KIDNEY = [
    "Glomerular filtration in the kidney after renal artery stenosis.",
    "Renal tubular reabsorption of sodium in the kidney.",
    "Kidney glomerular basement membrane in renal disease.",
    "Renal blood flow and glomerular filtration rate in the kidney.",
]


def indexed(titles, heading):
    return [
        make_record(title=title, abstract=(), mesh=(MeshTerm(heading, False),)) for title in titles
    ]


def test_an_unindexed_paper_gets_the_headings_of_the_indexed_papers_most_like_it():
    training = indexed(PANCREAS, "Pancreas") + indexed(KIDNEY, "Kidney")
    new = make_record(
        title="Insulin from islets of the pancreas in diabetes.", abstract=(), mesh=()
    )

    suggested = suggest_headings(training, [new], neighbours=3, min_training=2)

    headings = suggested.for_pmids([new.pmid])[new.pmid]
    assert headings.get("Pancreas", 0) > 0.5
    assert headings.get("Kidney", 0) < headings["Pancreas"]
    assert all(0 < score <= 1 for score in headings.values())


def test_a_paper_is_never_its_own_neighbour():
    training = indexed(PANCREAS, "Pancreas") + indexed(KIDNEY, "Kidney")
    own = make_record(
        title="Insulin release from pancreatic islets in fasting rats.",
        abstract=(),
        mesh=(MeshTerm("Fasting", False),),
    )

    suggested = suggest_headings([*training, own], [own], neighbours=3, min_training=2)

    assert "Fasting" not in suggested.for_pmids([own.pmid])[own.pmid]
    assert "Pancreas" in suggested.for_pmids([own.pmid])[own.pmid]


def test_too_few_indexed_papers_suggest_nothing():
    training = indexed(PANCREAS, "Pancreas")
    new = make_record(title="Insulin and the pancreas.", abstract=(), mesh=())

    assert len(suggest_headings(training, [new])) == 0
    assert (
        suggest_headings(training, [new], min_training=len(training) + 1).for_pmids([new.pmid])
        == {}
    )


def test_the_index_suggests_headings_for_unindexed_papers_and_keeps_them_when_saved(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(indexing, "MIN_TRAINING", 2)
    new = make_record(title="Insulin from islets of the pancreas.", abstract=(), mesh=())
    records = [*indexed(PANCREAS, "Pancreas"), *indexed(KIDNEY, "Kidney"), new]

    index = SearchIndex.build(records)
    index.save(tmp_path)
    loaded = SearchIndex.load(tmp_path, mmap=True)

    found = loaded.suggested_headings([new.pmid, records[0].pmid])
    assert set(found) == {new.pmid}  # indexed by NLM: nothing suggested
    assert "Pancreas" in found[new.pmid]
    assert found == index.suggested_headings([new.pmid, records[0].pmid])


def test_suggestions_read_back_from_their_saved_form():
    suggestions = Suggestions(("Pancreas", "Kidney"), {"1": "0:0.750 1:0.250"})

    again = Suggestions.from_dict(suggestions.to_dict())

    assert again.for_pmids(["1", "2"]) == {"1": {"Pancreas": 0.75, "Kidney": 0.25}}
    with pytest.raises(ValueError):
        Suggestions.from_dict({"descriptors": "Pancreas", "packed": {}})


@pytest.mark.parametrize(
    ("british", "american"),
    [
        ("behaviour", "behavior"),
        ("haemoglobin", "hemoglobin"),
        ("oesophagus", "esophagus"),
        ("randomised", "randomized"),
        ("tumour", "tumor"),
        ("four", "four"),
    ],
)
def test_british_spellings_fold_to_those_mesh_uses(british, american):
    assert us_spelling(british) == american


def test_the_heading_named_by_the_whole_concept_wins_over_one_naming_part_of_it():
    library = InMemoryLibrary([make_record(title="Smoking prevention in schools.")])
    terms = _terms(ReviewRequest("smoking prevention"), library)

    wanted = _objective_headings(terms, {"Smoking", "Smoking Prevention", "Schools"})

    assert wanted == {"Smoking Prevention": 1.0}
    assert us_spelling_forms("Feeding Behavior") == us_spelling_forms("feeding behaviours")


@pytest.mark.parametrize(
    ("objective", "headings", "named"),
    [
        ("immunoglobulin A (IgA)", {"Immunoglobulin A", "Immunoglobulin D", "Immunoglobulins"},
         {"Immunoglobulin A"}),
        ("nursing homes", {"Nursing Homes", "Home Nursing"}, {"Nursing Homes"}),
        ("premature infants", {"Infant, Premature", "Infant"}, {"Infant, Premature"}),
        ("feeding behaviour", {"Feeding Behavior", "Behavior"}, {"Feeding Behavior"}),
        ("remdesivir outcomes in COVID-19", {"COVID-19"}, set()),
    ],
)  # fmt: skip
def test_the_objective_names_the_headings_a_reader_would_expect(objective, headings, named):
    library = InMemoryLibrary(
        [make_record(title="Remdesivir and COVID-19."), make_record(title="COVID-19 wards.")]
    )
    terms = _terms(ReviewRequest(objective), library)

    assert set(_objective_headings(terms, headings)) == named
    assert us_spelling_forms("Feeding Behavior") == us_spelling_forms("feeding behaviours")


def test_a_paper_about_the_objective_by_its_heading_ranks_above_one_that_only_mentions_it():
    about = make_record(
        title="Beta cell mass and insulin output of islets in the adult pancreas.",
        abstract=(),
        mesh=(),
    )
    mentions = make_record(
        title="Carcinoma of the pancreas.",
        abstract=(),
        mesh=(),
    )
    filler = [make_record(title=f"Unrelated study {n} of the pancreas region.") for n in range(3)]
    suggestions = Suggestions(
        ("Pancreas", "Pancreatic Neoplasms"), {about.pmid: "0:0.800", mentions.pmid: "1:0.900"}
    )
    words_only = InMemoryLibrary([about, mentions, *filler])
    with_headings = InMemoryLibrary([about, mentions, *filler], suggestions=suggestions)

    request = ReviewRequest("the pancreas")
    before = [p.pmid for p in generate_review(request, words_only, ignore_progress).papers]
    after = [p.pmid for p in generate_review(request, with_headings, ignore_progress).papers]

    assert before.index(mentions.pmid) < before.index(about.pmid)
    assert after.index(about.pmid) < after.index(mentions.pmid)
    reviewed = generate_review(request, with_headings, ignore_progress).papers
    why = next(p.relevance for p in reviewed if p.pmid == about.pmid)
    assert "MeSH heading Pancreas suggested from similar papers (80% of their weight)" in why


def test_a_recall_review_searches_again_with_headings_suggested_for_its_unindexed_papers():
    papers = [
        make_record(title=f"Islet insulin output in the pancreas, study {n}.", mesh=())
        for n in range(3)
    ]
    other = make_record(title="Beta cell mass in diabetes.", mesh=())
    suggestions = Suggestions(
        ("Islets of Langerhans", "Humans"),
        {p.pmid: "0:0.600 1:0.200" for p in papers},
    )
    library = InMemoryLibrary([*papers, other], suggestions=suggestions)

    result = generate_review(
        ReviewRequest("the pancreas", preference="recall"), library, ignore_progress
    )

    purposes = [q.purpose for q in result.queries]
    assert any("Islets of Langerhans" in purpose for purpose in purposes)
    assert not any("Humans" in purpose for purpose in purposes)  # suggested too weakly
