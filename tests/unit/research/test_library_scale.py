"""bench/library_scale.py end to end on a tiny library, so that the benchmark keeps working."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from bench import library_scale  # noqa: E402

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "pubmed" / "sample_baseline.xml"


def test_synthetic_copies_are_new_papers_with_the_same_words():
    base = library_scale.read_base([FIXTURE])
    copies = list(library_scale.synthetic_records(base, 3 * len(base), first_pmid=900, seed=1))
    again = list(library_scale.synthetic_records(base, 3 * len(base), first_pmid=900, seed=1))

    assert copies == again
    assert [c.pmid for c in copies] == [str(900 + n) for n in range(3 * len(base))]
    for n, copy in enumerate(copies):
        original = base[n % len(base)].record
        assert sorted(copy.title.rstrip(".").split()) == sorted(original.title.rstrip(".").split())
        assert sorted(copy.abstract_text().split()) == sorted(original.abstract_text().split())


def test_every_figure_comes_out_at_a_tiny_size(tmp_path):
    base = library_scale.read_base([FIXTURE])

    result = library_scale.measure_size(
        300,
        base,
        tmp_path,
        objectives=["influenza treatment"],
        searches=["influenza", "asthma"],
        references=20,
        rebuild=True,
    )

    assert result.records == 300
    assert 0 < result.build_s < 60 and result.build_peak_mib > 0
    for stage in ("imported", "loaded", "reviewed"):
        assert 0 < result.memory[stage]["rss_anon"] < 1024
    assert result.search_ms >= 0
    assert [r["preference"] for r in result.reviews] == ["precision", "recall"]
    assert all(r["papers"] > 0 for r in result.reviews)
    assert result.failures == []
    assert result.rebuild is not None
    assert all(not r["error"] for r in result.rebuild["reviews"] + result.rebuild["after"])
    assert 0 < result.references_s < 60 and result.references_found > 0
    assert list(tmp_path.iterdir()) == []  # the library's files are removed afterwards

    text = library_scale.table([result])
    assert "| 300 |" in text and "not found" not in text
    assert "0 of 2 idle reviews failed" in library_scale.details([result])
    figures = library_scale.figures([result])
    assert {f.passed for f in figures if f.target} <= {True, False}
    assert library_scale.from_json(library_scale.to_json([result])) == [result]
