"""Moderators' history pages for annotations and sources (field-by-field, constant
queries) and "Restore deleted" for annotations (global moderators, with a reason,
audited; refusals change nothing)."""

from __future__ import annotations

import pytest

from apps.annotations import services as annotation_services
from apps.annotations.models import Annotation
from apps.annotations.services import TextPositionSelector
from apps.moderation.models import AuditLogEntry
from apps.sources.models import Source

from .conftest import make_moderator

pytestmark = pytest.mark.django_db


@pytest.fixture
def annotation(founding_paper, user):
    document = founding_paper.current_document
    quote = "social credit system"
    start = document.text.index(quote)
    annotation = annotation_services.annotation_create(
        author=user,
        document=document,
        position=TextPositionSelector(start, start + len(quote)),
        body="First thoughts",
        tags=["china"],
    )
    annotation_services.annotation_update(annotation=annotation, user=user, body="Second thoughts")
    return Annotation.objects.get(pk=annotation.pk)


def url(kind, obj, suffix="") -> str:
    return f"/moderation/history/{kind}/{obj.pk}/{suffix}"


def test_annotation_history_shows_each_change(client, annotation, moderator):
    client.force_login(moderator)
    response = client.get(url("annotation", annotation))
    assert response.status_code == 200
    html = response.content.decode()
    assert "First thoughts" in html and "Second thoughts" in html
    assert "Created" in html and "Changed" in html


def test_histories_are_for_moderators(client, annotation, founding_paper, user, other_user):
    assert client.get(url("annotation", annotation)).status_code == 302  # sign in first
    client.force_login(other_user)
    assert client.get(url("annotation", annotation)).status_code == 403
    assert client.get(url("source", founding_paper)).status_code == 403
    # An annotation's author reads its history too (issue 12: private notes' histories
    # are theirs alone, so they must be able to read them).
    client.force_login(user)
    assert client.get(url("annotation", annotation)).status_code == 200
    assert client.get(url("source", founding_paper)).status_code == 403


def test_unknown_type_or_object_is_404(client, moderator, annotation):
    client.force_login(moderator)
    assert client.get(f"/moderation/history/flag/{annotation.pk}/").status_code == 404
    assert client.get("/moderation/history/annotation/999999/").status_code == 404


def test_source_metadata_history(client, founding_paper, moderator):
    source = Source.objects.get(pk=founding_paper.pk)
    old_venue = source.venue
    source.venue = "A renamed journal"
    source.save()
    client.force_login(moderator)
    html = client.get(url("source", source)).content.decode()
    assert "A renamed journal" in html and (old_venue or "—") in html


def test_history_queries_do_not_grow(
    client, annotation, user, moderator, django_assert_max_num_queries
):
    client.force_login(moderator)
    with django_assert_max_num_queries(12):
        client.get(url("annotation", annotation))
    for i in range(25):
        annotation_services.annotation_update(annotation=annotation, user=user, body=f"Take {i}")
    with django_assert_max_num_queries(12):
        response = client.get(url("annotation", annotation))
    # 27 versions: the newest 20 first (the oldest of them compared with the one before).
    first = response.content.decode()
    assert "<ins>Take 24</ins>" in first and "<ins>Take 4</ins>" not in first
    assert (
        "<ins>Take 4</ins>"
        in client.get(url("annotation", annotation) + "?page=2").content.decode()
    )


def test_global_moderator_restores_a_deleted_annotation(client, annotation, user, moderator):
    annotation_services.annotation_delete(annotation=annotation, user=user)
    client.force_login(moderator)
    assert "Restore deleted" in client.get(url("annotation", annotation)).content.decode()
    response = client.post(
        url("annotation", annotation, "restore/"), {"reason": "Deleted by a hijacked account"}
    )
    assert response.status_code == 302
    annotation.refresh_from_db()
    assert annotation.deleted_at is None
    log = AuditLogEntry.objects.get(action="restore")
    assert log.actor == moderator and log.reason == "Deleted by a hijacked account"
    assert log.before["deleted_at"] and log.after == {"deleted_at": None}
    newest = annotation.history.order_by("-history_date", "-history_id").first()
    assert "Deleted by a hijacked account" in newest.history_change_reason
    assert newest.history_user == moderator


def test_restoring_a_deleted_annotation_refusals_change_nothing(
    client, annotation, user, moderator
):
    annotation_services.annotation_delete(annotation=annotation, user=user)
    deleted_at = Annotation.objects.get(pk=annotation.pk).deleted_at
    client.force_login(moderator)
    response = client.post(url("annotation", annotation, "restore/"), {"reason": " "}, follow=True)
    assert "Give a reason" in response.content.decode()
    client.force_login(make_moderator(countries=["DE"]))  # annotations belong to global ones
    assert (
        client.post(url("annotation", annotation, "restore/"), {"reason": "r"}).status_code == 403
    )
    client.force_login(user)
    assert (
        client.post(url("annotation", annotation, "restore/"), {"reason": "r"}).status_code == 403
    )
    assert Annotation.objects.get(pk=annotation.pk).deleted_at == deleted_at
    assert not AuditLogEntry.objects.filter(action="restore").exists()


def test_restoring_an_annotation_that_is_not_deleted_is_refused(client, annotation, moderator):
    client.force_login(moderator)
    response = client.post(url("annotation", annotation, "restore/"), {"reason": "r"}, follow=True)
    assert "not deleted" in response.content.decode()
    assert not AuditLogEntry.objects.exists()


def test_sources_have_no_restore_deleted(client, founding_paper, moderator):
    client.force_login(moderator)
    assert (
        client.post(url("source", founding_paper, "restore/"), {"reason": "r"}).status_code == 404
    )
