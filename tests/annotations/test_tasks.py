"""Tasks: thin, idempotent; re-anchoring through a real worker when Redis is there."""

from __future__ import annotations

import time

import pytest

from apps.annotations import tasks
from apps.annotations.models import AnchorStatus, AnnotationAnchor
from apps.sources.models import Document, DocumentUpload
from apps.sources.starter import FOUNDING_PAPER_FILE


def _upload_revision(source, text: str) -> Document:
    document = Document.objects.create(source=source, import_format="text")
    DocumentUpload.objects.create(document=document, data=text.encode(), size=len(text))
    return document


@pytest.mark.django_db
def test_reanchor_task_is_idempotent(user, founding_paper, make_annotation):
    from apps.sources.services import document_import

    annotation = make_annotation(user, quote="Sesame Credit")
    document = _upload_revision(founding_paper, "New start.\n\n" + FOUNDING_PAPER_FILE.read_text())
    document_import(document_id=document.pk)  # no on-commit hook here: run the task by hand
    assert tasks.reanchor_document(document.pk) == {"anchored": 1}
    assert tasks.reanchor_document(document.pk) == {}
    assert annotation.anchors.get(document=document).status == AnchorStatus.ANCHORED


@pytest.mark.worker
def test_new_version_is_reanchored_by_a_real_worker(celery_worker_real, user, settings):
    from apps.annotations import services
    from apps.annotations.services import TextPositionSelector
    from apps.sources import tasks as source_tasks
    from apps.sources.starter import load_founding_paper

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    source, _ = load_founding_paper()
    source.refresh_from_db()
    text = source.current_document.text
    start = text.index("Sesame Credit")
    annotation = services.annotation_create(
        author=user, document=source.current_document,
        position=TextPositionSelector(start, start + len("Sesame Credit")), body="x",
    )  # fmt: skip
    document = _upload_revision(source, "New start.\n\n" + FOUNDING_PAPER_FILE.read_text())
    source_tasks.import_document.delay(document.pk)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        anchor = AnnotationAnchor.objects.filter(annotation=annotation, document=document).first()
        if anchor is not None:
            break
        time.sleep(0.2)
    else:
        pytest.fail("The worker did not re-anchor the annotation within 30 s")
    assert anchor.status == AnchorStatus.ANCHORED
    document.refresh_from_db()
    assert document.text[anchor.start : anchor.end] == "Sesame Credit"


@pytest.mark.django_db
def test_sweep_reanchors_versions_whose_job_was_lost(
    user, founding_paper, make_annotation, run_on_commit, settings
):
    """The version became ready while the broker was down (the on-commit enqueue never
    ran): the periodic sweep finds it once it has settled, re-anchors it, then finds
    nothing more to do."""
    from datetime import timedelta

    from django.utils import timezone

    from apps.annotations import selectors, services
    from apps.sources.services import document_import

    assert settings.CELERY_BEAT_SCHEDULE["annotations-reanchor-sweep"]["task"] == (
        tasks.sweep_missing_anchors.name
    )
    annotation = make_annotation(user, quote="Sesame Credit")
    reply = services.annotation_reply(author=user, parent=annotation, body="a reply")
    note = services.annotation_create(
        author=user, document=annotation.document, source_note=True, body="note"
    )
    document = _upload_revision(founding_paper, "New start.\n\n" + FOUNDING_PAPER_FILE.read_text())
    document_import(document_id=document.pk)  # on-commit work dropped, as with no broker
    assert not AnnotationAnchor.objects.filter(document=document).exists()
    # Just imported: its own job may still be on its way.
    assert tasks.sweep_missing_anchors() == []
    later = timezone.now() + timedelta(minutes=10)
    assert selectors.documents_missing_anchors(settled_before=later) == [document.pk]

    with run_on_commit():
        assert services.reanchor_sweep(send=tasks.reanchor_document.delay, now=later) == [
            document.pk
        ]
    anchors = AnnotationAnchor.objects.filter(document=document)
    # Only the root with a target is placed; replies and source notes have no anchor.
    assert list(anchors.values_list("annotation_id", "status")) == [
        (annotation.pk, AnchorStatus.ANCHORED)
    ]
    assert reply.pk and note.pk
    assert selectors.documents_missing_anchors(settled_before=later) == []
    with run_on_commit():
        assert services.reanchor_sweep(send=tasks.reanchor_document.delay, now=later) == []


@pytest.mark.django_db
def test_sweep_ignores_versions_older_than_the_annotation(user, founding_paper):
    """An annotation made on version 2 is not placed on version 1: nothing to sweep."""
    from datetime import timedelta

    from django.utils import timezone

    from apps.annotations import selectors, services
    from apps.annotations.services import TextPositionSelector
    from apps.sources.services import document_import

    document = _upload_revision(founding_paper, "New start.\n\n" + FOUNDING_PAPER_FILE.read_text())
    document_import(document_id=document.pk)
    document.refresh_from_db()
    start = document.text.index("Sesame Credit")
    services.annotation_create(
        author=user, document=document, body="on v2",
        position=TextPositionSelector(start, start + len("Sesame Credit")),
    )  # fmt: skip
    later = timezone.now() + timedelta(minutes=10)
    assert selectors.documents_missing_anchors(settled_before=later) == []


# --- Notification e-mails whose job was lost ----------------------------------------------


@pytest.mark.django_db
def test_email_sweep_sends_an_email_whose_job_was_lost_exactly_once(
    user, other_user, make_annotation, settings
):
    """The reply committed while the broker was down (the on-commit enqueue never ran):
    the in-app notification is there, and the sweep sends the e-mail once it has settled."""
    from datetime import timedelta

    from django.core import mail
    from django.utils import timezone

    from apps.annotations import services
    from apps.notifications import services as inbox
    from apps.notifications import tasks as inbox_tasks
    from apps.notifications.models import Notification

    assert settings.CELERY_BEAT_SCHEDULE["notifications-email-sweep"]["task"] == (
        inbox_tasks.sweep_unsent_notification_emails.name
    )
    root = make_annotation(user)
    services.annotation_reply(author=other_user, parent=root, body="A reply")  # no on-commit
    notification = Notification.objects.get()
    assert notification.email_pending and notification.emailed_at is None
    assert mail.outbox == []
    # Just made: its own job may still be on its way.
    assert inbox_tasks.sweep_unsent_notification_emails() == []

    later = timezone.now() + timedelta(minutes=6)
    assert inbox.notifications_sweep_unsent(
        send=inbox_tasks.send_notification_email.delay, now=later
    ) == [notification.pk]
    assert [m.to for m in mail.outbox] == [[user.email]]
    assert "A reply" in mail.outbox[0].body
    notification.refresh_from_db()
    assert notification.emailed_at is not None and not notification.email_pending
    # Settled: neither the sweep nor a redelivered job sends it again.
    assert (
        inbox.notifications_sweep_unsent(send=inbox_tasks.send_notification_email.delay, now=later)
        == []
    )
    assert inbox_tasks.send_notification_email(notification.pk) is False
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_email_sweep_gives_up_stale_and_already_read_notifications(
    user, other_user, third_user, make_annotation, caplog
):
    """After a long outage, mail days old is noise, and mail about a notification read
    in the app tells nothing new: both are dropped, not sent."""
    from datetime import timedelta

    from django.core import mail
    from django.utils import timezone

    from apps.annotations import services
    from apps.notifications import services as inbox
    from apps.notifications import tasks as inbox_tasks
    from apps.notifications.models import Notification

    root = make_annotation(user)
    stale = services.annotation_reply(author=other_user, parent=root, body="Old reply")
    other_root = make_annotation(third_user, quote="Sesame Credit")
    read = services.annotation_reply(author=other_user, parent=other_root, body="Seen reply")
    fresh = services.annotation_reply(author=third_user, parent=stale, body="New reply")
    now = timezone.now()
    Notification.objects.filter(subject_id=stale.pk).update(
        created=now - timedelta(days=3, hours=1)
    )
    inbox.notifications_mark_read(user=third_user)
    assert Notification.objects.filter(subject_id=read.pk).get().read_at is not None

    with caplog.at_level("WARNING"):
        sent = inbox.notifications_sweep_unsent(
            send=inbox_tasks.send_notification_email.delay, now=now + timedelta(minutes=6)
        )
    fresh_notification = Notification.objects.get(subject_id=fresh.pk)
    assert sent == [fresh_notification.pk]
    assert [m.to for m in mail.outbox] == [[other_user.email]]
    assert "Gave up 2 notification e-mails" in caplog.text
    assert not Notification.objects.filter(email_pending=True).exists()
    assert Notification.objects.filter(emailed_at__isnull=False).count() == 1


@pytest.mark.django_db
def test_email_sweep_leaves_alone_emails_nobody_wants(
    user, other_user, third_user, make_annotation
):
    """Recipients who turned e-mail off (before or after the notification) get none, and
    the notification is settled so the sweep does not come back to it every five minutes."""
    from datetime import timedelta

    from django.core import mail
    from django.utils import timezone

    from apps.annotations import services
    from apps.notifications import services as inbox
    from apps.notifications import tasks as inbox_tasks
    from apps.notifications.models import Notification

    third_user.email_notifications = False
    third_user.save()
    root = make_annotation(user)
    services.annotation_reply(author=other_user, parent=root, body=f"Hello @{third_user.username}")
    never_wanted = Notification.objects.get(recipient=third_user)
    assert not never_wanted.email_pending
    changed_mind = Notification.objects.get(recipient=user)
    assert changed_mind.email_pending
    user.email_notifications = False
    user.save()

    later = timezone.now() + timedelta(minutes=6)
    assert inbox.notifications_sweep_unsent(
        send=inbox_tasks.send_notification_email.delay, now=later
    ) == [changed_mind.pk]
    assert mail.outbox == []
    changed_mind.refresh_from_db()
    assert not changed_mind.email_pending and changed_mind.emailed_at is None
    assert (
        inbox.notifications_sweep_unsent(send=inbox_tasks.send_notification_email.delay, now=later)
        == []
    )


@pytest.mark.django_db
def test_email_sweep_with_the_broker_still_down_keeps_the_email_owed(
    user, other_user, make_annotation, monkeypatch, caplog
):
    from datetime import timedelta

    from django.utils import timezone
    from kombu.exceptions import OperationalError

    from apps.annotations import services
    from apps.notifications import services as inbox
    from apps.notifications import tasks as inbox_tasks
    from apps.notifications.models import Notification

    root = make_annotation(user)
    services.annotation_reply(author=other_user, parent=root, body="A reply")

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:1. Connection refused.")

    monkeypatch.setattr(inbox_tasks.send_notification_email, "delay", broker_down)
    later = timezone.now() + timedelta(minutes=6)
    assert (
        inbox.notifications_sweep_unsent(send=inbox_tasks.send_notification_email.delay, now=later)
        == []
    )
    assert "Sweep could not enqueue email" in caplog.text
    assert Notification.objects.get().email_pending
