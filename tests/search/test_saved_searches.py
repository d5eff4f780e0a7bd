"""Saved searches and alerts (issue 18): saving from the search page, managing them,
the e-mail digest and the private Atom feed, which only ever hold what everyone may see
when they are sent."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import QueryDict
from django.test import Client

from apps.search import saved_searches
from apps.search.models import SavedSearch
from apps.search.tasks import send_daily_digests, send_weekly_digests

pytestmark = pytest.mark.django_db


def params(**values) -> QueryDict:
    query = QueryDict(mutable=True)
    query.update(values)
    return query


def save(user, **kwargs) -> SavedSearch:
    return saved_searches.saved_search_create(
        user=user, params=params(q=kwargs.pop("q", "wallaby")), **kwargs
    )


def test_digest_and_feed_hold_public_matches_never_private_ones(annotate, user, other_user):
    saved = save(other_user, email_frequency="daily", with_feed=True)
    public = annotate(user, "Wallaby public note")
    others_private = annotate(user, "Wallaby private note", visibility="private")
    own_private = annotate(other_user, "Wallaby note of my own", visibility="private")

    assert send_daily_digests() == 1
    (message,) = mail.outbox
    assert message.to == [other_user.email]
    assert public.get_absolute_url() in message.body
    for private in (others_private, own_private):
        assert private.get_absolute_url() not in message.body
    assert "private note" not in message.body and "of my own" not in message.body

    response = Client().get(f"/search/saved/feed/{saved.feed_token}/")
    assert response.status_code == 200
    assert "private" in response["Cache-Control"] and "no-cache" in response["Cache-Control"]
    body = response.content.decode()
    assert public.get_absolute_url() in body
    for private in (others_private, own_private):
        assert private.get_absolute_url() not in body
    assert "private note" not in body and "of my own" not in body


def test_digest_lists_only_new_results_once(annotate, user, other_user):
    annotate(user, "Wallaby before saving")
    save(other_user, email_frequency="weekly")
    assert send_weekly_digests() == 0, "what existed when it was saved is not news"
    new = annotate(user, "Wallaby after saving")
    assert send_daily_digests() == 0, "a weekly alert is not sent daily"
    assert send_weekly_digests() == 1
    assert new.get_absolute_url() in mail.outbox[0].body
    assert send_weekly_digests() == 1 - 1, "nothing new, no e-mail"


def common_word(monkeypatch, annotate, user, *, old: int = 6):
    """More public matches than a kind's sample holds (COUNT_CAP lowered to 2): a plain
    search ranks the first three the scan finds, the oldest rows."""
    monkeypatch.setattr("apps.search.contract.COUNT_CAP", 2)
    monkeypatch.setattr("apps.search.selectors.COUNT_CAP", 2)
    for n in range(old):
        annotate(user, f"Wallaby note number {n}")


def test_alerts_find_a_new_match_of_a_common_word(monkeypatch, annotate, user, other_user):
    common_word(monkeypatch, annotate, user)
    saved = save(other_user, email_frequency="daily", with_feed=True)
    new = annotate(user, "Wallaby note, a new one")
    private = annotate(user, "Wallaby note kept private", visibility="private")

    assert send_daily_digests() == 1
    (message,) = mail.outbox
    assert new.get_absolute_url() in message.body
    assert private.get_absolute_url() not in message.body and "kept private" not in message.body

    body = Client().get(f"/search/saved/feed/{saved.feed_token}/").content.decode()
    assert new.get_absolute_url() in body
    assert private.get_absolute_url() not in body and "kept private" not in body

    assert send_daily_digests() == 0, "announced once"
    newer = annotate(user, "Wallaby note, newer still")
    assert send_daily_digests() == 1
    assert newer.get_absolute_url() in mail.outbox[1].body
    assert new.get_absolute_url() not in mail.outbox[1].body


def test_feed_lists_the_newest_matches(monkeypatch, annotate, user, other_user):
    common_word(monkeypatch, annotate, user, old=3)
    saved = save(other_user, with_feed=True)
    newest = [annotate(user, f"Wallaby note, new {n}") for n in range(2)]
    annotate(user, "Wallaby note kept private", visibility="private")
    monkeypatch.setattr("apps.search.alert_windows.FEED_PER_KIND", 2)

    body = Client().get(f"/search/saved/feed/{saved.feed_token}/").content.decode()
    assert body.count("<entry>") == 2, "per kind the two newest public matches"
    assert body.index(newest[1].get_absolute_url()) < body.index(newest[0].get_absolute_url())


def test_a_row_indexed_late_is_found_by_the_next_run(annotate, user, other_user):
    """A run takes the newest keys before it searches; a row below them that was not
    searchable yet (its index row is written after its transaction commits) is looked
    at again by the run after (apps/search/alert_windows.py)."""
    from apps.search.models import AnnotationSearchIndex
    from apps.search.providers import is_postgres
    from apps.search.services import search_index_annotation
    from tests.conftest import require

    require(is_postgres(), "only PostgreSQL searches an index table")
    save(other_user, email_frequency="daily")
    late = annotate(user, "Wallaby indexed late")
    AnnotationSearchIndex.objects.filter(pk=late.pk).delete()
    on_time = annotate(user, "Wallaby indexed on time")
    assert send_daily_digests() == 1
    assert on_time.get_absolute_url() in mail.outbox[0].body
    assert late.get_absolute_url() not in mail.outbox[0].body

    search_index_annotation(annotation_id=late.pk)
    assert send_daily_digests() == 1
    assert late.get_absolute_url() in mail.outbox[1].body
    assert on_time.get_absolute_url() not in mail.outbox[1].body, "announced once"


def test_visibility_is_decided_when_sending(annotate, user, other_user):
    save(other_user, email_frequency="daily")
    note = annotate(user, "Wallaby soon private")
    from apps.annotations import services as annotation_services

    annotation_services.annotation_update(user=user, annotation=note, visibility="private")
    assert send_daily_digests() == 0


def test_inactive_user_gets_nothing(annotate, user, other_user):
    saved = save(other_user, email_frequency="daily", with_feed=True)
    annotate(user, "Wallaby news")
    other_user.is_active = False
    other_user.save(update_fields=["is_active"])
    assert send_daily_digests() == 0
    assert Client().get(f"/search/saved/feed/{saved.feed_token}/").status_code == 404


def test_feed_token_is_revocable(other_user):
    saved = save(other_user, with_feed=True)
    old = saved.feed_token
    saved_searches.saved_search_set_feed(user=other_user, saved=saved, enabled=True)
    assert Client().get(f"/search/saved/feed/{old}/").status_code == 404
    assert Client().get(f"/search/saved/feed/{saved.feed_token}/").status_code == 200
    saved_searches.saved_search_set_feed(user=other_user, saved=saved, enabled=False)
    assert saved.feed_token is None
    for token in ("x" * 65, "nope"):
        assert Client().get(f"/search/saved/feed/{token}/").status_code == 404
    assert Client().get("/search/saved/feed/%00/").status_code == 400  # the NUL middleware


@pytest.mark.parametrize(
    "bad",
    [{"q": ""}, {"q": "-china"}, {"q": "wallaby", "tag": "never-used"}, {"q": "x" * 1001}],
)
def test_bad_searches_are_not_saved(user, bad):
    with pytest.raises(ValidationError):
        saved_searches.saved_search_create(user=user, params=params(**bad))
    assert not SavedSearch.objects.exists()


def test_saving_twice_and_owner_only(user, other_user):
    saved = save(user)
    with pytest.raises(ValidationError):
        save(user)
    with pytest.raises(PermissionDenied):
        saved_searches.saved_search_delete(user=other_user, saved=saved)
    with pytest.raises(PermissionDenied):
        saved_searches.saved_search_update(user=other_user, saved=saved, email_frequency="daily")
    assert SavedSearch.objects.get().email_frequency == "never"


def test_pages(user, other_user, annotate, django_assert_max_num_queries):
    annotate(user, "Wallaby note", tags=["marsupials"])
    client = Client()
    client.force_login(user)
    # The public search page offers the form (revealed for signed-in visitors by site.js).
    page = Client().get("/search/", {"q": "wallaby", "tag": "marsupials", "page": "1"})
    assert b'action="/search/saved/"' in page.content
    response = client.post(
        "/search/saved/",
        {"q": "wallaby", "tag": "marsupials", "email_frequency": "weekly", "with_feed": "on"},
    )
    assert response.status_code == 302
    saved = SavedSearch.objects.get(user=user)
    assert saved.query_string == "q=wallaby&tag=marsupials"
    assert (saved.email_frequency, bool(saved.feed_token)) == ("weekly", True)
    with django_assert_max_num_queries(6):
        listing = client.get("/search/saved/")
    assert listing.status_code == 200
    assert "private" in listing["Cache-Control"]
    assert saved.feed_token in listing.content.decode()
    # A bad search is a 400 with a message; nothing stored.
    response = client.post("/search/saved/", {"q": "wallaby", "tag": "never-used"})
    assert response.status_code == 400
    assert SavedSearch.objects.count() == 1
    # Someone else's saved search is a 404; an unknown action a 400.
    intruder = Client()
    intruder.force_login(other_user)
    assert intruder.post(f"/search/saved/{saved.pk}/", {"action": "delete"}).status_code == 404
    assert client.post(f"/search/saved/{saved.pk}/", {"action": "explode"}).status_code == 400
    assert client.post(f"/search/saved/{saved.pk}/", {"action": "delete"}).status_code == 302
    assert not SavedSearch.objects.exists()
    # Anonymous visitors are sent to sign in.
    assert Client().get("/search/saved/").status_code == 302
