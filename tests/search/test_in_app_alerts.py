"""In-app alerts of saved searches in the one inbox (apps/notifications): only what
everyone may see at sending time (ADR 0014), each result once, no e-mail of their own."""

from __future__ import annotations

import pytest
from django.core import mail
from django.http import QueryDict
from django.test import Client

from apps.notifications.models import Notification
from apps.search import saved_searches
from apps.search.tasks import send_in_app_alerts

pytestmark = pytest.mark.django_db


def save(user, q="wallaby", **kwargs):
    params = QueryDict(mutable=True)
    params["q"] = q
    return saved_searches.saved_search_create(user=user, params=params, in_app=True, **kwargs)


def inbox(user):
    return list(Notification.objects.filter(recipient=user, kind="search_alert"))


def test_alert_holds_the_public_match_never_the_private_ones(annotate, user, other_user):
    save(other_user)
    public = annotate(user, "Wallaby public note")
    annotate(user, "Wallaby private note", visibility="private")
    annotate(other_user, "Wallaby note of my own", visibility="private")

    assert send_in_app_alerts() == 1
    (alert,) = inbox(other_user)
    # One result: the public note (an annotation's title is its quote).
    assert alert.text.splitlines() == [f"Annotation: “{public.exact}”"]
    assert alert.target_url == "/search/?q=wallaby"
    assert not alert.email_pending and mail.outbox == []

    client = Client()
    client.force_login(other_user)
    page = client.get("/notifications/").content.decode()
    assert "New results for your saved search" in page and "wallaby" in page


def test_each_result_once_and_nothing_when_nothing_new(annotate, user, other_user):
    annotate(user, "Wallaby before saving")
    save(other_user)
    assert send_in_app_alerts() == 0, "what existed when it was saved is not news"
    annotate(user, "Wallaby after saving")
    assert send_in_app_alerts() == 1
    assert send_in_app_alerts() == 0
    assert len(inbox(other_user)) == 1


def test_alert_finds_a_new_match_of_a_common_word(monkeypatch, annotate, user, other_user):
    # More public matches than a kind's sample holds: a plain search ranks the first
    # three the scan finds, the oldest rows.
    monkeypatch.setattr("apps.search.contract.COUNT_CAP", 2)
    monkeypatch.setattr("apps.search.selectors.COUNT_CAP", 2)
    for n in range(6):
        annotate(user, f"Wallaby note number {n}")
    save(other_user)
    new = annotate(user, "Wallaby note, a new one")
    annotate(user, "Wallaby note kept private", visibility="private")

    assert send_in_app_alerts() == 1
    (alert,) = inbox(other_user)
    assert alert.text.splitlines() == [f"Annotation: “{new.exact}”"]
    # Every old note quotes the same words: the one announced is the new one.
    assert other_user.saved_searches.get().seen_in_app[-1] == f"annotation:{new.pk}"
    assert send_in_app_alerts() == 0


def test_visibility_is_decided_when_sending(annotate, user, other_user):
    from apps.annotations import services

    save(other_user)
    note = annotate(user, "Wallaby soon private")
    services.annotation_update(annotation=note, user=user, visibility="private")
    assert send_in_app_alerts() == 0
    assert inbox(other_user) == []


def test_off_inactive_or_deleted(annotate, user, other_user):
    saved = save(other_user)
    saved_searches.saved_search_update(
        user=other_user, saved=saved, email_frequency="never", in_app=False
    )
    annotate(user, "Wallaby one")
    assert send_in_app_alerts() == 0

    saved_searches.saved_search_update(
        user=other_user, saved=saved, email_frequency="never", in_app=True
    )
    annotate(user, "Wallaby two")
    assert send_in_app_alerts() == 1
    # Deleting the saved search takes its alert out of the inbox.
    saved_searches.saved_search_delete(user=other_user, saved=saved)
    client = Client()
    client.force_login(other_user)
    assert "New results for your saved search" not in client.get("/notifications/").content.decode()

    save(user, q="wallaby")
    user.is_active = False
    user.save()
    annotate(other_user, "Wallaby three")
    assert send_in_app_alerts() == 0


def test_saving_with_in_app_from_the_page(user):
    client = Client()
    client.force_login(user)
    response = client.post("/search/saved/", {"q": "wallaby", "in_app": "on"})
    assert response.status_code == 302
    assert user.saved_searches.get().in_app
