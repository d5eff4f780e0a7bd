"""Anonymous visitors are served from the page cache; any committed public change
invalidates it; signed-in users always get a fresh page."""

import pytest

from apps.annotations import services as annotation_services
from apps.sources.models import Passage

READER = "/sources/wong-2021-social-credit/"


@pytest.fixture
def page_cache(settings):
    settings.ANONYMOUS_PAGE_CACHE_SECONDS = 60
    settings.PUBLIC_FRAGMENT_CACHE_SECONDS = 60
    from apps.common import page_cache

    page_cache.bump()  # start from generations no earlier test has used
    page_cache.bump_text()


def annotate(user, paper, text="Schufa uses geo-scoring", visibility="public"):
    document = paper.current_document
    passage = Passage.objects.get(document=document, text__contains=text)
    start = document.text.index(text)
    return annotation_services.annotation_create(
        author=user,
        document=document,
        position=annotation_services.TextPositionSelector(start=start, end=start + len(text)),
        body="Compare with credit scores in the US.",
        tags=["geo-scoring"],
        visibility=visibility,
    ), passage


def test_second_anonymous_request_runs_no_query(
    client, founding_paper, page_cache, django_assert_num_queries
):
    first = client.get(READER)
    assert first.status_code == 200
    with django_assert_num_queries(0):
        second = client.get(READER)
    # The same page, with no CSRF token in it (forms read the csrftoken cookie).
    assert second.content == first.content
    assert b"csrfmiddlewaretoken" not in second.content
    assert second["Content-Security-Policy"]  # middleware still runs on cached pages


def test_cached_page_never_hands_out_another_visitors_csrf_token(founding_paper, page_cache):
    """A cached page carries no token; each visitor's token is their own cookie (set by
    /api/me/, read by site.js at submit time), and only it is accepted."""
    from django.test import Client

    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.get(READER)
    page = second.get(READER)
    assert b"csrfmiddlewaretoken" not in page.content and not page.cookies
    first.get("/api/me/")
    second.get("/api/me/")
    token = second.cookies["csrftoken"].value
    assert token != first.cookies["csrftoken"].value
    response = second.post(
        "/accounts/login/",
        {"login": "nobody", "password": "wrong-password"},
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 200  # the form's error, not 403 "CSRF verification failed"
    assert (
        first.post(
            "/accounts/login/", {"login": "nobody", "password": "x"}, HTTP_X_CSRFTOKEN=token
        ).status_code
        == 403
    )  # that token belongs to the second visitor only


def _threads(client, html: str) -> str:
    """The public annotations the reader's script fetches (trimmed: tags, no bodies)."""
    url = html.split('rel="preload" href="')[1].split('"')[0].replace("&amp;", "&")
    return client.get(url).content.decode()


def test_committed_public_change_invalidates(
    client, founding_paper, user, page_cache, run_on_commit
):
    before = client.get(READER).content.decode()
    assert "geo-scoring" not in _threads(client, before)
    with run_on_commit():
        annotate(user, founding_paper)
    after = client.get(READER).content.decode()
    # The same URL (no generation in it); the JSON behind it is rendered afresh.
    assert "geo-scoring" in _threads(client, after)


def test_private_annotation_never_reaches_the_anonymous_cache(
    client, founding_paper, user, page_cache, run_on_commit
):
    with run_on_commit():
        annotate(user, founding_paper, visibility="private")
    client.force_login(user)
    # The reader is a public page: even its author's page does not carry it; it comes
    # from their private mine.json.
    assert "Compare with credit scores in the US." not in client.get(READER).content.decode()
    mine = f"/reader/{founding_paper.current_document_id}/mine.json"
    assert "Compare with credit scores in the US." in client.get(mine).content.decode()
    client.logout()
    client.cookies.clear()
    html = client.get(READER).content.decode()
    assert "Compare with credit scores in the US." not in html
    assert "geo-scoring" not in _threads(client, html)


def test_signed_in_readers_get_the_public_page(client, founding_paper, user, page_cache):
    anonymous = client.get(READER).content
    client.force_login(user)
    response = client.get(READER)
    assert response.status_code == 200
    assert response.content == anonymous
    assert user.public_name not in response.content.decode()
    assert "public" in response["Cache-Control"] and not response.cookies


def test_pending_flash_message_bypasses_the_cache(
    client, founding_paper, page_cache, django_assert_max_num_queries
):
    client.get(READER)
    client.cookies["messages"] = "pending"
    response = client.get(READER)
    assert response.status_code == 200


def test_other_paths_and_query_strings_are_separate(client, founding_paper, page_cache):
    assert client.get("/sources/").content != client.get(READER).content
    assert client.get("/sources/?q=wong").status_code == 200
    assert (
        client.get("/sources/?q=nothing-matches").content != client.get("/sources/?q=wong").content
    )


def test_a_deploy_with_changed_templates_never_serves_old_markup(tmp_path, settings, monkeypatch):
    """Keys carry a build id: the digest of the code and templates, or RELEASE_ID."""
    from apps.common import page_cache

    (tmp_path / "templates").mkdir()
    template = tmp_path / "templates" / "page.html"
    template.write_text("<p>old</p>")
    settings.BASE_DIR = tmp_path
    monkeypatch.delenv("RELEASE_ID", raising=False)
    page_cache.build_id.cache_clear()
    before = page_cache.build_id()
    template.write_text("<p>new markup</p>")
    page_cache.build_id.cache_clear()
    assert page_cache.build_id() != before
    monkeypatch.setenv("RELEASE_ID", "3f2a9c1")
    page_cache.build_id.cache_clear()
    assert page_cache.build_id() == "3f2a9c1"
    page_cache.build_id.cache_clear()


def test_a_lost_generation_never_comes_back_smaller(settings):
    """Redis restarted or the key evicted: the generation starts again above every number
    handed out before, so no old page, fragment or browser-cached JSON URL is reused."""
    from django.core.cache import cache

    from apps.common import page_cache

    page_cache.bump()
    before = page_cache.generation()
    cache.delete(page_cache.GENERATION_KEY)
    assert page_cache.generation() > before
    cache.delete(page_cache.GENERATION_KEY)
    page_cache.bump()  # incr on a missing key
    assert page_cache.generation() > before


def test_a_cache_that_keeps_nothing_still_serves_revalidated_threads(
    client, founding_paper, monkeypatch
):
    """Redis down (the resilient backend reads as empty): the annotations JSON is rendered
    every time, and its ETag (a hash of the body) still answers 304 when nothing changed."""
    from django.core.cache import cache

    monkeypatch.setattr(cache, "get", lambda *args, **kwargs: None)
    monkeypatch.setattr(cache, "add", lambda *args, **kwargs: False)
    html = client.get(READER).content.decode()
    url = html.split('rel="preload" href="')[1].split('"')[0].replace("&amp;", "&")
    first = client.get(url)
    assert first["Cache-Control"] == "public, max-age=0, s-maxage=60"
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
