"""Every cached payload declares every model it reads (apps/common/http_cache.py, ADR
0007): each is rendered from an empty cache under ``CaptureQueriesContext``, and a query
on a table whose model is not in the ``depends_on`` of the response or fragment being
rendered fails the test. Fragments (the reader's passage markup) are checked against
their own, narrower, declarations. Reading an undeclared model would mean a change to it
is served stale."""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.common import http_cache
from tests.common.http_payloads import PAYLOADS, scene  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db

TABLE = re.compile(r'\b(?:FROM|JOIN)\s+"?([a-z_][a-z0-9_]*)"?', re.IGNORECASE)


def _tables_of(models) -> set[str]:
    """The tables a declaration covers: each model's own and its many-to-many tables."""
    tables = set()
    for model in models:
        if isinstance(model, str):
            model = apps.get_model(model)
        tables.add(model._meta.db_table)
        for field in model._meta.many_to_many:
            tables.add(field.remote_field.through._meta.db_table)
    return tables


def _read_tables(queries) -> set[str]:
    known = {m._meta.db_table for m in apps.get_models(include_auto_created=True)}
    found = set()
    for query in queries:
        found.update(t for t in TABLE.findall(query["sql"]) if t in known)
    return found


@pytest.fixture
def checked_renders(monkeypatch):
    """Wrap public_response and fragment so each render's queries are checked against
    what it declared; returns the list of (what, undeclared tables) found."""
    problems: list[tuple[str, set[str]]] = []
    checked: list[str] = []
    real_response, real_fragment = http_cache.public_response, http_cache.fragment

    def checking(what, depends_on, render):
        def run():
            with CaptureQueriesContext(connection) as captured:
                result = render()
                if hasattr(result, "render") and not getattr(result, "is_rendered", True):
                    result.render()
            undeclared = _read_tables(captured.captured_queries) - _tables_of(depends_on)
            checked.append(what)
            if undeclared:
                problems.append((what, undeclared))
            return result

        return run

    def response(request, *, depends_on, render, **kwargs):
        what = request.get_full_path()
        return real_response(
            request, depends_on=depends_on, render=checking(what, depends_on, render), **kwargs
        )

    def fragment(name, *parts, depends_on, render):
        return real_fragment(
            name,
            *parts,
            depends_on=depends_on,
            render=checking(f"fragment {name}", depends_on, render),
        )

    monkeypatch.setattr(http_cache, "public_response", response)
    monkeypatch.setattr(http_cache, "fragment", fragment)
    return problems, checked


@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_every_payload_declares_what_it_reads(client, scene, checked_renders, name):  # noqa: F811
    from django.core.cache import cache

    problems, checked = checked_renders
    cache.clear()  # render everything, fragments included
    url = PAYLOADS[name](scene)
    response = client.get(url)
    assert response.status_code == 200, (name, url, response.status_code)
    assert checked, f"{name}: {url} is not served through http_cache"
    # Shared: a proxy may keep it, and it carries a validator.
    assert "public" in response["Cache-Control"], (name, response["Cache-Control"])
    assert response["ETag"], name
    assert not problems, f"{name} reads undeclared models: {problems}"


def test_an_undeclared_read_is_caught(rf, db, checked_renders):
    """The check itself: a payload that declares less than it reads fails it."""
    from django.http import HttpResponse

    from apps.atlas.models import Category

    problems, _ = checked_renders
    http_cache.public_response(
        rf.get("/x/"),
        depends_on=("sources.Source",),
        render=lambda: HttpResponse(str(list(Category.objects.all()))),
    )
    assert problems == [("/x/", {"atlas_category"})]
