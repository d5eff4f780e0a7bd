"""The founding paper as starter data. Loading is idempotent: a second run finds the
same text already imported and changes nothing."""

from __future__ import annotations

import datetime
from pathlib import Path

from django.db import transaction

from .importers import extract
from .models import Document, DocumentStatus, DocumentUpload, Source, Translation
from .services import document_import, translation_align, translation_create

SEED_DIR = Path(__file__).parent / "seed"
FOUNDING_PAPER = {
    "slug": "wong-2021-social-credit",
    "title": (
        "Exploring China's Social Credit System: Comparative Infrastructure Possibilities "
        "for Social Credit System in Westernised States"
    ),
    "authors": ["Karen Li Xan Wong"],
    "year": 2021,
    # The seed README: received 27 May, accepted 10 June, published 17 June 2021.
    "published_on": datetime.date(2021, 6, 17),
    "venue": "Global Media Journal",
    "volume": "19",
    "issue": "57",
    "publisher": "Global Media Journal",
    "licence": "CC BY",
    "licence_url": "https://creativecommons.org/licenses/by/4.0/",
    "source_type": "paper",
    "language": "en",
    "abstract": (
        "A commentary comparing China's social credit system (red lists and blacklists, "
        "Alibaba's Sesame Credit, Covid-19 compliance enforcement) with similar structures "
        "already present in Western liberal democracies, such as credit scoring, Schufa's "
        "geo-scoring in Germany and platform rating cultures. Received 27 May 2021, "
        "accepted 10 June 2021, published 17 June 2021. Author affiliation: Department of "
        "Internet Studies, Curtin University, Bentley, Perth, Australia."
    ),
}
FOUNDING_PAPER_FILE = SEED_DIR / "wong-2021-social-credit.txt"


def load_founding_paper() -> tuple[Source, bool]:
    """Create or refresh the founding paper. Returns (source, changed)."""
    data = FOUNDING_PAPER_FILE.read_bytes()
    content_hash = extract(data).content_hash
    with transaction.atomic():
        source, created = Source.objects.get_or_create(
            slug=FOUNDING_PAPER["slug"],
            defaults={k: v for k, v in FOUNDING_PAPER.items() if k != "slug"},
        )
        if not created:
            changed_fields = [k for k, v in FOUNDING_PAPER.items() if getattr(source, k) != v]
            for name in changed_fields:
                setattr(source, name, FOUNDING_PAPER[name])
            if changed_fields:
                source.save()
        else:
            changed_fields = ["created"]
        current = source.current_document
        if current is not None and current.content_hash == content_hash:
            return source, bool(changed_fields)
        document = Document.objects.create(
            source=source, import_format="text", original_filename=FOUNDING_PAPER_FILE.name
        )
        DocumentUpload.objects.create(document=document, data=data, size=len(data))
    # Imported inline (not through Celery) so `make run` works without a worker.
    document = document_import(document_id=document.pk)
    assert document.status == DocumentStatus.READY, document.error
    return source, True


FOUNDING_PAPER_GERMAN_FILE = SEED_DIR / "wong-2021-social-credit.de.txt"
# The worked example of ADR 0019: a German translation written for this project, under
# the original's licence (CC BY allows translations with credit), not checked by the author.
FOUNDING_PAPER_GERMAN = {
    "language": "de",
    "kind": "human",
    "translator": "Creditscape-Mitwirkende",
    "note": "Übersetzt von Creditscape-Mitwirkenden, nicht vom Autor geprüft.",
    "licence": "CC BY 4.0",
    "licence_url": "https://creativecommons.org/licenses/by/4.0/",
    "title": (
        "Chinas Sozialkreditsystem erkunden: Vergleichende Infrastrukturmöglichkeiten für "
        "ein Sozialkreditsystem in westlich geprägten Staaten"
    ),
}


def load_founding_paper_translation() -> tuple[Translation, bool]:
    """Create or refresh the German translation of the founding paper (after
    ``load_founding_paper``), imported and aligned inline. Returns (translation, changed);
    a second run with the same file changes nothing."""
    original = Source.objects.select_related("current_document").get(slug=FOUNDING_PAPER["slug"])
    data = FOUNDING_PAPER_GERMAN_FILE.read_bytes()
    content_hash = extract(data).content_hash
    translation = (
        Translation.objects.select_related("source__current_document")
        .filter(original_source=original, language=FOUNDING_PAPER_GERMAN["language"])
        .first()
    )
    if (
        translation is not None
        and translation.original_id == original.current_document_id
        and translation.source.current_document is not None
        and translation.source.current_document.content_hash == content_hash
        and translation.document_id == translation.source.current_document_id
    ):
        return translation, False
    translation = translation_create(
        actor=None,
        original_source=original,
        data=data,
        filename=FOUNDING_PAPER_GERMAN_FILE.name,
        throttle=False,
        operator=True,
        **FOUNDING_PAPER_GERMAN,
    )
    document = translation.source.documents.order_by("-pk").first()
    document = document_import(document_id=document.pk)
    assert document.status == DocumentStatus.READY, document.error
    return translation_align(document_id=document.pk), True
