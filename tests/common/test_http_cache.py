"""HTTP caching of public payloads (apps/common/http_cache.py, ADR 0007), through HTTP:
ETags and 304s, the page cache behind them, headers a proxy can act on, and above all
that no viewer is ever served another viewer's page."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.middleware.csrf import get_token

from apps.annotations.models import Annotation
from apps.annotations.services import TextPositionSelector, annotation_create
from apps.common import http_cache
from tests.common.http_payloads import PAYLOADS, scene  # noqa: F401

pytestmark = pytest.mark.django_db

READER = "/sources/wong-2021-social-credit/"


def _annotate(user, document, body, *, visibility="public"):
    start = document.text.index("Schufa uses geo-scoring")
    return annotation_create(
        author=user,
        document=document,
        body=body,
        visibility=visibility,
        position=TextPositionSelector(start, start + 6),
    )


# --- No viewer gets another viewer's page ---------------------------------------------------


def test_a_signed_in_viewer_shares_the_public_page_and_finds_nothing_of_theirs(
    client, founding_paper, user
):
    """A public page is the same for every viewer (public_view renders it as the
    anonymous visitor sees it): a signed-in reader gets the shared ETag, body and 304,
    and the body holds nothing of theirs. Fails when public_view is dropped from the
    reader (the signed-in render would carry their name and be private)."""
    anonymous = client.get(READER)
    assert anonymous.status_code == 200 and "public" in anonymous["Cache-Control"]
    client.force_login(user)
    signed_in = client.get(READER)
    assert signed_in["ETag"] == anonymous["ETag"]
    assert signed_in.content == anonymous.content
    assert user.public_name not in signed_in.content.decode()
    assert client.get(READER, HTTP_IF_NONE_MATCH=anonymous["ETag"]).status_code == 304


def test_a_page_rendered_for_one_viewer_is_never_served_to_anyone_else(client, user, other_user):
    """What is rendered for one person (a draft for its author; /api/me/) is private,
    never stored for others and never answered with a 304 for another viewer's ETag."""
    from apps.atlas.entries import services as entry_services
    from tests.atlas.conftest import evidence_data, example_data

    draft = entry_services.example_create(
        author=user, data=example_data(title="Only mine"), evidence=[evidence_data()]
    )
    url = draft.get_absolute_url()
    client.force_login(user)
    mine = client.get(url)
    assert mine.status_code == 200 and "Only mine" in mine.content.decode()
    assert "public" not in mine["Cache-Control"]
    client.logout()
    assert client.get(url).status_code == 404
    client.force_login(other_user)
    assert client.get(url, HTTP_IF_NONE_MATCH=mine.get("ETag", '"x"')).status_code == 404

    client.force_login(user)
    me = client.get("/api/me/")
    assert me.json()["user"]["username"] == user.username
    client.force_login(other_user)
    theirs = client.get("/api/me/", HTTP_IF_NONE_MATCH=me["ETag"])
    assert theirs.status_code == 200
    assert theirs.json()["user"]["username"] == other_user.username


# --- ETags, 304, headers ------------------------------------------------------------------


def test_public_page_revalidates_with_a_304_without_rendering(
    client, founding_paper, django_assert_max_num_queries
):
    first = client.get(READER)
    etag = first["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    with django_assert_max_num_queries(0):
        again = client.get(READER, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert again["Cache-Control"] == first["Cache-Control"]


def test_public_headers_let_a_proxy_cache_and_nothing_is_immutable(client, founding_paper):
    response = client.get(READER)
    control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"public", "max-age=0"} <= control
    assert any(part.startswith("s-maxage=") for part in control)
    # Not for browsers (Chromium would serve a stale copy while it revalidates): for CDNs.
    assert "stale-while-revalidate" not in response["Cache-Control"]
    assert "stale-while-revalidate=" in response["CDN-Cache-Control"]
    assert "immutable" not in response["Cache-Control"]
    assert "Accept-Language" in response["Vary"]
    threads = client.get(f"/reader/{founding_paper.current_document_id}/threads.json")
    assert threads.status_code == 200 and threads["ETag"]
    assert "immutable" not in threads["Cache-Control"] and "public" in threads["Cache-Control"]
    # Well-formed: an empty first entry (", Accept-Language") made Chromium's preload of
    # the threads JSON never finish.
    assert not threads.get("Vary", "x").startswith(",")


def test_the_page_cache_serves_the_same_bytes_without_queries(
    client, founding_paper, django_assert_max_num_queries
):
    first = client.get(READER)
    with django_assert_max_num_queries(0):
        second = client.get(READER)
    assert second.status_code == 200
    assert second.content == first.content and second["ETag"] == first["ETag"]


def test_a_page_cache_hit_answers_the_headers_of_the_render(client, scene, monkeypatch):  # noqa: F811
    """A body served from the page cache keeps every header its render set: the exports'
    Content-Disposition (a file name), Link (licence) and X-Citation, a JSON type. Only
    the body and its type were kept, so the second download of an export was an
    unnamed file with no citation."""
    hits = []
    from_stored = http_cache._from_stored

    def recording(entry):
        response = from_stored(entry)
        hits.append(response is not None)
        return response

    monkeypatch.setattr(http_cache, "_from_stored", recording)
    for name, url_of in PAYLOADS.items():
        url = url_of(scene)
        rendered = client.get(url)
        assert rendered.status_code == 200, (name, url)
        hits.clear()
        hit = client.get(url)
        assert hits == [True], f"{name}: {url} was not served from the page cache"

        # Vary too: a DRF endpoint's render reads the (empty) session, and SessionMiddleware
        # adds Vary: Cookie to it; a hit reads none, and used to go without (issue 13).
        def vary(response):
            return {v.strip() for v in response.get("Vary", "").split(",") if v.strip()}

        assert vary(hit) == vary(rendered), name
        if url.startswith("/api/"):
            assert "Cookie" in vary(hit), name
        assert dict(hit.headers) == dict(rendered.headers), name
        assert hit.content == rendered.content, name
    export = client.get("/api/examples/export.csv")
    assert export["Content-Disposition"] == 'attachment; filename="creditscape-atlas.csv"'
    assert export["X-Citation"] and export["Link"].endswith('rel="license"')


def test_a_write_changes_the_etag_and_the_body(client, founding_paper, user):
    first = client.get(f"/reader/{founding_paper.current_document_id}/threads.json")
    _annotate(user, founding_paper.current_document, "a new public note")
    second = client.get(
        f"/reader/{founding_paper.current_document_id}/threads.json",
        HTTP_IF_NONE_MATCH=first["ETag"],
    )
    assert second.status_code == 200
    assert second["ETag"] != first["ETag"]
    assert len(second.json()["annotations"]) == len(first.json()["annotations"]) + 1


def test_other_paths_languages_and_hosts_have_other_etags(client, founding_paper):
    reader = client.get(READER)["ETag"]
    assert client.get(READER + "?highlight=x")["ETag"] != reader
    assert client.get("/sources/")["ETag"] != reader
    german = client.get(READER, HTTP_ACCEPT_LANGUAGE="de")
    english = client.get(READER, HTTP_ACCEPT_LANGUAGE="en")
    if german.wsgi_request.LANGUAGE_CODE != english.wsgi_request.LANGUAGE_CODE:
        assert german["ETag"] != english["ETag"]


# --- What is never stored -----------------------------------------------------------------


def _view(body: bytes = b"hello", *, csrf: bool = False, private: bool = False):
    calls = []

    def render_for(request):
        def render():
            calls.append(1)
            if csrf:
                get_token(request)
            response = HttpResponse(body)
            if private:
                response["Cache-Control"] = "private"
            return response

        return render

    return render_for, calls


@pytest.mark.parametrize("kind", ["csrf", "private"])
def test_personal_responses_are_neither_stored_nor_etagged(rf, kind):
    render_for, calls = _view(csrf=kind == "csrf", private=kind == "private")
    for _ in range(2):
        request = rf.get("/x/")
        response = http_cache.public_response(
            request, depends_on=[Annotation], render=render_for(request)
        )
        assert "ETag" not in response
        assert "private" in response["Cache-Control"] and "public" not in response["Cache-Control"]
    assert len(calls) == 2  # rendered each time: nothing stored


def test_a_cache_outage_still_serves_the_page(client, founding_paper, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    for name in ("get", "get_many", "set", "add", "incr"):
        monkeypatch.setattr(cache, name, broken)
    # The Redis cache's read of the version keys (apps/common/cache.py).
    monkeypatch.setattr(cache, "get_many_known", broken, raising=False)
    response = client.get(READER)
    assert response.status_code == 200 and "Schufa uses geo-scoring" in response.content.decode()
    assert "ETag" not in response


# --- Versions --------------------------------------------------------------------------------


def test_a_lost_version_restarts_above_every_earlier_one():
    before = http_cache.versions([Annotation])
    cache.delete(http_cache.VERSION_PREFIX + "annotations.annotation")
    after = http_cache.versions([Annotation])
    assert int(after.split("=")[1]) > int(before.split("=")[1])
    cache.delete(http_cache.VERSION_PREFIX + "annotations.annotation")
    http_cache.invalidate(Annotation)  # incr on a missing key
    assert int(http_cache.versions([Annotation]).split("=")[1]) > int(after.split("=")[1])


def test_ignored_fields_change_no_version(user):
    from apps.accounts.models import User

    before = http_cache.versions([User])
    user.save(update_fields=["last_login"])
    assert http_cache.versions([User]) == before
    user.display_name = "Someone else"
    user.save(update_fields=["display_name"])
    assert http_cache.versions([User]) != before


def test_writes_bump_at_once_and_once_per_model_on_commit(founding_paper, user):
    from django.db import connection

    before = http_cache.versions([Annotation])
    with transaction.atomic():
        note = _annotate(user, founding_paper.current_document, "one")
        for body in ("two", "three", "four"):
            note.body = body
            note.save()
    assert http_cache.versions([Annotation]) != before  # at write: the writer sees it
    # The test's transaction never commits: what would run on commit is still queued.
    bumps = [c for _, c, *_ in connection.run_on_commit if hasattr(c, "http_cache_labels")]
    labels = [label for c in bumps for label in c.http_cache_labels]
    assert labels.count("annotations.annotation") == 1  # and once more on commit
    at_write = http_cache.versions([Annotation])
    for callback in bumps:
        callback()
    assert http_cache.versions([Annotation]) != at_write


def test_update_and_invalidate_bumps_what_a_signal_would(founding_paper, user):
    note = _annotate(user, founding_paper.current_document, "before")
    before = http_cache.versions([Annotation])
    count = http_cache.update_and_invalidate(Annotation.objects.filter(pk=note.pk), body="after")
    assert count == 1 and http_cache.versions([Annotation]) != before


def test_an_undeclared_model_is_refused():
    from django.contrib.sessions.models import Session

    with pytest.raises(LookupError, match="not declared"):
        http_cache.versions([Session])


# --- Versions read once per response ----------------------------------------------------------


def test_versions_are_read_once_per_response_and_again_after_a_write(monkeypatch):
    from apps.common import cache_versions

    reads = []
    original = cache_versions._read_versions
    monkeypatch.setattr(
        cache_versions, "_read_versions", lambda *args: reads.append(args) or original(*args)
    )
    from apps.sources.models import Source

    with cache_versions.reading_once():
        both = http_cache.versions([Annotation, Source])
        first = http_cache.versions([Annotation])  # a part of what was read: no read
        assert first in both and http_cache.versions([Annotation]) == first
        assert len(reads) == 1
        http_cache.invalidate(Annotation)  # a write in the block: read afresh
        assert http_cache.versions([Annotation]) != first
        assert len(reads) == 2
    http_cache.versions([Annotation])  # outside any response: every call reads
    http_cache.versions([Annotation])
    assert len(reads) == 4


def test_suggestions_read_their_versions_once(client, monkeypatch):
    # The endpoint's ETag reads every model the suggestions depend on, the tag vocabulary
    # among them: the vocabulary's cache key needs no read of its own.
    from apps.common import cache_versions

    reads = []
    original = cache_versions._read_versions
    monkeypatch.setattr(
        cache_versions, "_read_versions", lambda *args: reads.append(args) or original(*args)
    )
    response = client.get("/api/search/suggest/", {"q": "ger"})
    assert response.status_code == 200
    assert len(reads) == 1, reads


def test_the_search_page_reads_its_versions_once(client, founding_paper, monkeypatch):
    # The page's ETag and the search's facet cache key depend on the same models.
    from apps.common import cache_versions

    reads = []
    original = cache_versions._read_versions
    monkeypatch.setattr(
        cache_versions, "_read_versions", lambda *args: reads.append(args) or original(*args)
    )
    response = client.get("/search/", {"q": "geo-scoring"})
    assert response.status_code == 200 and "Schufa" in response.content.decode()
    search_reads = [labels for labels, _keys in reads if "search.passagesearchindex" in labels]
    assert len(search_reads) == 1, reads
