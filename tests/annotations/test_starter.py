"""`load_starter_data --demo` (what `make run` does) adds a demo discussion on the paper,
idempotently, by accounts nobody can sign in to; without --demo (production) nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from apps.annotations.models import Annotation

pytestmark = pytest.mark.django_db


def _load(*args) -> str:
    out = StringIO()
    call_command("load_starter_data", *args, stdout=out)
    return out.getvalue()


def test_production_starter_data_has_no_demo_discussion():
    _load()
    assert not Annotation.objects.exists()
    assert not get_user_model().objects.filter(username__startswith="demo-").exists()


def test_demo_discussion_is_loaded_once(client):
    assert "Loaded: demo annotations" in _load("--demo")
    assert "Unchanged: demo annotations" in _load("--demo")
    root = Annotation.objects.filter(parent=None, author__username="demo-lina").get()
    assert root.exact == "Schufa uses geo-scoring"
    replies = root.replies.select_related("author")
    assert [r.author.affiliation for r in replies].count("Fudan University, Shanghai") == 1
    assert replies.count() == 3 and Annotation.objects.count() == 5
    for user in get_user_model().objects.filter(username__startswith="demo-"):
        assert not user.has_usable_password()
    html = client.get(f"/sources/{root.source.slug}/").content.decode()
    assert "Schufa uses geo-scoring" not in html.split('id="annotation-data"')[1]  # from JSON
    threads = client.get(f"/reader/{root.document_id}/threads.json").json()["annotations"]
    assert {row[0] for row in threads} == set(
        Annotation.objects.filter(parent=None).values_list("id", flat=True)
    )
