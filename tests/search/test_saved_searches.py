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
