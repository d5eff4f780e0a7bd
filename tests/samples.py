"""Small generated files for import tests (no binary fixtures in the repo)."""

from __future__ import annotations

import io

PARAGRAPHS = [
    "Credit bureaus collect payment histories and sell scores to lenders and landlords.",
    "Some bureaus also weigh the neighbourhood a person lives in, which critics call geo-scoring.",
    "Platforms rate workers after every task and remove those whose average falls below a threshold.",
]


def markdown_bytes() -> bytes:
    return (
        "# Scoring in practice\n\n"
        + PARAGRAPHS[0]
        + "\n\n## Geo-scoring\n\n"
        + PARAGRAPHS[1]
        + "\n\n## Platforms\n\n"
        + PARAGRAPHS[2]
        + "\n"
    ).encode()


def html_bytes() -> bytes:
    return f"""<!doctype html><html><head><title>Scoring in practice</title>
<script>window.tracking = true;</script></head>
<body><nav><ul><li><a href="/">Home</a></li><li><a href="/about">About us</a></li></ul></nav>
<article><h1>Scoring in practice</h1><p>{PARAGRAPHS[0]}</p>
<h2>Geo-scoring</h2><p>{PARAGRAPHS[1]}</p><h2>Platforms</h2><p>{PARAGRAPHS[2]}</p></article>
<footer><p>Copyright 2024 Example News. All rights reserved. Subscribe to our newsletter.</p></footer>
</body></html>""".encode()


def pdf_bytes(
    pages: int = 2,
    paragraphs_per_page: int = 3,
    heading: str = "Scoring in practice",
    title: str | None = None,
    author: str | None = None,
) -> bytes:
    """A text PDF with a heading and wrapped paragraphs, built with reportlab; ``title``
    and ``author`` go into its information dictionary."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate

    buffer = io.BytesIO()
    styles = getSampleStyleSheet()
    story = [Paragraph(heading, styles["Heading1"])]
    for page in range(pages):
        for index in range(paragraphs_per_page):
            text = f"{PARAGRAPHS[(page + index) % len(PARAGRAPHS)]} (page {page + 1}, paragraph {index + 1}.)"
            story.append(Paragraph(text * 2, styles["BodyText"]))
        if page < pages - 1:
            story.append(PageBreak())
    SimpleDocTemplate(buffer, pagesize=A4, title=title, author=author).build(story)
    return buffer.getvalue()
