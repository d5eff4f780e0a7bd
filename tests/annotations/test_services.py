"""Services: every write, and every bad input (message asserted, nothing stored)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from apps.annotations import services
from apps.annotations.models import (
    AnchorStatus,
    Annotation,
    AnnotationAnchor,
    Motivation,
)
from apps.annotations.services import TextPositionSelector, TextQuoteSelector
from apps.notifications import services as inbox
from apps.notifications.models import Notification
from apps.sources.models import Document, DocumentStatus

pytestmark = pytest.mark.django_db

QUOTE = "social credit system"


def error_text(excinfo) -> str:
    return " ".join(str(m) for m in excinfo.value.messages)


def assert_nothing_stored():
    assert Annotation.objects.count() == 0
    assert AnnotationAnchor.objects.count() == 0


# --- Create -------------------------------------------------------------------------------


def test_create_from_position_fills_the_quote_and_context(user, document):
    start = document.text.index(QUOTE)
    annotation = services.annotation_create(
        author=user,
        document=document,
        position=TextPositionSelector(start, start + len(QUOTE)),
        body="Compare *Sesame Credit*.",
        tags=["  Surveillance ", "country:de", "surveillance"],
    )
    assert annotation.exact == QUOTE
    assert annotation.prefix == document.text[start - 32 : start]
    assert annotation.suffix == document.text[start + len(QUOTE) : start + len(QUOTE) + 32]
    assert annotation.tags == ["surveillance", "country:DE"]
    assert annotation.body_html == "<p>Compare <em>Sesame Credit</em>.</p>\n"
    assert annotation.passage.start <= start < annotation.passage.end
    anchor = annotation.anchors.get()
    assert (anchor.document, anchor.status, anchor.start) == (
        document,
        AnchorStatus.ANCHORED,
        start,
    )
    assert annotation.history.count() == 1


def test_create_from_quote_with_context_finds_the_position(user, document):
    start = document.text.index("Sesame Credit")
    annotation = services.annotation_create(
        author=user,
        document=document,
        quote=TextQuoteSelector("Sesame Credit", prefix=document.text[start - 10 : start]),
        body="Here.",
    )
    assert (annotation.start, annotation.end) == (start, start + len("Sesame Credit"))


def test_create_with_both_selectors_that_agree(user, document):
    start = document.text.index(QUOTE)
    annotation = services.annotation_create(
        author=user,
        document=document,
        quote=TextQuoteSelector(QUOTE),
        position=TextPositionSelector(start, start + len(QUOTE)),
        motivation=Motivation.HIGHLIGHTING,
    )
    assert annotation.body == "" and annotation.motivation == "highlighting"


def test_source_note_has_no_target(user, document):
    annotation = services.annotation_create(
        author=user, document=document, source_note=True, body="On the paper as a whole."
    )
    assert annotation.start is None and annotation.passage is None
    assert not annotation.anchors.exists()


def test_script_in_the_body_is_sanitised(user, make_annotation):
    annotation = make_annotation(
        user, body="<script>alert(1)</script> [x](javascript:alert(1)) [ok](https://e.org)"
    )
    assert "<script>" not in annotation.body_html
    assert 'href="javascript' not in annotation.body_html
    assert "&lt;script&gt;" in annotation.body_html
    assert 'rel="nofollow ugc noopener"' in annotation.body_html


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"position": TextPositionSelector(5000, 6000)}, "target", "outside the text"),
        ({"position": TextPositionSelector(-1, 5)}, "target", "outside the text"),
        ({"position": TextPositionSelector(10, 10)}, "target", "outside the text"),
        (
            {"position": TextPositionSelector(0, 11), "quote": TextQuoteSelector("Something")},
            "target",
            "does not match the text at 0–11",
        ),
        ({"quote": TextQuoteSelector("not in the paper at all")}, "target", "does not occur"),
        ({"quote": TextQuoteSelector(QUOTE)}, "target", "occurs 10 times"),
        ({"quote": TextQuoteSelector("  ")}, "target", "quote (exact) is empty"),
        ({"quote": TextQuoteSelector("x", prefix="p" * 33)}, "target", "at most 32"),
        (
            {
                "position": TextPositionSelector(0, 11),
                "quote": TextQuoteSelector("Description", prefix="zz"),
            },
            "target",
            "prefix does not match",
        ),
        ({}, "target", "Send a TextQuoteSelector"),
        ({"body": ""}, "body", "Write a comment or add a tag"),
        ({"body": "x" * 10_001}, "body", "at most 10,000 characters; it has 10,001"),
        ({"visibility": "friends"}, "visibility", "Unknown visibility “friends”"),
        ({"motivation": "shouting"}, "motivation", "Unknown motivation “shouting”"),
        ({"motivation": "replying"}, "motivation", "Unknown motivation “replying”"),
        ({"tags": ["country:XX"]}, "tags", "not a country tag"),
        ({"tags": ["country:Germany"]}, "tags", "not a country tag"),
        ({"tags": ["a" * 65]}, "tags", "at most 64"),
        ({"tags": ['say "hi"']}, "tags", "cannot contain"),
        ({"tags": [f"t{i}" for i in range(21)]}, "tags", "At most 20 tags"),
    ],
)
def test_create_rejects_bad_input_and_stores_nothing(user, document, kwargs, field, message):
    kwargs = {"body": "A comment.", **kwargs}
    if "position" not in kwargs and "quote" not in kwargs and kwargs.get("body") != "A comment.":
        kwargs["position"] = TextPositionSelector(13, 20)
    if set(kwargs) & {"visibility", "motivation", "tags"}:
        kwargs.setdefault("position", TextPositionSelector(13, 20))
    with pytest.raises(ValidationError) as excinfo:
        services.annotation_create(author=user, document=document, **kwargs)
    assert field in excinfo.value.message_dict
    assert message in error_text(excinfo)
    assert_nothing_stored()


@pytest.mark.parametrize("status", [DocumentStatus.PENDING, DocumentStatus.FAILED])
def test_cannot_annotate_a_version_that_is_not_ready(user, founding_paper, status):
    document = Document.objects.create(source=founding_paper, import_format="text", status=status)
    with pytest.raises(ValidationError) as excinfo:
        services.annotation_create(
            author=user, document=document, position=TextPositionSelector(0, 1), body="x"
        )
    assert "cannot be annotated" in error_text(excinfo)
    assert_nothing_stored()


def test_anonymous_cannot_annotate(document):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        services.annotation_create(
            author=AnonymousUser(),
            document=document,
            position=TextPositionSelector(13, 20),
            body="x",
        )
    assert_nothing_stored()


# --- Replies --------------------------------------------------------------------------------


def test_reply_chain_keeps_the_thread_root(user, other_user, make_annotation):
    root = make_annotation(user)
    reply = services.annotation_reply(author=other_user, parent=root, body="I disagree.")
    deeper = services.annotation_reply(author=user, parent=reply, body="Why?")
    assert (reply.thread, reply.parent, reply.motivation) == (root, root, Motivation.REPLYING)
    assert (deeper.thread, deeper.parent) == (root, reply)
    assert reply.start is None and not reply.anchors.exists()


def test_reply_in_a_private_thread_is_private(user, make_annotation):
    root = make_annotation(user, visibility="private")
    reply = services.annotation_reply(
        author=user, parent=root, body="Note to self.", visibility="public"
    )
    assert reply.visibility == "private"


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("deleted", "cannot reply to a deleted annotation"),
        ("hidden", "does not exist"),
        ("private", "does not exist"),
        ("empty", "A reply needs a comment"),
    ],
)
def test_reply_rejections_store_nothing(
    user, other_user, moderator, make_annotation, setup, message
):
    root = make_annotation(user, visibility="private" if setup == "private" else "public")
    if setup == "deleted":
        services.annotation_delete(annotation=root, user=user)
    if setup == "hidden":
        services.annotation_hide(annotation=root, moderator=moderator)
    root.refresh_from_db()
    with pytest.raises(ValidationError) as excinfo:
        services.annotation_reply(
            author=other_user, parent=root, body="" if setup == "empty" else "Hi"
        )
    assert message in error_text(excinfo)
    assert Annotation.objects.count() == 1


def test_moderator_cannot_reply_to_hidden_either(user, moderator, make_annotation):
    root = make_annotation(user)
    services.annotation_hide(annotation=root, moderator=moderator)
    root.refresh_from_db()
    with pytest.raises(ValidationError) as excinfo:
        services.annotation_reply(author=moderator, parent=root, body="Hi")
    assert "hidden" in error_text(excinfo)


# --- Update and delete -------------------------------------------------------------------


def test_author_edits_and_the_edit_is_marked(user, make_annotation):
    annotation = make_annotation(user)
    updated = services.annotation_update(annotation=annotation, user=user, body="Better **words**.")
    assert updated.edited and updated.body_html == "<p>Better <strong>words</strong>.</p>\n"
    assert updated.history.count() == 2


def test_someone_else_cannot_edit_or_delete(user, other_user, make_annotation):
    annotation = make_annotation(user)
    with pytest.raises(PermissionDenied, match="Only the author can edit"):
        services.annotation_update(annotation=annotation, user=other_user, body="Mine now")
    with pytest.raises(PermissionDenied, match="Only the author can delete"):
        services.annotation_delete(annotation=annotation, user=other_user)
    annotation.refresh_from_db()
    assert (
        annotation.body == "A comment." and annotation.deleted_at is None and not annotation.edited
    )


def test_update_rejects_bad_input_and_changes_nothing(user, make_annotation):
    annotation = make_annotation(user)
    for kwargs, message in [
        ({"body": "x" * 10_001}, "at most 10,000"),
        ({"tags": ["country:ZZ"]}, "not a country tag"),
        ({"visibility": "everyone"}, "Unknown visibility"),
        ({"body": "", "tags": []}, "Write a comment or add a tag"),
    ]:
        with pytest.raises(ValidationError) as excinfo:
            services.annotation_update(annotation=annotation, user=user, **kwargs)
        assert message in error_text(excinfo)
    annotation.refresh_from_db()
    assert (annotation.body, annotation.tags, annotation.edited) == ("A comment.", [], False)


def test_thread_with_others_replies_cannot_become_private(user, other_user, make_annotation):
    root = make_annotation(user)
    services.annotation_reply(author=other_user, parent=root, body="Reply")
    with pytest.raises(ValidationError, match="cannot become private"):
        services.annotation_update(annotation=root, user=user, visibility="private")


def test_delete_is_soft_and_idempotent(user, make_annotation):
    annotation = make_annotation(user)
    services.annotation_delete(annotation=annotation, user=user)
    services.annotation_delete(annotation=annotation, user=user)
    annotation.refresh_from_db()
    assert annotation.deleted_at is not None
    with pytest.raises(ValidationError, match="deleted"):
        services.annotation_update(annotation=annotation, user=user, body="again")


# --- Moderation ----------------------------------------------------------------------------


def test_hide_and_restore_need_a_moderator(user, other_user, moderator, make_annotation):
    annotation = make_annotation(user)
    with pytest.raises(PermissionDenied):
        services.annotation_hide(annotation=annotation, moderator=other_user)
    services.annotation_hide(annotation=annotation, moderator=moderator)
    annotation.refresh_from_db()
    assert annotation.hidden
    assert annotation.history.first().history_user == moderator
    services.annotation_restore(annotation=annotation, moderator=moderator)
    annotation.refresh_from_db()
    assert not annotation.hidden


def test_only_global_moderators_act_on_annotations(user, other_user, make_annotation):
    """Staff and holders of the old model permission are not moderators; a country
    moderator is told annotations belong to global moderators; nothing changes."""
    from django.contrib.auth.models import Permission

    from tests.factories import UserFactory
    from tests.moderation.conftest import make_moderator

    other_user.user_permissions.add(Permission.objects.get(codename="moderate_annotation"))
    other_user = type(other_user).objects.get(pk=other_user.pk)
    annotation = make_annotation(user)
    for actor in (other_user, UserFactory(is_staff=True)):
        with pytest.raises(PermissionDenied) as info:
            services.annotation_hide(annotation=annotation, moderator=actor)
        assert str(info.value) == "Only moderators can hide or restore annotations."
    with pytest.raises(PermissionDenied) as info:
        services.annotation_hide(annotation=annotation, moderator=make_moderator(countries=["DE"]))
    assert "Only global moderators can act on annotations" in str(info.value)
    annotation.refresh_from_db()
    assert not annotation.hidden
    services.annotation_hide(annotation=annotation, moderator=make_moderator())
    annotation.refresh_from_db()
    assert annotation.hidden


# --- Re-anchoring and re-attaching -------------------------------------------------------


def _new_version(source, text: str) -> Document:
    from apps.sources.models import DocumentUpload
    from apps.sources.services import document_import

    document = Document.objects.create(source=source, import_format="text")
    DocumentUpload.objects.create(document=document, data=text.encode(), size=len(text))
    return document_import(document_id=document.pk)


def test_a_new_version_re_anchors_through_the_app_hook(
    user, founding_paper, document, make_annotation, run_on_commit
):
    kept = make_annotation(user, quote="Sesame Credit")
    removed = make_annotation(user, quote="Amy Dobson and Wong")
    from pathlib import Path

    from apps.sources.starter import FOUNDING_PAPER_FILE

    raw = Path(FOUNDING_PAPER_FILE).read_text()
    revised = "A new preface paragraph.\n\n" + raw.replace("Amy Dobson and Wong", "the authors")
    with run_on_commit():
        new_document = _new_version(founding_paper, revised)
    assert new_document.version == 2
    anchor = kept.anchors.get(document=new_document)
    assert anchor.status == AnchorStatus.ANCHORED
    assert new_document.text[anchor.start : anchor.end] == "Sesame Credit"
    assert anchor.passage.start <= anchor.start < anchor.passage.end
    assert removed.anchors.get(document=new_document).status == AnchorStatus.ORPHANED
    # Version 1 still shows both where they were made.
    assert kept.anchors.get(document=document).start == kept.start
    # Idempotent: a second run has nothing to do.
    assert services.document_reanchor(document_id=new_document.pk) == {}


def test_reattach_an_orphan_by_hand(
    user, other_user, founding_paper, make_annotation, run_on_commit
):
    annotation = make_annotation(user, quote="Amy Dobson and Wong")
    from apps.sources.starter import FOUNDING_PAPER_FILE

    revised = FOUNDING_PAPER_FILE.read_text().replace("Amy Dobson and Wong", "the authors")
    with run_on_commit():
        new_document = _new_version(founding_paper, revised)
    assert annotation.anchors.get(document=new_document).status == AnchorStatus.ORPHANED
    start = new_document.text.index("the authors")
    with pytest.raises(PermissionDenied):
        services.annotation_reattach(
            annotation=annotation, user=other_user, document=new_document,
            position=TextPositionSelector(start, start + 11),
        )  # fmt: skip
    with pytest.raises(ValidationError, match="outside the text"):
        services.annotation_reattach(
            annotation=annotation, user=user, document=new_document,
            position=TextPositionSelector(start, 10**6),
        )  # fmt: skip
    assert annotation.anchors.get(document=new_document).status == AnchorStatus.ORPHANED
    anchor = services.annotation_reattach(
        annotation=annotation, user=user, document=new_document,
        position=TextPositionSelector(start, start + 11),
    )  # fmt: skip
    assert (anchor.status, anchor.start, anchor.reattached_by) == (
        AnchorStatus.ANCHORED,
        start,
        user,
    )


def test_annotating_an_older_version_anchors_onto_newer_ones(
    user, founding_paper, document, make_annotation, run_on_commit
):
    from apps.sources.starter import FOUNDING_PAPER_FILE

    with run_on_commit():
        new_document = _new_version(
            founding_paper, "Preface.\n\n" + FOUNDING_PAPER_FILE.read_text()
        )
    with run_on_commit():
        annotation = make_annotation(user, quote="Sesame Credit", document=document)
    anchor = annotation.anchors.get(document=new_document)
    assert new_document.text[anchor.start : anchor.end] == "Sesame Credit"


# --- Notifications ----------------------------------------------------------------------


def test_reply_notifies_the_parent_author_and_emails(
    user, other_user, make_annotation, run_on_commit
):
    root = make_annotation(user)
    with run_on_commit():
        reply = services.annotation_reply(author=other_user, parent=root, body="A reply")
    notification = Notification.objects.get()
    assert (notification.recipient, notification.actor, notification.kind) == (
        user,
        other_user,
        "reply",
    )
    assert notification.subject_id == reply.pk
    assert len(mail.outbox) == 1
    assert "replied to you" in mail.outbox[0].subject
    assert "A reply" in mail.outbox[0].body
    notification.refresh_from_db()
    assert notification.emailed_at is not None
    # The task is idempotent.
    assert inbox.notification_send_email(notification_id=notification.pk) is False
    assert len(mail.outbox) == 1


def test_mentions_notify_once_never_self_never_invisible(
    user, other_user, third_user, make_annotation, run_on_commit
):
    third_user.email_notifications = False
    third_user.save()
    with run_on_commit():
        root = make_annotation(
            user,
            body=f"@{other_user.username} and @{third_user.username}. And @{user.username}, @nobody",
        )
        private = make_annotation(
            user, quote="Sesame Credit", visibility="private", body=f"@{other_user.username}"
        )
        services.annotation_reply(author=other_user, parent=root, body=f"@{user.username} thanks")
        services.annotation_update(
            annotation=root, user=user, body=f"@{other_user.username} edited"
        )
    assert set(Notification.objects.values_list("recipient__username", "kind")) == {
        (other_user.username, "mention"),
        (third_user.username, "mention"),
        (user.username, "reply"),
    }
    assert not Notification.objects.filter(subject_id=private.pk).exists()
    # third_user turned email off.
    assert sorted(m.to[0] for m in mail.outbox) == sorted([other_user.email, user.email])


def test_mentions_link_to_the_persons_page_in_annotations_and_entry_comments(
    user, other_user, make_annotation
):
    """Issue 14: @name of an active account links to their page, rendered once at write
    time; a deactivated or unknown name stays text."""
    gone = type(other_user).objects.create_user("gone", "gone@example.org", "x" * 20)
    gone.is_active = False
    gone.save()
    note = make_annotation(user, body=f"Ask @{other_user.username}, not @gone or @nobody.")
    assert f'href="/users/{other_user.username}/"' in note.body_html
    assert "/users/gone/" not in note.body_html and "/users/nobody/" not in note.body_html
    reply = services.annotation_reply(author=other_user, parent=note, body=f"@{user.username} ok")
    assert f'href="/users/{user.username}/"' in reply.body_html
    edited = services.annotation_update(annotation=note, user=user, body=f"@{user.username}")
    assert f'href="/users/{user.username}/"' in edited.body_html


def test_mark_read(user, other_user, make_annotation):
    root = make_annotation(user)
    services.annotation_reply(author=other_user, parent=root, body="A reply")
    assert inbox.notifications_mark_read(user=user) == 1
    assert inbox.notifications_mark_read(user=user) == 0
