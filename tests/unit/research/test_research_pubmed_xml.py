"""Reading PubMed XML: fields, markup, broken records, deletions, compression and refusals."""

import gzip
import io
import shutil

import pytest

from research import (
    NotPubMedXMLError,
    ParseReport,
    PubMedXMLError,
    UnsafeXMLError,
    read_pubmed,
)


def by_pmid(records):
    return {r.pmid: r for r in records}


def test_fields_of_a_structured_record(sample_records):
    record = by_pmid(sample_records)["90000001"]
    assert record.title.startswith("Remdesivir for hospitalised adults with COVID-19")
    assert "of in vivo efficacy." in record.title
    assert [s.category for s in record.abstract] == [
        "BACKGROUND",
        "METHODS",
        "RESULTS",
        "CONCLUSIONS",
    ]
    assert record.abstract[0].text.endswith("COVID-19 is uncertain.")
    assert "SARS-CoV-2 in vitro." in record.abstract[0].text
    assert record.doi == "10.9999/jat.2021.001"
    assert record.pmcid == "PMC9000001"  # not the one in the reference list
    assert record.authors == ("Moreau C", "Okafor IJ", "Antiviral Outcomes Study Group")
    assert record.journal == "Journal of Antiviral Therapy"
    assert record.year == 2021
    assert record.publication_types == (
        "Journal Article",
        "Randomized Controlled Trial",
        "Multicenter Study",
    )
    assert record.chemicals == ("Antiviral Agents", "remdesivir")
    assert record.keywords == ("COVID-19", "remdesivir")
    mesh = {m.descriptor: m for m in record.mesh}
    assert mesh["COVID-19"].major and mesh["COVID-19"].qualifiers == ("drug therapy",)
    assert mesh["Antiviral Agents"].major  # a major qualifier makes the heading major
    assert not mesh["Humans"].major


def test_markup_becomes_plain_text(sample_records):
    records = by_pmid(sample_records)
    assert records["90000005"].title.startswith("Ca2+ signalling and IL-6 release")
    assert "treated with remdesivir" in records["90000005"].title
    assert records["90000007"].title == "Mapping T1, relaxation in the lung."
    assert "<" not in records["90000005"].abstract_text()


def test_year_falls_back_to_medline_date_then_article_date(sample_records):
    records = by_pmid(sample_records)
    assert records["90000002"].year == 2019  # MedlineDate "2019 Nov-Dec"
    assert records["90000005"].year == 2022  # PubDate without a year: ArticleDate


def test_record_without_abstract_is_kept(sample_records):
    record = by_pmid(sample_records)["90000003"]
    assert record.abstract == ()
    assert record.abstract_text() == ""
    assert record.title == "Acute liver injury after remdesivir: a case report."


def test_broken_record_is_counted_and_skipped(fixtures_dir):
    report = ParseReport()
    records = list(read_pubmed(fixtures_dir / "sample_baseline.xml", report))
    assert [r.pmid for r in records] == [
        "90000001",
        "90000002",
        "90000003",
        "90000005",
        "90000006",
        "90000007",
    ]
    assert (report.parsed, report.bad) == (6, 1)
    assert report.errors == ["record 4: no PMID"]
    assert report.deleted == ["80000001", "80000002"]


def test_gzip_is_detected_by_its_magic_bytes_not_its_name(fixtures_dir, tmp_path):
    disguised = tmp_path / "records.xml"
    with open(fixtures_dir / "sample_baseline.xml", "rb") as plain:
        disguised.write_bytes(gzip.compress(plain.read()))
    assert len(list(read_pubmed(disguised))) == 6
    with open(disguised, "rb") as stream:
        assert len(list(read_pubmed(stream))) == 6


def test_plain_file_named_gz_is_read_as_plain(fixtures_dir, tmp_path):
    misnamed = tmp_path / "records.xml.gz"
    shutil.copy(fixtures_dir / "sample_baseline.xml", misnamed)
    assert len(list(read_pubmed(misnamed))) == 6


def test_records_round_trip_through_json_dicts(sample_records):
    from research import PaperRecord

    for record in sample_records:
        assert PaperRecord.from_dict(record.to_dict()) == record


@pytest.mark.parametrize("name", ["xxe.xml", "billion_laughs.xml"])
def test_entity_declarations_are_refused(fixtures_dir, name):
    with pytest.raises(UnsafeXMLError, match="declares XML entities") as raised:
        next(read_pubmed(fixtures_dir / name))
    assert "/etc/passwd" not in str(raised.value)
    assert "lollol" not in str(raised.value)


def test_entity_declarations_are_refused_inside_gzip(fixtures_dir, tmp_path):
    packed = tmp_path / "xxe.xml.gz"
    packed.write_bytes(gzip.compress((fixtures_dir / "xxe.xml").read_bytes()))
    with pytest.raises(UnsafeXMLError):
        list(read_pubmed(packed))


def test_other_xml_is_rejected_before_anything_is_yielded(fixtures_dir):
    records = read_pubmed(fixtures_dir / "not_pubmed.xml")
    with pytest.raises(NotPubMedXMLError, match="<rss>"):
        next(records)


def test_non_xml_is_rejected(fixtures_dir):
    with pytest.raises(NotPubMedXMLError, match="not XML"):
        next(read_pubmed(fixtures_dir / "not_xml.txt"))


@pytest.mark.parametrize("content", [b"", b"   \n", b"\x00\x01binary", b"%PDF-1.7"])
def test_empty_and_binary_input_is_not_xml(content):
    with pytest.raises(NotPubMedXMLError):
        list(read_pubmed(io.BytesIO(content)))


def test_non_pubmed_root_is_rejected_even_in_a_large_file():
    big = b"<catalog>" + b"<item>x</item>" * 100_000 + b"</catalog>"
    records = read_pubmed(io.BytesIO(big))
    with pytest.raises(NotPubMedXMLError):
        next(records)


def test_truncated_file_raises_a_readable_error(fixtures_dir):
    data = (fixtures_dir / "sample_baseline.xml").read_bytes()
    truncated = data[: len(data) * 2 // 3]
    with pytest.raises(PubMedXMLError, match="malformed or truncated"):
        list(read_pubmed(io.BytesIO(truncated)))


def test_truncated_gzip_raises_a_readable_error(fixtures_dir):
    packed = gzip.compress((fixtures_dir / "sample_baseline.xml").read_bytes())
    with pytest.raises(PubMedXMLError):
        list(read_pubmed(io.BytesIO(packed[: len(packed) // 2])))


def test_medline_citation_set_is_accepted():
    xml = (
        b"<MedlineCitationSet><MedlineCitation><PMID>123</PMID><Article>"
        b"<ArticleTitle>Old format.</ArticleTitle></Article></MedlineCitation></MedlineCitationSet>"
    )
    records = list(read_pubmed(io.BytesIO(xml)))
    assert [(r.pmid, r.title) for r in records] == [("123", "Old format.")]


def test_pretty_printed_sub_and_sup_join_their_word():
    xml = (
        b"<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>5</PMID><Article>"
        b"<ArticleTitle>A fast-acting \xce\xb2\n   <sub>2</sub>-agonist and\n <i>E. coli</i>"
        b" strains.</ArticleTitle></Article></MedlineCitation></PubmedArticle></PubmedArticleSet>"
    )
    (record,) = read_pubmed(io.BytesIO(xml))
    assert record.title == "A fast-acting β2-agonist and E. coli strains."
