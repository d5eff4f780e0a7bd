"""Adding a source through the pages: the file, then its details (apps/sources/add_views.py)."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.sources.models import PendingUpload

from . import samples

ADD_URL = reverse("sources:add")


def details_data(**overrides) -> dict:
    values = {
        "title": "Scoring in Europe",
        "authors": "Ada Lovelace\nGrace Hopper\n",
        "year": "2022",
        "source_type": "paper",
        "language": "en",
        "licence": "CC BY 4.0",
    }
    values.update(overrides)
    return values


def upload_file(client, data: bytes = samples.PLAIN_TEXT, name: str = "paper.txt", **extra):
    """Step one; returns the response (a redirect to step two when the file is accepted)."""
    return client.post(ADD_URL, {"file": SimpleUploadedFile(name, data), **extra})


def details_url(pending) -> str:
    return reverse("sources:add_details", kwargs={"pending_id": pending.pk})


def add_source(client, data: bytes = samples.PLAIN_TEXT, name: str = "paper.txt", **overrides):
    """Both steps; returns the second step's response."""
    first = upload_file(client, data, name)
    assert first.status_code == 302, first.text
    pending = PendingUpload.objects.order_by("-created").first()
    assert first.url == details_url(pending)
    return client.post(first.url, details_data(**overrides))
