"""Foundation: import a generated 100-page PDF; reader page and source API vs bare view."""

from __future__ import annotations

import time

from bench.harness import Row

PDF_PAGES = 100
IMPORT_GOAL_SECONDS = 10.0


def generated_pdf(pages: int) -> bytes:
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate

    styles = getSampleStyleSheet()
    sentence = (
        "Scoring systems turn payment histories, addresses and online behaviour into numbers "
        "that decide who may rent a flat, borrow money or keep a job on a platform. "
    )
    story = []
    for page in range(pages):
        story.append(Paragraph(f"Section {page + 1}: scoring in practice", styles["Heading2"]))
        for paragraph in range(4):
            lead = f"Paragraph {paragraph + 1} of section {page + 1}. "
            story.append(Paragraph(lead + sentence * (3 + paragraph % 3), styles["BodyText"]))
        story.append(PageBreak())
    buffer = io.BytesIO()

    def running_head(canvas, doc):
        canvas.setFont("Helvetica", 8)
        canvas.drawString(72, 810, "Creditscape benchmark report")
        canvas.drawString(290, 30, str(doc.page))

    SimpleDocTemplate(buffer, pagesize=A4).build(
        story, onFirstPage=running_head, onLaterPages=running_head
    )
    return buffer.getvalue()


def run(yardstick, user) -> list[Row]:
    from django.test import Client, override_settings

    from apps.sources import services
    from apps.sources.models import Document
    from apps.sources.starter import load_founding_paper

    rows: list[Row] = []
    data = generated_pdf(PDF_PAGES)
    start = time.perf_counter()
    source = services.source_create(
        user=user,
        metadata=services.SourceMetadata(
            title="Generated 100-page PDF", authors=["Bench"], year=2024
        ),
        data=data,
        filename="bench.pdf",
    )
    document = services.document_import(document_id=Document.objects.get(source=source).pk)
    seconds = time.perf_counter() - start
    assert document.status == "ready", document.error
    rows.append(
        Row(
            f"import {PDF_PAGES}-page PDF ({len(data) // 1024} KB, {document.passages.count()} passages)",
            seconds * 1000,
            seconds * 1000,
            goal=f"< {IMPORT_GOAL_SECONDS:g} s",
            met=seconds < IMPORT_GOAL_SECONDS,
        )
    )
    paper, _ = load_founding_paper()
    signed_in = Client()
    signed_in.force_login(user)
    readers = [
        ("founding paper", paper.get_absolute_url()),
        (f"{PDF_PAGES}-page PDF", source.get_absolute_url()),
    ]
    for label, url in readers:
        rows.append(
            yardstick.measure(f"reader: {label}, anonymous (page cache)", url, max_ratio=10)
        )
        with override_settings(HTTP_CACHE_BODY_SECONDS=0):
            rows.append(yardstick.measure(f"reader: {label}, anonymous, page cache off", url))
        rows.append(
            yardstick.measure(f"reader: {label}, signed in (rendered)", url, client=signed_in)
        )
    rows.append(yardstick.measure("API: /api/sources/", "/api/sources/"))
    rows.append(yardstick.measure("API: founding paper detail", f"/api/sources/{paper.slug}/"))
    return rows
