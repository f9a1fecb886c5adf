"""PDFs made with pypdf for tests: a two-page trial report, blank or encrypted variants."""

import io

from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

PAGES = [
    [
        "As-needed budesonide-formoterol in adults with mild asthma",
        "1. Introduction",
        "Asthma affects more than 300 million people. Many adults with mild asthma rely on",
        "a short-acting reliever alone, which leaves airway inflammation untreated.",
        "2. Methods",
        "We conducted a multicentre, open-label trial in which a total of 675 adults with",
        "mild asthma were randomly assigned in a 1:1 ratio to as-needed budesonide-formo-",
        "terol or as-needed albuterol. Analyses were by intention to treat.",
    ],
    [
        "3. Results",
        "The annualised rate of severe exacerbations was 0.07 with budesonide-formoterol and",
        "0.15 with albuterol (relative risk 0.49; 95% CI 0.33 to 0.72; P<0.001).",
        "4. Discussion",
        "A limitation of this study is its open-label design, which may have introduced",
        "reporting bias. Our findings support anti-inflammatory reliever therapy.",
        "References",
        "1. Someone A. A cited paper with P<0.0001. J Cit. 2019.",
    ],
]


def make_pdf(pages, *, title="", password=""):
    """A PDF whose pages show the given lines in Helvetica (an empty list is a blank page)."""
    writer = PdfWriter()
    for lines in pages:
        page = writer.add_blank_page(612, 792)
        if lines:
            font = DictionaryObject(
                {
                    NameObject("/Type"): NameObject("/Font"),
                    NameObject("/Subtype"): NameObject("/Type1"),
                    NameObject("/BaseFont"): NameObject("/Helvetica"),
                }
            )
            page[NameObject("/Resources")] = DictionaryObject(
                {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
            )
            ops = ["BT", "/F1 10 Tf", "14 TL", "50 750 Td"]
            for line in lines:
                escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
                ops.append(f"({escaped}) Tj T*")
            ops.append("ET")
            stream = DecodedStreamObject()
            stream.set_data("\n".join(ops).encode("latin-1"))
            page.replace_contents(stream)
    if title:
        writer.add_metadata({"/Title": title})
    if password:
        writer.encrypt(password, algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
