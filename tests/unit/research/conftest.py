"""Fixtures for the engine's tests: the hand-written PubMed fixtures and a record factory."""

import itertools
import os
from pathlib import Path

import pytest

from research import AbstractSection, InMemoryLibrary, MeshTerm, PaperRecord, read_pubmed

REPO = Path(__file__).resolve().parents[3]
FIXTURES = REPO / "tests" / "fixtures" / "pubmed"
_pmids = itertools.count(70000001)


def baseline_file(name: str) -> Path:
    """A real NLM file from PUBMED_BASELINE_DIR (default var/pubmed); skips the test if absent."""
    directory = Path(os.environ.get("PUBMED_BASELINE_DIR") or REPO / "var" / "pubmed")
    path = directory / name
    if not path.exists():
        pytest.skip(f"{path} is missing: put the NLM file there or set PUBMED_BASELINE_DIR")
    return path


def make_record(**overrides) -> PaperRecord:
    """A plausible paper record; any field can be overridden."""
    fields = {
        "pmid": str(next(_pmids)),
        "title": "Effect of an antiviral drug on recovery from influenza.",
        "abstract": (
            AbstractSection("METHODS", "METHODS", "Adults with influenza were randomly assigned."),
            AbstractSection("RESULTS", "RESULTS", "Recovery was faster (P=0.01). Fever fell."),
        ),
        "journal": "Journal of Tests",
        "year": 2020,
        "mesh": (MeshTerm("Influenza, Human", True, ("drug therapy",)),),
        "publication_types": ("Journal Article",),
    }
    fields.update(overrides)
    return PaperRecord(**fields)


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture
def sample_records() -> list[PaperRecord]:
    return list(read_pubmed(FIXTURES / "sample_baseline.xml"))


@pytest.fixture
def sample_library(sample_records) -> InMemoryLibrary:
    """The fixture file's papers plus a few made-up ones on other topics."""
    extra = [
        make_record(pmid="70000901", title="Statins and cardiovascular events in older adults."),
        make_record(pmid="70000902", title="Exercise training after myocardial infarction."),
        make_record(pmid="70000903", title="Vitamin D. A narrative review of bone health."),
    ]
    return InMemoryLibrary(sample_records + extra)
