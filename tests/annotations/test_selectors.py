"""Selectors own visibility: public + own private; hidden for author and moderators;
someone else's private annotation is absent everywhere and a 404 in detail."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from apps.annotations import reader_selectors, selectors, services
from apps.notifications import selectors as inbox_selectors

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
    counts_user = reader_selectors.thread_counts_by_passage(viewer=user, document=document)
    counts_other = reader_selectors.thread_counts_by_passage(viewer=other_user, document=document)
    assert sum(counts_user.values()) == 2  # public + own private
    assert sum(counts_other.values()) == 2  # public + own hidden
    assert reader_selectors.orphan_count(viewer=user, document=document) == 0


def test_notifications_drop_out_when_the_reply_becomes_invisible(
    user, other_user, moderator, make_annotation
):
    root = make_annotation(user)
    reply = services.annotation_reply(author=other_user, parent=root, body="hello")
    assert inbox_selectors.unread_notification_count(user=user) == 1
    services.annotation_hide(annotation=reply, moderator=moderator)
    assert inbox_selectors.unread_notification_count(user=user) == 0
    assert inbox_selectors.unread_notification_count(user=AnonymousUser()) == 0


@pytest.fixture
def hidden_thread(user, other_user, moderator, make_annotation):
    """A public root with a reply, then hidden by a moderator."""
    root = make_annotation(other_user, body="hidden words", tags=["hidden-tag"])
    reply = services.annotation_reply(author=user, parent=root, body="a reply")
    services.annotation_hide(annotation=root, moderator=moderator)
    return root, reply


def test_a_hidden_root_with_replies_keeps_its_thread_as_a_placeholder(hidden_thread, user, client):
    """Others see "[hidden by a moderator]" in its place, never its words, tags or
    author; the replies keep their parent (Discourse does the same)."""
    root, reply = hidden_thread
    for viewer in (AnonymousUser(), user):
        rows = {
            a.pk: a
            for a in selectors.annotation_list(
                viewer=viewer, thread_id=root.pk, hidden_placeholders=True
            )
        }
        assert set(rows) == {root.pk, reply.pk}
        assert rows[root.pk].redacted and not rows[reply.pk].redacted
    client.force_login(user)
    item = client.get(f"/api/annotations/{root.pk}/").json()
    assert item["body"] == "[hidden by a moderator]"
    assert item["author"] is None and item["tags"] == [] and item["hidden"] is True
    assert "hidden words" not in str(item)
    listing = client.get(f"/api/annotations/?thread={root.pk}").json()["results"]
    assert [a["body"] for a in listing] == ["[hidden by a moderator]", "a reply"]
    jsonld = client.get(
        f"/api/annotations/{root.pk}/",
        HTTP_ACCEPT='application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"',
    ).json()
    assert jsonld["body"]["value"] == "[hidden by a moderator]" and "creator" not in jsonld


def test_the_hidden_roots_author_and_moderators_still_see_it_whole(
    hidden_thread, other_user, moderator
):
    root, _ = hidden_thread
    for viewer in (other_user, moderator):
        row = selectors.annotation_list(viewer=viewer).get(pk=root.pk)
        assert row.body == "hidden words" and not row.redacted


def test_placeholders_stay_out_of_search_exports_and_replies(
    hidden_thread, user, client, founding_paper
):
    """Placeholders are opt-in: lists rendered from model fields (country pages, exports)
    never get a hidden annotation, so its words cannot leak through a template."""
    from apps.atlas.aggregates.selectors import country_annotations

    root, _ = hidden_thread
    services.annotation_update(annotation=root, user=root.author, tags=["country:DE"])
    assert not selectors.annotation_list(viewer=user).filter(pk=root.pk).exists()
    assert country_annotations(code="DE", viewer=user) == []
    assert "hidden words" not in client.get("/atlas/countries/DE/").content.decode()
    assert not selectors.annotations_searchable(viewer=user).filter(pk=root.pk).exists()
    assert (
        not selectors.annotations_for_export(viewer=user, source=founding_paper)
        .filter(pk=root.pk)
        .exists()
    )
    client.force_login(user)
    response = client.post(
        "/api/annotations/", {"parent": root.pk, "body": "more"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert root.replies.count() == 1


def test_a_hidden_root_without_replies_is_simply_absent(
    user, other_user, moderator, make_annotation
):
    root = make_annotation(other_user, body="hidden alone")
    services.annotation_hide(annotation=root, moderator=moderator)
    assert not selectors.annotation_list(viewer=user).filter(pk=root.pk).exists()


def test_reader_threads_beyond_public(
    hidden_thread, user, other_user, moderator, make_annotation, document
):
    """What the reader page embeds for each viewer beyond the shared public set."""
    root, _ = hidden_thread
    private = make_annotation(user, quote="Sesame Credit", visibility="private")

    def beyond(viewer):
        return set(
            reader_selectors.threads_for_reader_beyond_public(
                viewer=viewer, document=document
            ).values_list("pk", flat=True)
        )

    assert beyond(user) == {private.pk}
    assert beyond(other_user) == {root.pk}  # their own hidden root, whole
    assert beyond(moderator) == {root.pk}  # moderators see it whole, never others' private
