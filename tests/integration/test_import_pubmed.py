"""The import_pubmed command: all-or-nothing per file, idempotent, clear errors, index rebuilt."""

import gzip
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from jobs.library import get_library
from jobs.models import Paper
from research import SearchIndex

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "pubmed"
SAMPLE = FIXTURES / "sample_baseline.xml"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("import_pubmed", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def synthetic_file(path: Path, count: int, *, truncate: bool = False) -> Path:
    """A PubMed file of count generated records, optionally cut off mid-way."""
    records = "".join(
        f"<PubmedArticle><MedlineCitation><PMID>{60_000_000 + i}</PMID><Article>"
        f"<ArticleTitle>Generated paper {i} on sepsis.</ArticleTitle></Article>"
        f"</MedlineCitation></PubmedArticle>\n"
        for i in range(count)
    )
    data = f"<?xml version='1.0'?>\n<PubmedArticleSet>\n{records}</PubmedArticleSet>\n".encode()
    if truncate:
        data = data[: len(data) * 9 // 10]
    path.write_bytes(gzip.compress(data))
    return path


def test_import_creates_papers_and_builds_the_index(data_dir):
    out, _ = run(SAMPLE)
    assert Paper.objects.count() == 6
    paper = Paper.objects.get(pmid="90000001")
    assert (paper.doi, paper.pmcid, paper.year) == ("10.9999/jat.2021.001", "PMC9000001", 2021)
    assert paper.journal == "Journal of Antiviral Therapy"
    assert paper.record["abstract"][2]["category"] == "RESULTS"
    assert "parsed 6, created 6, updated 0, bad 1" in out
    assert "skipped record 4: no PMID" in out
    assert "6 records…" in out
    assert "Search index rebuilt: 6 papers" in out
    index = SearchIndex.load(data_dir / "index")
    assert index.search("remdesivir")[0][0] in {"90000001", "90000006", "90000003", "90000005"}


def test_importing_twice_updates_instead_of_duplicating():
    run(SAMPLE)
    out, _ = run(SAMPLE)
    assert Paper.objects.count() == 6
    assert "created 0, updated 6" in out


def test_delete_citations_remove_papers():
    Paper.objects.create(pmid="80000001", title="Withdrawn", record={"pmid": "80000001"})
    out, _ = run(SAMPLE)
    assert not Paper.objects.filter(pmid="80000001").exists()
    assert "deleted 1 (of 2 listed)" in out


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("not_pubmed.xml", "not PubMed XML"),
        ("not_xml.txt", "is not XML"),
        ("xxe.xml", "declares XML entities"),
        ("billion_laughs.xml", "declares XML entities"),
    ],
)
def test_refused_files_import_nothing(name, message, data_dir):
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="1 of 1 files were not imported"):
        call_command("import_pubmed", str(FIXTURES / name), stdout=out, stderr=err)
    assert message in err.getvalue()
    assert "Traceback" not in err.getvalue()
    assert Paper.objects.count() == 0
    assert not (data_dir / "index").exists()


def test_truncated_file_leaves_nothing_half_imported(tmp_path):
    broken = synthetic_file(tmp_path / "broken.xml.gz", 2500, truncate=True)
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError):
        call_command("import_pubmed", str(broken), stdout=out, stderr=err)
    assert "records…" not in out.getvalue()  # the whole file is read before any batch
    assert Paper.objects.count() == 0
    assert "truncated" in err.getvalue()


def test_a_bad_file_does_not_stop_the_good_ones(tmp_path):
    good = synthetic_file(tmp_path / "good.xml.gz", 1200)
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="1 of 2 files"):
        call_command(
            "import_pubmed", str(FIXTURES / "not_xml.txt"), str(good), stdout=out, stderr=err
        )
    assert Paper.objects.count() == 1200
    assert "Search index rebuilt: 1,200 papers" in out.getvalue()


def test_missing_file_is_a_clear_error(tmp_path):
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError):
        call_command("import_pubmed", str(tmp_path / "nope.xml"), stdout=out, stderr=err)
    assert "no such file" in err.getvalue()


def test_no_index_skips_the_rebuild(data_dir):
    run(SAMPLE, "--no-index")
    assert Paper.objects.count() == 6
    assert not (data_dir / "index").exists()
    assert len(get_library()) == 6  # built on first use instead
