"""Sentence splitting and TextRank."""

from research.text import split_sentences
from research.textrank import textrank, top_sentences


def test_sentences_do_not_break_at_abbreviations_or_decimals():
    text = (
        "Smith et al. reported a fall (P < 0.05). Results vs. placebo were better, i.e. lower. "
        "See Fig. 2 for details. Cells grew for 24 h. E. coli was used! Was it? Mean 3.5 mg."
    )
    assert [s.text for s in split_sentences(text)] == [
        "Smith et al. reported a fall (P < 0.05).",
        "Results vs. placebo were better, i.e. lower.",
        "See Fig. 2 for details.",
        "Cells grew for 24 h.",
        "E. coli was used!",
        "Was it?",
        "Mean 3.5 mg.",
    ]


def test_sentences_are_exact_slices_of_the_text():
    text = "  First one.   Second, e.g. this.\nThird (n = 3).Methods: glued heading."
    for sentence in split_sentences(text):
        assert text[sentence.start : sentence.end] == sentence.text
    assert [s.text for s in split_sentences(text)][-1] == "Methods: glued heading."


def test_textrank_prefers_the_central_sentence():
    sentences = [
        ["remdesivir", "recoveri", "faster"],
        ["remdesivir", "recoveri", "faster", "mortal"],
        ["weather", "sunni"],
        ["remdesivir", "mortal"],
    ]
    scores = textrank(sentences)
    assert scores == textrank(sentences)
    assert max(range(4), key=scores.__getitem__) == 1
    assert top_sentences(scores, 2) == sorted(top_sentences(scores, 2))
    assert 2 not in top_sentences(scores, 3)


def test_textrank_handles_tiny_inputs():
    assert textrank([]) == []
    assert textrank([["one"]]) == [1.0]
    assert len(textrank([[], []])) == 2
