from __future__ import annotations

import pytest

from apps.sources import services
from apps.sources.models import Document, DocumentUpload, Passage, Source

from . import samples


def row_counts() -> dict[str, int]:
    return {
        "sources": Source.objects.count(),
        "documents": Document.objects.count(),
        "uploads": DocumentUpload.objects.count(),
        "passages": Passage.objects.count(),
    }


def metadata(**overrides) -> services.SourceMetadata:
    values = {
        "title": "Scoring in Europe",
        "authors": ["Ada Lovelace", "Grace Hopper"],
        "year": 2022,
        "licence": "CC BY 4.0",
        "licence_url": "https://creativecommons.org/licenses/by/4.0/",
    }
    values.update(overrides)
    return services.SourceMetadata(**values)


@pytest.fixture
def make_source(user, run_on_commit):
    """Create a source through the service and run its import (as the worker would)."""

    def make(data: bytes = samples.PLAIN_TEXT, *, by=None, filename="upload.txt", **meta):
        with run_on_commit():
            source = services.source_create(
                user=by or user, metadata=metadata(**meta), data=data, filename=filename
            )
        source.refresh_from_db()
        return source

    return make


@pytest.fixture
def upload_version(user, run_on_commit):
    def upload(source: Source, data: bytes, *, by=None, filename="v.txt") -> Document:
        with run_on_commit():
            document = services.document_upload(
                user=by or user, source=source, data=data, filename=filename
            )
        document.refresh_from_db()
        source.refresh_from_db()
        return document

    return upload


def passages_text(n: int, *, prefix: str = "Paragraph") -> bytes:
    """A plain-text document with one heading and n distinct paragraphs."""
    paragraphs = [
        f"{prefix} number {i} says something distinct about credit scores." for i in range(n)
    ]
    return ("Heading\n\n" + "\n\n".join(paragraphs) + "\n").encode()
