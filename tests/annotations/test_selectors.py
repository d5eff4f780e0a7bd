"""Selectors own visibility: public + own private; hidden for author and moderators;
someone else's private annotation is absent everywhere and a 404 in detail."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from apps.annotations import selectors, services

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(user, other_user, moderator, make_annotation):
    public = make_annotation(user, body="public")
    private = make_annotation(user, quote="Sesame Credit", visibility="private", body="private")
    hidden = make_annotation(other_user, quote="Alibaba", body="hidden")
    services.annotation_hide(annotation=hidden, moderator=moderator)
    deleted_with_reply = make_annotation(other_user, quote="Schufa", body="deleted")
    services.annotation_reply(author=user, parent=deleted_with_reply, body="reply")
    services.annotation_delete(annotation=deleted_with_reply, user=other_user)
    deleted_alone = make_annotation(other_user, quote="Description", body="gone")
    services.annotation_delete(annotation=deleted_alone, user=other_user)
    return {
        "public": public, "private": private, "hidden": hidden,
        "deleted_with_reply": deleted_with_reply, "deleted_alone": deleted_alone,
    }  # fmt: skip


def bodies(viewer, **filters):
    return {a.body for a in selectors.annotation_list(viewer=viewer, **filters)}


def test_anonymous_sees_public_only(scene):
    assert bodies(AnonymousUser()) == {"public", "deleted", "reply"}


def test_author_sees_own_private(scene, user):
    assert bodies(user) == {"public", "private", "deleted", "reply"}


def test_others_never_see_private_but_hidden_author_sees_hidden(scene, other_user):
    assert bodies(other_user) == {"public", "hidden", "deleted", "reply"}


def test_moderator_sees_hidden_but_not_private(scene, moderator):
    assert bodies(moderator) == {"public", "hidden", "deleted", "reply"}


def test_private_detail_is_a_404_for_others(scene, user, other_user, moderator):
    assert selectors.annotation_get(viewer=user, annotation_id=scene["private"].pk)
    for viewer in (other_user, moderator, AnonymousUser()):
        with pytest.raises(Http404):
            selectors.annotation_get(viewer=viewer, annotation_id=scene["private"].pk)
    with pytest.raises(Http404):
        selectors.annotation_get(viewer=user, annotation_id=scene["deleted_alone"].pk)


def test_filters(scene, user, other_user):
    assert bodies(user, visibility="private") == {"private"}
    assert bodies(user, author_username=other_user.username) == {"deleted"}
    assert bodies(user, thread_id=scene["deleted_with_reply"].pk) == {"deleted", "reply"}
    services.annotation_update(
        annotation=scene["public"], user=user, tags=["Surveillance", "country:cn"]
    )
    assert bodies(user, tag="country:CN") == {"public"}
    assert bodies(user, tag="surveillance") == {"public"}
    assert bodies(user, tag="surv") == set()
    assert bodies(user, passage_id=scene["public"].passage_id) >= {"public"}


def test_unicode_tag_filter(user, make_annotation):
    make_annotation(user, tags=["Überwachung"])
    assert bodies(user, tag="überwachung") == {"A comment."}


def test_anchor_fields_for_the_current_version(scene, user, document):
    row = selectors.annotation_list(viewer=user).get(pk=scene["public"].pk)
    assert (row.anchor_status, row.anchor_start) == ("anchored", scene["public"].start)
    assert (row.source_slug, row.document_version) == (document.source.slug, 1)


def test_counts_exclude_invisible(scene, user, other_user, document):
    counts_user = selectors.thread_counts_by_passage(viewer=user, document=document)
    counts_other = selectors.thread_counts_by_passage(viewer=other_user, document=document)
    assert sum(counts_user.values()) == 2  # public + own private
    assert sum(counts_other.values()) == 2  # public + own hidden
    assert selectors.orphan_count(viewer=user, document=document) == 0


def test_notifications_drop_out_when_the_reply_becomes_invisible(
    user, other_user, moderator, make_annotation
):
    root = make_annotation(user)
    reply = services.annotation_reply(author=other_user, parent=root, body="hello")
    assert selectors.unread_notification_count(user=user) == 1
    services.annotation_hide(annotation=reply, moderator=moderator)
    assert selectors.unread_notification_count(user=user) == 0
    assert selectors.unread_notification_count(user=AnonymousUser()) == 0
