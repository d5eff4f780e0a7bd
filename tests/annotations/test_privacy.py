"""Private means private (issue 12): a private annotation is visible to its author alone,
in every page, history, queue item, flag, export, API, feed, search result, count and
e-mail; moderators and superusers included. The Django admin keeps raw access for
superusers, and every such read is logged."""

from __future__ import annotations

import importlib
import json

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.test import Client

from apps.annotations import reader_selectors, selectors, services
from apps.annotations.models import AnchorStatus, Annotation
from apps.annotations.services import TextPositionSelector
from apps.moderation.models import (
    AuditLogEntry,
    Flag,
    ReviewItem,
    ReviewStatus,
)
from apps.moderation.services import flag_create, review_item_open, user_set_premoderation
from apps.notifications.models import Notification
from apps.sources.models import Document, DocumentUpload
from tests.factories import UserFactory
from tests.moderation.conftest import make_admin, make_moderator

pytestmark = pytest.mark.django_db

SECRET = "Only-for-me musings about scoring"
QUOTE = "Amy Dobson and Wong"


@pytest.fixture
def viewers(db):
    """Everyone who is not the author and must not read a private note."""
    return {
        "global moderator": make_moderator(),
        "moderator (FR)": make_moderator(countries=["FR"]),
        "superuser": make_admin(),
        "another contributor": UserFactory(),
    }


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _history(user, annotation):
    return _client(user).get(f"/moderation/history/annotation/{annotation.pk}/")


def _items(annotation):
    return ReviewItem.objects.filter(
        content_type=ContentType.objects.get_for_model(Annotation), object_id=str(annotation.pk)
    )


def _new_version_without_the_quote(founding_paper, run_on_commit) -> Document:
    """A new version of the founding paper where QUOTE is gone (its annotations are
    orphaned there), imported and re-anchored as in production."""
    from apps.sources.services import document_import
    from apps.sources.starter import FOUNDING_PAPER_FILE

    text = FOUNDING_PAPER_FILE.read_text().replace(QUOTE, "the authors")
    document = Document.objects.create(source=founding_paper, import_format="text")
    DocumentUpload.objects.create(document=document, data=text.encode(), size=len(text))
    with run_on_commit():
        document_import(document_id=document.pk)
    document.refresh_from_db()
    return document


# --- History pages --------------------------------------------------------------------------


def test_a_private_notes_history_is_its_authors_alone(user, viewers, make_annotation):
    note = make_annotation(user, quote=QUOTE, body=SECRET, visibility="private")

    for role, viewer in viewers.items():
        response = _history(viewer, note)
        assert response.status_code == 404, role
        assert SECRET not in response.content.decode()
    response = _history(user, note)
    assert response.status_code == 200 and SECRET in response.content.decode()


def test_a_note_made_private_loses_its_whole_history_to_moderators(user, viewers, make_annotation):
    """The reproduction: moderators read any private note through the history pages
    (sequential ids), including notes that were public once."""
    note = make_annotation(user, quote=QUOTE, body="Said in public")
    assert _history(viewers["global moderator"], note).status_code == 200

    services.annotation_update(annotation=note, user=user, body=SECRET, visibility="private")

    for role, viewer in viewers.items():
        response = _history(viewer, note)
        assert response.status_code == 404, role
        assert "Said in public" not in response.content.decode()
    restore = _client(viewers["global moderator"]).post(
        f"/moderation/history/annotation/{note.pk}/restore/", {"reason": "x"}
    )
    assert restore.status_code == 404
    html = _history(user, note).content.decode()
    assert "Said in public" in html and SECRET in html


def test_moderators_read_only_the_versions_saved_while_public(user, moderator, make_annotation):
    note = make_annotation(user, quote=QUOTE, body=SECRET, visibility="private")
    services.annotation_update(annotation=note, user=user, body=SECRET + ", revised")
    services.annotation_update(annotation=note, user=user, body="Published", visibility="public")

    html = _history(moderator, note).content.decode()

    assert "Published" in html and SECRET not in html
    assert SECRET in _history(user, note).content.decode()


# --- Queue items ------------------------------------------------------------------------------


def test_a_re_anchor_opens_no_item_for_a_private_orphan(
    user, founding_paper, make_annotation, run_on_commit, moderator
):
    private = make_annotation(user, quote=QUOTE, body=SECRET, visibility="private")
    public = make_annotation(user, quote=QUOTE, body="In public")

    new = _new_version_without_the_quote(founding_paper, run_on_commit)

    assert private.anchors.get(document=new).status == AnchorStatus.ORPHANED
    assert public.anchors.get(document=new).status == AnchorStatus.ORPHANED
    assert not _items(private).exists()
    assert _items(public).get().item_type == "orphaned_annotation"
    # Its author finds it on their orphan list in the reader; nobody else does.
    assert reader_selectors.orphans_for_reader(viewer=user, document=new).filter(pk=private.pk)
    assert not reader_selectors.orphans_for_reader(viewer=moderator, document=new).filter(
        pk=private.pk
    )
    queue = _client(moderator).get("/moderation/").content.decode()
    assert SECRET not in queue and "Private annotation" not in queue


def test_making_a_note_private_closes_its_items_and_keeps_no_copy(
    user, other_user, moderator, make_annotation, run_on_commit
):
    flagged = make_annotation(user, quote=QUOTE, body=SECRET)
    with run_on_commit():
        flag_create(flagger=other_user, target=flagged, reason="other", text="Rude")
    user_set_premoderation(actor=moderator, user=user, enabled=True, reason="New account")
    with run_on_commit():
        pending = make_annotation(user, quote="Sesame Credit", body=SECRET + " two")
    assert pending.awaiting_approval
    assert {i.item_type for i in ReviewItem.objects.filter(status="open")} == {
        "flag",
        "pending_annotation",
    }
    log_before = set(AuditLogEntry.objects.values_list("pk", flat=True))

    for note in (flagged, pending):
        services.annotation_update(annotation=note, user=user, visibility="private")

    for note in (flagged, pending):
        item = _items(note).get()
        assert (item.status, item.decision, item.decided_by) == (ReviewStatus.DECIDED, "hide", None)
        assert item.target_label.startswith(f"Private annotation #{note.pk}")
        assert SECRET not in item.target_label and QUOTE not in item.target_label
        assert item.summary == ""
    assert Flag.objects.get().status == "agreed"
    pending.refresh_from_db()
    assert not pending.awaiting_approval
    rows = AuditLogEntry.objects.exclude(pk__in=log_before)
    assert rows.count() == 2
    dumped = json.dumps(list(rows.values("target_label", "reason", "before", "after")))
    assert SECRET not in dumped and QUOTE not in dumped
    assert not Notification.objects.filter(kind="decision").exists()
    html = _client(moderator).get("/moderation/?status=decided").content.decode()
    assert SECRET not in html and QUOTE not in html


def test_nobody_else_can_flag_a_private_note(user, viewers, make_annotation):
    note = make_annotation(user, quote=QUOTE, body=SECRET, visibility="private")
    for role, viewer in viewers.items():
        response = _client(viewer).post(
            "/api/flags/",
            {"target": {"type": "annotation", "id": str(note.pk)}, "reason": "spam"},
            content_type="application/json",
        )
        assert response.status_code == 400, role
        assert "does not exist" in response.content.decode()
    assert not Flag.objects.exists() and not ReviewItem.objects.exists()


def test_the_data_migration_closes_open_items_of_private_notes(user, make_annotation):
    """Items the old code opened (an orphaned private note, showing its quote) close;
    public annotations' items stay open."""
    private = make_annotation(user, quote=QUOTE, body=SECRET, visibility="private")
    public = make_annotation(user, quote="Sesame Credit", body="In public")
    leaked = review_item_open(item_type="orphaned_annotation", target=public)
    ReviewItem.objects.filter(pk=leaked.pk).update(
        object_id=str(private.pk), target_label=f"Annotation: {QUOTE}", summary=SECRET
    )
    kept = review_item_open(item_type="orphaned_annotation", target=public)
    migration = importlib.import_module(
        "apps.annotations.migrations.0004_close_private_review_items"
    )
    from django.apps import apps

    assert migration.close_open_review_items_of_private_annotations(apps) == 1

    leaked.refresh_from_db()
    assert (leaked.status, leaked.decision) == ("decided", "hide")
    assert QUOTE not in leaked.target_label and leaked.summary == ""
    row = AuditLogEntry.objects.get()
    assert row.actor is None and QUOTE not in row.target_label
    kept.refresh_from_db()
    assert kept.status == "open"
    assert migration.close_open_review_items_of_private_annotations(apps) == 0  # idempotent


# --- Re-attaching closes the orphan item ------------------------------------------------------


@pytest.mark.parametrize("by", ["author", "moderator"])
def test_re_attaching_an_orphan_closes_its_review_item(
    by, user, moderator, founding_paper, make_annotation, run_on_commit
):
    """The reproduction: re-attaching left the orphan item open in the queue."""
    note = make_annotation(user, quote=QUOTE, body="In public")
    new = _new_version_without_the_quote(founding_paper, run_on_commit)
    item = _items(note).get(status="open")
    start = new.text.index("the authors")
    actor = user if by == "author" else moderator

    with run_on_commit():
        services.annotation_reattach(
            annotation=note, user=actor, document=new,
            position=TextPositionSelector(start, start + len("the authors")),
        )  # fmt: skip

    item.refresh_from_db()
    assert (item.status, item.decision, item.decided_by) == ("decided", "publish", actor)
    assert "Re-attached" in item.reason
    row = AuditLogEntry.objects.get(action="decision")
    assert row.actor == actor and row.after["settled_outside_queue"] is True
    assert Notification.objects.filter(kind="decision", recipient=user).exists() == (
        by == "moderator"
    )


def test_re_attaching_in_an_older_version_leaves_the_item_open(
    user, founding_paper, make_annotation, run_on_commit
):
    note = make_annotation(user, quote=QUOTE, body="In public")
    first = founding_paper.current_document
    _new_version_without_the_quote(founding_paper, run_on_commit)
    start = first.text.index("Sesame Credit")

    services.annotation_reattach(
        annotation=note, user=user, document=first,
        position=TextPositionSelector(start, start + len("Sesame Credit")),
    )  # fmt: skip

    assert _items(note).get().status == "open"


def test_nobody_but_its_author_re_attaches_a_private_note(
    user, moderator, founding_paper, make_annotation, run_on_commit
):
    note = make_annotation(user, quote=QUOTE, body=SECRET, visibility="private")
    new = _new_version_without_the_quote(founding_paper, run_on_commit)
    start = new.text.index("the authors")
    with pytest.raises(PermissionDenied):
        services.annotation_reattach(
            annotation=note, user=moderator, document=new,
            position=TextPositionSelector(start, start + 11),
        )  # fmt: skip
    response = _client(moderator).post(
        f"/api/annotations/{note.pk}/reattach/",
        {"version": new.version, "target": {"start": start, "end": start + 11}},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert note.anchors.get(document=new).status == AnchorStatus.ORPHANED


# --- Everywhere else: moderators and superusers are "anyone else" ------------------------------


@pytest.mark.parametrize("role", ["global moderator", "superuser"])
def test_moderators_and_superusers_find_a_private_note_nowhere(
    role, user, viewers, founding_paper, make_annotation, run_on_commit
):
    viewer = viewers[role]
    with run_on_commit():
        note = make_annotation(
            user,
            quote=QUOTE,
            body=f"{SECRET} @{viewer.username}",
            tags=["country:FR", "musings"],
            visibility="private",
        )
    client = _client(viewer)
    slug = founding_paper.slug
    pages = {
        "API list": f"/api/annotations/?source={slug}",
        "API list by tag": "/api/annotations/?tag=musings",
        "API detail": f"/api/annotations/{note.pk}/",
        "CSV export": f"/api/sources/{slug}/annotations.csv",
        "JSON-LD export": f"/api/sources/{slug}/annotations.jsonld",
        "search page": "/search/?q=musings",
        "search API": "/api/search/?q=musings",
        "reader": f"/sources/{slug}/",
        "shared threads": f"/reader/{founding_paper.current_document_id}/threads.json",
        "activity": "/activity/",
        "Atom feed": "/activity/feed/",
        "author's page": f"/users/{user.username}/",
        "country page": "/atlas/countries/FR/",
        "notifications": "/notifications/",
    }
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code in (200, 404), (name, response.status_code)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert SECRET.encode() not in body, name
    assert client.get(f"/api/annotations/{note.pk}/").status_code == 404
    assert not Notification.objects.filter(recipient=viewer).exists()
    document = founding_paper.current_document
    assert not reader_selectors.thread_counts_by_passage(viewer=viewer, document=document)
    assert not selectors.annotations_searchable(viewer=viewer).filter(pk=note.pk).exists()
    # Its author finds it.
    assert SECRET.encode() in _client(user).get(f"/api/annotations/{note.pk}/").content


# --- The Django admin: raw access for superusers, logged ---------------------------------------


def test_a_superuser_reading_a_private_note_in_the_admin_is_logged(user, viewers, make_annotation):
    note = make_annotation(user, quote=QUOTE, body=SECRET, visibility="private")
    public = make_annotation(user, quote="Sesame Credit", body="In public")
    admin = viewers["superuser"]
    client = _client(admin)

    assert client.get(f"/admin/annotations/annotation/{public.pk}/change/").status_code == 200
    assert not AuditLogEntry.objects.exists()
    assert client.get(f"/admin/annotations/annotation/{note.pk}/change/").status_code == 200
    assert client.get(f"/admin/annotations/annotation/{note.pk}/history/").status_code == 200

    rows = list(AuditLogEntry.objects.order_by("id"))
    assert [row.action for row in rows] == ["private_read", "private_read"]
    assert all(row.actor == admin for row in rows)
    assert rows[0].target_object_id == str(note.pk)
    assert SECRET not in rows[0].target_label and QUOTE not in rows[0].target_label
    assert "change page" in rows[0].reason and "history" in rows[1].reason
    # Global moderators read who read which note in the log; the note itself stays out.
    log = _client(viewers["global moderator"]).get("/moderation/log/").content.decode()
    assert admin.username in log and SECRET not in log


def test_the_admin_list_and_search_show_no_private_text(user, viewers, make_annotation):
    make_annotation(user, quote=QUOTE, body=SECRET, visibility="private")
    make_annotation(user, quote="Sesame Credit", body="Public musings")
    client = _client(viewers["superuser"])

    listing = client.get("/admin/annotations/annotation/").content.decode()
    assert "Public musings" in listing and SECRET not in listing and "private" in listing
    found = client.get("/admin/annotations/annotation/", {"q": "musings"}).content.decode()
    assert "Public musings" in found and "1 result" in found
    assert not AuditLogEntry.objects.exists()


def test_staff_who_are_not_superusers_do_not_see_others_private_notes(user, make_annotation):
    from django.contrib.auth.models import Permission

    note = make_annotation(user, quote=QUOTE, body=SECRET, visibility="private")
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_annotation", "view_historicalannotation"])
    )
    client = _client(staff)

    assert SECRET not in client.get("/admin/annotations/annotation/").content.decode()
    for url in (
        f"/admin/annotations/annotation/{note.pk}/change/",
        f"/admin/annotations/annotation/{note.pk}/history/",
    ):
        response = client.get(url)
        assert response.status_code in (302, 404), url
        assert SECRET not in response.content.decode()
    assert not AuditLogEntry.objects.exists()
