"""The command line, run as a researcher runs it: `python -m research …` in a subprocess."""

import json
import subprocess
import sys

import pytest

from research import DeepDiveResult, ReviewResult, load_result
from tests.pdfs import PAGES, make_pdf
from tests.unit.research.conftest import FIXTURES, REPO

SAMPLE = FIXTURES / "sample_baseline.xml"
OBJECTIVE = "remdesivir treatment outcomes in COVID-19"


def research(*args, check=True):
    """Run `python -m research` with these arguments from the repository's root."""
    done = subprocess.run(
        [sys.executable, "-m", "research", *map(str, args)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if check:
        assert done.returncode == 0, done.stderr
    return done


def test_review_prints_a_readable_report():
    done = research("review", "--library", SAMPLE, "--objective", OBJECTIVE)
    out = done.stdout
    assert out.startswith(f"Literature review: {OBJECTIVE}\n")
    assert "\nSummary\n" in out and "\nKey findings\n" in out and "\nPapers\n" in out
    assert "[PMID 90000001]" in out and "“Remdesivir shortened the time to recovery" in out
    assert "1. Antiviral treatment of COVID-19" in out or "1. Remdesivir for hospitalised" in out
    assert "https://pubmed.ncbi.nlm.nih.gov/90000001/" in out
    assert done.stderr == ""  # progress only with --verbose


def test_review_json_is_the_schema(sample_library):
    done = research(
        "review",
        "--library",
        SAMPLE,
        "--objective",
        OBJECTIVE,
        "--molecule",
        "remdesivir",
        "--preference",
        "recall",
        "--json",
    )
    data = json.loads(done.stdout)
    review = load_result("review", data)
    assert isinstance(review, ReviewResult) and data["schema_version"] == 2
    assert (review.molecule, review.preference) == ("remdesivir", "recall")
    assert review.to_dict() == data
    assert {p.pmid for p in review.papers[:2]} == {"90000001", "90000006"}


def test_verbose_reports_progress_on_stderr_only():
    done = research("review", "--library", SAMPLE, "--objective", OBJECTIVE, "--json", "--verbose")
    json.loads(done.stdout)  # stdout stays pure JSON
    assert "read 6 papers from" in done.stderr
    assert "] retrieve" in done.stderr and "[100%] done" in done.stderr


def test_deep_dive_of_a_library_paper():
    done = research("deep-dive", "--pmid", "90000001", "--library", SAMPLE, "--objective", "x")
    assert done.stdout.startswith("Remdesivir for hospitalised adults with COVID-19")
    assert "Design: randomised controlled trial" in done.stdout
    assert "Key results" in done.stdout


def test_deep_dive_of_a_pdf_as_json(tmp_path):
    paper = tmp_path / "paper.pdf"
    paper.write_bytes(make_pdf(PAGES))
    done = research("deep-dive", "--file", paper, "--objective", "asthma", "--json")
    dive = load_result("deep_dive", json.loads(done.stdout))
    assert isinstance(dive, DeepDiveResult)
    assert dive.diagnostics.source == "pdf_full_text" and dive.objective == "asthma"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["review", "--library", "missing.xml", "--objective", "x"], "missing.xml: no such file."),
        (["deep-dive", "--pmid", "1"], "--pmid needs --library"),
        (
            ["deep-dive", "--pmid", "12345", "--library", SAMPLE],
            f"PMID 12345 is not in {SAMPLE}.",
        ),
        (
            ["review", "--library", FIXTURES / "not_pubmed.xml", "--objective", "x"],
            "not_pubmed.xml",
        ),
        (["deep-dive", "--file", FIXTURES / "not_xml.txt"], "not_xml.txt"),
    ],
    ids=["missing-file", "pmid-without-library", "unknown-pmid", "not-pubmed", "not-a-paper"],
)
def test_refusals_print_their_message_and_exit_2(args, message):
    done = research(*args, check=False)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("research: ") and message in done.stderr
    assert "Traceback" not in done.stderr


def test_an_empty_objective_is_refused_plainly():
    done = research("review", "--library", SAMPLE, "--objective", "  ", check=False)
    assert done.returncode == 2 and "objective" in done.stderr
    assert "Traceback" not in done.stderr


def _typed_library(path):
    """A small PubMed XML file of case reports and untyped lab papers, for training."""
    articles = []
    for n in range(80):
        if n % 2:
            title, types = f"Unusual presentation of gout in a farmer {n}.", "Case Reports"
            text = "A man was admitted with a swollen knee; aspiration showed urate crystals."
        else:
            title, types = f"Kinetics of hepatic enzyme fraction {n}.", "Journal Article"
            text = "Enzyme activity was measured in purified fractions at several temperatures."
        articles.append(
            f"<PubmedArticle><MedlineCitation><PMID>{70_000 + n}</PMID><Article>"
            f"<ArticleTitle>{title}</ArticleTitle><Abstract><AbstractText>{text} {text} {text}"
            f"</AbstractText></Abstract><PublicationTypeList><PublicationType>{types}"
            "</PublicationType></PublicationTypeList></Article></MedlineCitation></PubmedArticle>"
        )
    path.write_text(f"<PubmedArticleSet>{''.join(articles)}</PubmedArticleSet>")
    return path


def test_train_design_reports_held_out_accuracy_and_writes_a_loadable_model(tmp_path):
    from research.design_model import load_model

    out = tmp_path / "design.json.gz"
    done = research("train-design", "--library", _typed_library(tmp_path / "typed.xml"),
                    "--out", out)  # fmt: skip
    assert "trained on" in done.stdout and "accuracy: 1.000" in done.stdout
    assert f"wrote {out}" in done.stdout
    assert load_model(out).classes == ("case report", "other")
    refused = research("train-design", "--library", SAMPLE, "--out", out, check=False)
    assert refused.returncode == 2 and "too few" in refused.stderr
    assert "Traceback" not in refused.stderr
