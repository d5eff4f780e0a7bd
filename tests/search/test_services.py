"""Stored vectors: written by the import in the same transaction, rebuilt on demand."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from apps.search.models import PassageSearchIndex, SourceSearchIndex
from apps.search.providers import is_postgres
from apps.search.services import search_index_source
from tests.conftest import require

pytestmark = pytest.mark.django_db


def test_import_indexes_passages_and_source(make_source):
    require(is_postgres(), "stored vectors are PostgreSQL only")
    source = make_source("Indexed", "# Heading\n\nOne paragraph.\n\nAnother paragraph.")

    passages = source.current_document.passages.all()
    assert PassageSearchIndex.objects.filter(passage__in=passages).count() == 3
    assert not PassageSearchIndex.objects.filter(vector__isnull=True).exists()
    assert SourceSearchIndex.objects.filter(source=source, vector__isnull=False).exists()


def test_source_reindex_picks_up_edited_metadata(make_source, client):
    require(is_postgres(), "stored vectors are PostgreSQL only")
    source = make_source("Before", "# H\n\nText.")
    source.abstract = "On axolotl governance."
    source.save()
    assert client.get("/api/search/", {"q": "axolotl"}).json()["count"] == 0

    search_index_source(source_id=source.pk)

    assert client.get("/api/search/", {"q": "axolotl"}).json()["count"] == 1


def test_reindex_command_is_idempotent(make_source):
    make_source("Again", "# H\n\nText.")
    before = PassageSearchIndex.objects.count()
    call_command("search_reindex")
    call_command("search_reindex")
    assert PassageSearchIndex.objects.count() == before


def test_vectors_are_stored_only_on_postgres(make_source):
    make_source("Plain", "# H\n\nText.")
    expected = 1 if is_postgres() else 0  # SQLite searches the rows themselves
    assert SourceSearchIndex.objects.count() == expected
    assert PassageSearchIndex.objects.count() == 2 * expected
