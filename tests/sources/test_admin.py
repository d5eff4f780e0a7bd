"""Admin: every model has a working changelist with search and filters; derived data is
read-only; list pages do not run a query per row."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.sources.models import Document, Passage
from tests.factories import UserFactory

from .conftest import passages_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/admin/sources/source/", {"q": "Lovelace", "source_type__exact": "paper"}),
        ("/admin/sources/document/", {"q": "Scoring", "status__exact": "ready"}),
        ("/admin/sources/passage/", {"q": "credit", "kind__exact": "paragraph"}),
        ("/admin/accounts/user/", {"q": "scholar", "country": "DE"}),
    ],
)
def test_changelists_search_and_filter(admin_client, make_source, path, params):
    make_source()
    assert admin_client.get(path).status_code == 200
    assert admin_client.get(path, params).status_code == 200


def test_change_pages_and_read_only_derived_data(admin_client, make_source):
    source = make_source()
    document = source.current_document
    passage = document.passages.first()
    for path in (
        f"/admin/sources/source/{source.pk}/change/",
        f"/admin/sources/document/{document.pk}/change/",
        f"/admin/sources/passage/{passage.pk}/change/",
        f"/admin/sources/source/{source.pk}/history/",
    ):
        assert admin_client.get(path).status_code == 200, path
    # Passages and documents come from the importer only.
    assert admin_client.get("/admin/sources/document/add/").status_code == 403
    assert admin_client.get("/admin/sources/passage/add/").status_code == 403
    page = admin_client.get(f"/admin/sources/passage/{passage.pk}/change/").text
    assert 'name="text"' not in page and 'name="start"' not in page


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(path).status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize(
    "path", ["/admin/sources/source/", "/admin/sources/document/", "/admin/sources/passage/"]
)
def test_changelist_queries_do_not_grow_with_rows(admin_client, make_source, path):
    make_source(passages_text(2))
    few = _queries(admin_client, path)
    for i in range(5):
        make_source(passages_text(5, prefix=f"More {i}"))
    assert Document.objects.count() == 6 and Passage.objects.count() > 30
    assert _queries(admin_client, path) == few
