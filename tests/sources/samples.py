"""Sample uploads for the sources tests: small texts in each supported format and PDFs
generated with reportlab (never checked-in binaries, so every quirk is visible here)."""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import A4
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.pdfgen import canvas

RUNNING_HEADER = "Journal of Scoring Studies · Vol. 3"

FILLER = [
    "Credit scoring systems collect data about people and sort them into groups that",
    "receive different treatment by lenders, landlords and sometimes the state itself.",
    "Such systems have a long history, and their reach grows with each new data source.",
    "This short line ends it.",
]
FILLER_TEXT = " ".join(FILLER)

# A paragraph that starts on page 1 and ends on page 2, with "prac-/tice" hyphenated.
SPLIT_FIRST_PAGE = [
    "Scholars have long argued that scoring is a form of governance that shapes the",
    "conduct of those it scores, and that its categories become self-fulfilling in prac-",
    "tice because people adjust their behaviour to the scores they expect to receive and",
]
SPLIT_SECOND_PAGE = [
    "the institutions that rely on those scores treat them as facts about the person.",
    "That is the end of the split paragraph.",
]
SPLIT_PARAGRAPH = (
    "Scholars have long argued that scoring is a form of governance that shapes the "
    "conduct of those it scores, and that its categories become self-fulfilling in practice "
    "because people adjust their behaviour to the scores they expect to receive and the "
    "institutions that rely on those scores treat them as facts about the person. That is "
    "the end of the split paragraph."
)


def make_pdf(
    pages: list[list[tuple[str, str]]],
    *,
    header: str | None = RUNNING_HEADER,
    encrypt: StandardEncryption | None = None,
) -> bytes:
    """Draw pages of ("h", heading) / ("l", line) / ("", blank) rows, with an optional
    running header and a page number at the foot of each page."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, encrypt=encrypt)
    width, height = A4
    for number, rows in enumerate(pages, 1):
        if header:
            pdf.setFont("Helvetica", 9)
            pdf.drawString(72, height - 40, header)
            pdf.drawCentredString(width / 2, 30, str(number))
        y = height - 90
        for kind, line in rows:
            if not kind:
                y -= 14
                continue
            pdf.setFont("Helvetica-Bold" if kind == "h" else "Helvetica", 14 if kind == "h" else 11)
            pdf.drawString(72, y, line)
            y -= 16
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _lines(lines: list[str]) -> list[tuple[str, str]]:
    return [("l", line) for line in lines]


def article_pdf(**kwargs) -> bytes:
    """Three pages: headings, a paragraph split by a page break with end-of-line
    hyphenation, running header and page numbers."""
    page1 = [("h", "Introduction"), ("", ""), *_lines(FILLER), ("", ""), *_lines(SPLIT_FIRST_PAGE)]
    page2 = [*_lines(SPLIT_SECOND_PAGE), ("", ""), ("h", "Method"), ("", ""), *_lines(FILLER)]
    page3 = [("h", "Conclusion"), ("", ""), *_lines(FILLER)]
    return make_pdf([page1, page2, page3], **kwargs)


def encrypted_pdf() -> bytes:
    return article_pdf(encrypt=StandardEncryption("user-secret", ownerPassword="owner-secret"))


def permissions_only_pdf() -> bytes:
    """Encrypted with an empty user password: opens without one (printing disabled)."""
    return article_pdf(encrypt=StandardEncryption("", ownerPassword="owner-secret", canPrint=0))


def no_text_pdf() -> bytes:
    """One page with only a drawn rectangle: what a scan without OCR looks like to us."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.rect(100, 100, 300, 400, fill=1)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def broken_pdf() -> bytes:
    data = article_pdf()
    return data[: len(data) // 3]


PLAIN_TEXT = (
    b"Scoring in practice\n\n"
    b"Credit bureaus collect payment histories and sell scores to lenders, landlords and\n"
    b"mobile phone companies. The scores decide who gets a flat.\n\n"
    b"Geo-scoring\n\n"
    b"In Germany, Schufa uses geo-scoring: living in a poor neighbourhood can lower a score.\n"
)

MARKDOWN = (
    b"---\n"
    b"title: Scoring notes\n"
    b'author: "Ada Lovelace"\n'
    b"year: 2020\n"
    b"---\n\n"
    b"# Introduction\n\n"
    b"Credit scores *sort* people into groups, see [the report](https://example.org/report).\n\n"
    b"## Background\n\n"
    b"A second paragraph\nthat spans two lines.\n"
)

HTML = b"""<!doctype html>
<html><head><title>Scoring in Europe</title>
<script>var tracking = "SCRIPT_MARKER";</script></head>
<body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/about">NAV_MARKER about us</a></li></ul></nav>
<main><article>
<h1>Scoring in Europe</h1>
<p>Credit bureaus in Europe collect data about payment histories and other behaviour, and
they sell scores to lenders, landlords and mobile phone companies across the continent.</p>
<h2>Germany</h2>
<p>In Germany, Schufa uses geo-scoring: living in a poor neighbourhood can lower a person's
score even when they have always paid their bills on time, which critics find unfair.</p>
<p>The courts have reviewed the practice several times, and the European Court of Justice
ruled in 2023 that automated scoring can be a decision under data protection law.</p>
</article></main>
<footer><p>FOOTER_MARKER. All rights reserved. <a href="/privacy">Privacy</a></p></footer>
<script>console.log("SCRIPT_MARKER_2")</script>
</body></html>
"""

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
ZIP = b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(256)) * 4
BINARY = bytes(range(256)) * 16
INVALID_UTF8 = bytes([0x80, 0x81, 0xFE, 0xFF, 0x90, 0x9D]) * 50
LATIN1_TEXT = (
    "Die Schufa bewertet Verbraucher. Über die Bonität entscheidet oft der Wohnort, nicht "
    "das Verhalten. Größere Städte, schönere Straßen, höhere Scores. Das Verfahren heißt "
    "Geoscoring und ist umstritten, weil es Menschen nach ihrer Nachbarschaft beurteilt.\n\n"
    "Zweiter Absatz über Gläubiger und Schuldner, die ihre Rechnungen pünktlich zahlen."
)
LATIN1 = LATIN1_TEXT.encode("latin-1")
DEEP_HTML = (
    "<!doctype html><html><body>"
    + "<div>" * 1000
    + "<p>A paragraph buried deep.</p>"
    + "</div>" * 1000
    + "</body></html>"
).encode()
