"""The interface in three languages (ADR 0012): the language comes from the switcher's
cookie, else Accept-Language; URLs stay the same; and public pages, cached per resolved
language, never serve one language's body to a reader of another (caches on: the suite
runs with the production cache settings, tests/conftest.py)."""

from __future__ import annotations

import re

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

HOME = "/"
SOURCES = "/sources/"
# One header string per language, from the catalogues.
SKIP = {"en": "Skip to content", "de": "Zum Inhalt springen", "zh-hans": "跳到正文"}


def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.content.decode()).group(1)


@pytest.mark.parametrize(
    ("accept", "language"), [("zh-CN,zh;q=0.9", "zh-hans"), ("de-DE,de;q=0.9", "de"), ("en", "en")]
)
def test_the_first_visit_speaks_the_browsers_language(client, founding_paper, accept, language):
    response = client.get(HOME, HTTP_ACCEPT_LANGUAGE=accept)
    assert response.status_code == 200
    assert html_lang(response) == language
    assert response["Content-Language"] == language
    assert SKIP[language] in response.content.decode()
    assert "Accept-Language" in response["Vary"]
    assert "Cookie" not in response["Vary"]  # still shared: ADR 0007


def test_the_switcher_sets_the_cookie_and_goes_back_to_the_same_url(client, founding_paper):
    response = client.post(
        "/i18n/setlang/", {"language": "de", "next": SOURCES}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 302 and response["Location"] == SOURCES
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "de"
    page = client.get(SOURCES, HTTP_ACCEPT_LANGUAGE="en")  # the cookie wins
    assert html_lang(page) == "de" and SKIP["de"] in page.content.decode()


def test_the_switcher_refuses_an_unknown_language_and_a_foreign_next(client):
    response = client.post(
        "/i18n/setlang/", {"language": "<b>" + "x" * 2000, "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response["Location"] == "/"
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    nul = client.post("/i18n/setlang/", {"language": "de\x00", "next": "/"})
    assert nul.status_code == 400  # RejectUnencodableInputMiddleware, before the view
    assert settings.LANGUAGE_COOKIE_NAME not in nul.cookies


def test_the_switcher_needs_the_csrf_token(founding_paper):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post("/i18n/setlang/", {"language": "de"})
    assert response.status_code == 403


@pytest.mark.parametrize("path", [HOME, SOURCES])
def test_the_page_cache_never_serves_one_language_to_another(client, founding_paper, path):
    """German first, then English, then Chinese by cookie: each gets its own body and
    ETag, and each ETag revalidates only in its own language. Fails when the ETag leaves
    the resolved language out (the English reader would get the stored German body)."""
    german = client.get(path, HTTP_ACCEPT_LANGUAGE="de")
    english = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    chinese = client.get(path, HTTP_ACCEPT_LANGUAGE="de")  # the cookie beats the header
    del client.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert SKIP["de"] in german.content.decode()
    assert SKIP["en"] in english.content.decode() and SKIP["de"] not in english.content.decode()
    assert SKIP["zh-hans"] in chinese.content.decode()
    assert len({german["ETag"], english["ETag"], chinese["ETag"]}) == 3
    # The stored German body again for a German reader, never for an English one.
    assert client.get(path, HTTP_ACCEPT_LANGUAGE="de").content == german.content
    assert client.get(path, HTTP_ACCEPT_LANGUAGE="en").content == english.content
    revalidated = client.get(path, HTTP_ACCEPT_LANGUAGE="en", HTTP_IF_NONE_MATCH=german["ETag"])
    assert revalidated.status_code == 200 and SKIP["en"] in revalidated.content.decode()
    same = client.get(
        path, HTTP_ACCEPT_LANGUAGE="de-AT,de;q=0.8", HTTP_IF_NONE_MATCH=german["ETag"]
    )
    assert same.status_code == 304  # another German Accept-Language: the same variant


def test_the_javascript_catalogue_is_public_per_language(client):
    german = client.get("/jsi18n/", HTTP_ACCEPT_LANGUAGE="de")
    english = client.get("/jsi18n/", HTTP_ACCEPT_LANGUAGE="en")
    assert german.status_code == 200 and "public" in german["Cache-Control"]
    assert "gemeinfrei" in german.content.decode()
    assert "gemeinfrei" not in english.content.decode()
    assert german["ETag"] != english["ETag"]


def test_dates_and_numbers_follow_the_language():
    from datetime import date

    from django.template import engines
    from django.utils import translation

    template = engines["django"].from_string("{% load humanize %}{{ day|date }} {{ n|intcomma }}")
    with translation.override("de"):
        german = template.render({"day": date(2026, 3, 1), "n": 12345})
    with translation.override("zh-hans"):
        chinese = template.render({"day": date(2026, 3, 1), "n": 12345})
    assert german == "1. März 2026 12.345"
    assert chinese.startswith("2026年3月1日")


def test_api_errors_speak_the_language(client):
    response = client.get("/api/no-such-endpoint/", HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 404
    assert response.json()["detail"] == "Nicht gefunden."


def test_categories_are_translated_by_the_starter_data_idempotently(founding_paper):
    from django.utils import translation

    from apps.atlas.models import Category
    from apps.atlas.taxonomy import ensure_category_translations

    ensure_category_translations()
    assert ensure_category_translations() == 0  # a second run changes nothing
    tenant = Category.objects.get(slug="tenant-screening")
    with translation.override("de"):
        assert tenant.name == "Mieterauswahl und Mieterprüfung"
    with translation.override("zh-hans"):
        assert Category.objects.get(slug="tenant-screening").name == "租户筛查"
    with translation.override("en"):
        assert tenant.name == "Tenant screening"
    # An admin's own wording is kept.
    Category.objects.filter(slug="other").update(name_de="Weiteres")
    ensure_category_translations()
    with translation.override("de"):
        assert Category.objects.get(slug="other").name == "Weiteres"


def test_the_admin_edits_a_category_in_every_language(client):
    from apps.atlas.models import Category
    from tests.factories import UserFactory

    admin = UserFactory(username="admin", is_staff=True, is_superuser=True)
    client.force_login(admin)
    category = Category.objects.get(slug="tenant-screening")
    page = client.get(f"/admin/atlas/category/{category.pk}/change/").content.decode()
    for field in ("name_en", "name_de", "name_zh_hans", "description_de"):
        assert f'name="{field}"' in page
    assert "Mieterauswahl und Mieterprüfung" in page  # migration 0011
