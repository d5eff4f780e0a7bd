"""Home page, health check, error pages (HTML for people, JSON under /api/)."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from apps.common import views

pytestmark = pytest.mark.django_db


def test_home_says_what_the_site_is_for_and_leads_to_the_paper(
    client, founding_paper, django_assert_max_num_queries
):
    # The paper, plus the atlas headline (cached after the first request).
    with django_assert_max_num_queries(3):
        response = client.get("/")
    assert response.status_code == 200
    assert "Read, annotate and compare social-credit-like systems" in response.text
    assert f'href="{founding_paper.get_absolute_url()}"' in response.text
    assert "Karen Li Xan Wong (2021)" in response.text


def test_home_without_the_paper(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "The founding paper" not in response.text


def test_healthz(client):
    response = client.get("/healthz")
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.parametrize(
    ("handler", "status", "title"),
    [
        (views.bad_request, 400, None),
        (views.permission_denied, 403, None),
        (views.page_not_found, 404, "Page not found"),
    ],
)
def test_error_pages_html_and_json(handler, status, title):
    factory = RequestFactory()
    page_request = factory.get("/somewhere/")
    page_request.user = AnonymousUser()
    page = handler(page_request, Exception("secret detail"))
    assert page.status_code == status
    assert page["Content-Type"].startswith("text/html")
    assert b"secret detail" not in page.content
    assert b'class="site-header"' in page.content
    if title:
        assert title.encode() in page.content

    api = handler(factory.get("/api/things/"), Exception("secret detail"))
    assert api.status_code == status
    assert api["Content-Type"] == "application/json"
    assert set(json.loads(api.content)) == {"detail"}


def test_server_error_page_needs_no_database_and_shows_no_traceback():
    factory = RequestFactory()
    page = views.server_error(factory.get("/sources/"))
    assert page.status_code == 500
    assert b"Traceback" not in page.content
    api = views.server_error(factory.get("/api/sources/"))
    assert api.status_code == 500
    assert api["Content-Type"] == "application/json"


def test_unhandled_exception_gives_the_styled_500(client, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("apps.sources.views.selectors.source_list", boom)
    client.raise_request_exception = False
    response = client.get("/sources/")
    assert response.status_code == 500
    assert b"secret internals" not in response.content
    assert b"Traceback" not in response.content
