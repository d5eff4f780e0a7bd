"""Moves every reply/mention notification (annotations) and every moderation notice
(moderation) into the one inbox, keeping times, read state and owed e-mails. The old
tables are dropped by the next migration of each app."""

from django.db import migrations
from django.urls import reverse

BATCH = 2000


def _created_kept(Notification):
    # auto_now_add would stamp every moved row with the time of the migration.
    Notification._meta.get_field("created").auto_now_add = False


def move(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    ContentType = apps.get_model("contenttypes", "ContentType")
    OldNotification = apps.get_model("annotations", "Notification")
    ModerationNotice = apps.get_model("moderation", "ModerationNotice")
    _created_kept(Notification)
    annotation_type, _ = ContentType.objects.get_or_create(
        app_label="annotations", model="annotation"
    )
    rows = []
    for old in OldNotification.objects.select_related("annotation", "annotation__source").iterator():
        annotation = old.annotation
        url = reverse("sources:reader", kwargs={"slug": annotation.source.slug})
        rows.append(
            Notification(
                recipient_id=old.recipient_id,
                actor_id=old.actor_id,
                kind=old.kind,
                subject_type=annotation_type,
                subject_id=annotation.pk,
                target_label=annotation.source.title[:300],
                target_url=f"{url}?thread={annotation.thread_id or annotation.pk}#annotation-{annotation.pk}"[:500],
                text=annotation.body[:500],
                created=old.created,
                read_at=old.read_at,
                emailed_at=old.emailed_at,
                email_pending=old.email_pending,
            )
        )
    for old in ModerationNotice.objects.iterator():
        rows.append(
            Notification(
                recipient_id=old.recipient_id,
                kind="decision",
                verb=old.decision,
                target_label=old.target_label,
                target_url=old.target_url,
                text=old.reason,
                created=old.created,
                read_at=old.read_at,
                # The old notices knew only "handled" (sent, or not wanted): unhandled ones
                # are still owed, and the sweep sends those young enough.
                email_pending=old.email_handled_at is None,
            )
        )
    Notification.objects.bulk_create(rows, batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_inbox"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("annotations", "0005_history_reasons_in_full"),
        ("moderation", "0012_decision_keep"),
    ]

    # Backwards the old tables come back empty (their migrations recreate them): the
    # moved rows stay here.
    operations = [migrations.RunPython(move, migrations.RunPython.noop)]
