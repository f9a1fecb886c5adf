"""Hostile uploads, built at run time (none is kept as a file): a PDF of nested form XObjects,
BibTeX @string macro bombs, a gzip of a million duplicate PubMed records, and a large but
honest BibTeX file that takes a while to parse."""

import gzip
import io

from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
)


def nested_xobject_pdf(*, levels: int = 25, pages: int = 4, leaf_operators: int = 1000) -> bytes:
    """A PDF a few kilobytes long whose pages each draw a form XObject that draws the next one
    twice, levels deep, down to a form with a thousand no-op operators and one word. pypdf parses
    every form again each time it is drawn; it stops after 5,000 forms a page, but that still
    takes it about a minute a page, catching every exception on the way."""
    writer = PdfWriter()
    font = writer._add_object(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
            }
        )
    )

    def form(content: bytes, xobjects: dict) -> object:
        stream = DecodedStreamObject()
        stream.set_data(content)
        stream = stream.flate_encode()
        stream.update(
            {
                NameObject("/Type"): NameObject("/XObject"),
                NameObject("/Subtype"): NameObject("/Form"),
                NameObject("/BBox"): ArrayObject([NumberObject(n) for n in (0, 0, 612, 792)]),
                NameObject("/Resources"): DictionaryObject(
                    {
                        NameObject("/Font"): DictionaryObject({NameObject("/F1"): font}),
                        NameObject("/XObject"): DictionaryObject(xobjects),
                    }
                ),
            }
        )
        return writer._add_object(stream)

    inner = form(b"1 0 0 1 0 0 cm\n" * leaf_operators + b"BT /F1 10 Tf (asthma) Tj ET", {})
    for _ in range(levels):
        inner = form(b"BT ET q /X Do Q q /X Do Q", {NameObject("/X"): inner})
    for _ in range(pages):
        page = writer.add_blank_page(612, 792)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/XObject"): DictionaryObject({NameObject("/X"): inner})}
        )
        content = DecodedStreamObject()
        content.set_data(b"BT ET /X Do")
        page.replace_contents(content)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def bibtex_macro_bomb(levels: int) -> bytes:
    """@string macros that each repeat the previous one four times: 10 levels spell a title of
    31 million characters in under 500 bytes; 13 levels, two billion."""
    lines = ['@string{m0 = "Budesonide in asthma, a trial. "}']
    lines += [
        f"@string{{m{i} = m{i - 1} # m{i - 1} # m{i - 1} # m{i - 1}}}" for i in range(1, levels + 1)
    ]
    lines.append(f"@article{{bomb, title = m{levels}, year = 2020}}")
    return "\n".join(lines).encode()


RECORD = (
    b'<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM">'
    b'<PMID Version="1">29768149</PMID><Article><Journal><Title>N Engl J Med</Title></Journal>'
    b"<ArticleTitle>Inhaled Combined Budesonide-Formoterol as Needed in Mild Asthma."
    b"</ArticleTitle><Abstract><AbstractText>Adults with mild asthma were randomly assigned."
    b"</AbstractText></Abstract></Article></MedlineCitation></PubmedArticle>\n"
)


def gzip_of_duplicate_records(count: int = 1_000_000) -> bytes:
    """One PubMed record a million times, gzipped: about 2 MB that expands to 380 MB. Made of
    gzip members (a thousand records each, compressed once), which readers join as one file."""
    block = gzip.compress(RECORD * 1000)
    return b"".join(
        [
            gzip.compress(b'<?xml version="1.0"?>\n<PubmedArticleSet>\n'),
            block * (count // 1000),
            gzip.compress(b"</PubmedArticleSet>\n"),
        ]
    )


def large_bibtex(entries: int) -> bytes:
    """An honest BibTeX file of many distinct entries; pyparsing reads about a thousand a
    second, so 40,000 keep a reader busy for most of a minute."""
    return "".join(
        f"@article{{k{i}, title = {{A randomised trial number {i} of budesonide in mild asthma}},"
        f" author = {{Doe, Jane and Roe, Richard}}, journal = {{Journal of Tests}}, year = 2019,"
        f" doi = {{10.1000/t{i}}}}}\n"
        for i in range(entries)
    ).encode()
