"""The early revalidation (apps/common/revalidation.py): a public page's 304 as soon as
the language is known, the same answer its ``public_page`` decorator gives, and only
where nothing between the two would have run."""

from __future__ import annotations

import functools

import pytest
from django.http import HttpResponse
from django.urls import path

from apps.common import http_cache
from apps.common.http_cache import public_page
from apps.common.public import public_view
from apps.sources.views import READER_DEPENDS_ON

pytestmark = pytest.mark.django_db

READER = "/sources/wong-2021-social-credit/"

calls: list[str] = []


def counted(name):
    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            calls.append(name)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


@public_view
@public_page(depends_on=("sources.Source",))
def plain(request):
    calls.append("plain view")
    return HttpResponse("plain")


@public_view
@counted("guard")  # a throttle or a permission check would sit here
@public_page(depends_on=("sources.Source",))
def guarded(request):
    calls.append("guarded view")
    return HttpResponse("guarded")


urlpatterns = [path("plain/", plain), path("guarded/", guarded)]


def test_a_304_carries_the_caching_fields_of_the_200_and_no_representation_metadata(
    client, founding_paper, django_assert_max_num_queries
):
    """RFC 9110, 15.4.5: the validators and caching fields, nothing else of the
    representation (the client keeps its stored CSP, X-Frame-Options, type). Answered
    before the middleware below the language ran (no ``request.user``), with no query."""
    page = client.get(READER)
    with django_assert_max_num_queries(0):
        again = client.get(READER, HTTP_IF_NONE_MATCH=page["ETag"])
    assert again.status_code == 304 and again.content == b""
    for name in ("ETag", "Cache-Control", "CDN-Cache-Control", "X-Accel-Expires", "Vary"):
        assert again[name] == page[name], name
    for name in ("Content-Security-Policy", "X-Frame-Options", "Content-Type"):
        assert name not in again, name
    assert not hasattr(again.wsgi_request, "user")


def test_an_etag_that_does_not_match_renders_and_asks_the_cache_once(
    client, founding_paper, monkeypatch
):
    """The page's versions are read once: the early check's ETag is reused by the page's
    own (the passage markup's fragment reads its own versions)."""
    asked = []
    versions = http_cache._safe_versions
    monkeypatch.setattr(
        http_cache, "_safe_versions", lambda models: asked.append(models) or versions(models)
    )
    page = client.get(READER, HTTP_IF_NONE_MATCH='"not-this-one"')
    assert page.status_code == 200 and "Schufa uses geo-scoring" in page.content.decode()
    assert asked.count(READER_DEPENDS_ON) == 1
    german = client.get(READER, HTTP_IF_NONE_MATCH=page["ETag"], HTTP_ACCEPT_LANGUAGE="de")
    if german.wsgi_request.LANGUAGE_CODE != page.wsgi_request.LANGUAGE_CODE:
        assert german.status_code == 200  # another language, another ETag


def test_htmx_and_posts_are_never_answered_early(client, founding_paper):
    etag = client.get(READER)["ETag"]
    htmx = client.get(READER, HTTP_IF_NONE_MATCH=etag, HTTP_HX_REQUEST="true")
    assert hasattr(htmx.wsgi_request, "user")  # went down the whole stack
    assert htmx.status_code == 200
    post = client.post(READER, HTTP_IF_NONE_MATCH=etag)
    assert hasattr(post.wsgi_request, "user")


@pytest.mark.urls(__name__)
def test_only_public_view_directly_around_public_page_is_answered_early(client):
    calls.clear()
    etag = client.get("/plain/")["ETag"]
    assert calls == ["plain view"]
    calls.clear()
    assert client.get("/plain/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert calls == []  # nothing of the view ran

    etag = client.get("/guarded/")["ETag"]
    calls.clear()
    response = client.get("/guarded/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304  # from public_page itself,
    assert calls == ["guard"]  # after what sits between it and public_view
